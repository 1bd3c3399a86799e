import { type Static, Type } from '@sinclair/typebox';
import { type Operation, str } from './common.ts';

/** `[0-9A-Za-z_-]{1,32}`, unique per merchant number; the same number is the retry key of one debit. */
export const OUT_TRADE_NO_PATTERN = '^[0-9A-Za-z_-]{1,32}$';
export const OutTradeNo = Type.String({ minLength: 1, maxLength: 32, pattern: OUT_TRADE_NO_PATTERN });

/** HTTPS, no query string (a path is allowed: each family gets its own). */
export const DebitNotifyUrl = Type.String({ minLength: 9, maxLength: 256, pattern: '^https://[^\\s?#]+$' });

/**
 * POST /v3/edu-papay/transactions — 受理扣款 (contract-apis-next.md §5.3). 204 means ACCEPTED, not paid: the
 * result arrives as TRANSACTION.SUCCESS / TRANSACTION.FAIL or through the order query.
 */
export const EduDebitRequest = Type.Object(
  {
    appid: str(32),
    sub_mchid: Type.Optional(str(32)),
    sub_appid: Type.Optional(str(32)),
    body: str(128),
    attach: Type.Optional(str(127)),
    out_trade_no: OutTradeNo,
    goods_tag: Type.Optional(str(32)),
    notify_url: DebitNotifyUrl,
    contract_id: str(32),
    trade_scene: Type.Literal('EDUCATION_PERIOD'),
    amount: Type.Object(
      { total: Type.Integer({ minimum: 1 }), currency: Type.Optional(Type.Literal('CNY')) },
      { additionalProperties: false },
    ),
    // Sub-field lengths are UNCONFIRMED (U34): typed, not length-checked beyond 64.
    device_information: Type.Object(
      {
        device_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        device_ip: Type.String({ minLength: 1, maxLength: 64 }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type EduDebitRequest = Static<typeof EduDebitRequest>;

export const eduDebitOperation: Operation<[]> = {
  method: 'POST',
  route: '/v3/edu-papay/transactions',
  path: () => '/v3/edu-papay/transactions',
};
