import { type Static, Type } from '@sinclair/typebox';
import { DateTime, enc, type Operation, str } from './common.ts';

/** Edu order states (EDU-OQ). Edu spells it ACCEPTED; other products say ACCEPT — never share the enum. */
export const EDU_TRADE_STATES = ['SUCCESS', 'REFUND', 'ACCEPTED', 'PAY_FAIL'] as const;
export type EduTradeState = (typeof EDU_TRADE_STATES)[number];

/**
 * The order object of both order queries and the decrypted debit-result resource (contract-apis-next.md
 * §5.4, §5.6). The owner field is `sp_mchid` in one source and `mchid` in another, so both are optional;
 * `trade_state` stays a plain string so an unknown state is seen (and kept non-final), not refused.
 */
export const EduOrder = Type.Object({
  sp_mchid: Type.Optional(Type.String()),
  mchid: Type.Optional(Type.String()),
  appid: Type.String(),
  sub_mchid: Type.Optional(Type.String()),
  sub_appid: Type.Optional(Type.String()),
  out_trade_no: Type.String({ minLength: 1, maxLength: 32 }),
  transaction_id: Type.Optional(Type.String()),
  attach: Type.Optional(Type.String()),
  bank_type: Type.Optional(Type.String()),
  success_time: Type.Optional(DateTime),
  trade_state: Type.String({ minLength: 1, maxLength: 32 }),
  trade_state_description: Type.Optional(Type.String()),
  payer: Type.Optional(
    Type.Object({ openid: Type.Optional(Type.String()), sub_openid: Type.Optional(Type.String()) }),
  ),
  amount: Type.Object({
    total: Type.Integer(),
    payer_total: Type.Optional(Type.Integer()),
    discount_total: Type.Optional(Type.Integer()),
    currency: Type.Optional(Type.String()),
  }),
  device_information: Type.Optional(
    Type.Object({ device_id: Type.Optional(Type.String()), device_ip: Type.Optional(Type.String()) }),
  ),
  promotion_detail: Type.Optional(Type.Array(Type.Unknown())),
});
export type EduOrder = Static<typeof EduOrder>;

/** `?sub_mchid=` is for service providers only; the merchant pages have no query parameter. */
export const EduOrderQuery = Type.Object(
  { sub_mchid: Type.Optional(str(32)) },
  { additionalProperties: false },
);
export type EduOrderQuery = Static<typeof EduOrderQuery>;

export const EduOutTradeNoParams = Type.Object({ out_trade_no: str(32) }, { additionalProperties: false });
export const EduTransactionIdParams = Type.Object(
  { transaction_id: str(32) },
  { additionalProperties: false },
);

export const eduOrderByOutTradeNoOperation: Operation<[outTradeNo: string]> = {
  method: 'GET',
  route: '/v3/edu-papay/transactions/out-trade-no/:out_trade_no',
  path: (outTradeNo) => `/v3/edu-papay/transactions/out-trade-no/${enc(outTradeNo)}`,
};

export const eduOrderByIdOperation: Operation<[transactionId: string]> = {
  method: 'GET',
  route: '/v3/edu-papay/transactions/id/:transaction_id',
  path: (transactionId) => `/v3/edu-papay/transactions/id/${enc(transactionId)}`,
};
