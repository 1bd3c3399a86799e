import { randomBytes } from 'node:crypto';
import { badControlRequest } from './errors.ts';

/*
 * The edu-papay debit cycle's memory: pre-debit notices per contract, one order per (merchant, out_trade_no),
 * and the knobs for what WeChat's answers and results look like. Per instance (held by the context), no
 * module-level state. Everything the docs leave open is a setting here, named after contract-apis-next.md §10.
 */

/** What a debit becomes. ACCEPTED_THEN_* stay ACCEPTED for `settleAfterMs` before the result. */
export const DEBIT_OUTCOMES = [
  'SUCCESS',
  'PAY_FAIL',
  'ACCEPTED_THEN_SUCCESS',
  'ACCEPTED_THEN_PAY_FAIL',
] as const;
export type DebitOutcome = (typeof DEBIT_OUTCOMES)[number];

export interface BillingSettings {
  /** Outcome of a debit with no per-contract outcome queued. */
  outcome: DebitOutcome;
  /** Real milliseconds an ACCEPTED_THEN_* order stays ACCEPTED. */
  settleAfterMs: number;
  /** trade_state_description of a PAY_FAIL. */
  failReason: string;
  /** U20: insufficient balance as an async PAY_FAIL or a synchronous 403 NOT_ENOUGH (no order). */
  balanceFailMode: 'async' | 'sync';
  /** U16: the notice must have been sent on a calendar day (Asia/Shanghai) in D−max … D−min. */
  noticeLeadDaysMin: number;
  noticeLeadDaysMax: number;
  /** U17: one notice per debit; a notice spent by a failed debit may serve the retry. */
  noticeReusableAfterFail: boolean;
  /** U18: the answer to a debit without a qualifying notice. */
  noNoticeCode: string;
  /** U19: a resent accepted out_trade_no answers 204 again (`accept`) or 400 ALREADY_EXISTS. */
  resubmitSameNo: 'accept' | 'ALREADY_EXISTS';
  /** U11-like: debit-result event names (documented as TRANSACTION.SUCCESS / TRANSACTION.FAIL). */
  eventSuccess: string;
  eventFail: string;
}

export const DEFAULT_BILLING_SETTINGS: BillingSettings = Object.freeze({
  outcome: 'SUCCESS',
  settleAfterMs: 200,
  failReason: '余额不足',
  balanceFailMode: 'async',
  noticeLeadDaysMin: 1,
  noticeLeadDaysMax: 3,
  noticeReusableAfterFail: true,
  noNoticeCode: 'INVALID_REQUEST',
  resubmitSameNo: 'accept',
  eventSuccess: 'TRANSACTION.SUCCESS',
  eventFail: 'TRANSACTION.FAIL',
});

export interface Notice {
  contractId: string;
  mchId: string;
  sentAt: number;
  /** YYYY-MM-DD in China time. */
  day: string;
  /** The out_trade_no that spent it. */
  usedBy?: string;
}

export type TradeState = 'ACCEPTED' | 'SUCCESS' | 'PAY_FAIL';

export interface Order {
  mchId: string;
  appid: string;
  subMchid?: string;
  subAppid?: string;
  outTradeNo: string;
  transactionId: string;
  contractId: string;
  openid: string;
  body: string;
  attach?: string;
  total: number;
  notifyUrl: string;
  deviceIp: string;
  deviceId?: string;
  state: TradeState;
  /** Where the order is going (ACCEPTED orders settle to this). */
  final: 'SUCCESS' | 'PAY_FAIL';
  /** trade_state_description once PAY_FAIL. */
  failReason: string;
  createdAt: number;
  successAt?: number;
}

/** A debit WeChat took in (checked, notice spent) whose order is not visible yet: it lands on demand. */
export interface HeldDebit {
  key: string;
  order: Order;
  outcome: DebitOutcome;
}

export interface BillingState {
  settings: BillingSettings;
  /** contract id → how many of its next debits are held back ("accepted late"). */
  holds: Map<string, number>;
  /** Held debits in arrival order, until /__sandbox/billing/held/land. */
  held: HeldDebit[];
  /** Lands every held debit (set by the debit routes): a number that has an order by now stays that one order. */
  landHeld(): { landed: string[]; merged: string[] };
  notices: Map<string, Notice[]>;
  /** `${mchId}|${outTradeNo}` → order. */
  orders: Map<string, Order>;
  byTransactionId: Map<string, Order>;
  /** contract id → outcomes for its next debits, consumed in order. */
  queued: Map<string, DebitOutcome[]>;
  nextOutcome(contractId: string): DebitOutcome;
  newTransactionId(now: number): string;
  /** Runs `fn` after `ms` on a tracked, unref'd timer (cleared by close). */
  later(ms: number, fn: () => void): void;
  close(): void;
}

/** YYYY-MM-DD in China (UTC+8) of a unix-seconds instant. */
export const cstDay = (seconds: number) => new Date((seconds + 8 * 3600) * 1000).toISOString().slice(0, 10);

/** Whole calendar days from day `a` to day `b` (both YYYY-MM-DD). */
export const daysBetween = (a: string, b: string) => Math.round((Date.parse(b) - Date.parse(a)) / 86_400_000);

export function createBillingState(): BillingState {
  const timers = new Set<NodeJS.Timeout>();
  let counter = 0;
  const s: BillingState = {
    settings: { ...DEFAULT_BILLING_SETTINGS },
    holds: new Map(),
    held: [],
    landHeld: () => ({ landed: [], merged: [] }),
    notices: new Map(),
    orders: new Map(),
    byTransactionId: new Map(),
    queued: new Map(),
    nextOutcome(contractId) {
      const q = s.queued.get(contractId);
      const next = q?.shift();
      if (q && q.length === 0) s.queued.delete(contractId);
      return next ?? s.settings.outcome;
    },
    newTransactionId(now) {
      counter = (counter + 1) % 1_000_000;
      const stamp = cstDay(now).replace(/-/g, '');
      const rand = String(randomBytes(4).readUInt32BE(0)).padStart(10, '0');
      return `42${stamp}${String(counter).padStart(6, '0')}${rand}`.slice(0, 28);
    },
    later(ms, fn) {
      const t = setTimeout(() => {
        timers.delete(t);
        fn();
      }, ms);
      t.unref();
      timers.add(t);
    },
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
  return s;
}

/** Control-API patch of the settings: known keys only, each of its own type. */
export function patchBillingSettings(
  current: BillingSettings,
  patch: Record<string, unknown>,
): BillingSettings {
  const next: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (!(k in DEFAULT_BILLING_SETTINGS)) throw badControlRequest(`unknown billing setting ${k}`);
    const def = DEFAULT_BILLING_SETTINGS[k as keyof BillingSettings];
    if (typeof v !== typeof def) throw badControlRequest(`billing setting ${k} must be a ${typeof def}`);
    next[k] = v;
  }
  const n = next as unknown as BillingSettings;
  if (!DEBIT_OUTCOMES.includes(n.outcome))
    throw badControlRequest(`outcome must be one of ${DEBIT_OUTCOMES}`);
  if (n.balanceFailMode !== 'async' && n.balanceFailMode !== 'sync')
    throw badControlRequest('balanceFailMode must be async or sync');
  if (n.resubmitSameNo !== 'accept' && n.resubmitSameNo !== 'ALREADY_EXISTS')
    throw badControlRequest('resubmitSameNo must be accept or ALREADY_EXISTS');
  if (
    !Number.isInteger(n.noticeLeadDaysMin) ||
    !Number.isInteger(n.noticeLeadDaysMax) ||
    n.noticeLeadDaysMin < 0 ||
    n.noticeLeadDaysMax < n.noticeLeadDaysMin
  )
    throw badControlRequest('noticeLeadDaysMin/Max must be integers with 0 <= min <= max');
  if (!Number.isFinite(n.settleAfterMs) || n.settleAfterMs < 0) throw badControlRequest('settleAfterMs >= 0');
  return n;
}
