import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  call,
  control,
  decrypt,
  EDU_PRESIGN,
  eduPresignBody,
  IDS,
  manualClock,
  type Receiver,
  type Running,
  startReceiver,
  startSandbox,
  verifyAnswer,
} from './helpers.ts';

const DAY = 86_400;
const T0 = Date.parse('2099-04-27T02:00:00Z') / 1000; // 10:00 in China

describe('edu-papay debit cycle in the sandbox', () => {
  let sb: Running;
  let rx: Receiver;
  // The sandbox checks request timestamps against its own (moved) clock, so requests are signed at its time.
  let clock = manualClock(T0);
  beforeEach(async () => {
    clock = manualClock(T0);
    rx = await startReceiver([204]);
    sb = await startSandbox({}, { clock });
  });
  afterEach(async () => {
    await sb.close();
    await rx.close();
  });

  async function signed(s: Running, openid: string): Promise<string> {
    const token = (
      await call(s.url, {
        timestamp: clock.t,
        method: 'POST',
        path: EDU_PRESIGN,
        body: eduPresignBody({ openid }),
      })
    ).json.presign_token as string;
    return (await control(s.url, 'POST', `/sessions/${token}/confirm`)).json.contractId as string;
  }
  const notice = (s: Running, contractId: string) =>
    call(s.url, {
      timestamp: clock.t,
      method: 'POST',
      path: `/v3/edu-papay/user-notifications/${contractId}/send`,
      body: JSON.stringify({ appid: IDS.appId }),
    });
  const debit = (s: Running, contractId: string, outTradeNo: string, notifyUrl: string, total = 9900) =>
    call(s.url, {
      timestamp: clock.t,
      method: 'POST',
      path: '/v3/edu-papay/transactions',
      body: JSON.stringify({
        appid: IDS.appId,
        body: '月度课程费',
        out_trade_no: outTradeNo,
        notify_url: notifyUrl,
        contract_id: contractId,
        trade_scene: 'EDUCATION_PERIOD',
        amount: { total, currency: 'CNY' },
        device_information: { device_ip: '127.0.0.1' },
      }),
    });
  const order = (s: Running, outTradeNo: string) =>
    call(s.url, {
      timestamp: clock.t,
      method: 'GET',
      path: `/v3/edu-papay/transactions/out-trade-no/${outTradeNo}`,
    });

  it('notice (204) → debit 1–3 days later (204) → TRANSACTION.SUCCESS notification and a SUCCESS order', async () => {
    const contractId = await signed(sb, 'oBill1');
    const n = await notice(sb, contractId);
    expect(n.status).toBe(204);
    expect(verifyAnswer(n.headers, n.text)).toBeTruthy();
    // Same day: no qualifying notice yet.
    const early = await debit(sb, contractId, 'QYB0001', rx.url);
    expect(early.status).toBe(400);
    expect(early.json.code).toBe('INVALID_REQUEST');
    clock.t += 3 * DAY;
    const d = await debit(sb, contractId, 'QYB0001', rx.url);
    expect(d.status).toBe(204);
    const [got] = await rx.waitFor(1);
    const env = JSON.parse(got!.body);
    expect(env.event_type).toBe('TRANSACTION.SUCCESS');
    const res = JSON.parse(decrypt(env.resource));
    expect(res).toMatchObject({ out_trade_no: 'QYB0001', trade_state: 'SUCCESS', amount: { total: 9900 } });
    const q = await order(sb, 'QYB0001');
    expect(q.status).toBe(200);
    expect(q.json.trade_state).toBe('SUCCESS');
    const byId = await call(sb.url, {
      timestamp: clock.t,
      method: 'GET',
      path: `/v3/edu-papay/transactions/id/${q.json.transaction_id}`,
    });
    expect(byId.json.out_trade_no).toBe('QYB0001');
    // Resending the same number is the retry of the same payment: 204, still one order.
    expect((await debit(sb, contractId, 'QYB0001', rx.url)).status).toBe(204);
    expect(
      (await control(sb.url, 'GET', `/billing/orders?contractId=${contractId}`)).json.orders,
    ).toHaveLength(1);
    // The notice was spent: a second number for the same notice is refused.
    expect((await debit(sb, contractId, 'QYB0002', rx.url)).status).toBe(400);
  });

  it('a held debit answers 500 and stays invisible; landed later it is one order; a resend meanwhile absorbs it', async () => {
    const contractId = await signed(sb, 'oBillHold');
    await notice(sb, contractId);
    clock.t += DAY;
    expect(
      (await control(sb.url, 'POST', `/billing/contracts/${contractId}/hold`, { count: 2 })).json.held,
    ).toBe(2);
    // Taken in, but the caller learns nothing and a query finds no order.
    expect((await debit(sb, contractId, 'QYH0001', rx.url)).status).toBe(500);
    expect((await order(sb, 'QYH0001')).status).toBe(404);
    // Lands after that "no such order": the order appears, its result is notified.
    expect((await control(sb.url, 'POST', '/billing/held/land')).json).toEqual({
      landed: ['QYH0001'],
      merged: [],
    });
    expect((await order(sb, 'QYH0001')).json.trade_state).toBe('SUCCESS');
    expect(JSON.parse(decrypt(JSON.parse((await rx.waitFor(1))[0]!.body).resource)).out_trade_no).toBe(
      'QYH0001',
    );
    // Second held debit (fresh notice), resent with the same number before it lands: one order.
    await notice(sb, contractId);
    clock.t += DAY;
    expect((await debit(sb, contractId, 'QYH0002', rx.url)).status).toBe(500);
    await notice(sb, contractId);
    clock.t += DAY;
    expect((await debit(sb, contractId, 'QYH0002', rx.url)).status).toBe(204);
    expect((await control(sb.url, 'POST', '/billing/held/land')).json).toEqual({
      landed: [],
      merged: ['QYH0002'],
    });
    const orders = (await control(sb.url, 'GET', `/billing/orders?contractId=${contractId}`)).json
      .orders as Array<{ out_trade_no: string }>;
    expect(orders.map((o) => o.out_trade_no).sort()).toEqual(['QYH0001', 'QYH0002']);
    expect(
      (await control(sb.url, 'POST', `/billing/contracts/${contractId}/hold`, { count: 0 })).status,
    ).toBe(400);
  });

  it('a notice 4 days old does not qualify; an unknown order is 404; a terminated contract takes no notice', async () => {
    const contractId = await signed(sb, 'oBill2');
    await notice(sb, contractId);
    clock.t += 4 * DAY;
    expect((await debit(sb, contractId, 'QYB0003', rx.url)).json.code).toBe('INVALID_REQUEST');
    expect((await order(sb, 'QYB0003')).status).toBe(404);
    await control(sb.url, 'POST', `/contracts/${contractId}/user-terminate`);
    expect((await notice(sb, contractId)).status).toBe(404);
  });

  it('PAY_FAIL then ACCEPTED → SUCCESS: the failed debit frees its notice, the retry settles later', async () => {
    await control(sb.url, 'PUT', '/billing', { settleAfterMs: 300 });
    const contractId = await signed(sb, 'oBill3');
    const queued = await control(sb.url, 'POST', `/billing/contracts/${contractId}/outcomes`, {
      outcomes: ['PAY_FAIL', 'ACCEPTED_THEN_SUCCESS'],
    });
    expect(queued.json.queued).toEqual(['PAY_FAIL', 'ACCEPTED_THEN_SUCCESS']);
    await notice(sb, contractId);
    clock.t += DAY;
    expect((await debit(sb, contractId, 'QYB0010', rx.url)).status).toBe(204);
    const [fail] = await rx.waitFor(1);
    const failEnv = JSON.parse(fail!.body);
    expect(failEnv.event_type).toBe('TRANSACTION.FAIL');
    expect(JSON.parse(decrypt(failEnv.resource))).toMatchObject({
      trade_state: 'PAY_FAIL',
      trade_state_description: '余额不足',
    });
    expect((await debit(sb, contractId, 'QYB0011', rx.url)).status).toBe(204);
    expect((await order(sb, 'QYB0011')).json.trade_state).toBe('ACCEPTED');
    const [, ok] = await rx.waitFor(2);
    expect(JSON.parse(ok!.body).event_type).toBe('TRANSACTION.SUCCESS');
    expect((await order(sb, 'QYB0011')).json.trade_state).toBe('SUCCESS');
  });

  it('settings are validated; sync balance failure answers 403 NOT_ENOUGH and creates no order', async () => {
    expect((await control(sb.url, 'PUT', '/billing', { outcome: 'MAYBE' })).status).toBe(400);
    expect((await control(sb.url, 'PUT', '/billing', { bogus: 1 })).status).toBe(400);
    await control(sb.url, 'PUT', '/billing', { outcome: 'PAY_FAIL', balanceFailMode: 'sync' });
    const contractId = await signed(sb, 'oBill4');
    await notice(sb, contractId);
    clock.t += 2 * DAY;
    const d = await debit(sb, contractId, 'QYB0020', rx.url);
    expect(d.status).toBe(403);
    expect(d.json.code).toBe('NOT_ENOUGH');
    expect((await order(sb, 'QYB0020')).status).toBe(404);
  });
});
