// The demo's static server for the mini-program's H5 build: @fastify/static (send's path resolution: no escape
// from `dir`, dotfiles refused) instead of a hand-written one, whose `GET /%` threw out of the request handler
// and killed the demo process supervising the BFF and the sandbox. Fastify answers a malformed URL with 400.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import Fastify from 'fastify';

/** Serves `dir` and a generated `/config.js` (`window.__QIANYUE_CONFIG__ = config`); resolves when listening. */
export async function startH5Server({ dir, host, port, config }) {
  const app = Fastify({ logger: false, requestTimeout: 30_000, connectionTimeout: 60_000 });
  const configJs = `window.__QIANYUE_CONFIG__ = ${JSON.stringify(config)};\n`;
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    return payload;
  });
  app.get('/config.js', (_req, reply) =>
    reply.type('text/javascript').header('cache-control', 'no-store').send(configJs),
  );
  await app.register(fastifyStatic, { root: path.resolve(dir), index: ['index.html'], dotfiles: 'deny' });
  await app.listen({ host, port });
  return { url: `http://${host}:${app.server.address().port}`, close: () => app.close() };
}

// `node scripts/h5-server.mjs <dir>`: serves <dir> on a free loopback port and prints its URL (tests).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const s = await startH5Server({ dir: process.argv[2], host: '127.0.0.1', port: 0, config: {} });
  console.log(s.url);
  process.on('SIGTERM', () => s.close().then(() => process.exit(0)));
}
