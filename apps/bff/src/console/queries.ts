import { type Kysely, sql } from 'kysely';
import type { ContractRow, Database } from '../db/database.ts';
import { NOTIFICATION_OUTCOMES } from '../notifications/outcomes.ts';
import type { ConsoleContract, ContractsQuery, DailyCount, InboxItem, InboxQuery } from './schemas.ts';

const iso = (d: Date | null) => (d ? d.toISOString() : null);
export const maskOpenid = (o: string) =>
  o.length <= 10 ? `${o.slice(0, 2)}…` : `${o.slice(0, 6)}…${o.slice(-4)}`;

export function toConsoleContract(r: ContractRow): ConsoleContract {
  return {
    id: r.id,
    planKey: r.plan_key,
    family: r.family,
    state: r.state,
    openid: maskOpenid(r.openid),
    displayAccount: r.display_account,
    wechatContractId: r.wechat_contract_id,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    signedAt: iso(r.signed_at),
    terminatedAt: iso(r.terminated_at),
    expiresAt: iso(r.expires_at),
  };
}

/** Why a notification ended where it did, in words for staff (from the one outcomes table). */
export const OUTCOME_REASONS: Record<string, string> = Object.fromEntries(
  Object.entries(NOTIFICATION_OUTCOMES).map(([outcome, e]) => [outcome, e.reason]),
);

const dayStart = (d: string) => new Date(`${d}T00:00:00.000Z`);

export function createConsoleQueries(db: Kysely<Database>) {
  return {
    async contracts(f: ContractsQuery): Promise<{ contracts: ConsoleContract[]; total: number }> {
      let q = db.selectFrom('contracts').where('presign_status', '=', 'READY');
      if (f.state) q = q.where('state', '=', f.state);
      if (f.plan) q = q.where('plan_key', '=', f.plan);
      if (f.from) q = q.where('created_at', '>=', dayStart(f.from));
      if (f.to) q = q.where('created_at', '<', new Date(dayStart(f.to).getTime() + 86_400_000));
      const [rows, count] = await Promise.all([
        q.selectAll().orderBy('created_at', 'desc').orderBy('id').limit(f.limit).execute(),
        q.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirst(),
      ]);
      return { contracts: rows.map(toConsoleContract), total: Number(count?.n ?? 0) };
    },

    async inbox(o: InboxQuery): Promise<InboxItem[]> {
      const items: InboxItem[] = [];
      if (o.status !== 'rejected') {
        let q = db.selectFrom('notification_inbox').selectAll();
        if (o.status === 'applied') q = q.where('outcome', '=', 'applied');
        if (o.status === 'verified') q = q.where('outcome', '!=', 'applied');
        const rows = await q.orderBy('received_at', 'desc').orderBy('id').limit(o.limit).execute();
        for (const r of rows) {
          items.push({
            id: r.id,
            receivedAt: r.received_at.toISOString(),
            status: r.outcome === 'applied' ? 'applied' : 'verified',
            family: r.family,
            eventType: r.event_type,
            outcome: r.outcome,
            reason: OUTCOME_REASONS[r.outcome] ?? r.outcome,
            contractId: r.contract_id,
            serial: r.serial,
            requestId: r.request_id,
          });
        }
      }
      if (o.status === undefined || o.status === 'rejected') {
        const rows = await db
          .selectFrom('notification_rejections')
          .selectAll()
          .orderBy('received_at', 'desc')
          .orderBy('id')
          .limit(o.limit)
          .execute();
        for (const r of rows) {
          items.push({
            id: r.id,
            receivedAt: r.received_at.toISOString(),
            status: 'rejected',
            family: r.family,
            eventType: null,
            outcome: r.reason,
            // Aggregated per source + reason (migration 0006): receivedAt is the last post, count how many.
            reason: `${OUTCOME_REASONS[r.reason] ?? r.reason} (${r.error_code})${r.count > 1 ? ` ×${r.count} from ${r.source}` : ''}`,
            contractId: null,
            serial: r.serial,
            requestId: r.request_id,
          });
        }
      }
      return items.sort((a, b) => b.receivedAt.localeCompare(a.receivedAt)).slice(0, o.limit);
    },

    /**
     * Signings, terminations and money collected (PAID periods by paid day, fen) per UTC day, for the `days`
     * days ending with `now`'s day (zeros included).
     */
    async daily(days: number, now: Date): Promise<DailyCount[]> {
      const today = dayStart(now.toISOString().slice(0, 10));
      const since = new Date(today.getTime() - (days - 1) * 86_400_000);
      const count = async (column: 'signed_at' | 'terminated_at') => {
        const rows = await sql<{ day: string; n: number | string }>`
          select to_char(${sql.ref(column)} at time zone 'UTC', 'YYYY-MM-DD') as day, count(*) as n
          from contracts where ${sql.ref(column)} >= ${since} group by 1`.execute(db);
        return new Map(rows.rows.map((r) => [r.day, Number(r.n)]));
      };
      const collect = async () => {
        const rows = await sql<{ day: string; n: number | string }>`
          select to_char(paid_at at time zone 'UTC', 'YYYY-MM-DD') as day, sum(amount) as n
          from charges where state = 'PAID' and paid_at >= ${since} group by 1`.execute(db);
        return new Map(rows.rows.map((r) => [r.day, Number(r.n)]));
      };
      const [signed, terminated, collected] = await Promise.all([
        count('signed_at'),
        count('terminated_at'),
        collect(),
      ]);
      const out: DailyCount[] = [];
      for (let i = 0; i < days; i++) {
        const date = new Date(since.getTime() + i * 86_400_000).toISOString().slice(0, 10);
        out.push({
          date,
          signed: signed.get(date) ?? 0,
          terminated: terminated.get(date) ?? 0,
          collected: collected.get(date) ?? 0,
        });
      }
      return out;
    },
  };
}
