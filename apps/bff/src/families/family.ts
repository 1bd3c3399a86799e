import type { NavigateTarget } from '@qianyue/api';
import type { ContractEvent, WechatPayClient } from '@qianyue/wechatpay';
import type { AppConfig, PlanConfig } from '../config.ts';
import type { WechatCall } from '../contracts/wechat-call.ts';
import type { ContractRow } from '../db/database.ts';

/** What WeChat says about one contract, in our vocabulary. */
export type Observed =
  | { state: 'SIGNED'; wechatContractId: string | null; signedAt: Date | null }
  | { state: 'TERMINATED'; wechatContractId: string | null; signedAt: Date | null; terminatedAt: Date | null }
  /** WeChat knows no signed contract (its not-found answer, or none in the list). */
  | { state: 'NONE' }
  /** An answer we do not map (e.g. an UNCONFIRMED contract_state): change nothing. */
  | { state: 'OTHER' };

/** The event families with a contract module (`unknown` events never reach one). */
export type FamilyEvent<F extends ContractEvent['family']> = Extract<ContractEvent, { family: F }>;
export type KnownEvent = FamilyEvent<'edu-papay'> | FamilyEvent<'password-exempt'>;

export interface PresignResult {
  token: string;
  navigate: NavigateTarget;
  ttlSeconds: number;
}

/** The move a verified notification asks for (the repository keeps moves monotonic). */
export interface Transition {
  to: 'SIGNED' | 'TERMINATED';
  eventTime: Date;
  wechatContractId: string | null;
  signedAt: Date | null;
  terminatedAt: Date | null;
}

/**
 * One product in one signing mode. Everything mode-specific lives behind this: which fields the pre-sign
 * sends, how WeChat is asked about a contract, how it is terminated, and how a notification is recognised.
 * The generic parts (claims, retries, inbox, state moves) call these and never look at the mode.
 */
export interface ContractFamily<E extends KnownEvent = KnownEvent> {
  readonly plan: PlanConfig;
  /** The pre-sign call for a claimed row (its out_contract_code, openid and display account). */
  presign(row: ContractRow, deadline: number): Promise<PresignResult>;
  /** What WeChat says about the row now (PENDING: has it been signed? SIGNED: is it still?). */
  queryState(row: ContractRow, deadline: number): Promise<Observed>;
  /** Terminates at WeChat; throws the translated error on failure. */
  terminate(row: ContractRow, deadline: number): Promise<void>;
  /** The event's family (narrows the union for `isOurs` and friends). */
  accepts(event: ContractEvent): event is E;
  /** The payload names this plan's merchant, app and template (fields it does not carry are not held against it). */
  isOurs(event: E): boolean;
  /** The contract key the inbox deduplicates on. */
  contractKey(event: E): string;
  /** Whether the event is about `row` (same user under this mode's identity field). */
  names(event: E, row: ContractRow): boolean;
  /**
   * `names` as the database checks it while it finds the row: the user the payload names under this mode's
   * identity field (null: nobody), and whether a payload naming nobody may still move a row found by its own
   * key. `names` re-checks the row in code before the move commits.
   */
  owner(event: E): { openid: string | null; unnamedMayMatch: boolean };
  /** How to find the row when the payload does not carry our own key: edu by plan + user. */
  lookup(event: E): { wechatContractId?: string; outContractCode?: string; user?: string };
  /**
   * The move the event asks for. It depends on the event alone: every plan and mode of one family kind moves a
   * contract the same way (the notification statement is built before the row is known).
   */
  transitionFor(event: E, received: Date): Transition;
}

export interface FamilyDeps {
  config: AppConfig;
  client: WechatPayClient;
  call: WechatCall;
  now(): Date;
}

export const parseTime = (s: string | undefined, fallback: Date): Date => {
  const t = s ? Date.parse(s) : Number.NaN;
  return Number.isNaN(t) ? fallback : new Date(t);
};
