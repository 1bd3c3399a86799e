import { describe, expect, it } from 'vitest';
import {
  BILLING_BACKENDS,
  billingHarnessPerTest,
  charges,
  chinaMidnight,
  DAY,
  noticeThenDebit,
  periodIn,
  runAt,
  sandboxOrders,
  signAndPlan,
  signEdu,
} from './helpers/billing.ts';
import { eventually, type Harness } from './helpers/harness.ts';
import { makeNotification, postNotification } from './helpers/notification-suite.ts';

const HOUR = 3600;
const NOTICE_ROUTE = 'POST /v3/edu-papay/user-notifications/:contract_id/send';
const DEBIT_ROUTE = 'POST /v3/edu-papay/transactions';
const DEAD_URL = 'http://127.0.0.1:9';

if (BILLING_BACKENDS.length === 1)
  console.warn('\n!!! PostgreSQL binaries not found: billing guarantees run on PGlite only !!!\n');

describe.each(BILLING_BACKENDS)('billing guarantees on $name', ({ postgres }) => {
  const start = billingHarnessPerTest(postgres, 'billing');
  const events = async (hh: Harness, chargeId: string) => hh.app.billing.ledger.eventsOf(chargeId);

  it('notice never accepted → never debited; the period fails as NOTICE_NOT_SENT, the next one is planned', async () => {
    const hh = await start();
    await hh.control('PUT', '/faults', { routes: { [NOTICE_ROUTE]: { systemErrorRate: 1 } } });
    const { contractId, wechatContractId } = await signEdu(hh);
    await hh.app.billing.scheduler.runUntilIdle();
    const [c] = await charges(hh, contractId);
    expect(c!.state).toBe('SCHEDULED');
    for (const days of [0, 1, 3, 8]) await runAt(hh, chinaMidnight(c!.due_date) + days * DAY + 9 * HOUR);
    const after = await charges(hh, contractId);
    expect(after[0]).toMatchObject({ state: 'FAILED', failure_code: 'NOTICE_NOT_SENT', attempts: 0 });
    expect(after[1]?.state).toBe('SCHEDULED');
    expect(await sandboxOrders(hh, wechatContractId)).toHaveLength(0);
    const ev = await events(hh, c!.id);
    expect(ev.filter((e) => e.call === 'notice' && e.outcome === 'unknown').length).toBeGreaterThan(0);
    expect(ev.filter((e) => e.call === 'debit')).toHaveLength(0);
  }, 60_000);

  it('PAY_FAIL twice → retried by the policy with a new number each time → PAID on the 3rd attempt', async () => {
    const hh = await start();
    const { contractId, wechatContractId } = await signEdu(hh);
    await hh.control('POST', `/billing/contracts/${wechatContractId}/outcomes`, {
      outcomes: ['PAY_FAIL', 'PAY_FAIL'],
    });
    await hh.app.billing.scheduler.runUntilIdle();
    const due = (await charges(hh, contractId))[0]!.due_date;
    for (let day = 0; day < 3; day++) {
      if (day === 0) await noticeThenDebit(hh, due);
      else await runAt(hh, chinaMidnight(due) + day * DAY + 9 * HOUR);
      await eventually(async () => {
        const orders = await sandboxOrders(hh, wechatContractId);
        const c = (await charges(hh, contractId))[0]!;
        const attempts = await hh.app.billing.ledger.attemptsOf(c.id);
        return orders.length === day + 1 &&
          attempts.every((a) => a.status !== 'CREATED' && a.status !== 'ACCEPTED')
          ? true
          : undefined;
      }, 400);
    }
    const paid = await periodIn(hh, contractId, due, ['PAID']);
    expect(paid.attempts).toBe(3);
    const attempts = await hh.app.billing.ledger.attemptsOf(paid.id);
    expect(attempts.map((a) => a.status)).toEqual(['PAY_FAIL', 'PAY_FAIL', 'SUCCESS']);
    expect(attempts[0]!.reason).toBe('余额不足');
    const orders = await sandboxOrders(hh, wechatContractId);
    expect(orders.map((o) => o.trade_state).sort()).toEqual(['PAY_FAIL', 'PAY_FAIL', 'SUCCESS']);
    expect(new Set(orders.map((o) => o.out_trade_no)).size).toBe(3);
  }, 60_000);

  it('PAY_FAIL on every attempt → FAILED with the reason after BILLING_MAX_ATTEMPTS', async () => {
    const hh = await start({ BILLING_MAX_ATTEMPTS: '2' });
    await hh.control('PUT', '/billing', { outcome: 'PAY_FAIL' });
    const { contractId, wechatContractId, due } = await signAndPlan(hh);
    await noticeThenDebit(hh, due);
    await eventually(async () =>
      (await sandboxOrders(hh, wechatContractId)).length === 1 ? true : undefined,
    );
    await eventually(
      async () => ((await charges(hh, contractId))[0]!.failure_code === 'PAY_FAIL' ? true : undefined),
      400,
    );
    await runAt(hh, chinaMidnight(due) + DAY + 9 * HOUR);
    const failed = await periodIn(hh, contractId, due, ['FAILED']);
    expect(failed).toMatchObject({ attempts: 2, failure_code: 'PAY_FAIL', failure_reason: '余额不足' });
    await runAt(hh, chinaMidnight(due) + 5 * DAY);
    expect(await sandboxOrders(hh, wechatContractId)).toHaveLength(2);
    expect((await charges(hh, contractId))[1]?.state).toMatch(/SCHEDULED|NOTICE_SENT/);
  }, 60_000);

  it('terminated between notice and debit → CANCELLED, no debit call', async () => {
    const hh = await start();
    const { contractId, wechatContractId, due } = await signAndPlan(hh);
    await runAt(hh, chinaMidnight(due) - 15 * HOUR);
    const [c] = await charges(hh, contractId);
    expect(c!.state).toBe('NOTICE_SENT');
    await hh.control('POST', `/contracts/${wechatContractId}/user-terminate`);
    await eventually(async () =>
      (await hh.app.contractsRepository.findById(contractId))?.state === 'TERMINATED' ? true : undefined,
    );
    await runAt(hh, chinaMidnight(c!.due_date) + 9 * HOUR);
    const after = await charges(hh, contractId);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ state: 'CANCELLED', failure_code: 'CONTRACT_ENDED', attempts: 0 });
    expect(await sandboxOrders(hh, wechatContractId)).toHaveLength(0);
    expect((await events(hh, c!.id)).filter((e) => e.call === 'debit')).toHaveLength(0);
  }, 60_000);

  it('a debit whose answer is lost (processed, then 500) and whose notification is lost → queried, one order, PAID', async () => {
    const hh = await start();
    const { contractId, wechatContractId, due } = await signAndPlan(hh);
    await hh.control('PUT', '/faults', { routes: { [DEBIT_ROUTE]: { systemErrorAfterRate: 1 } } });
    hh.config.notifyBaseUrl = DEAD_URL; // the TRANSACTION.SUCCESS never reaches the BFF
    await noticeThenDebit(hh, due);
    const [c] = await charges(hh, contractId);
    expect(c!.state).toBe('DEBIT_REQUESTED');
    expect((await hh.app.billing.ledger.attemptsOf(c!.id))[0]!.status).toBe('CREATED');
    await hh.control('DELETE', '/faults');
    await runAt(hh, chinaMidnight(due) + 10 * HOUR);
    const paid = await periodIn(hh, contractId, due, ['PAID']);
    expect(paid.attempts).toBe(1);
    const orders = await sandboxOrders(hh, wechatContractId);
    expect(orders).toHaveLength(1);
    expect(orders[0]!.out_trade_no).toBe(paid.out_trade_no);
    const ev = await events(hh, c!.id);
    expect(ev.map((e) => `${e.call}:${e.outcome}`)).toEqual(
      expect.arrayContaining(['debit:unknown', 'query:applied']),
    );
  }, 60_000);

  it('a debit that never landed (500 before processing) → query says no order → resent with the SAME number', async () => {
    const hh = await start();
    const { contractId, wechatContractId, due } = await signAndPlan(hh);
    await hh.control('PUT', '/faults', { routes: { [DEBIT_ROUTE]: { systemErrorRate: 1 } } });
    await noticeThenDebit(hh, due);
    const first = (await charges(hh, contractId))[0]!;
    expect(await sandboxOrders(hh, wechatContractId)).toHaveLength(0);
    await hh.control('DELETE', '/faults');
    await runAt(hh, chinaMidnight(due) + 10 * HOUR);
    const paid = await periodIn(hh, contractId, due, ['PAID']);
    expect(paid.out_trade_no).toBe(first.out_trade_no);
    expect(paid.attempts).toBe(1);
    expect(await sandboxOrders(hh, wechatContractId)).toHaveLength(1);
    expect((await events(hh, first.id)).map((e) => `${e.call}:${e.outcome}`)).toEqual(
      expect.arrayContaining(['debit:unknown', 'query:not-found', 'debit:ok']),
    );
  }, 60_000);

  it('a debit that never landed, then the contract terminated → never resent, the period is cancelled', async () => {
    const hh = await start();
    const { contractId, wechatContractId, due } = await signAndPlan(hh);
    await hh.control('PUT', '/faults', { routes: { [DEBIT_ROUTE]: { systemErrorRate: 1 } } });
    await noticeThenDebit(hh, due);
    const first = (await charges(hh, contractId))[0]!;
    expect(first.state).toBe('DEBIT_REQUESTED');
    await hh.control('DELETE', '/faults');
    await hh.control('POST', `/contracts/${wechatContractId}/user-terminate`);
    await eventually(async () =>
      (await hh.app.contractsRepository.findById(contractId))?.state === 'TERMINATED' ? true : undefined,
    );
    await runAt(hh, chinaMidnight(due) + 10 * HOUR);
    await runAt(hh, chinaMidnight(due) + 11 * HOUR);
    expect(await sandboxOrders(hh, wechatContractId)).toHaveLength(0);
    const ev = (await events(hh, first.id)).map((e) => `${e.call}:${e.outcome}`);
    expect(ev.filter((e) => e.startsWith('debit:'))).toEqual(['debit:unknown']);
    const after = await charges(hh, contractId);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ state: 'CANCELLED', failure_code: 'CONTRACT_ENDED' });
  }, 60_000);

  it('a verified debit result naming another merchant under either owner field, or holding unstorable text, is refused and changes nothing', async () => {
    const hh = await start();
    const { contractId, due } = await signAndPlan(hh);
    hh.config.notifyBaseUrl = DEAD_URL; // the genuine result never arrives
    await hh.control('PUT', '/billing', { outcome: 'ACCEPTED_THEN_SUCCESS', settleAfterMs: 60_000 });
    await noticeThenDebit(hh, due);
    const c = (await charges(hh, contractId))[0]!;
    expect(c.state).toBe('DEBIT_REQUESTED');
    const ours = hh.config.wechatpay.mchId;
    const plan = hh.config.plans.find((p) => p.planKey === 'edu-monthly')!;
    let i = 0;
    for (const owners of [
      { sp_mchid: ours, mchid: '1900000999' },
      { mchid: ours, sp_mchid: '1900000999' },
    ]) {
      const n = makeNotification({
        now: hh.clock.now(),
        id: `foreign-${++i}`,
        eventType: 'TRANSACTION.SUCCESS',
        resource: {
          ...owners,
          appid: plan.appId,
          out_trade_no: c.out_trade_no,
          transaction_id: '4200000000000000000000000099',
          trade_state: 'SUCCESS',
          success_time: new Date(hh.clock.now() * 1000).toISOString(),
          amount: { total: c.amount },
        },
      });
      const r = await postNotification(hh, '/v1/notify/edu-papay-transactions', n);
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ code: 'FAIL' });
    }
    // Ours, but with text PostgreSQL cannot store: refused as 400 before any statement, not a 500.
    const unstorable = makeNotification({
      now: hh.clock.now(),
      id: 'unstorable-1',
      eventType: 'TRANSACTION.FAIL',
      resource: {
        mchid: ours,
        appid: plan.appId,
        out_trade_no: c.out_trade_no,
        trade_state: 'PAY_FAIL',
        trade_state_description: 'bad\u0000text',
        amount: { total: c.amount },
      },
    });
    const u = await postNotification(hh, '/v1/notify/edu-papay-transactions', unstorable);
    expect(u.status).toBe(400);
    expect(u.body).toMatchObject({ code: 'FAIL' });
    expect((await charges(hh, contractId))[0]!.state).toBe('DEBIT_REQUESTED');
  }, 60_000);

  it('ACCEPTED for a while and the result notification lost → the scheduler query finds SUCCESS', async () => {
    const hh = await start({ EDU_ACCEPTED_REQUERY_SECONDS: '600' });
    await hh.control('PUT', '/billing', { outcome: 'ACCEPTED_THEN_SUCCESS', settleAfterMs: 50 });
    const { contractId, wechatContractId, due } = await signAndPlan(hh);
    hh.config.notifyBaseUrl = DEAD_URL;
    await noticeThenDebit(hh, due);
    const [c] = await charges(hh, contractId);
    expect((await hh.app.billing.ledger.attemptsOf(c!.id))[0]!.status).toBe('ACCEPTED');
    await eventually(async () =>
      (await sandboxOrders(hh, wechatContractId))[0]?.trade_state === 'SUCCESS' ? true : undefined,
    );
    await runAt(hh, chinaMidnight(due) + 9 * HOUR + 601);
    const paid = await periodIn(hh, contractId, due, ['PAID']);
    expect(paid.attempts).toBe(1);
    expect(await sandboxOrders(hh, wechatContractId)).toHaveLength(1);
  }, 60_000);

  it('duplicated, concurrent and reordered result notifications → applied once; a forged one is refused', async () => {
    const hh = await start();
    await hh.control('PUT', '/faults', {
      notify: { duplicateRate: 1, concurrentDuplicateRate: 1, reorderRate: 0.5 },
    });
    const { contractId, wechatContractId, due } = await signAndPlan(hh);
    await noticeThenDebit(hh, due);
    const paid = await periodIn(hh, contractId, due, ['PAID']);
    // Every duplicate has been delivered (3 sends of one notification) before counting.
    await eventually(async () => {
      const d = await hh.control<{ data: Array<{ eventType: string; ok: boolean }> }>('GET', '/deliveries');
      const sent = d.body.data.filter((x) => x.eventType === 'TRANSACTION.SUCCESS');
      return sent.length >= 3 ? true : undefined;
    }, 400);
    const inbox = (await hh.app.inboxRepository.list()).filter((n) => n.event_type === 'TRANSACTION.SUCCESS');
    expect(inbox).toHaveLength(1);
    expect(inbox[0]).toMatchObject({ outcome: 'applied', contract_id: contractId });
    const applied = (await events(hh, paid.id)).filter(
      (e) => e.call === 'notification' && e.outcome === 'applied',
    );
    expect(applied).toHaveLength(1);
    expect(await sandboxOrders(hh, wechatContractId)).toHaveLength(1);
    expect((await charges(hh, contractId)).filter((c) => c.state === 'PAID')).toHaveLength(1);

    const forged = await hh.call('POST', '/v1/notify/edu-papay-transactions', {
      raw: JSON.stringify({ id: 'x', event_type: 'TRANSACTION.SUCCESS' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(forged.status).toBeGreaterThanOrEqual(400);
    expect(forged.body).toMatchObject({ code: 'FAIL' });
    expect(
      (await hh.app.inboxRepository.list()).filter((n) => n.event_type === 'TRANSACTION.SUCCESS'),
    ).toHaveLength(1);
  }, 60_000);
});
