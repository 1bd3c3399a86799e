import { type Static, Type } from '@sinclair/typebox';

export const ChargeState = Type.Union([
  Type.Literal('SCHEDULED'),
  Type.Literal('NOTICE_SENT'),
  Type.Literal('DEBIT_REQUESTED'),
  Type.Literal('PAID'),
  Type.Literal('FAILED'),
  Type.Literal('CANCELLED'),
]);
export type ChargeState = Static<typeof ChargeState>;

/** One period of a contract as its owner sees it. */
export const ChargeView = Type.Object(
  {
    /** YYYY-MM. */
    period: Type.String(),
    /** The debit day, YYYY-MM-DD (China time). */
    dueDate: Type.String(),
    amount: Type.Integer(),
    currency: Type.String(),
    state: ChargeState,
    paidAt: Type.Optional(Type.String({ format: 'date-time' })),
    /** Why a period failed (WeChat's words, e.g. 余额不足). */
    failureReason: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type ChargeView = Static<typeof ChargeView>;

export const ContractChargesReply = Type.Object(
  {
    /** The next open period (not yet paid, failed or cancelled), if any. */
    next: Type.Optional(ChargeView),
    /** Every period, newest first. */
    history: Type.Array(ChargeView),
  },
  { additionalProperties: false },
);
export type ContractChargesReply = Static<typeof ContractChargesReply>;
