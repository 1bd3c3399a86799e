import { ChargeState, ContractFamily, ContractParams, ContractState, PlanKey } from '@qianyue/api';
import { type Static, Type } from '@sinclair/typebox';

/*
 * The operations console's JSON API, once: the routes validate and serialise with these schemas, the
 * queries return their static types, and the browser code (console.js, `// @ts-check`) reads the same types
 * through JSDoc imports. Nothing here may import server-only code: the browser's type check includes it.
 */

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Instant = Type.String({ format: 'date-time' });

/** A calendar day (YYYY-MM-DD, UTC). `format: 'date'` (ajv-formats, full mode) refuses 2026-13-45 and 2026-02-30. */
export const Day = Type.String({ format: 'date' });

/** What the console shows of a contract. The openid is shortened: staff match it, they do not need it whole. */
export const ConsoleContract = Type.Object(
  {
    id: Type.String(),
    planKey: Type.String(),
    family: ContractFamily,
    state: ContractState,
    openid: Type.String(),
    displayAccount: Type.String(),
    wechatContractId: Nullable(Type.String()),
    createdAt: Instant,
    updatedAt: Instant,
    signedAt: Nullable(Instant),
    terminatedAt: Nullable(Instant),
    expiresAt: Nullable(Instant),
  },
  { additionalProperties: false },
);
export type ConsoleContract = Static<typeof ConsoleContract>;

export const InboxStatus = Type.Union([
  Type.Literal('applied'),
  Type.Literal('verified'),
  Type.Literal('rejected'),
]);
export type InboxStatus = Static<typeof InboxStatus>;

export const InboxItem = Type.Object(
  {
    id: Type.String(),
    receivedAt: Instant,
    status: InboxStatus,
    family: Type.String(),
    eventType: Nullable(Type.String()),
    outcome: Type.String(),
    reason: Type.String(),
    contractId: Nullable(Type.String()),
    serial: Nullable(Type.String()),
    requestId: Nullable(Type.String()),
  },
  { additionalProperties: false },
);
export type InboxItem = Static<typeof InboxItem>;

export const DailyCount = Type.Object(
  {
    date: Day,
    signed: Type.Integer({ minimum: 0 }),
    terminated: Type.Integer({ minimum: 0 }),
    /** Money collected that day: PAID periods by their paid day (UTC), in fen. */
    collected: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type DailyCount = Static<typeof DailyCount>;

// ---- requests ----

export const ContractsQuery = Type.Object(
  {
    state: Type.Optional(ContractState),
    /** A plan key has a known alphabet: anything else (a NUL byte…) is refused before any statement. */
    plan: Type.Optional(PlanKey),
    /** Creation day (UTC), inclusive at both ends. */
    from: Type.Optional(Day),
    to: Type.Optional(Day),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  },
  { additionalProperties: false },
);
export type ContractsQuery = Static<typeof ContractsQuery>;

export const InboxQuery = Type.Object(
  {
    status: Type.Optional(InboxStatus),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  },
  { additionalProperties: false },
);
export type InboxQuery = Static<typeof InboxQuery>;

export const DailyQuery = Type.Object(
  { days: Type.Integer({ minimum: 1, maximum: 366, default: 30 }) },
  { additionalProperties: false },
);

/** The console addresses contracts by the same id alphabet as the mini-program's API. */
export const ContractIdParams = Type.Object(
  { id: ContractParams.properties.contractId },
  { additionalProperties: false },
);

// ---- replies ----

export const SessionReply = Type.Object(
  {
    ok: Type.Literal(true),
    mode: Type.Union([Type.Literal('sandbox'), Type.Literal('production')]),
    /** Present when the token is a staff member's own (ADMIN_STAFF_TOKENS): the name staff actions record. */
    staff: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type SessionReply = Static<typeof SessionReply>;

export const ConsolePlansReply = Type.Object(
  {
    plans: Type.Array(
      Type.Object(
        { planKey: Type.String(), family: ContractFamily, name: Type.String() },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ConsolePlansReply = Static<typeof ConsolePlansReply>;

export const ConsoleContractsReply = Type.Object(
  { contracts: Type.Array(ConsoleContract), total: Type.Integer({ minimum: 0 }) },
  { additionalProperties: false },
);
export type ConsoleContractsReply = Static<typeof ConsoleContractsReply>;

export const ReconcileReply = Type.Object(
  { before: ContractState, changed: Type.Boolean(), contract: ConsoleContract },
  { additionalProperties: false },
);
export type ReconcileReply = Static<typeof ReconcileReply>;

export const InboxReply = Type.Object(
  { notifications: Type.Array(InboxItem) },
  { additionalProperties: false },
);
export type InboxReply = Static<typeof InboxReply>;

export const DailyReply = Type.Object({ days: Type.Array(DailyCount) }, { additionalProperties: false });
export type DailyReply = Static<typeof DailyReply>;

// ---- charges (edu-papay recurring debits) ----

/** One debit attempt of a period: its order number and what WeChat said. */
export const ConsoleAttempt = Type.Object(
  {
    outTradeNo: Type.String(),
    attemptNo: Type.Integer({ minimum: 1 }),
    status: Type.String(),
    tradeState: Nullable(Type.String()),
    reason: Nullable(Type.String()),
    createdAt: Instant,
  },
  { additionalProperties: false },
);
export type ConsoleAttempt = Static<typeof ConsoleAttempt>;

/** One WeChat call (or ledger move) of a period and its outcome. */
export const ConsoleChargeEvent = Type.Object(
  {
    at: Instant,
    call: Type.String(),
    outcome: Type.String(),
    outTradeNo: Nullable(Type.String()),
    code: Nullable(Type.String()),
    detail: Nullable(Type.String()),
  },
  { additionalProperties: false },
);
export type ConsoleChargeEvent = Static<typeof ConsoleChargeEvent>;

export const ConsoleCharge = Type.Object(
  {
    id: Type.String(),
    contractId: Type.String(),
    planKey: Type.String(),
    period: Type.String(),
    dueDate: Day,
    /** Fen, as stored; `amountText` is what staff read ("¥99.00"). */
    amount: Type.Integer({ minimum: 1 }),
    amountText: Type.String(),
    state: ChargeState,
    attempts: Type.Array(ConsoleAttempt),
    events: Type.Array(ConsoleChargeEvent),
    failureReason: Nullable(Type.String()),
    paidAt: Nullable(Instant),
    updatedAt: Instant,
    /** What staff may do now (the same rules the action routes enforce). */
    canRetry: Type.Boolean(),
    canCancel: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type ConsoleCharge = Static<typeof ConsoleCharge>;

/** A month, YYYY-MM. */
export const Period = Type.String({ pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$' });

export const ChargesQuery = Type.Object(
  {
    state: Type.Optional(ChargeState),
    plan: Type.Optional(PlanKey),
    period: Type.Optional(Period),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  },
  { additionalProperties: false },
);
export type ChargesQuery = Static<typeof ChargesQuery>;

export const ChargesReply = Type.Object(
  {
    charges: Type.Array(ConsoleCharge),
    total: Type.Integer({ minimum: 0 }),
    /** Sum of the listed filter's PAID amounts, for the header ("¥1,188.00 collected"). */
    collectedText: Type.String(),
  },
  { additionalProperties: false },
);
export type ChargesReply = Static<typeof ChargesReply>;

export const ChargeIdParams = Type.Object(
  { id: Type.String({ pattern: '^ch_[A-Za-z0-9_-]{1,40}$' }) },
  { additionalProperties: false },
);

/** A staff action must be confirmed explicitly (the page asks first). */
export const StaffActionBody = Type.Object({ confirm: Type.Literal(true) }, { additionalProperties: false });

export const StaffActionReply = Type.Object(
  { changed: Type.Boolean(), charge: ConsoleCharge },
  { additionalProperties: false },
);
export type StaffActionReply = Static<typeof StaffActionReply>;

export const StaffAction = Type.Object(
  {
    id: Type.String(),
    at: Instant,
    action: Type.String(),
    chargeId: Nullable(Type.String()),
    staff: Type.String(),
    requestId: Type.String(),
    source: Type.String(),
    outcome: Type.Union([Type.Literal('applied'), Type.Literal('unchanged'), Type.Literal('refused')]),
    detail: Nullable(Type.String()),
  },
  { additionalProperties: false },
);
export type StaffAction = Static<typeof StaffAction>;

export const StaffActionsReply = Type.Object(
  { actions: Type.Array(StaffAction) },
  { additionalProperties: false },
);
export type StaffActionsReply = Static<typeof StaffActionsReply>;

export const RunAsOfBody = Type.Object(
  { day: Day, confirm: Type.Literal(true) },
  { additionalProperties: false },
);

export const RunAsOfReply = Type.Object(
  {
    from: Day,
    to: Day,
    ranAt: Type.Array(Instant),
    passes: Type.Integer({ minimum: 0 }),
    stepped: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type RunAsOfReply = Static<typeof RunAsOfReply>;
