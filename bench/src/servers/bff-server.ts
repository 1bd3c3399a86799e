import { buildApp } from '@qianyue/bff';
import { benchBffConfig } from '../support/bff-config.ts';
import { serveCommands } from '../support/child.ts';
import { createProbe, createProfiler } from './probe.ts';

/*
 * The real BFF (buildApp, production-like settings: LOG_LEVEL=info to stdout — /dev/null here —, default
 * rate limits, docs on) in its own process, pointed at the pre-signed responder (BENCH_UPSTREAM) as WeChat Pay.
 * DATABASE_URL: memory:// (PGlite in memory) or postgres://… . Sessions are issued up front through the app's
 * own session service (the same code the login route ends in), so every load request can be a NEW user.
 */
const upstream = process.env.BENCH_UPSTREAM as string;
const config = await benchBffConfig({
  upstream,
  databaseUrl: process.env.BENCH_DATABASE_URL ?? 'memory://',
  logLevel: process.env.BENCH_LOG_LEVEL ?? 'info',
});
const probe = createProbe();
const app = await buildApp(config);
await app.listen({ port: 0, host: '127.0.0.1' });
const { port } = app.server.address() as { port: number };

let users = 0;
serveCommands(
  {
    ...createProfiler(),

    reset: probe.reset,
    read: probe.read,
    memory: () => {
      global.gc?.();
      return probe.memory();
    },
    /** Issues `n` sessions for fresh openids; returns their bearer tokens. */
    sessions: async (m) => {
      const n = Number(m.n);
      const tokens: string[] = [];
      for (let i = 0; i < n; i += 200) {
        const chunk = await Promise.all(
          Array.from({ length: Math.min(200, n - i) }, () =>
            app.sessions.issue(`oBench${String(users++).padStart(22, '0')}`, 'bench-session-key'),
          ),
        );
        for (const s of chunk) tokens.push(s.token);
      }
      return { tokens };
    },
    contracts: async () => {
      const r = await app.db
        .selectFrom('contracts')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return { contracts: Number(r.n) };
    },
  },
  { url: `http://127.0.0.1:${port}` },
);
process.on('SIGTERM', () => {
  void app.close().finally(() => process.exit(0));
});
