import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Child, startChild } from '../support/child.ts';
import { load } from '../support/load.ts';
import { startPostgres } from '../support/postgres.ts';

/*
 * Issue 13: CPU profiles of the BFF and of the presign limit on PostgreSQL, each over one presign load window
 * only (inspector Profiler in the server process, 200 µs sampling; start-up and session issuance excluded).
 * Files land in BENCH_PROFILE_DIR (default /tmp/qianyue-presign-profile); summarise one with
 * `tsx src/tools/summarise-profile.ts <file> <requests>`.
 */
const dir = path.resolve(process.env.BENCH_PROFILE_DIR ?? '/tmp/qianyue-presign-profile');
mkdirSync(dir, { recursive: true });
const seconds = Number(process.env.BENCH_LOAD_SECONDS ?? 8);
const pg = startPostgres();
if (!pg) throw new Error('no PostgreSQL binaries on PATH');
const responder = await startChild('responder.ts');
const children: Child[] = [responder];
try {
  const env = { BENCH_UPSTREAM: responder.ready.url as string, BENCH_DATABASE_URL: pg.url };
  const bff = await startChild('bff-server.ts', env);
  children.push(bff);
  const limit = await startChild('presign-limit-server.ts', env);
  children.push(limit);
  const { tokens } = await bff.call<{ tokens: string[] }>('sessions', { n: 1_000 * seconds });
  let next = 0;
  for (const [name, child, auth] of [
    ['bff', bff, true],
    ['limit', limit, false],
  ] as const) {
    await child.call('profileStart');
    const r = await load({
      url: child.ready.url as string,
      path: '/v1/contracts/presign',
      body: JSON.stringify({ planKey: 'edu-monthly' }),
      seconds,
      connections: 16,
      ...(auth ? { tokens: () => tokens[next++ % tokens.length] as string } : {}),
    });
    const file = path.join(dir, `${name}.cpuprofile`);
    await child.call('profileStop', { file });
    console.log(JSON.stringify({ name, file, ...r }));
  }
} finally {
  for (const c of children.reverse()) await c.stop();
  pg.stop();
}
