import type { EduOrder } from '@qianyue/wechatpay';
import type { Updateable } from 'kysely';
import { addDays, chinaDay } from './calendar.ts';
import type { Ledger, Trx } from './ledger.ts';
import type { BillingSettings, BillingTerms } from './settings.ts';
import type { ChargeAttemptsTable, ChargeRow } from './tables.ts';

/** The policy's attempts plus any staff granted (a console "retry now"). */
export const attemptLimit = (c: ChargeRow, s: Pick<BillingSettings, 'maxAttempts'>) =>
  s.maxAttempts + (c.staff_attempts ?? 0);

/** The last China day a period may be noticed or debited: the policy's, or later if staff retried it. */
export function lastDay(c: ChargeRow, s: Pick<BillingSettings, 'retryLastDay'>): string {
  const policy = addDays(c.due_date, s.retryLastDay);
  return c.retry_until && c.retry_until > policy ? c.retry_until : policy;
}

/** What a move of the ledger needs: the ledger, the policy, the plans' terms and the instant it happens at. */
export interface LedgerMove {
  ledger: Ledger;
  settings: BillingSettings;
  termsOf: (planKey: string) => BillingTerms | undefined;
  now: Date;
}

export type ApplyOutcome = 'applied' | 'unchanged' | 'unmatched';

/** A console-visible warning (a pino logger's warn): ids and amounts only, never a secret or a resource. */
export type Warn = (fields: Record<string, unknown>, message: string) => void;

/**
 * WeChat's word on one order (from a debit-result notification or an order query) → the ledger, inside the
 * caller's transaction. SUCCESS pays the period (and plans the next one); PAY_FAIL closes the attempt and
 * schedules the next by the retry policy or fails the period; ACCEPTED only notes that the debit landed.
 * Final states never move again, so a duplicate, late or reordered result changes nothing.
 */
export async function applyOrder(
  trx: Trx,
  o: LedgerMove & { source: 'notification' | 'query'; warn?: Warn },
  order: EduOrder,
): Promise<ApplyOutcome> {
  const { ledger, now } = o;
  const locked = await ledger.lockByAttempt(trx, order.out_trade_no);
  if (!locked) return 'unmatched';
  const { attempt, charge, contractState } = locked;
  const final =
    attempt.status === 'SUCCESS' || attempt.status === 'PAY_FAIL' || attempt.status === 'REJECTED';
  const state = order.trade_state;
  const event = (outcome: string, detail?: string) =>
    ledger.event(
      charge.id,
      now,
      {
        call: o.source,
        outcome,
        outTradeNo: order.out_trade_no,
        code: state,
        detail: detail ?? order.trade_state_description ?? null,
      },
      trx,
    );
  /** The attempt takes WeChat's state (status plus any fields that came with it). */
  const setAttempt = (fields: Updateable<ChargeAttemptsTable>) =>
    trx
      .updateTable('charge_attempts')
      .set({ trade_state: state, updated_at: now, ...fields })
      .where('out_trade_no', '=', attempt.out_trade_no)
      .execute();

  if (state === 'SUCCESS' || state === 'REFUND') {
    // The period row is read under lock (fresh); the attempt's status came with it but may predate a result
    // applied meanwhile by the other path (query vs notification), so a period already paid by this very
    // number is a duplicate too.
    if (
      attempt.status === 'SUCCESS' ||
      (charge.state === 'PAID' && charge.out_trade_no === order.out_trade_no)
    )
      return 'unchanged';
    if (final) {
      // Cannot happen with a faithful WeChat (PAY_FAIL is final); kept visible, never silently merged.
      o.warn?.(
        { chargeId: charge.id, outTradeNo: order.out_trade_no, code: 'CONFLICT', attempt: attempt.status },
        'billing: WeChat reports a charge for an attempt recorded as failed',
      );
      await event('conflict', `order ${state} after attempt ${attempt.status}`);
      return 'unchanged';
    }
    await setAttempt({ status: 'SUCCESS', transaction_id: order.transaction_id ?? null, reason: null });
    // Money moved: PAID is the truth whatever else is off, but an odd amount or a late result must be loud.
    const mismatch = order.amount.total !== charge.amount;
    const warn = (code: string, message: string, detail: string) => {
      o.warn?.(
        {
          chargeId: charge.id,
          outTradeNo: order.out_trade_no,
          code,
          expectedFen: charge.amount,
          chargedFen: order.amount.total,
        },
        message,
      );
      return event(code.toLowerCase().replace(/_/g, '-'), detail);
    };
    if (mismatch)
      await warn(
        'AMOUNT_MISMATCH',
        'billing: WeChat charged a different amount than the period',
        `charged ${order.amount.total} fen, period is ${charge.amount} fen`,
      );
    const paid = {
      state: 'PAID' as const,
      transaction_id: order.transaction_id ?? null,
      paid_at: order.success_time ? new Date(Date.parse(order.success_time) || now.getTime()) : now,
      closed_at: now,
      updated_at: now,
    };
    if (charge.state === 'DEBIT_REQUESTED') {
      await trx
        .updateTable('charges')
        .set(
          mismatch
            ? {
                ...paid,
                failure_code: 'AMOUNT_MISMATCH',
                failure_reason: `charged ${order.amount.total} fen`,
              }
            : paid,
        )
        .where('id', '=', charge.id)
        .execute();
      await ledger.insertNextPeriod(trx, charge, o.termsOf(charge.plan_key), now, contractState);
    } else if (charge.state === 'FAILED' || charge.state === 'CANCELLED') {
      // A debit whose outcome was unknown when the period had to close landed after all: the money moved, so
      // the period is PAID (the one move out of a closed state), flagged PAID_LATE for staff (a CANCELLED one
      // was charged after its contract ended: a refund is theirs to decide). Its number was never replaced,
      // so this is the period's only charge.
      const was = `${charge.state}${charge.failure_code ? ` (${charge.failure_code})` : ''}`;
      await trx
        .updateTable('charges')
        .set({ ...paid, failure_code: 'PAID_LATE', failure_reason: `paid after the period was ${was}` })
        .where('id', '=', charge.id)
        .where('state', '=', charge.state)
        .execute();
      await warn('PAID_LATE', 'billing: a debit landed after its period closed', `period was ${was}`);
      await ledger.insertNextPeriod(trx, charge, o.termsOf(charge.plan_key), now, contractState);
    } else if (charge.state === 'PAID' && charge.out_trade_no !== order.out_trade_no) {
      // A second order of a paid period: never created by this cycle (one number at a time); loud if WeChat says so.
      await warn(
        'CHARGED_TWICE',
        'billing: a second debit succeeded for a paid period',
        `paid by ${charge.transaction_id}`,
      );
    }
    await event('applied');
    return 'applied';
  }
  if (state === 'PAY_FAIL') {
    if (final) return 'unchanged';
    await setAttempt({ status: 'PAY_FAIL', reason: order.trade_state_description ?? null });
    if (charge.state === 'DEBIT_REQUESTED' && charge.out_trade_no === attempt.out_trade_no) {
      await afterFailedAttempt(trx, o, charge, 'PAY_FAIL', order.trade_state_description ?? 'PAY_FAIL');
    }
    await event('applied');
    return 'applied';
  }
  if (state === 'ACCEPTED') {
    if (attempt.status !== 'CREATED') return 'unchanged';
    await setAttempt({ status: 'ACCEPTED' });
    await event('applied');
    return 'applied';
  }
  // An unknown trade_state (U25-like): recorded, nothing moves; the next query asks again.
  await event('unknown-state');
  return 'unchanged';
}

/**
 * An attempt is known not to have charged (PAY_FAIL, or refused): retry by the policy — a new attempt after
 * `retrySpacingSeconds`, at most `maxAttempts`, not past `retryLastDay` days after the debit day — or FAILED.
 */
export async function afterFailedAttempt(
  trx: Trx,
  o: LedgerMove,
  charge: ChargeRow,
  code: string,
  reason: string,
): Promise<void> {
  const { settings, now } = o;
  const next = new Date(now.getTime() + settings.retrySpacingSeconds * 1000);
  const exhausted =
    charge.attempts >= attemptLimit(charge, settings) ||
    chinaDay(next.getTime() / 1000) > lastDay(charge, settings);
  await o.ledger.update(
    trx,
    charge,
    exhausted
      ? { state: 'FAILED', failure_code: code, failure_reason: reason, closed_at: now, updated_at: now }
      : { failure_code: code, failure_reason: reason, next_action_at: next, updated_at: now },
  );
  if (exhausted) {
    await o.ledger.event(charge.id, now, { call: 'give-up', outcome: 'applied', code, detail: reason }, trx);
    // The contract goes on: the next month is its own period.
    await o.ledger.insertNextPeriod(trx, charge, o.termsOf(charge.plan_key), now);
  }
}
