import { sql } from 'kysely';
import { dueDay, periodOf } from './calendar.ts';
import type { Trx } from './ledger.ts';
import { newId, newPeriod } from './ledger-rows.ts';
import type { BillingTerms } from './settings.ts';
import type { AttemptRow, BillingDb, ChargeRow, ChargeState, ClaimedRow } from './tables.ts';

/**
 * The scheduler's claims and the cycle's common moves, each ONE statement (data-modifying CTEs): a
 * compare-and-set on the period together with the rows and events that go with it, so the common path of a
 * period costs one round trip per step and never holds a transaction open.
 */
export function createLedgerMoves(db: BillingDb, o: { spreadSeconds?: number } = {}) {
  return {
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
  };
}
