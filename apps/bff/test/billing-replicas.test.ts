import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BillingPass } from '../src/billing/scheduler.ts';
import {
  charges,
  chinaMidnight,
  sandboxOrders,
  signEdu,
  startBillingHarness,
  startReplica,
} from './helpers/billing.ts';
import { eventually, type Harness } from './helpers/harness.ts';
import { postgresBinaries, startPostgres, type TestPostgres } from './helpers/postgres.ts';

const available = postgresBinaries() !== undefined;
if (!available)
  console.warn('\n!!! PostgreSQL binaries not found: SKIPPING the two-replica billing test !!!\n');

describe.runIf(available)('two BFF replicas run the billing scheduler at once (PostgreSQL)', () => {
  let pg: TestPostgres;
  let h: Harness;
  let second: FastifyInstance;
  beforeAll(async () => {
    pg = await startPostgres();
    const databaseUrl = await pg.createDatabase('billing_replicas');
    // Small batches, so each pass of each replica claims only part of the due periods.
    const env = { BILLING_BATCH: '2' };
    h = await startBillingHarness({ databaseUrl, env });
    second = await startReplica(h, databaseUrl, env);
  }, 90_000);
  afterAll(async () => {
    await second?.close();
    await h?.close();
    await pg?.stop();
  });

  it('8 contracts × 3 periods: every period exactly one order, both replicas did work', async () => {
    const signed: Array<Awaited<ReturnType<typeof signEdu>>> = [];
    for (let i = 0; i < 8; i++) signed.push(await signEdu(h));
    const both = async () => {
      const [a, b] = await Promise.all([
        h.app.billing.scheduler.runUntilIdle(),
        second.billing.scheduler.runUntilIdle(),
      ]);
      return { a: a.flatMap((p: BillingPass) => p.stepped), b: b.flatMap((p: BillingPass) => p.stepped) };
    };
    const work = { a: 0, b: 0 };
    const tally = (r: { a: string[]; b: string[] }) => {
      work.a += r.a.length;
      work.b += r.b.length;
    };
    tally(await both());
    for (let k = 0; k < 3; k++) {
      const dues = new Set<string>();
      for (const s of signed) {
        const open = (await charges(h, s.contractId)).find((c) => c.state !== 'PAID');
        dues.add(open!.due_date);
      }
      expect(dues.size).toBe(1);
      const due = [...dues][0]!;
      h.clock.set(chinaMidnight(due) - 15 * 3600);
      tally(await both());
      h.clock.set(chinaMidnight(due) + 9 * 3600);
      tally(await both());
      await eventually(async () => {
        for (const s of signed) {
          const c = (await charges(h, s.contractId)).find((r) => r.due_date === due);
          if (c?.state !== 'PAID') return undefined;
        }
        return true;
      }, 400);
    }
    for (const s of signed) {
      const orders = await sandboxOrders(h, s.wechatContractId);
      const paid = (await charges(h, s.contractId)).filter((c) => c.state === 'PAID');
      expect(paid).toHaveLength(3);
      expect(orders).toHaveLength(3);
      expect(new Set(orders.map((o) => o.out_trade_no))).toEqual(new Set(paid.map((c) => c.out_trade_no)));
    }
    expect(work.a).toBeGreaterThan(0);
    expect(work.b).toBeGreaterThan(0);
  }, 120_000);
});
