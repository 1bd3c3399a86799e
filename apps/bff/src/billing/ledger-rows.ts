import { randomBytes, randomInt } from 'node:crypto';
import { addDays, dayStart, periodOf, spreadOffset } from './calendar.ts';
import type { BillingTerms } from './settings.ts';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 32 characters of [0-9A-Za-z] (WeChat allows [0-9A-Za-z_-]{1,32}); random, so never reused. */
export const newOutTradeNo = () => `QYD${Array.from({ length: 29 }, () => BASE62[randomInt(62)]).join('')}`;
export const newId = (prefix: string) => `${prefix}_${randomBytes(15).toString('base64url')}`;

/** When the notice of a period is due: `noticeLeadDays` China days before its debit day, at 00:00. */
export const noticeAt = (due: string, terms: Pick<BillingTerms, 'noticeLeadDays'>, offsetSeconds = 0) =>
  new Date((dayStart(addDays(due, -terms.noticeLeadDays)) + offsetSeconds) * 1000);

/** A new SCHEDULED period of `due` (due on its notice day, at the contract's offset in the spread window). */
export function newPeriod(
  id: string,
  contractId: string,
  planKey: string,
  due: string,
  t: BillingTerms,
  now: Date,
  spreadSeconds = 0,
) {
  return {
    id,
    contract_id: contractId,
    plan_key: planKey,
    period: periodOf(due),
    due_date: due,
    amount: t.amount,
    currency: t.currency,
    description: t.description,
    state: 'SCHEDULED' as const,
    notice_day: null,
    attempts: 0,
    out_trade_no: null,
    transaction_id: null,
    failure_code: null,
    failure_reason: null,
    next_action_at: noticeAt(due, t, spreadOffset(contractId, spreadSeconds)),
    created_at: now,
    updated_at: now,
    paid_at: null,
    closed_at: null,
    staff_attempts: 0,
    retry_until: null,
  };
}
