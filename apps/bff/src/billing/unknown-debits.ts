import { attempt, type Outcome } from './call-outcome.ts';
import type { CycleDeps } from './charge-cycle.ts';
import { applyOrder } from './order-results.ts';
import type { BillingAccount } from './settings.ts';
import type { AttemptRow, ChargeRow } from './tables.ts';

type Failed = Extract<Outcome, { ok: false }>;

/**
 * Debits whose outcome is unknown when their period can wait no longer: the period closes without any new
 * number, and the number stays watched (asked about again; a late result still applies as PAID_LATE).
 */
export function createUnknownDebits(d: CycleDeps) {
  const { ledger, settings } = d;
  const date = () => new Date(d.now() * 1000);
  const account = (c: ChargeRow): BillingAccount => {
    const a = d.accountOf(c.plan_key);
    if (!a) throw new Error(`plan ${c.plan_key} is not configured`);
    return a;
  };

  /**
   * The period can wait no longer (its last day passed, or its contract ended) while its debit's outcome is
   * unknown: it closes without any new number; the attempt stays CREATED, marked PERIOD_CLOSED, and is still
   * asked about (followUpUnknown) and still takes a late result notification (PAID_LATE).
   */
  async function closeUnknown(c: ChargeRow & { out_trade_no: string }, state: 'FAILED' | 'CANCELLED') {
    const now = date();
    const code = state === 'FAILED' ? 'OUTCOME_UNKNOWN' : 'CONTRACT_ENDED';
    const reason = `debit ${c.out_trade_no} not found at WeChat; still watched for a late result`;
    await ledger.transaction(async (trx) => {
      const moved = await ledger.update(trx, c, {
        state,
        failure_code: code,
        failure_reason: reason,
        closed_at: now,
        updated_at: now,
      });
      if (!moved) return;
      await trx
        .updateTable('charge_attempts')
        .set({ reason: 'PERIOD_CLOSED', updated_at: now })
        .where('out_trade_no', '=', c.out_trade_no)
        .where('status', 'in', ['CREATED', 'ACCEPTED'])
        .execute();
      await ledger.event(
        c.id,
        now,
        {
          call: state === 'FAILED' ? 'give-up' : 'cancel',
          outcome: 'applied',
          outTradeNo: c.out_trade_no,
          code,
          detail: reason,
        },
        trx,
      );
      if (state === 'FAILED') await ledger.insertNextPeriod(trx, c, d.termsOf(c.plan_key), now);
    });
  }

  /** Asks WeChat again about one debit of a closed period whose outcome was unknown (see closeUnknown). */
  async function followUpUnknown(a: AttemptRow): Promise<void> {
    const charge = await ledger.db
      .selectFrom('charges')
      .selectAll()
      .where('id', '=', a.charge_id)
      .executeTakeFirst();
    if (!charge) return;
    await d.budget();
    const now = date();
    const sub = account(charge).sub_mchid;
    let order: Awaited<ReturnType<typeof d.api.orderByOutTradeNo>>;
    try {
      order = await d.api.orderByOutTradeNo(a.out_trade_no, sub ? { sub_mchid: sub } : undefined);
    } catch (err) {
      await followUpFailed(charge, a, now, (await attempt(() => Promise.reject(err))) as Failed);
      return;
    }
    // Outside the try: a database error here is not a failed query (the scheduler logs it; asked again later).
    await ledger.transaction((trx) =>
      applyOrder(
        trx,
        { ledger, settings, termsOf: d.termsOf, now, source: 'query', ...(d.warn ? { warn: d.warn } : {}) },
        order,
      ),
    );
  }

  async function followUpFailed(charge: ChargeRow, a: AttemptRow, now: Date, f: Failed): Promise<void> {
    const notFound = f.known && settings.orderNotFoundCodes.includes(f.code);
    if (!notFound) {
      // A timeout, a 5xx, a refusal: asked again after the re-query interval. On the period's trail so staff
      // see why a late payment is not known yet, once per run of the same failure (not every hour for ever).
      const last = (await ledger.eventsOf(charge.id)).at(-1);
      const repeat =
        last?.call === 'query' &&
        last.outcome === 'unknown' &&
        last.out_trade_no === a.out_trade_no &&
        last.code === f.code;
      if (!repeat)
        await ledger.event(charge.id, now, {
          call: 'query',
          outcome: 'unknown',
          outTradeNo: a.out_trade_no,
          code: f.code,
          detail: `follow-up query failed; asked again every ${settings.unknownRequerySeconds} s`,
        });
      return;
    }
    if (now.getTime() - a.created_at.getTime() <= settings.unknownFollowUpDays * 86_400_000) return;
    // Long enough: no more queries (a result notification is still applied). Status stays CREATED.
    await ledger.db
      .updateTable('charge_attempts')
      .set({ reason: 'PERIOD_CLOSED_UNSEEN', updated_at: now })
      .where('out_trade_no', '=', a.out_trade_no)
      .where('status', '=', 'CREATED')
      .execute();
    await ledger.event(charge.id, now, {
      call: 'query',
      outcome: 'unseen',
      outTradeNo: a.out_trade_no,
      code: f.code,
      detail: `not found after ${settings.unknownFollowUpDays} days; no more queries`,
    });
  }

  return { closeUnknown, followUpUnknown };
}
