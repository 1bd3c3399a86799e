import { readFileSync } from 'node:fs';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Clock } from '@qianyue/wechatpay';
import type { FastifyReply } from 'fastify';
import type { AppConfig } from '../config.ts';
import consoleApi from './api.ts';

/*
 * The operations console: one static page + vanilla JS (no framework, no CDN, type-checked with
 * `// @ts-check` against schemas.ts) and a JSON API under /admin/api/* (api.ts), for merchant staff.
 * Registered with the prefix /admin; absent entirely (404) when no admin token is configured. The page
 * itself carries no data.
 */

const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export interface ConsoleOptions {
  config: AppConfig;
  clock: Clock;
}

const consoleRoutes: FastifyPluginAsyncTypebox<ConsoleOptions> = async (app, opts) => {
  const admin = opts.config.admin;
  if (!admin) {
    app.log.info('operations console disabled: no ADMIN_TOKEN_PATH / ADMIN_TOKEN configured');
    return;
  }
  // Served as written: the browser runs console.js itself, so starting the BFF needs no build step.
  const page = readFileSync(new URL('./page.html', import.meta.url), 'utf8');
  // The page's ES modules (console.js is the entry; same origin, so the CSP's script-src 'self' covers them).
  // Each path is written out: the deploy build copies each file a URL literal here names.
  const modules: Record<string, string> = {
    'console.js': readFileSync(new URL('./console.js', import.meta.url), 'utf8'),
    'api-client.js': readFileSync(new URL('./api-client.js', import.meta.url), 'utf8'),
    'dom.js': readFileSync(new URL('./dom.js', import.meta.url), 'utf8'),
    'chart.js': readFileSync(new URL('./chart.js', import.meta.url), 'utf8'),
    'charges.js': readFileSync(new URL('./charges.js', import.meta.url), 'utf8'),
  };
  const hidden = { schema: { hide: true } } as const;

  const sendStatic = (reply: FastifyReply, type: string, body: string) =>
    reply.headers(PAGE_HEADERS).type(type).send(body);
  app.get('/', hidden, async (_req, reply) => sendStatic(reply, 'text/html; charset=utf-8', page));
  for (const [name, body] of Object.entries(modules)) {
    app.get(`/${name}`, hidden, async (_req, reply) =>
      sendStatic(reply, 'text/javascript; charset=utf-8', body),
    );
  }

  await app.register(consoleApi, {
    prefix: '/api',
    config: opts.config,
    clock: opts.clock,
    admin,
  });
};
export default consoleRoutes;
