import type { EduBillingApi, EduOrder } from '@qianyue/wechatpay';
import { addDays, chinaDay, dayStart, daysBetween, spreadOffset } from './calendar.ts';
import { attempt, type Outcome } from './call-outcome.ts';
import { type Ledger, newOutTradeNo, noticeAt } from './ledger.ts';
import { afterFailedAttempt, applyOrder, attemptLimit, lastDay, type Warn } from './order-results.ts';
import type { BillingAccount, BillingSettings, BillingTerms } from './settings.ts';
import type { ChargeRow, ClaimedRow } from './tables.ts';
import { createUnknownDebits } from './unknown-debits.ts';

export interface CycleDeps {
  ledger: Ledger;
  api: EduBillingApi;
  settings: BillingSettings;
  termsOf: (planKey: string) => BillingTerms | undefined;
  /** Unix seconds. */
  now: () => number;
  /** The plan's AppID (and sub-merchant in service-provider mode) for its notices, debits and queries. */
  accountOf: (planKey: string) => BillingAccount | undefined;
  notifyUrl: () => string;
  /** Waits for the fleet-wide WeChat request budget (no-op without one). */
  budget: () => Promise<void>;
  /** A contract WeChat says is gone: reconcile it (it turns TERMINATED, then its periods are cancelled). */
  contractGone: (contractId: string) => Promise<void>;
  /** Console-visible warnings (late payments, amount mismatches); ids and amounts only. */
  warn?: Warn;
}

/**
 * One step of one claimed period: whatever is due now (notice, debit, asking WeChat about an attempt, retry,
 * give up, cancel). The period was claimed with a lease; every move below is a compare-and-set, and the only
 * statement that creates an order number does so in a transaction that re-checks the contract and the period.
 */
export function createChargeCycle(d: CycleDeps) {
  const { ledger, settings } = d;
  const { closeUnknown, followUpUnknown } = createUnknownDebits(d);
  const date = () => new Date(d.now() * 1000);
  const later = (seconds: number) => new Date((d.now() + seconds) * 1000);
  /** The contract's place in the spread window of its day (0 without BILLING_SPREAD_SECONDS). */
  const offset = (c: ChargeRow) => spreadOffset(c.contract_id, settings.spreadSeconds);
  const account = (c: ChargeRow): BillingAccount => {
    const a = d.accountOf(c.plan_key);
    // A plan removed from PLANS while periods are open: its periods wait (and are visible) rather than guess.
    if (!a) throw new Error(`plan ${c.plan_key} is not configured`);
    return a;
  };

  async function reschedule(c: ChargeRow, at: Date) {
    await ledger.update(ledger.db, c, { next_action_at: at, updated_at: date() });
  }

  async function cancel(c: ChargeRow) {
    const now = date();
    if (
      await ledger.update(ledger.db, c, {
        state: 'CANCELLED',
        failure_code: 'CONTRACT_ENDED',
        closed_at: now,
        updated_at: now,
      })
    ) {
      await ledger.event(c.id, now, { call: 'cancel', outcome: 'applied', code: 'CONTRACT_ENDED' });
    }
  }

  async function sendNotice(c: ChargeRow, wechatContractId: string) {
    await d.budget();
    const r = await attempt(() => d.api.sendNotice(wechatContractId, account(c)));
    const now = date();
    if (r.ok) {
      const today = chinaDay(d.now());
      const debitDay = [c.due_date, addDays(today, settings.noticeLeadDaysMin)].sort()[1]!;
      await ledger.noticeSent(
        c,
        {
          state: c.state === 'SCHEDULED' ? 'NOTICE_SENT' : c.state,
          notice_day: today,
          next_action_at: new Date((dayStart(debitDay) + offset(c)) * 1000),
        },
        now,
        `debit on ${debitDay}`,
      );
      return;
    }
    await ledger.event(c.id, now, {
      call: 'notice',
      outcome: r.known ? 'rejected' : 'unknown',
      code: r.code,
      detail: r.message ?? null,
    });
    if (r.known && settings.contractGoneCodes.includes(r.code)) await d.contractGone(c.contract_id);
    await reschedule(c, later(settings.callRetrySeconds));
  }

  /** A notice WeChat accepted, still inside its window for a debit today. */
  const noticeValid = (c: ChargeRow) => {
    if (!c.notice_day) return false;
    const lead = daysBetween(c.notice_day, chinaDay(d.now()));
    return lead >= settings.noticeLeadDaysMin && lead <= settings.noticeLeadDaysMax;
  };

  /**
   * Stores a new order number, then debits with it. The store is one statement: a compare-and-set on the period
   * (state and current number unchanged) that only moves while the contract is SIGNED, with the attempt row
   * inserted from that move; nothing is sent unless it moved.
   */
  async function newAttempt(c: ChargeRow, wechatContractId: string) {
    const outTradeNo = newOutTradeNo();
    // If this replica dies after the call, the next pass asks WeChat about this number first.
    const attemptNo = await ledger.startAttempt(c, outTradeNo, date(), later(settings.callRetrySeconds));
    if (attemptNo === undefined) return;
    await debit(
      { ...c, state: 'DEBIT_REQUESTED', attempts: attemptNo, out_trade_no: outTradeNo },
      wechatContractId,
    );
  }

  /**
   * Debits with the period's current number. `resend`: the number was sent before with an unknown outcome and
   * WeChat had no order for it; a refusal of the resend then proves nothing about the first send (it may still
   * land), so the attempt stays unknown instead of failing.
   */
  async function debit(c: ChargeRow & { out_trade_no: string }, wechatContractId: string, resend = false) {
    await d.budget();
    const r = await attempt(() =>
      d.api.debit({
        ...account(c),
        body: c.description,
        out_trade_no: c.out_trade_no,
        notify_url: d.notifyUrl(),
        contract_id: wechatContractId,
        trade_scene: 'EDUCATION_PERIOD',
        amount: { total: c.amount, currency: 'CNY' },
        device_information: { device_ip: settings.deviceIp },
      }),
    );
    const now = date();
    const ev = (outcome: string) =>
      ledger.event(c.id, now, {
        call: 'debit',
        outcome,
        outTradeNo: c.out_trade_no,
        code: r.ok ? null : r.code,
        detail: r.ok ? null : (r.message ?? null),
      });
    // A result notification may have settled this attempt while the call was in flight: then its own
    // schedule (retry spacing, or none once paid) stands, and only a still-open attempt is rescheduled.
    const stillOpen = async (status: 'CREATED' | 'ACCEPTED') =>
      (await ledger.attempt(ledger.db, c.out_trade_no))?.status === status;
    if (r.ok || (r.known && settings.duplicateOrderCodes.includes(r.code))) {
      await ledger.debitAccepted(c, now, later(settings.acceptedRequerySeconds), r.ok ? null : r.code);
      return;
    }
    if (!r.known) {
      // Timeout, 5xx, 429, unverifiable answer: maybe accepted, maybe not. The next step asks WeChat.
      await ev('unknown');
      if (await stillOpen('CREATED')) await reschedule(c, later(settings.callRetrySeconds));
      return;
    }
    await ev('rejected');
    if (resend) {
      // Not "known failed": the first send of this number is still unaccounted for. No new number; a refusal
      // for want of a notice clears it (the next step sends a fresh one), a contract WeChat says is gone is
      // reconciled (its period then closes with this number still watched).
      if (settings.noNoticeCodes.includes(r.code))
        await ledger.update(ledger.db, c, { notice_day: null, updated_at: now });
      if (settings.contractGoneCodes.includes(r.code)) await d.contractGone(c.contract_id);
      if (await stillOpen('CREATED'))
        await reschedule({ ...c, notice_day: null }, later(settings.callRetrySeconds));
      return;
    }
    const balance = settings.balanceCodes.includes(r.code);
    await ledger.transaction(async (trx) => {
      await trx
        .updateTable('charge_attempts')
        .set({
          status: balance ? 'PAY_FAIL' : 'REJECTED',
          trade_state: balance ? 'PAY_FAIL' : null,
          reason: r.code,
          updated_at: now,
        })
        .where('out_trade_no', '=', c.out_trade_no)
        .where('status', '=', 'CREATED')
        .execute();
      const cur = await ledger.lockCharge(trx, c.id);
      if (cur?.state !== 'DEBIT_REQUESTED' || cur.out_trade_no !== c.out_trade_no) return;
      if (settings.noNoticeCodes.includes(r.code)) {
        // WeChat saw no notice: the next attempt sends one first.
        await ledger.update(trx, cur, { notice_day: null, updated_at: now });
      }
      if (settings.contractGoneCodes.includes(r.code)) return; // reconciled below, then cancelled
      await afterFailedAttempt(
        trx,
        { ledger, settings, termsOf: d.termsOf, now },
        { ...cur, notice_day: null },
        r.code,
        r.message ?? r.code,
      );
    });
    if (settings.contractGoneCodes.includes(r.code)) await d.contractGone(c.contract_id);
  }

  /** An attempt whose outcome we do not know yet: ask WeChat by out_trade_no before anything else. */
  async function query(c: ChargeRow & { out_trade_no: string }, status: 'CREATED' | 'ACCEPTED') {
    await d.budget();
    let order: EduOrder | undefined;
    let failure: Outcome | undefined;
    try {
      const sub = account(c).sub_mchid;
      order = await d.api.orderByOutTradeNo(c.out_trade_no, sub ? { sub_mchid: sub } : undefined);
    } catch (err) {
      failure = await attempt(() => Promise.reject(err));
    }
    const now = date();
    if (order) {
      const o = order;
      // The common case (SUCCESS of the open attempt, the period's amount) in one statement; anything else
      // goes through applyOrder.
      if (o.trade_state === 'SUCCESS' && (await ledger.paidByQuery(c, o, d.termsOf(c.plan_key), now))) return;
      await ledger.transaction((trx) =>
        applyOrder(
          trx,
          { ledger, settings, termsOf: d.termsOf, now, source: 'query', ...(d.warn ? { warn: d.warn } : {}) },
          o,
        ),
      );
      if (o.trade_state === 'ACCEPTED')
        await reschedule({ ...c, state: 'DEBIT_REQUESTED' }, later(settings.acceptedRequerySeconds));
      return;
    }
    const f = failure as Extract<Outcome, { ok: false }>;
    const notFound = f.known && settings.orderNotFoundCodes.includes(f.code);
    await ledger.event(c.id, now, {
      call: 'query',
      outcome: notFound ? 'not-found' : 'unknown',
      outTradeNo: c.out_trade_no,
      code: f.code,
    });
    if (notFound && status === 'CREATED') return neverSeen(c);
    await reschedule(c, later(settings.callRetrySeconds));
  }

  /**
   * WeChat has no order for a number we sent with an unknown outcome. "Not found" is not "known failed": the
   * first send may still land, so the number is NEVER replaced — it is resent (WeChat keeps one order per
   * out_trade_no, so a late landing and the resend are one order), after a fresh notice if the old one expired,
   * or, when the period runs out of days or the contract ended, the period closes with the number still watched.
   */
  async function neverSeen(c: ChargeRow & { out_trade_no: string }) {
    const contract = await ledger.contractOf(ledger.db, c.contract_id);
    const signed = contract?.state === 'SIGNED' && contract.wechat_contract_id ? contract : undefined;
    const today = chinaDay(d.now());
    const last = lastDay(c, settings);
    // A contract terminated after this check refuses the resend at WeChat (contract gone): that refusal keeps the
    // attempt unknown and reconciles the contract, then this period closes below on a later step.
    if (signed && today <= last && noticeValid(c)) return debit(c, signed.wechat_contract_id!, true);
    if (signed && c.notice_day && daysBetween(c.notice_day, today) < settings.noticeLeadDaysMin) {
      // A fresh notice went out already: wait for its debit day.
      const debitDay = addDays(c.notice_day, settings.noticeLeadDaysMin);
      return reschedule(c, new Date((dayStart(debitDay) + offset(c)) * 1000));
    }
    if (signed && addDays(today, settings.noticeLeadDaysMin) <= last) {
      // The notice window passed: a fresh notice, and on its debit day the SAME number again. The period stays
      // DEBIT_REQUESTED and the attempt CREATED.
      return sendNotice(c, signed.wechat_contract_id!);
    }
    await closeUnknown(c, signed ? 'FAILED' : 'CANCELLED');
  }

  return {
    followUpUnknown,
    /** `c` as claimed: its contract's state and WeChat id and its attempt's status came with the claim. */
    async step(claimed: ClaimedRow): Promise<void> {
      const { contract_state, wechat_contract_id, attempt_status, ...c } = claimed;
      if (c.out_trade_no && (attempt_status === 'CREATED' || attempt_status === 'ACCEPTED'))
        return query(c as ChargeRow & { out_trade_no: string }, attempt_status);
      if (contract_state !== 'SIGNED' || !wechat_contract_id) return cancel(c);
      const terms = d.termsOf(c.plan_key);
      if (c.state !== 'DEBIT_REQUESTED' && chinaDay(d.now()) > lastDay(c, settings)) {
        // No notice WeChat accepted in time: the period is never debited.
        const now = date();
        await ledger.transaction((trx) =>
          afterFailedAttempt(
            trx,
            { ledger, settings: { ...settings, maxAttempts: 0 }, termsOf: d.termsOf, now },
            c,
            'NOTICE_NOT_SENT',
            'no pre-debit notice accepted before the last day',
          ),
        );
        return;
      }
      if (c.state === 'SCHEDULED') {
        const due = terms ? noticeAt(c.due_date, terms, offset(c)) : date();
        if (due.getTime() > d.now() * 1000) return reschedule(c, due);
        return sendNotice(c, wechat_contract_id);
      }
      // NOTICE_SENT, or DEBIT_REQUESTED whose last attempt is known not to have charged.
      if (c.state === 'DEBIT_REQUESTED') {
        const now = date();
        if (c.attempts >= attemptLimit(c, settings) || chinaDay(d.now()) > lastDay(c, settings)) {
          await ledger.transaction((trx) =>
            afterFailedAttempt(
              trx,
              { ledger, settings, termsOf: d.termsOf, now },
              c,
              c.failure_code ?? 'PAY_FAIL',
              c.failure_reason ?? 'PAY_FAIL',
            ),
          );
          return;
        }
      }
      if (!noticeValid(c)) return sendNotice(c, wechat_contract_id);
      const debitDay = [c.due_date, addDays(c.notice_day!, settings.noticeLeadDaysMin)].sort()[1]!;
      if (dayStart(debitDay) > d.now())
        return reschedule(c, new Date((dayStart(debitDay) + offset(c)) * 1000));
      return newAttempt(c, wechat_contract_id);
    },
  };
}
export type ChargeCycle = ReturnType<typeof createChargeCycle>;
