import type { Generated, Kysely, Selectable } from 'kysely';
import type { Database } from '../db/database.ts';

export type ChargeState = 'SCHEDULED' | 'NOTICE_SENT' | 'DEBIT_REQUESTED' | 'PAID' | 'FAILED' | 'CANCELLED';
export const OPEN_STATES: ChargeState[] = ['SCHEDULED', 'NOTICE_SENT', 'DEBIT_REQUESTED'];
export type AttemptStatus = 'CREATED' | 'ACCEPTED' | 'SUCCESS' | 'PAY_FAIL' | 'REJECTED';

/** Migration 0007. */
export interface ChargesTable {
  id: string;
  contract_id: string;
  plan_key: string;
  /** YYYY-MM of the debit day. */
  period: string;
  due_date: string;
  amount: number;
  currency: string;
  description: string;
  state: ChargeState;
  /** China day of the last notice WeChat accepted (204). */
  notice_day: string | null;
  attempts: number;
  /** The current attempt's number (stored before its debit call). */
  out_trade_no: string | null;
  transaction_id: string | null;
  failure_code: string | null;
  failure_reason: string | null;
  next_action_at: Date;
  created_at: Date;
  updated_at: Date;
  paid_at: Date | null;
  closed_at: Date | null;
  /** Attempts staff granted beyond the retry policy (migration 0010: "retry a FAILED period now"). */
  staff_attempts: number;
  /** The China day until which a staff retry may still notice and debit, past the policy's last day. */
  retry_until: string | null;
}

export interface ChargeAttemptsTable {
  out_trade_no: string;
  charge_id: string;
  attempt_no: number;
  /** CREATED = stored, outcome of the debit call not known; REJECTED = WeChat refused it (no order). */
  status: AttemptStatus;
  trade_state: string | null;
  reason: string | null;
  transaction_id: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface ChargeEventsTable {
  id: string;
  charge_id: string;
  at: Date;
  /** notice | debit | query | notification | cancel | plan | give-up */
  call: string;
  out_trade_no: string | null;
  /** ok | unknown | rejected | applied */
  outcome: string;
  code: string | null;
  detail: string | null;
}

/** Migration 0010: every staff action from the console, applied or not. */
export interface StaffActionsTable {
  id: string;
  seq: Generated<number>;
  at: Date;
  /** retry | cancel | run-as-of */
  action: string;
  charge_id: string | null;
  /** The X-Staff label the console sent, else 'console' (there is one admin token). */
  staff: string;
  request_id: string;
  source: string;
  outcome: 'applied' | 'unchanged' | 'refused';
  detail: string | null;
}

export type BillingTables = {
  charges: ChargesTable;
  staff_actions: StaffActionsTable;
  charge_attempts: ChargeAttemptsTable;
  charge_events: ChargeEventsTable;
};

export type BillingDatabase = Database & BillingTables;
export type BillingDb = Kysely<BillingDatabase>;
export type ChargeRow = Selectable<ChargesTable>;
/** A period as the scheduler claims it: with its contract's state and WeChat id and its current attempt's status. */
export type ClaimedRow = ChargeRow & {
  contract_state: string | null;
  wechat_contract_id: string | null;
  attempt_status: AttemptStatus | null;
};
export type AttemptRow = Selectable<ChargeAttemptsTable>;
export type EventRow = Selectable<ChargeEventsTable>;
export type StaffActionRow = Selectable<StaffActionsTable>;

export const asBillingDb = (db: Kysely<Database>): BillingDb => db.withTables<BillingTables>();
