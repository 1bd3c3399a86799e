import { sql } from 'kysely';
import type { AttemptRow, BillingDb, ChargeRow, EventRow, StaffActionRow } from '../billing/tables.ts';
import type { ChargesQuery, ConsoleCharge, StaffAction } from './schemas.ts';

/** Fen → what staff read: 9900 → "¥99.00", 118800 → "¥1,188.00". */
export function yuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  const whole = Math.floor(abs / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}¥${whole}.${String(abs % 100).padStart(2, '0')}`;
}

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

/** The rules the staff action routes enforce, for the page's buttons (the routes re-check under lock). */
function allowed(c: ChargeRow, attempts: AttemptRow[]): { canRetry: boolean; canCancel: boolean } {
  const current = attempts.find((a) => a.out_trade_no === c.out_trade_no);
  const knownFailed = !current || current.status === 'PAY_FAIL' || current.status === 'REJECTED';
  const open = c.state === 'SCHEDULED' || c.state === 'NOTICE_SENT' || c.state === 'DEBIT_REQUESTED';
  return {
    canRetry:
      c.state === 'FAILED' && attempts.every((a) => a.status === 'PAY_FAIL' || a.status === 'REJECTED'),
    canCancel: open && knownFailed,
  };
}

export function toConsoleCharge(c: ChargeRow, attempts: AttemptRow[], events: EventRow[]): ConsoleCharge {
  return {
    id: c.id,
    contractId: c.contract_id,
    planKey: c.plan_key,
    period: c.period,
    dueDate: c.due_date,
    amount: c.amount,
    amountText: yuan(c.amount),
    state: c.state,
    attempts: attempts.map((a) => ({
      outTradeNo: a.out_trade_no,
      attemptNo: a.attempt_no,
      status: a.status,
      tradeState: a.trade_state,
      reason: a.reason,
      createdAt: new Date(a.created_at).toISOString(),
    })),
    events: events.map((e) => ({
      at: new Date(e.at).toISOString(),
      call: e.call,
      outcome: e.outcome,
      outTradeNo: e.out_trade_no,
      code: e.code,
      detail: e.detail,
    })),
    failureReason: c.failure_reason,
    paidAt: iso(c.paid_at),
    updatedAt: new Date(c.updated_at).toISOString(),
    ...allowed(c, attempts),
  };
}

const toStaffAction = (r: StaffActionRow): StaffAction => ({
  id: r.id,
  at: new Date(r.at).toISOString(),
  action: r.action,
  chargeId: r.charge_id,
  staff: r.staff,
  requestId: r.request_id,
  source: r.source,
  outcome: r.outcome,
  detail: r.detail,
});

/** The console's reads of the charge ledger (kept apart from queries.ts, which holds contracts and the inbox). */
export function createChargeQueries(db: BillingDb) {
  async function withDetails(rows: ChargeRow[]): Promise<ConsoleCharge[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const [attempts, events] = await Promise.all([
      db
        .selectFrom('charge_attempts')
        .selectAll()
        .where('charge_id', 'in', ids)
        .orderBy('attempt_no')
        .execute(),
      db
        .selectFrom('charge_events')
        .selectAll()
        .where('charge_id', 'in', ids)
        .orderBy('at')
        .orderBy('id')
        .execute(),
    ]);
    const by = <T extends { charge_id: string }>(list: T[], id: string) =>
      list.filter((x) => x.charge_id === id);
    return rows.map((r) => toConsoleCharge(r, by(attempts, r.id), by(events, r.id)));
  }

  return {
    async charges(
      f: ChargesQuery,
    ): Promise<{ charges: ConsoleCharge[]; total: number; collectedText: string }> {
      let q = db.selectFrom('charges');
      if (f.state) q = q.where('state', '=', f.state);
      if (f.plan) q = q.where('plan_key', '=', f.plan);
      if (f.period) q = q.where('period', '=', f.period);
      const [rows, totals] = await Promise.all([
        q.selectAll().orderBy('due_date', 'desc').orderBy('id').limit(f.limit).execute(),
        q
          .select((eb) => [
            eb.fn.countAll<string>().as('n'),
            sql<string | null>`sum(case when state = 'PAID' then amount else 0 end)`.as('paid'),
          ])
          .executeTakeFirst(),
      ]);
      return {
        charges: await withDetails(rows),
        total: Number(totals?.n ?? 0),
        collectedText: yuan(Number(totals?.paid ?? 0)),
      };
    },

    async charge(id: string): Promise<ConsoleCharge | undefined> {
      const row = await db.selectFrom('charges').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? (await withDetails([row]))[0] : undefined;
    },

    async staffActions(limit: number): Promise<StaffAction[]> {
      const rows = await db
        .selectFrom('staff_actions')
        .selectAll()
        // Newest first by insertion (seq): `at` has whole seconds of the BFF's clock.
        .orderBy('seq', 'desc')
        .limit(limit)
        .execute();
      return rows.map(toStaffAction);
    },
  };
}
export type ChargeQueries = ReturnType<typeof createChargeQueries>;
