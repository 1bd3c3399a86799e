import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  charges,
  chinaMidnight,
  type SandboxOrder,
  signEdu,
  startBillingHarness,
  startReplica,
} from '../../apps/bff/test/helpers/billing.ts';
import type { Harness } from '../../apps/bff/test/helpers/harness.ts';
import { pgDescribe, startPostgres, type TestPostgres } from '../src/postgres.ts';
import { createRng, SEED } from '../src/prng.ts';
import { reportPart } from '../src/report.ts';

/*
 * The billing cycle under every fault the sandbox has: 5xx before and after processing and timeouts after
 * processing on the notice, debit and order-query routes; dropped, duplicated, concurrently duplicated and
 * reordered result notifications; PAY_FAIL and slow (ACCEPTED) outcomes; debits that land late (taken in,
 * answered 500, invisible to queries until landed at a random later step: after a "not found", a resend, or
 * their period's close); users terminating mid-cycle; two BFF replicas on one PostgreSQL. The invariants are
 * computed from what WeChat (the sandbox) holds, every order mapped to its period through the attempts ledger.
 */
const USERS = 16;
const PERIODS = 4;
const HOUR = 3600;

pgDescribe('billing chaos')('billing cycle under faults (two replicas, PostgreSQL)', () => {
  let pg: TestPostgres;
  let h: Harness;
  let second: FastifyInstance;
  const env = {
    BILLING_CALL_RETRY_SECONDS: '60',
    EDU_ACCEPTED_REQUERY_SECONDS: '120',
    BILLING_BATCH: '5',
    WECHATPAY_TIMEOUT_MS: '800',
  };
  beforeAll(async () => {
    pg = await startPostgres();
    const databaseUrl = await pg.createDatabase('billing_chaos');
    h = await startBillingHarness({ databaseUrl, env });
    second = await startReplica(h, databaseUrl, env);
  });
  afterAll(async () => {
    await second?.close();
    await h?.close();
    await pg?.stop();
  });

  it('never charged twice, never without a notice, never after termination; every period resolved', async () => {
    const rnd = createRng(SEED);
    const users = [];
    for (let i = 0; i < USERS; i++) users.push(await signEdu(h));
    // Some users' debits fail (balance) or settle late, in a random order per user.
    for (const u of users) {
      const outcomes = Array.from({ length: PERIODS * 2 }, () => {
        const r = rnd.next();
        return r < 0.2
          ? 'PAY_FAIL'
          : r < 0.35
            ? 'ACCEPTED_THEN_SUCCESS'
            : r < 0.4
              ? 'ACCEPTED_THEN_PAY_FAIL'
              : 'SUCCESS';
      });
      await h.control('POST', `/billing/contracts/${u.wechatContractId}/outcomes`, { outcomes });
    }
    // Some users' first debits land late (after "not found", a resend, or even their period's close).
    for (const u of users) {
      if (rnd.next() < 0.3)
        await h.control('POST', `/billing/contracts/${u.wechatContractId}/hold`, {
          count: 1 + Math.floor(rnd.next() * 2),
        });
    }
    let landedLate = 0;
    let mergedLate = 0;
    const land = async () => {
      const r = await h.control<{ landed: string[]; merged: string[] }>('POST', '/billing/held/land');
      landedLate += r.body.landed.length;
      mergedLate += r.body.merged.length;
    };
    await h.control('PUT', '/billing', { settleAfterMs: 30 });
    const route = { systemErrorRate: 0.1, systemErrorAfterRate: 0.1, timeoutAfterRate: 0.05, timeoutMs: 900 };
    await h.control('PUT', '/faults', {
      routes: {
        'POST /v3/edu-papay/user-notifications/:contract_id/send': route,
        'POST /v3/edu-papay/transactions': route,
        'GET /v3/edu-papay/transactions/out-trade-no/:out_trade_no': {
          systemErrorRate: 0.1,
          timeoutAfterRate: 0.05,
          timeoutMs: 900,
        },
      },
      notify: { dropFirstRate: 0.2, duplicateRate: 0.2, concurrentDuplicateRate: 0.1, reorderRate: 0.2 },
    });
    const both = () =>
      Promise.all([h.app.billing.scheduler.runUntilIdle(), second.billing.scheduler.runUntilIdle()]);
    await both();

    const terminatedAt = new Map<string, number>();
    let due = (await charges(h, users[0]!.contractId))[0]!.due_date;
    for (let k = 0; k < PERIODS; k++) {
      // From the notice day to a week after the debit day, in steps, so retries and re-queries come due.
      for (let t = chinaMidnight(due) - 15 * HOUR; t < chinaMidnight(due) + 8 * 86_400; t += 3 * HOUR) {
        h.clock.set(t);
        await both();
        // A user or two walk away mid-cycle.
        if (rnd.next() < 0.05) {
          const u = users[Math.floor(rnd.next() * users.length)]!;
          if (!terminatedAt.has(u.wechatContractId)) {
            await h.control('POST', `/contracts/${u.wechatContractId}/user-terminate`);
            terminatedAt.set(u.wechatContractId, h.clock.now());
          }
        }
        if (rnd.next() < 0.06) await land();
        await new Promise((r) => setTimeout(r, 40)); // results and notifications in flight land
      }
      const next = new Date(Date.parse(`${due}T00:00:00Z`));
      next.setUTCMonth(next.getUTCMonth() + 1);
      due = next.toISOString().slice(0, 10);
    }
    // Faults off, then a last sweep so everything in flight is resolved.
    await h.control('DELETE', '/faults');
    await land();
    for (let i = 0; i < 3; i++) {
      h.clock.set(h.clock.now() + HOUR);
      await both();
      await new Promise((r) => setTimeout(r, 200));
    }

    let periods = 0;
    let unresolved = 0;
    let twice = 0;
    let withoutNotice = 0;
    let afterTermination = 0;
    let debits = 0;
    let paid = 0;
    let failed = 0;
    let cancelled = 0;
    const lastDue = new Date(Date.parse(`${due}T00:00:00Z`));
    lastDue.setUTCMonth(lastDue.getUTCMonth() - 1);
    for (const u of users) {
      const rows = (await charges(h, u.contractId)).filter(
        (c) => c.due_date <= lastDue.toISOString().slice(0, 10),
      );
      periods += rows.length;
      unresolved += rows.filter((c) => !['PAID', 'FAILED', 'CANCELLED'].includes(c.state)).length;
      paid += rows.filter((c) => c.state === 'PAID').length;
      failed += rows.filter((c) => c.state === 'FAILED').length;
      cancelled += rows.filter((c) => c.state === 'CANCELLED').length;
      const orders = (
        await h.control<{ orders: Array<SandboxOrder & { createdAt: number }> }>(
          'GET',
          `/billing/orders?contractId=${u.wechatContractId}`,
        )
      ).body.orders;
      debits += orders.length;
      const notices = (
        await h.control<{ notices: Array<{ day: string }> }>(
          'GET',
          `/billing/notices?contractId=${u.wechatContractId}`,
        )
      ).body.notices;
      // Every number the ledger ever used for a period (not only its current one): a second order under an
      // older number would otherwise hide as a period of its own.
      const periodOf = new Map<string, string>();
      for (const c of rows)
        for (const a of await h.app.billing.ledger.attemptsOf(c.id)) periodOf.set(a.out_trade_no, c.period);
      const byPeriod = new Map<string, number>();
      for (const o of orders.filter((x) => x.trade_state === 'SUCCESS')) {
        const key = periodOf.get(o.out_trade_no) ?? `unknown:${o.out_trade_no}`;
        byPeriod.set(key, (byPeriod.get(key) ?? 0) + 1);
        const day = new Date((o.createdAt + 8 * HOUR) * 1000).toISOString().slice(0, 10);
        const lead = (n: { day: string }) => Math.round((Date.parse(day) - Date.parse(n.day)) / 86_400_000);
        if (!notices.some((n) => lead(n) >= 1 && lead(n) <= 3)) withoutNotice++;
        const ended = terminatedAt.get(u.wechatContractId);
        if (ended !== undefined && o.createdAt > ended) afterTermination++;
      }
      for (const n of byPeriod.values()) if (n > 1) twice += n - 1;
      // Every SUCCESS order is a PAID period of the ledger, and every PAID period has its SUCCESS order.
      expect(rows.filter((c) => c.state === 'PAID').length).toBe(
        orders.filter((o) => o.trade_state === 'SUCCESS' && periodOf.has(o.out_trade_no)).length,
      );
    }
    const faults = (await h.control<Record<string, number>>('GET', '/faults/stats')).body;
    const faultCount = Object.values(faults).reduce((a, b) => a + b, 0);
    console.log(
      `[reliability] billing: charged twice = ${twice}, charged without notice = ${withoutNotice}, ` +
        `charged after termination = ${afterTermination}, periods unresolved = ${unresolved} ` +
        `(users ${USERS}, periods ${periods}: paid ${paid}, failed ${failed}, cancelled ${cancelled}; ` +
        `debits ${debits}; landed late ${landedLate}, merged into a resend ${mergedLate}; ` +
        `faults ${faultCount} ${JSON.stringify(faults)}; terminated ${terminatedAt.size})`,
    );
    reportPart('billing-chaos', {
      users: USERS,
      periods,
      debits,
      paid,
      failed,
      cancelled,
      chargedTwice: twice,
      chargedWithoutNotice: withoutNotice,
      chargedAfterTermination: afterTermination,
      periodsUnresolved: unresolved,
      debitsLandedLate: landedLate,
      debitsMergedIntoResend: mergedLate,
      faultsInjected: faults,
    });
    expect(twice).toBe(0);
    expect(withoutNotice).toBe(0);
    expect(afterTermination).toBe(0);
    expect(unresolved).toBe(0);
    expect(periods).toBeGreaterThanOrEqual(USERS * 2);
    expect(faultCount).toBeGreaterThan(0);
  }, 600_000);
});
