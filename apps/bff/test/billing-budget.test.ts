import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { charges, chinaMidnight, signEdu, startBillingHarness, startReplica } from './helpers/billing.ts';
import { type Harness, LogCapture } from './helpers/harness.ts';
import { postgresBinaries, startPostgres, type TestPostgres } from './helpers/postgres.ts';

const available = postgresBinaries() !== undefined;
if (!available)
  console.warn('\n!!! PostgreSQL binaries not found: SKIPPING the billing request-budget test !!!\n');

/** Wall-clock second → how many requests the sandbox received for `path` in it (from its request log). */
function perSecond(logs: LogCapture, method: string, prefix: string): number[] {
  const counts = new Map<number, number>();
  for (const line of logs.text().split('\n')) {
    if (!line.includes('"incoming request"')) continue;
    const l = JSON.parse(line) as { time: number; req?: { method?: string; url?: string } };
    if (l.req?.method !== method || !l.req.url?.startsWith(prefix)) continue;
    const s = Math.floor(l.time / 1000);
    counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  return [...counts.values()];
}

describe.runIf(available)(
  'the WeChat request budget holds for the whole fleet (PostgreSQL, two replicas)',
  () => {
    let pg: TestPostgres;
    let h: Harness;
    let second: FastifyInstance;
    const logs = new LogCapture();
    const env = { BILLING_REQUESTS_PER_SECOND: '3', BILLING_BATCH: '4' };
    beforeAll(async () => {
      pg = await startPostgres();
      const databaseUrl = await pg.createDatabase('billing_budget');
      h = await startBillingHarness({ databaseUrl, env, sandboxLogs: logs });
      second = await startReplica(h, databaseUrl, env);
    }, 90_000);
    afterAll(async () => {
      await second?.close();
      await h?.close();
      await pg?.stop();
    });

    it('10 notices due at once, 3 requests/second for both replicas together', async () => {
      const signed: Array<Awaited<ReturnType<typeof signEdu>>> = [];
      for (let i = 0; i < 10; i++) signed.push(await signEdu(h));
      await h.app.billing.scheduler.runUntilIdle(); // first periods planned; notices not due yet
      const due = (await charges(h, signed[0]!.contractId))[0]!.due_date;
      h.clock.set(chinaMidnight(due) - 15 * 3600);
      const started = Date.now();
      await Promise.all([h.app.billing.scheduler.runUntilIdle(), second.billing.scheduler.runUntilIdle()]);
      const elapsed = Date.now() - started;
      for (const s of signed) expect((await charges(h, s.contractId))[0]?.state).toBe('NOTICE_SENT');
      const counts = perSecond(logs, 'POST', '/v3/edu-papay/user-notifications/');
      expect(counts.reduce((a, b) => a + b, 0)).toBe(10);
      expect(Math.max(...counts)).toBeLessThanOrEqual(3);
      // 10 calls at 3 per second need at least 3 second boundaries.
      expect(elapsed).toBeGreaterThan(2_000);
    }, 60_000);
  },
);
