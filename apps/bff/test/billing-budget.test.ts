import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRequestBudget, GRANT_GUARD_MS } from '../src/billing/budget.ts';
import { asBillingDb, type BillingDb } from '../src/billing/tables.ts';
import { createDatabase, migrateToLatest } from '../src/db/create-database.ts';
import { charges, chinaMidnight, signEdu, startBillingHarness, startReplica } from './helpers/billing.ts';
import { type Harness, LogCapture } from './helpers/harness.ts';
import { postgresBinaries, startPostgres, type TestPostgres } from './helpers/postgres.ts';

const available = postgresBinaries() !== undefined;
if (!available)
  console.warn('\n!!! PostgreSQL binaries not found: SKIPPING the billing request-budget test !!!\n');

/** Wall-clock second → how many requests the sandbox received for `path` in it (from its request log). */
function perSecond(logs: LogCapture, method: string | undefined, prefix: string, sinceMs = 0): number[] {
  const counts = new Map<number, number>();
  for (const line of logs.text().split('\n')) {
    if (!line.includes('"incoming request"')) continue;
    const l = JSON.parse(line) as { time: number; req?: { method?: string; url?: string } };
    if (l.time < sinceMs) continue;
    if ((method && l.req?.method !== method) || !l.req?.url?.startsWith(prefix)) continue;
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
    const signed: Array<Awaited<ReturnType<typeof signEdu>>> = [];
    const env = {
      BILLING_REQUESTS_PER_SECOND: '3',
      BILLING_BATCH: '4',
      RECONCILE_SIGNED_AFTER_SECONDS: '60',
    };
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

    it('the background reconciler takes its tokens from the same budget: reconcile + debits together ≤ 3/s', async () => {
      // The 10 contracts above, long since checked (RECONCILE_SIGNED_AFTER_SECONDS=60), come due for a reconcile
      // pass on both replicas while their debits are due too: every WeChat call of the fleet counts.
      const period = (await charges(h, signed[0]!.contractId))[0]!;
      expect(period.state).toBe('NOTICE_SENT');
      h.clock.set(chinaMidnight(period.due_date) + 3600);
      const since = Date.now();
      const [a, b] = await Promise.all([
        h.app.background.reconciler.runOnce(),
        second.background.reconciler.runOnce(),
        h.app.billing.scheduler.runUntilIdle(),
        second.billing.scheduler.runUntilIdle(),
      ]);
      expect(a.checked.length + b.checked.length).toBeGreaterThanOrEqual(10);
      const all = perSecond(logs, undefined, '/v3/', since);
      const contractQueries = perSecond(logs, 'GET', '/v3/edu-papay/contracts/', since);
      expect(contractQueries.reduce((x, y) => x + y, 0)).toBeGreaterThanOrEqual(10);
      expect(Math.max(...all)).toBeLessThanOrEqual(3);
    }, 60_000);
  },
);

/** A fake wall clock: each read lets 1 ms pass (code takes time), sleep jumps ahead. */
function fakeTime(startMs: number, script: number[] = []) {
  const t = { now: startMs };
  return {
    t,
    nowMs: () => {
      const next = script.shift();
      if (next !== undefined) t.now = next;
      else t.now++;
      return t.now;
    },
    sleep: async (ms: number) => {
      const target = t.now + ms;
      await Promise.resolve();
      t.now = Math.max(t.now, target);
    },
  };
}

describe('the request budget never lets a grant spill into the next second (PGlite, injected time)', () => {
  let db: BillingDb;
  beforeEach(async () => {
    const k = createDatabase('memory://');
    await migrateToLatest(k);
    db = asBillingDb(k);
  });
  afterEach(async () => db.destroy());
  const used = async () =>
    Object.fromEntries(
      (
        await sql<{ second: string; used: number }>`select second, used from billing_request_budget`.execute(
          db,
        )
      ).rows.map((r) => [Number(r.second), r.used]),
    );

  it('10 callers arriving 5 ms before a second ends at budget 5: calls landing up to 40 ms later stay ≤ 5 per second', async () => {
    const clock = fakeTime(995);
    const take = createRequestBudget({ db, perSecond: 5, nowMs: clock.nowMs, sleep: clock.sleep });
    const landed: number[] = [];
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        await take();
        landed.push(Math.floor((clock.t.now + 40) / 1000)); // the call reaches WeChat 40 ms after its grant
      }),
    );
    const perSecond = new Map<number, number>();
    for (const s of landed) perSecond.set(s, (perSecond.get(s) ?? 0) + 1);
    expect(landed).toHaveLength(10);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(5);
    // Nothing was granted in the guarded end of second 0.
    expect((await used())[0]).toBeUndefined();
  });

  it('a grant that comes back past the guard is dropped (still counted) and asked again in the next second', async () => {
    // Asked at 940 ms (inside second 0), answered at 960 ms (inside the last GRANT_GUARD_MS of it).
    const clock = fakeTime(0, [940, 960]);
    const take = createRequestBudget({ db, perSecond: 5, nowMs: clock.nowMs, sleep: clock.sleep });
    await take();
    expect(clock.t.now).toBeGreaterThanOrEqual(1000);
    expect(await used()).toEqual({ 0: 1, 1: 1 });
    expect(GRANT_GUARD_MS).toBeGreaterThan(40);
  });
});
