import { randomBytes, randomInt } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import { addDays, dayStart, dueDay, firstDueDay, periodOf, spreadOffset } from './calendar.ts';
import type { BillingTerms } from './settings.ts';
import {
  type AttemptRow,
  type BillingDatabase,
  type BillingDb,
  type ChargeRow,
  type ChargeState,
  type ClaimedRow,
  type EventRow,
  OPEN_STATES,
} from './tables.ts';

export type Trx = Transaction<BillingDatabase>;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 32 characters of [0-9A-Za-z] (WeChat allows [0-9A-Za-z_-]{1,32}); random, so never reused. */
export const newOutTradeNo = () => `QYD${Array.from({ length: 29 }, () => BASE62[randomInt(62)]).join('')}`;
const newId = (prefix: string) => `${prefix}_${randomBytes(15).toString('base64url')}`;

/** When the notice of a period is due: `noticeLeadDays` China days before its debit day, at 00:00. */
export const noticeAt = (due: string, terms: Pick<BillingTerms, 'noticeLeadDays'>, offsetSeconds = 0) =>
  new Date((dayStart(addDays(due, -terms.noticeLeadDays)) + offsetSeconds) * 1000);

export interface NewEvent {
  call: string;
  outcome: string;
  outTradeNo?: string | null;
  code?: string | null;
  detail?: string | null;
}

/** A new SCHEDULED period of `due` (due on its notice day, at the contract's offset in the spread window). */
function newPeriod(
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

/**
 * The ledger's statements. Every state change is a compare-and-set on the current state (and attempt), so
 * two replicas working the same period at once cannot both move it, and no state ever goes back.
 */
export function createLedger(db: BillingDb, o: { spreadSeconds?: number } = {}) {
  const ledger = {
    db,
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

    /**
     * WeChat's order query says SUCCESS for the period's current, still open attempt, with the period's amount:
     * in ONE statement the period becomes PAID (compare-and-set: still DEBIT_REQUESTED with this number and
     * amount, the attempt still CREATED or ACCEPTED), the attempt SUCCESS, the event, and the next period (with
     * its event) if the contract is still SIGNED. False when anything differs: the caller then applies the order
     * through applyOrder, which handles every other case (late, mismatched, settled meanwhile).
     */
    async paidByQuery(
      c: ChargeRow & { out_trade_no: string },
      order: {
        transaction_id?: string;
        success_time?: string;
        trade_state_description?: string;
        amount: { total: number };
      },
      terms: BillingTerms | undefined,
      now: Date,
    ): Promise<boolean> {
      const paidAt = order.success_time ? new Date(Date.parse(order.success_time) || now.getTime()) : now;
      const nextDue = dueDay(c.due_date, 1);
      const n = terms
        ? newPeriod(newId('ch'), c.contract_id, c.plan_key, nextDue, terms, now, o.spreadSeconds ?? 0)
        : undefined;
      const r = await sql<{ paid: number }>`with paid as (
          update charges set state = 'PAID', transaction_id = ${order.transaction_id ?? null}::text,
            paid_at = ${paidAt}::timestamptz, closed_at = ${now}::timestamptz, updated_at = ${now}::timestamptz
          where id = ${c.id} and state = 'DEBIT_REQUESTED' and out_trade_no = ${c.out_trade_no}
            and amount = ${order.amount.total}::int
            and exists (select 1 from charge_attempts
              where out_trade_no = ${c.out_trade_no} and status in ('CREATED','ACCEPTED'))
          returning id, contract_id),
        a as (
          update charge_attempts set status = 'SUCCESS', trade_state = 'SUCCESS', reason = null,
            transaction_id = ${order.transaction_id ?? null}::text, updated_at = ${now}::timestamptz
          where out_trade_no = ${c.out_trade_no} and exists (select 1 from paid)),
        e as (
          insert into charge_events (id, charge_id, at, call, outcome, out_trade_no, code, detail)
          select ${newId('ev')}::text, paid.id, ${now}::timestamptz, 'query', 'applied', ${c.out_trade_no}::text, 'SUCCESS',
            ${order.trade_state_description ?? null}::text
          from paid),
        nx as (
          insert into charges (id, contract_id, plan_key, period, due_date, amount, currency, description, state,
            attempts, next_action_at, created_at, updated_at, staff_attempts)
          select ${n?.id ?? null}::text, paid.contract_id, ${c.plan_key}::text, ${n?.period ?? null}::text,
            ${n?.due_date ?? null}::text, ${n?.amount ?? null}::int, ${n?.currency ?? null}::text,
            ${n?.description ?? null}::text, 'SCHEDULED', 0, ${n?.next_action_at ?? null}::timestamptz,
            ${now}::timestamptz, ${now}::timestamptz, 0
          from paid join contracts ct on ct.id = paid.contract_id and ct.state = 'SIGNED'
          where ${n !== undefined}::boolean
          on conflict do nothing
          returning id),
        ne as (
          insert into charge_events (id, charge_id, at, call, outcome, detail)
          select ${newId('ev')}::text, nx.id, ${now}::timestamptz, 'plan', 'ok', ${`period ${periodOf(nextDue)} due ${nextDue}`}::text
          from nx)
        select count(*)::int as paid from paid`.execute(db);
      return (r.rows[0]?.paid ?? 0) > 0;
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

    /**
     * Claims due open periods for this replica: their next_action_at moves to the lease end in the same
     * statement, which also returns each one's contract state and WeChat id and its current attempt's status
     * (what the step needs first, without a read per period).
     */
    async claimDue(now: Date, leaseUntil: Date, limit: number): Promise<ClaimedRow[]> {
      const r = await sql<ClaimedRow>`with claimed as (
          update charges set next_action_at = ${leaseUntil}::timestamptz
          where id in (
            select id from charges
            where state in ('SCHEDULED','NOTICE_SENT','DEBIT_REQUESTED') and next_action_at <= ${now}::timestamptz
            order by next_action_at limit ${limit} for update skip locked)
          returning *)
        select claimed.*, ct.state as contract_state, ct.wechat_contract_id, a.status as attempt_status
        from claimed
        left join contracts ct on ct.id = claimed.contract_id
        left join charge_attempts a on a.out_trade_no = claimed.out_trade_no
        order by claimed.next_action_at`.execute(db);
      return r.rows;
    },

    /**
     * A new attempt in ONE statement: the period moves to DEBIT_REQUESTED with the new number (compare-and-set
     * on its state and current number, and only while the contract is SIGNED), and the attempt row is inserted
     * from that move. Nothing happens if the period moved or the contract ended. Returns the attempt number.
     */
    async startAttempt(
      c: Pick<ChargeRow, 'id' | 'state' | 'out_trade_no' | 'contract_id'>,
      outTradeNo: string,
      now: Date,
      requeryAt: Date,
    ): Promise<number | undefined> {
      const r = await sql<{ attempt_no: number }>`with moved as (
          update charges set state = 'DEBIT_REQUESTED', attempts = attempts + 1, out_trade_no = ${outTradeNo},
            next_action_at = ${requeryAt}::timestamptz, updated_at = ${now}::timestamptz
          where id = ${c.id} and state = ${c.state} and out_trade_no is not distinct from ${c.out_trade_no}::text
            and exists (select 1 from contracts where id = ${c.contract_id} and state = 'SIGNED')
          returning id, attempts)
        insert into charge_attempts (out_trade_no, charge_id, attempt_no, status, created_at, updated_at)
        select ${outTradeNo}, moved.id, moved.attempts, 'CREATED', ${now}::timestamptz, ${now}::timestamptz
        from moved
        returning attempt_no`.execute(db);
      return r.rows[0]?.attempt_no;
    },

    /**
     * WeChat accepted a debit (204, or "duplicate order"): in ONE statement the attempt becomes ACCEPTED unless a
     * result settled it meanwhile, the period is re-asked about after `requeryAt` only if the attempt is still
     * open, and the call's event is recorded.
     */
    async debitAccepted(
      c: Pick<ChargeRow, 'id' | 'state'> & { out_trade_no: string },
      now: Date,
      requeryAt: Date,
      code: string | null = null,
    ): Promise<void> {
      await sql`with a as (
          update charge_attempts set status = 'ACCEPTED', updated_at = ${now}::timestamptz
          where out_trade_no = ${c.out_trade_no} and status in ('CREATED','ACCEPTED')
          returning out_trade_no),
        ch as (
          update charges set next_action_at = ${requeryAt}::timestamptz, updated_at = ${now}::timestamptz
          where id = ${c.id} and state = ${c.state} and out_trade_no = ${c.out_trade_no}
            and exists (select 1 from a)
          returning id)
        insert into charge_events (id, charge_id, at, call, outcome, out_trade_no, code)
        values (${newId('ev')}, ${c.id}, ${now}::timestamptz, 'debit', 'ok', ${c.out_trade_no}, ${code}::text)`.execute(
        db,
      );
    },

    /** A notice WeChat accepted: the period's move (compare-and-set) and the event in ONE statement. */
    async noticeSent(
      c: Pick<ChargeRow, 'id' | 'state' | 'out_trade_no'>,
      set: { state: ChargeState; notice_day: string; next_action_at: Date },
      now: Date,
      detail: string,
    ): Promise<void> {
      await sql`with u as (
          update charges set state = ${set.state}, notice_day = ${set.notice_day},
            next_action_at = ${set.next_action_at}::timestamptz, updated_at = ${now}::timestamptz
          where id = ${c.id} and state = ${c.state} and out_trade_no is not distinct from ${c.out_trade_no}::text
          returning id)
        insert into charge_events (id, charge_id, at, call, outcome, detail)
        values (${newId('ev')}, ${c.id}, ${now}::timestamptz, 'notice', 'ok', ${detail})`.execute(db);
    },

    /**
     * The attempt of `outTradeNo` and its period, the period locked (FOR UPDATE), with the contract's state,
     * in one statement: what applying WeChat's word on an order needs.
     */
    async lockByAttempt(
      trx: Trx,
      outTradeNo: string,
    ): Promise<
      | {
          attempt: Pick<AttemptRow, 'out_trade_no' | 'status' | 'charge_id'>;
          charge: ChargeRow;
          contractState: string | null;
        }
      | undefined
    > {
      const r = await sql<
        ChargeRow & { attempt_status: AttemptRow['status']; contract_state: string | null }
      >`
        select c.*, a.status as attempt_status, ct.state as contract_state
        from charge_attempts a
        join charges c on c.id = a.charge_id
        left join contracts ct on ct.id = c.contract_id
        where a.out_trade_no = ${outTradeNo}
        for update of c`.execute(trx);
      const row = r.rows[0];
      if (!row) return undefined;
      const { attempt_status, contract_state, ...charge } = row;
      return {
        attempt: { out_trade_no: outTradeNo, status: attempt_status, charge_id: charge.id },
        charge,
        contractState: contract_state,
      };
    },

    /**
     * Debits whose outcome was unknown when their period closed, due to be asked about again (SKIP LOCKED, their
     * updated_at moved to now in the same statement as a lease; partial index of migration 0012).
     */
    async claimUnknownOfClosed(now: Date, askedBefore: Date, limit: number): Promise<AttemptRow[]> {
      const r = await sql<AttemptRow>`update charge_attempts set updated_at = ${now}::timestamptz
        where out_trade_no in (
          select out_trade_no from charge_attempts
          where reason = 'PERIOD_CLOSED' and status in ('CREATED','ACCEPTED')
            and updated_at <= ${askedBefore}::timestamptz
          order by updated_at limit ${limit} for update skip locked)
        returning *`.execute(db);
      return r.rows;
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
