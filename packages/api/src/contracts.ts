import { type Static, Type } from '@sinclair/typebox';

export const ContractFamily = Type.Union([Type.Literal('edu-papay'), Type.Literal('password-exempt')]);
export type ContractFamily = Static<typeof ContractFamily>;

/**
 * Our own, monotonic view of a contract:
 * PENDING → SIGNED → TERMINATED, or PENDING → EXPIRED (presign session ran out unsigned).
 * A contract never goes back (a late SIGN notification cannot resurrect a TERMINATED one).
 */
export const ContractState = Type.Union([
  Type.Literal('PENDING'),
  Type.Literal('SIGNED'),
  Type.Literal('TERMINATED'),
  Type.Literal('EXPIRED'),
]);
export type ContractState = Static<typeof ContractState>;

/** A plan's state for the current user: NONE when the user has no live or finished contract on it. */
export const PlanState = Type.Union([ContractState, Type.Literal('NONE')]);
export type PlanState = Static<typeof PlanState>;

export const PlanKey = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9-]*$' });

/** The recurring debit terms of a plan (edu-papay plans that bill): what the user signs up to pay. */
export const BillingTerms = Type.Object(
  {
    /** Fen per debit. */
    amount: Type.Integer({ minimum: 1 }),
    currency: Type.Literal('CNY'),
    /** Day of month of each debit (1–28). */
    dayOfMonth: Type.Integer({ minimum: 1, maximum: 28 }),
    description: Type.String({ maxLength: 128 }),
    /** The pre-debit notice goes out this many days before (1–3). */
    noticeLeadDays: Type.Integer({ minimum: 1, maximum: 3 }),
  },
  { additionalProperties: false },
);
export type BillingTerms = Static<typeof BillingTerms>;

export const Plan = Type.Object(
  {
    planKey: PlanKey,
    family: ContractFamily,
    name: Type.String(),
    description: Type.String(),
    /** Debit terms, when the plan bills (mode-neutral: no merchant ids are ever shown). */
    billing: Type.Optional(BillingTerms),
    state: PlanState,
    /** The contract that gives `state`, when there is one. */
    contractId: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type Plan = Static<typeof Plan>;

export const PlansReply = Type.Object({ plans: Type.Array(Plan) }, { additionalProperties: false });
export type PlansReply = Static<typeof PlansReply>;

export const Contract = Type.Object(
  {
    contractId: Type.String(),
    planKey: PlanKey,
    planName: Type.String(),
    family: ContractFamily,
    state: ContractState,
    /** The account name WeChat's signing page shows (edu `user_id`, QS `contract_display_account`). */
    displayAccount: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    signedAt: Type.Optional(Type.String({ format: 'date-time' })),
    terminatedAt: Type.Optional(Type.String({ format: 'date-time' })),
    /** When an unsigned presign session stops being usable. */
    expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
    /** True while the BFF has not yet heard a final word from WeChat (poll again). */
    confirming: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type Contract = Static<typeof Contract>;

export const ContractsReply = Type.Object(
  { contracts: Type.Array(Contract) },
  { additionalProperties: false },
);
export type ContractsReply = Static<typeof ContractsReply>;

export const PresignBody = Type.Object({ planKey: PlanKey }, { additionalProperties: false });
export type PresignBody = Static<typeof PresignBody>;

/** Exactly what `Taro.navigateToMiniProgram` needs; the mini-program passes it through untouched. */
export const NavigateTarget = Type.Object(
  {
    appId: Type.String({ minLength: 1 }),
    path: Type.String({ minLength: 1 }),
    extraData: Type.Record(Type.String(), Type.String()),
  },
  { additionalProperties: false },
);
export type NavigateTarget = Static<typeof NavigateTarget>;

export const PresignReply = Type.Object(
  {
    contractId: Type.String(),
    navigate: NavigateTarget,
    /** When the signing session ends; after it a new presign is needed. */
    expiresAt: Type.String({ format: 'date-time' }),
    /** True when an earlier live presign was handed back instead of a new WeChat call. */
    reused: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type PresignReply = Static<typeof PresignReply>;

export const ContractParams = Type.Object(
  { contractId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9A-Za-z_-]+$' }) },
  { additionalProperties: false },
);
export type ContractParams = Static<typeof ContractParams>;

export const ContractQuery = Type.Object(
  {
    /** Ask the BFF to query WeChat now if the contract is still PENDING (the user just came back). */
    reconcile: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type ContractQuery = Static<typeof ContractQuery>;
