import type { PlanConfig } from '../config/plans.ts';
import { BffConfigError } from '../errors.ts';

/**
 * The billing terms a plan carries (validated by the plan resolver): what is charged, on which day of the
 * month, and how many days before that the pre-debit notice goes out.
 */
export interface BillingTerms {
  /** Fen, > 0. */
  amount: number;
  currency: 'CNY';
  /** 1–28: the debit day when a contract has no period_start_date of its own. */
  dayOfMonth: number;
  /** The debit's `body` (≤ 128 characters). */
  description: string;
  /** 1–3: the notice is sent this many China calendar days before the debit day. */
  noticeLeadDays: number;
}

/** The plan's billing terms, if it has any (only edu-papay plans do). */
export function billingTermsOf(plan: PlanConfig): BillingTerms | undefined {
  return plan.family === 'edu-papay' ? plan.billing : undefined;
}

/** Whom a plan's notices and debits are sent for: its AppID and, in service-provider mode, the sub-merchant. */
export interface BillingAccount {
  appid: string;
  sub_mchid?: string;
  sub_appid?: string;
}
export function billingAccountOf(plan: PlanConfig): BillingAccount | undefined {
  if (plan.family !== 'edu-papay') return undefined;
  if (plan.mode === 'direct') return { appid: plan.appId };
  return {
    appid: plan.appId,
    sub_mchid: plan.subMchId,
    ...(plan.subAppId ? { sub_appid: plan.subAppId } : {}),
  };
}

/**
 * The scheduler and every UNCONFIRMED rule of the debit cycle (contract-apis-next.md §10, U16–U27), each an
 * environment variable with the documented inference as its default.
 */
export interface BillingSettings {
  /** BILLING_INTERVAL_SECONDS: how often each replica runs a pass; 0 = no background scheduler. */
  intervalSeconds: number;
  /** BILLING_BATCH: due periods claimed per pass and replica. */
  batch: number;
  /** BILLING_LEASE_SECONDS: a claimed period is invisible to other replicas this long. */
  leaseSeconds: number;
  /** BILLING_CALL_RETRY_SECONDS: a notice / query / debit whose outcome is unknown is retried after this. */
  callRetrySeconds: number;
  /** U16 EDU_NOTICE_LEAD_DAYS_MIN / _MAX: WeChat's window for a notice before the debit day. */
  noticeLeadDaysMin: number;
  noticeLeadDaysMax: number;
  /** U25 EDU_ACCEPTED_REQUERY_SECONDS: an ACCEPTED (or unanswered) debit is queried after this. */
  acceptedRequerySeconds: number;
  /** U23 BILLING_MAX_ATTEMPTS (EDU_MAX_DEBIT_ATTEMPTS_PER_PERIOD): debits per period, each its own number. */
  maxAttempts: number;
  /** BILLING_RETRY_SPACING_SECONDS: wait after a PAY_FAIL before the next attempt. */
  retrySpacingSeconds: number;
  /** BILLING_RETRY_LAST_DAY: the period gives up this many days after its debit day. */
  retryLastDay: number;
  /** U18 EDU_NO_NOTICE_CODES: a debit refused with one of these needs a fresh notice. */
  noNoticeCodes: string[];
  /** U18 EDU_CONTRACT_GONE_CODES: the contract is gone at WeChat (the contract is reconciled, then cancelled). */
  contractGoneCodes: string[];
  /** U19 EDU_DUPLICATE_ORDER_CODES: the order number already exists = the debit was accepted before. */
  duplicateOrderCodes: string[];
  /** U20: synchronous "insufficient balance" codes, treated as a PAY_FAIL of the attempt. */
  balanceCodes: string[];
  /** U27 EDU_ORDER_NOT_FOUND_CODES: the order query's "no such order" (the debit never landed). */
  orderNotFoundCodes: string[];
  /** EDU_DEBIT_EVENT_TYPES: debit-result event names (JSON map name → success | fail). */
  eventTypes: Record<string, 'success' | 'fail'>;
  /** U34 EDU_DEVICE_IP: the merchant server's public IP sent as device_information.device_ip. */
  deviceIp: string;
  /** BILLING_REQUESTS_PER_SECOND: WeChat calls per second for the whole fleet; 0 = no budget. */
  requestsPerSecond: number;
  /**
   * BILLING_SPREAD_SECONDS: each contract's notices and debits are due this far into their day at most, at an
   * offset fixed per contract, so a day-1 peak is spread over the window instead of all due at 00:00.
   * 0 = every period due at 00:00 China time. At most 20 h, so the call stays on its China day.
   */
  spreadSeconds: number;
  /**
   * BILLING_UNKNOWN_REQUERY_SECONDS: a debit whose outcome was still unknown when its period had to close (WeChat
   * had no such order, and the period ran out of days or its contract ended) is asked about again this often…
   */
  unknownRequerySeconds: number;
  /** BILLING_UNKNOWN_FOLLOW_UP_DAYS: …for this many days after it was sent; a late result notification counts any time. */
  unknownFollowUpDays: number;
}

const list = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function int(env: Record<string, string | undefined>, name: string, def: number, min: number, max: number) {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new BffConfigError(name, `must be an integer in ${min}..${max}`);
  }
  return n;
}

export function resolveBillingSettings(env: Record<string, string | undefined> = {}): BillingSettings {
  const s = (name: string, def: string) => (env[name] === undefined || env[name] === '' ? def : env[name]!);
  let eventTypes: Record<string, 'success' | 'fail'> = {
    'TRANSACTION.SUCCESS': 'success',
    'TRANSACTION.FAIL': 'fail',
  };
  if (env.EDU_DEBIT_EVENT_TYPES) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(env.EDU_DEBIT_EVENT_TYPES);
    } catch {
      throw new BffConfigError('EDU_DEBIT_EVENT_TYPES', 'must be a JSON object');
    }
    if (
      typeof parsed !== 'object' ||
      parsed === null ||
      !Object.values(parsed).every((v) => v === 'success' || v === 'fail')
    ) {
      throw new BffConfigError('EDU_DEBIT_EVENT_TYPES', 'must map event names to "success" or "fail"');
    }
    eventTypes = parsed as Record<string, 'success' | 'fail'>;
  }
  const settings: BillingSettings = {
    intervalSeconds: int(env, 'BILLING_INTERVAL_SECONDS', 60, 0, 86_400),
    batch: int(env, 'BILLING_BATCH', 100, 1, 10_000),
    leaseSeconds: int(env, 'BILLING_LEASE_SECONDS', 120, 5, 86_400),
    callRetrySeconds: int(env, 'BILLING_CALL_RETRY_SECONDS', 300, 1, 86_400),
    noticeLeadDaysMin: int(env, 'EDU_NOTICE_LEAD_DAYS_MIN', 1, 0, 10),
    noticeLeadDaysMax: int(env, 'EDU_NOTICE_LEAD_DAYS_MAX', 3, 0, 10),
    acceptedRequerySeconds: int(env, 'EDU_ACCEPTED_REQUERY_SECONDS', 600, 1, 86_400),
    maxAttempts: int(env, 'BILLING_MAX_ATTEMPTS', 3, 1, 20),
    retrySpacingSeconds: int(env, 'BILLING_RETRY_SPACING_SECONDS', 86_400, 1, 30 * 86_400),
    retryLastDay: int(env, 'BILLING_RETRY_LAST_DAY', 7, 0, 27),
    noNoticeCodes: list(s('EDU_NO_NOTICE_CODES', 'INVALID_REQUEST')),
    contractGoneCodes: list(s('EDU_CONTRACT_GONE_CODES', 'NOT_FOUND,RESOURCE_NOT_EXISTS')),
    duplicateOrderCodes: list(s('EDU_DUPLICATE_ORDER_CODES', 'ALREADY_EXISTS')),
    balanceCodes: list(s('EDU_BALANCE_CODES', 'NOT_ENOUGH')),
    orderNotFoundCodes: list(s('EDU_ORDER_NOT_FOUND_CODES', 'NOT_FOUND,RESOURCE_NOT_EXISTS,ORDER_NOT_EXIST')),
    eventTypes,
    deviceIp: s('EDU_DEVICE_IP', '127.0.0.1'),
    requestsPerSecond: int(env, 'BILLING_REQUESTS_PER_SECOND', 0, 0, 100_000),
    spreadSeconds: int(env, 'BILLING_SPREAD_SECONDS', 0, 0, 72_000),
    unknownRequerySeconds: int(env, 'BILLING_UNKNOWN_REQUERY_SECONDS', 3600, 1, 86_400),
    unknownFollowUpDays: int(env, 'BILLING_UNKNOWN_FOLLOW_UP_DAYS', 30, 0, 365),
  };
  if (settings.noticeLeadDaysMax < settings.noticeLeadDaysMin) {
    throw new BffConfigError('EDU_NOTICE_LEAD_DAYS_MAX', 'must be >= EDU_NOTICE_LEAD_DAYS_MIN');
  }
  return settings;
}

/** The billing settings a configuration carries, or the documented defaults (a config built without them). */
export const billingSettingsOf = (config: { billing?: BillingSettings }): BillingSettings =>
  config.billing ?? resolveBillingSettings({});
