import { sql, type Transaction } from 'kysely';
import { dueDay, firstDueDay, periodOf } from './calendar.ts';
import { createLedgerMoves } from './ledger-moves.ts';
import { newId, newPeriod } from './ledger-rows.ts';
import type { BillingTerms } from './settings.ts';
import {
  type AttemptRow,
  type BillingDatabase,
  type BillingDb,
  type ChargeRow,
  type ChargeState,
  type EventRow,
  OPEN_STATES,
} from './tables.ts';

export type Trx = Transaction<BillingDatabase>;
export { newOutTradeNo, noticeAt } from './ledger-rows.ts';

export interface NewEvent {
  call: string;
  outcome: string;
  outTradeNo?: string | null;
  code?: string | null;
  detail?: string | null;
}

/**
 * The ledger's statements. Every state change is a compare-and-set on the current state (and attempt), so
 * two replicas working the same period at once cannot both move it, and no state ever goes back.
 */
export function createLedger(db: BillingDb, o: { spreadSeconds?: number } = {}) {
  const ledger = {
    db,
    ...createLedgerMoves(db, o),
    transaction: <T>(fn: (trx: Trx) => Promise<T>) => db.transaction().execute(fn),

    async event(chargeId: string, at: Date, e: NewEvent, d: BillingDb | Trx = db): Promise<void> {
      await d
        .insertInto('charge_events')
        .values({
          id: newId('ev'),
          charge_id: chargeId,
          at,
          call: e.call,
          outcome: e.outcome,
          out_trade_no: e.outTradeNo ?? null,
          code: e.code ?? null,
          detail: e.detail === undefined || e.detail === null ? null : e.detail.slice(0, 256),
        })
        .execute();
    },

    /**
     * Gives signed edu contracts of billed plans their first period: claims a batch of them (SKIP LOCKED,
     * stamped billing_planned_at) and inserts one SCHEDULED row each (ON CONFLICT: never a second one).
     */
    async planNewContracts(now: Date, terms: Map<string, BillingTerms>, limit: number): Promise<number> {
      const planKeys = [...terms.keys()];
      if (planKeys.length === 0) return 0;
      return db.transaction().execute(async (trx) => {
        const rows = await sql<{
          id: string;
          plan_key: string;
          period_start_date: string | null;
          signed_at: Date | null;
        }>`update contracts set billing_planned_at = ${now}::timestamptz
          where id in (
            select id from contracts
            where family = 'edu-papay' and state = 'SIGNED' and billing_planned_at is null
              and plan_key in (${sql.join(planKeys)})
            order by signed_at limit ${limit} for update skip locked)
          returning id, plan_key, period_start_date, signed_at`.execute(trx);
        for (const c of rows.rows) {
          const t = terms.get(c.plan_key)!;
          const signed = Math.floor(new Date(c.signed_at ?? now).getTime() / 1000);
          const due = firstDueDay(c.period_start_date, signed, t.dayOfMonth);
          await ledger.insertPeriod(trx, c.id, c.plan_key, due, t, now);
        }
        return rows.rows.length;
      });
    },

    async insertPeriod(
      trx: Trx,
      contractId: string,
      planKey: string,
      due: string,
      t: BillingTerms,
      now: Date,
    ) {
      const id = newId('ch');
      const inserted = trx
        .insertInto('charges')
        .values(newPeriod(id, contractId, planKey, due, t, now, o.spreadSeconds ?? 0))
        .onConflict((oc) => oc.doNothing())
        .returning('id');
      // The row and its 'plan' event in one statement (the event only if the row was new).
      await trx
        .with('ins', () => inserted)
        .insertInto('charge_events')
        .columns(['id', 'charge_id', 'at', 'call', 'outcome', 'detail'])
        .expression((eb) =>
          eb
            .selectFrom('ins')
            .select([
              sql<string>`${newId('ev')}::text`.as('id'),
              'ins.id',
              sql`${now}::timestamptz`.as('at'),
              sql.lit('plan').as('call'),
              sql.lit('ok').as('outcome'),
              sql`${`period ${periodOf(due)} due ${due}`}::text`.as('detail'),
            ]),
        )
        .execute();
    },

    /** The next period after a resolved one, if the contract is still signed. */
    /** `contractState`: the contract's state as read under this transaction already, if it was (saves a read). */
    async insertNextPeriod(
      trx: Trx,
      charge: ChargeRow,
      terms: BillingTerms | undefined,
      now: Date,
      contractState?: string | null,
    ) {
      if (!terms) return;
      const state =
        contractState !== undefined
          ? contractState
          : (
              await trx
                .selectFrom('contracts')
                .select('state')
                .where('id', '=', charge.contract_id)
                .executeTakeFirst()
            )?.state;
      if (state !== 'SIGNED') return;
      await ledger.insertPeriod(
        trx,
        charge.contract_id,
        charge.plan_key,
        dueDay(charge.due_date, 1),
        terms,
        now,
      );
    },

    /**
     * Open periods of contracts that are no longer SIGNED and have no debit whose outcome is pending →
     * CANCELLED, without any call to WeChat. A period with an attempt in flight is left to the cycle, which
     * first learns that attempt's outcome.
     */
    async cancelEnded(now: Date, limit: number): Promise<number> {
      return db.transaction().execute(async (trx) => {
        // A batch of ended contracts not yet closed for billing (partial index), stamped in the same statement.
        const ended = await sql<{ id: string }>`update contracts set billing_closed_at = ${now}::timestamptz
          where id in (
            select id from contracts
            where billing_planned_at is not null and billing_closed_at is null and state <> 'SIGNED'
            limit ${limit} for update skip locked)
          returning id`.execute(trx);
        if (ended.rows.length === 0) return 0;
        const ids = ended.rows.map((r) => r.id);
        // Their open periods without a debit in flight. One in flight is left to the cycle, which learns its
        // outcome first and then cancels the period instead of retrying.
        const r = await sql<{
          id: string;
        }>`update charges set state = 'CANCELLED', closed_at = ${now}::timestamptz,
            updated_at = ${now}::timestamptz, failure_code = 'CONTRACT_ENDED'
          where id in (
            select ch.id from charges ch
            left join charge_attempts a on a.out_trade_no = ch.out_trade_no
            where ch.contract_id in (${sql.join(ids)})
              and ch.state in ('SCHEDULED','NOTICE_SENT','DEBIT_REQUESTED')
              and (ch.out_trade_no is null or a.status in ('PAY_FAIL','REJECTED'))
            for update of ch)
          returning id`.execute(trx);
        for (const row of r.rows)
          await ledger.event(
            row.id,
            now,
            { call: 'cancel', outcome: 'applied', code: 'CONTRACT_ENDED' },
            trx,
          );
        return r.rows.length;
      });
    },

    /** Moves an open period (compare-and-set on its state and current number); false when it moved meanwhile. */
    async update(
      d: BillingDb | Trx,
      charge: Pick<ChargeRow, 'id' | 'state' | 'out_trade_no'>,
      set: Partial<Omit<ChargeRow, 'id' | 'contract_id' | 'period'>>,
    ): Promise<boolean> {
      let q = d.updateTable('charges').set(set).where('id', '=', charge.id).where('state', '=', charge.state);
      q =
        charge.out_trade_no === null
          ? q.where('out_trade_no', 'is', null)
          : q.where('out_trade_no', '=', charge.out_trade_no);
      const r = await q.executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    lockCharge: (trx: Trx, id: string) =>
      trx.selectFrom('charges').selectAll().where('id', '=', id).forUpdate().executeTakeFirst(),
    attempt: (d: BillingDb | Trx, outTradeNo: string): Promise<AttemptRow | undefined> =>
      d.selectFrom('charge_attempts').selectAll().where('out_trade_no', '=', outTradeNo).executeTakeFirst(),
    contractOf: (d: BillingDb | Trx, id: string) =>
      d
        .selectFrom('contracts')
        .select(['id', 'state', 'wechat_contract_id', 'openid', 'plan_key'])
        .where('id', '=', id)
        .executeTakeFirst(),

    // ---- reads (tests, console, mini-program) -------------------------------------------------------------
    chargesOf: (contractId: string) =>
      db
        .selectFrom('charges')
        .selectAll()
        .where('contract_id', '=', contractId)
        .orderBy('due_date')
        .execute(),
    attemptsOf: (chargeId: string) =>
      db
        .selectFrom('charge_attempts')
        .selectAll()
        .where('charge_id', '=', chargeId)
        .orderBy('attempt_no')
        .execute(),
    eventsOf: (chargeId: string): Promise<EventRow[]> =>
      db
        .selectFrom('charge_events')
        .selectAll()
        .where('charge_id', '=', chargeId)
        .orderBy('at')
        .orderBy('id')
        .execute(),
    countOpen: async (): Promise<number> => {
      const r = await db
        .selectFrom('charges')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('state', 'in', OPEN_STATES)
        .executeTakeFirst();
      return Number(r?.n ?? 0);
    },
  };
  return ledger;
}
export type Ledger = ReturnType<typeof createLedger>;
export type { ChargeState };
