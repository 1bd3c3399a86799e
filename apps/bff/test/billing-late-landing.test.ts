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
} from './helpers/billing.ts';
import type { Harness } from './helpers/harness.ts';

const QUERY_ROUTE = 'GET /v3/edu-papay/transactions/out-trade-no/:out_trade_no';

const HOUR = 3600;
const DEAD_URL = 'http://127.0.0.1:9';

/**
 * "Not found" is not "known failed": a debit WeChat took in but shows no order for yet (the sandbox holds it,
 * answers 500, and lands it on demand) must never be replaced by a second number, whenever it lands.
 */
describe.each(BILLING_BACKENDS)('a debit that lands late on $name', ({ postgres }) => {
  const start = billingHarnessPerTest(postgres, 'billing_late');
  const trail = async (hh: Harness, chargeId: string) =>
    (await hh.app.billing.ledger.eventsOf(chargeId)).map((e) => `${e.call}:${e.outcome}`);

  /**
   * Signs, plans, holds the first debit at the sandbox and runs notice + debit day: one number, unknown.
   * `resultLost`: the debit names a dead notify URL, so its result notification never arrives (the URL is
   * the debit's own, fixed when it is sent).
   */
  async function heldFirstDebit(hh: Harness, o: { resultLost?: boolean } = {}) {
    const signed = await signAndPlan(hh);
    await hh.control('POST', `/billing/contracts/${signed.wechatContractId}/hold`, { count: 1 });
    if (o.resultLost) hh.config.notifyBaseUrl = DEAD_URL;
    await noticeThenDebit(hh, signed.due);
    const first = (await charges(hh, signed.contractId))[0]!;
    expect(first).toMatchObject({ state: 'DEBIT_REQUESTED', attempts: 1 });
    expect(await sandboxOrders(hh, signed.wechatContractId)).toHaveLength(0);
    return { ...signed, first, outTradeNo: first.out_trade_no! };
  }

  it('not found, the notice window passes, then the first send lands → the same number, one order, one PAID', async () => {
    const hh = await start();
    const { contractId, wechatContractId, due, first, outTradeNo } = await heldFirstDebit(hh);
    // 4 days after the notice: WeChat has no order, the notice expired → a fresh notice, still the same number.
    await runAt(hh, chinaMidnight(due) + 3 * DAY + 9 * HOUR);
    const waiting = (await charges(hh, contractId))[0]!;
    expect(waiting).toMatchObject({ state: 'DEBIT_REQUESTED', attempts: 1, out_trade_no: outTradeNo });
    expect(waiting.notice_day).not.toBe(first.notice_day);
    expect((await hh.app.billing.ledger.attemptsOf(first.id)).map((a) => a.status)).toEqual(['CREATED']);
    // The first send lands now.
    expect((await hh.control('POST', '/billing/held/land')).body).toEqual({
      landed: [outTradeNo],
      merged: [],
    });
    await runAt(hh, chinaMidnight(due) + 4 * DAY + 9 * HOUR);
    const paid = await periodIn(hh, contractId, due, ['PAID']);
    expect(paid).toMatchObject({ attempts: 1, out_trade_no: outTradeNo, failure_code: null });
    const orders = await sandboxOrders(hh, wechatContractId);
    expect(orders.map((o) => o.out_trade_no)).toEqual([outTradeNo]);
    expect((await charges(hh, contractId)).filter((c) => c.state === 'PAID')).toHaveLength(1);
    expect(await trail(hh, first.id)).toEqual(
      expect.arrayContaining(['debit:unknown', 'query:not-found', 'notice:ok']),
    );
  }, 60_000);

  it('not found, fresh notice, resent with the SAME number, then the first send lands → merged, one order', async () => {
    const hh = await start();
    const { contractId, wechatContractId, due, first, outTradeNo } = await heldFirstDebit(hh);
    await runAt(hh, chinaMidnight(due) + 3 * DAY + 9 * HOUR);
    await runAt(hh, chinaMidnight(due) + 4 * DAY + 9 * HOUR);
    const paid = await periodIn(hh, contractId, due, ['PAID']);
    expect(paid).toMatchObject({ attempts: 1, out_trade_no: outTradeNo });
    expect((await hh.control('POST', '/billing/held/land')).body).toEqual({
      landed: [],
      merged: [outTradeNo],
    });
    await runAt(hh, chinaMidnight(due) + 5 * DAY + 9 * HOUR);
    expect((await sandboxOrders(hh, wechatContractId)).map((o) => o.out_trade_no)).toEqual([outTradeNo]);
    expect((await hh.app.billing.ledger.attemptsOf(first.id)).map((a) => a.out_trade_no)).toEqual([
      outTradeNo,
    ]);
    expect((await trail(hh, first.id)).filter((e) => e.startsWith('debit:'))).toEqual([
      'debit:unknown',
      'debit:ok',
    ]);
  }, 60_000);

  it('not found until past the last day → FAILED with no new number; the late SUCCESS (found by the follow-up query) → PAID_LATE', async () => {
    const hh = await start();
    const { contractId, wechatContractId, due, first, outTradeNo } = await heldFirstDebit(hh, {
      resultLost: true,
    });
    // Past the policy's last day (7 days after the debit day) without a trace at WeChat: closed, number kept.
    await runAt(hh, chinaMidnight(due) + 8 * DAY + 9 * HOUR);
    const closed = (await charges(hh, contractId)).find((c) => c.id === first.id)!;
    expect(closed).toMatchObject({
      state: 'FAILED',
      failure_code: 'OUTCOME_UNKNOWN',
      out_trade_no: outTradeNo,
    });
    expect(await hh.app.billing.ledger.attemptsOf(first.id)).toMatchObject([
      { out_trade_no: outTradeNo, status: 'CREATED', reason: 'PERIOD_CLOSED' },
    ]);
    expect(await sandboxOrders(hh, wechatContractId)).toHaveLength(0);
    // It lands, and its result notification is lost: the scheduler's follow-up query finds it. The first two
    // follow-ups (an hour apart) meet a WeChat system error: on the trail once, nothing moves.
    await hh.control('POST', '/billing/held/land');
    await hh.control('PUT', '/faults', { routes: { [QUERY_ROUTE]: { systemErrorRate: 1 } } });
    const failedQueries = async () =>
      (await hh.app.billing.ledger.eventsOf(first.id)).filter(
        (e) => e.call === 'query' && e.outcome === 'unknown',
      );
    await runAt(hh, chinaMidnight(due) + 8 * DAY + 10 * HOUR + 1);
    expect(await failedQueries()).toMatchObject([{ out_trade_no: outTradeNo, code: 'WECHATPAY_API_ERROR' }]);
    await runAt(hh, chinaMidnight(due) + 8 * DAY + 10 * HOUR + 1800);
    await runAt(hh, chinaMidnight(due) + 8 * DAY + 11 * HOUR + 2);
    await hh.control('DELETE', '/faults');
    expect(await failedQueries()).toHaveLength(1);
    expect((await charges(hh, contractId)).find((c) => c.id === first.id)).toMatchObject({
      state: 'FAILED',
      failure_code: 'OUTCOME_UNKNOWN',
    });
    await runAt(hh, chinaMidnight(due) + 8 * DAY + 12 * HOUR + 3);
    // The trail first: if the follow-up query failed, its event names the code.
    expect(await trail(hh, first.id)).toEqual(expect.arrayContaining(['give-up:applied', 'query:paid-late']));
    const late = (await charges(hh, contractId)).find((c) => c.id === first.id)!;
    expect(late).toMatchObject({
      state: 'PAID',
      failure_code: 'PAID_LATE',
      out_trade_no: outTradeNo,
      attempts: 1,
    });
    expect((await sandboxOrders(hh, wechatContractId)).map((o) => o.out_trade_no)).toEqual([outTradeNo]);
    // The next period was planned when this one closed, and stays the only other row.
    expect((await charges(hh, contractId)).map((c) => c.state)).toEqual(['PAID', 'SCHEDULED']);
  }, 60_000);

  it('not found and the contract ended → CANCELLED with no resend; a late SUCCESS notification → PAID_LATE', async () => {
    const hh = await start();
    const { contractId, wechatContractId, due, first, outTradeNo } = await heldFirstDebit(hh);
    await hh.control('POST', `/contracts/${wechatContractId}/user-terminate`);
    await hh.app.contracts.reconcileContract(
      (await hh.app.contractsRepository.findById(contractId))!,
      'background',
    );
    await runAt(hh, chinaMidnight(due) + 10 * HOUR);
    expect((await charges(hh, contractId))[0]).toMatchObject({
      state: 'CANCELLED',
      failure_code: 'CONTRACT_ENDED',
    });
    expect((await trail(hh, first.id)).filter((e) => e.startsWith('debit:'))).toEqual(['debit:unknown']);
    await hh.control('POST', '/billing/held/land');
    const late = await periodIn(hh, contractId, due, ['PAID']);
    expect(late).toMatchObject({ failure_code: 'PAID_LATE', out_trade_no: outTradeNo });
    expect(await sandboxOrders(hh, wechatContractId)).toHaveLength(1);
    expect(await trail(hh, first.id)).toEqual(
      expect.arrayContaining(['cancel:applied', 'notification:paid-late']),
    );
  }, 60_000);
});
