import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AnswerFormatError,
  ApiError,
  createDebitResultReader,
  createEduBillingApi,
  DEFAULT_DEBIT_RESULT_EVENT_TYPES,
  EduDebitRequest,
  EduOrder,
  EduUserNotificationRequest,
  NotificationFormatError,
  readDebitResult,
  type WechatPayClient,
} from '../src/index.ts';
import { startLoopbackClient } from './loopback-client.ts';
import type { LoopbackServer } from './loopback-server.ts';

// The documented example bodies (EDU-D / EDU-OQ examples, contract-apis-next.md §5.3, §5.6).
const debitExample = {
  appid: 'wx8888888888888888',
  sub_mchid: '1900000109',
  sub_appid: 'wxd678efh567hg6999',
  body: '新东方-语文课程',
  attach: '自定义数据',
  out_trade_no: '121775250124070332',
  goods_tag: 'test',
  notify_url: 'https://www.weixin.qq.com/wxpay/pay',
  contract_id: 'wx998877665544wx',
  trade_scene: 'EDUCATION_PERIOD',
  amount: { total: 888, currency: 'CNY' },
  device_information: { device_id: '12343232', device_ip: '123.12.12.123' },
};
const orderExample = {
  sp_mchid: '1230000109',
  appid: 'wxd678efh567hg6787',
  sub_mchid: '1900000109',
  out_trade_no: '121775250124070332',
  transaction_id: '1217752501201407033233368018',
  attach: '自定义数据',
  bank_type: 'CMC',
  success_time: '2018-06-08T10:34:56+08:00',
  trade_state: 'SUCCESS',
  trade_state_description: '支付成功',
  payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
  amount: { total: 888, payer_total: 888, discount_total: 0, currency: 'CNY' },
  device_information: { device_id: '12343232', device_ip: '123.12.12.123' },
};

describe('debit-cycle schemas', () => {
  it('accept the documented debit and notice bodies', () => {
    expect(Value.Check(EduDebitRequest, debitExample)).toBe(true);
    expect(Value.Check(EduUserNotificationRequest, { appid: 'wx8888888888888888' })).toBe(true);
    expect(Value.Check(EduOrder, orderExample)).toBe(true);
  });

  it.each([
    ['out_trade_no with a dot', { out_trade_no: 'A.1' }],
    ['out_trade_no of 33 characters', { out_trade_no: 'A'.repeat(33) }],
    ['body of 129 characters', { body: 'x'.repeat(129) }],
    ['http notify_url', { notify_url: 'http://merchant.example.com/n' }],
    ['notify_url with a query', { notify_url: 'https://merchant.example.com/n?a=1' }],
    ['another trade_scene', { trade_scene: 'PERIOD' }],
    ['amount 0', { amount: { total: 0, currency: 'CNY' } }],
    ['amount as a string', { amount: { total: '888', currency: 'CNY' } }],
    ['currency USD', { amount: { total: 888, currency: 'USD' } }],
    ['no device_ip', { device_information: { device_id: '1' } }],
    ['unknown field', { extra: 1 }],
  ])('refuse a debit with %s', (_name, patch) => {
    expect(Value.Check(EduDebitRequest, { ...debitExample, ...patch })).toBe(false);
  });

  it.each([
    ['one-off', readDebitResult],
    ['compiled once (createDebitResultReader)', createDebitResultReader()],
  ])(
    'reads a debit-result resource under either owner field name and refuses one without trade_state (%s)',
    (_name, read) => {
      const { sp_mchid, ...rest } = orderExample;
      expect(read({ ...rest, mchid: sp_mchid }).trade_state).toBe('SUCCESS');
      const { trade_state: _t, ...noState } = orderExample;
      expect(() => read(noState, 'req-1')).toThrow(NotificationFormatError);
      expect(() => read({ ...orderExample, amount: { total: '9900' } })).toThrow(/order schema \(\/amount/);
      expect(DEFAULT_DEBIT_RESULT_EVENT_TYPES['TRANSACTION.FAIL']).toBe('fail');
    },
  );
});

describe('EduBillingApi over loopback HTTP', () => {
  let server: LoopbackServer;
  let client: WechatPayClient;
  beforeAll(async () => {
    ({ server, client } = await startLoopbackClient());
  });
  afterAll(async () => {
    await client.close();
    await server.close();
  });
  beforeEach(() => {
    server.received.length = 0;
  });

  it('sends the notice and the debit as signed POSTs and resolves on 204', async () => {
    const api = createEduBillingApi(client);
    server.answer(() => ({ status: 204 }));
    await api.sendNotice('wx99/88', { appid: 'wx8888888888888888' });
    await api.debit(debitExample as EduDebitRequest);
    const [notice, debit] = server.received;
    expect(notice?.method).toBe('POST');
    expect(notice?.url).toBe('/v3/edu-papay/user-notifications/wx99%2F88/send');
    expect(notice?.signatureValid).toBe(true);
    expect(debit?.url).toBe('/v3/edu-papay/transactions');
    expect(JSON.parse(debit!.body.toString('utf8'))).toEqual(debitExample);
  });

  it('queries an order by out_trade_no (with sub_mchid for SPs) and by transaction_id', async () => {
    const api = createEduBillingApi(client);
    server.answer(() => ({ status: 200, body: JSON.stringify(orderExample) }));
    expect((await api.orderByOutTradeNo('121775250124070332', { sub_mchid: '1900000109' })).trade_state).toBe(
      'SUCCESS',
    );
    expect((await api.orderByTransactionId('1217752501201407033233368018')).amount.total).toBe(888);
    expect(server.received.map((r) => r.url)).toEqual([
      '/v3/edu-papay/transactions/out-trade-no/121775250124070332?sub_mchid=1900000109',
      '/v3/edu-papay/transactions/id/1217752501201407033233368018',
    ]);
  });

  it('an unreadable order is an AnswerFormatError, a refused debit an ApiError with its code', async () => {
    const api = createEduBillingApi(client);
    server.answer(() => ({ status: 200, body: JSON.stringify({ out_trade_no: 'X' }) }));
    await expect(api.orderByOutTradeNo('X')).rejects.toBeInstanceOf(AnswerFormatError);
    server.answer(() => ({
      status: 400,
      body: JSON.stringify({ code: 'INVALID_REQUEST', message: '未发送预通知' }),
    }));
    const err = await api.debit(debitExample as EduDebitRequest).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).apiCode).toBe('INVALID_REQUEST');
  });
});
