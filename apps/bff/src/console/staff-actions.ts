import { randomBytes } from 'node:crypto';
import { addDays, chinaDay } from '../billing/calendar.ts';
import type { Ledger, Trx } from '../billing/ledger.ts';
import type { BillingSettings, BillingTerms } from '../billing/settings.ts';
import type { ChargeRow, StaffActionsTable } from '../billing/tables.ts';
import {
  ConsoleChargeNotCancellableError,
  ConsoleChargeNotFoundError,
  ConsoleChargeNotRetryableError,
} from './errors.ts';

/** Who asked, from the request: the staff label (X-Staff, else 'console'), its request id and source address. */
export interface Actor {
  staff: string;
  requestId: string;
  source: string;
}

export type ActionResult = { changed: boolean; charge: ChargeRow };

type Refusal = ConsoleChargeNotCancellableError | ConsoleChargeNotRetryableError | ConsoleChargeNotFoundError;

/**
 * Staff actions on one period. Each runs in one transaction with the period locked (FOR UPDATE), checks what
 * the ledger allows, moves it with the ledger's compare-and-set and records the action in the same
 * transaction; a refusal is recorded too (after the rollback) and then thrown. Repeating an action that is
 * already in effect changes nothing and answers `changed: false`, so a double click or a second replica is safe.
 */
export function createStaffActions(o: {
  ledger: Ledger;
  settings: BillingSettings;
  termsOf: (planKey: string) => BillingTerms | undefined;
  now: () => number;
}) {
  const { ledger } = o;
  const newId = () => `sa_${randomBytes(15).toString('base64url')}`;
  const record = (
    d: Trx | undefined,
    actor: Actor,
    row: Omit<StaffActionsTable, 'id' | 'seq' | 'at' | 'staff' | 'request_id' | 'source'>,
    at: Date,
  ) =>
    (d ?? ledger.db)
      .insertInto('staff_actions')
      .values({
        id: newId(),
        at,
        staff: actor.staff,
        request_id: actor.requestId,
        source: actor.source,
        ...row,
        detail: row.detail?.slice(0, 256) ?? null,
      })
      .execute();

  async function act(
    action: 'retry' | 'cancel',
    chargeId: string,
    actor: Actor,
    body: (trx: Trx, c: ChargeRow, at: Date) => Promise<ActionResult>,
  ): Promise<ActionResult> {
    const at = new Date(o.now() * 1000);
    try {
      return await ledger.transaction(async (trx) => {
        const c = await ledger.lockCharge(trx, chargeId);
        if (!c) throw new ConsoleChargeNotFoundError();
        const r = await body(trx, c, at);
        await record(
          trx,
          actor,
          {
            action,
            charge_id: c.id,
            outcome: r.changed ? 'applied' : 'unchanged',
            detail: `${c.state} → ${r.charge.state}`,
          },
          at,
        );
        if (r.changed) {
          await ledger.event(
            c.id,
            at,
            { call: `staff-${action}`, outcome: 'applied', detail: `by ${actor.staff} (${actor.requestId})` },
            trx,
          );
        }
        return r;
      });
    } catch (err) {
      const refusal = err as Refusal;
      if (typeof refusal.code === 'string' && refusal.code.startsWith('CONSOLE_CHARGE_')) {
        const exists = !(err instanceof ConsoleChargeNotFoundError);
        await record(
          undefined,
          actor,
          { action, charge_id: exists ? chargeId : null, outcome: 'refused', detail: refusal.message },
          at,
        );
      }
      throw err;
    }
  }

  const attemptsOf = (trx: Trx, chargeId: string) =>
    trx
      .selectFrom('charge_attempts')
      .select(['out_trade_no', 'status'])
      .where('charge_id', '=', chargeId)
      .execute();

  return {
    /**
     * FAILED → one more attempt now: only when every attempt of the period is known not to have charged
     * (PAY_FAIL or refused) and the contract is still signed. The period goes back to DEBIT_REQUESTED (or
     * NOTICE_SENT when it never had an attempt) — the one sanctioned step back, recorded — with one attempt
     * and a notice window granted beyond the policy; the scheduler does the rest (notice first if needed, a
     * new out_trade_no only after the last one is known failed).
     */
    retry: (chargeId: string, actor: Actor) =>
      act('retry', chargeId, actor, async (trx, c, at) => {
        if (c.state !== 'FAILED') {
          if (c.state === 'PAID' || c.state === 'CANCELLED')
            throw new ConsoleChargeNotRetryableError(`it is ${c.state}`);
          return { changed: false, charge: c }; // already open again (a repeated click, another replica)
        }
        const attempts = await attemptsOf(trx, c.id);
        if (attempts.some((a) => a.status !== 'PAY_FAIL' && a.status !== 'REJECTED'))
          throw new ConsoleChargeNotRetryableError('an attempt did not end in a known failure');
        const contract = await ledger.contractOf(trx, c.contract_id);
        if (contract?.state !== 'SIGNED')
          throw new ConsoleChargeNotRetryableError('the contract is not signed');
        const today = chinaDay(o.now());
        const set = {
          state: c.out_trade_no ? ('DEBIT_REQUESTED' as const) : ('NOTICE_SENT' as const),
          staff_attempts: c.staff_attempts + 1,
          retry_until: addDays(today, o.settings.noticeLeadDaysMax),
          closed_at: null,
          next_action_at: at,
          updated_at: at,
        };
        if (!(await ledger.update(trx, c, set)))
          throw new ConsoleChargeNotRetryableError('it moved meanwhile');
        return { changed: true, charge: { ...c, ...set } };
      }),

    /**
     * An open period → CANCELLED, with no call to WeChat: only while no debit of it may have landed (no
     * attempt, or the current one known failed). A DEBIT_REQUESTED period whose outcome is unknown or
     * accepted is refused: the cycle must learn its outcome first. The contract goes on with its next period.
     */
    cancel: (chargeId: string, actor: Actor) =>
      act('cancel', chargeId, actor, async (trx, c, at) => {
        if (c.state === 'CANCELLED') return { changed: false, charge: c };
        if (c.state === 'PAID' || c.state === 'FAILED')
          throw new ConsoleChargeNotCancellableError(`it is ${c.state}`);
        if (c.out_trade_no) {
          const a = await ledger.attempt(trx, c.out_trade_no);
          if (a?.status !== 'PAY_FAIL' && a?.status !== 'REJECTED')
            throw new ConsoleChargeNotCancellableError(
              `its debit ${c.out_trade_no} may have landed (${a?.status ?? 'unknown'}); the cycle learns its outcome first`,
            );
        }
        const set = {
          state: 'CANCELLED' as const,
          failure_code: 'STAFF_CANCELLED',
          failure_reason: `cancelled by ${actor.staff}`,
          closed_at: at,
          updated_at: at,
        };
        if (!(await ledger.update(trx, c, set)))
          throw new ConsoleChargeNotCancellableError('it moved meanwhile');
        await ledger.insertNextPeriod(trx, c, o.termsOf(c.plan_key), at);
        return { changed: true, charge: { ...c, ...set } };
      }),

    /** Records an action that is not about one period (the sandbox-mode "run as of"). */
    record: (actor: Actor, action: string, outcome: StaffActionsTable['outcome'], detail: string) =>
      record(undefined, actor, { action, charge_id: null, outcome, detail }, new Date(o.now() * 1000)),
  };
}
export type StaffActions = ReturnType<typeof createStaffActions>;
