import { ContractFamily, ContractParams, ContractState, PlanKey } from '@qianyue/api';
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
  { date: Day, signed: Type.Integer({ minimum: 0 }), terminated: Type.Integer({ minimum: 0 }) },
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
  { ok: Type.Literal(true), mode: Type.Union([Type.Literal('sandbox'), Type.Literal('production')]) },
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
