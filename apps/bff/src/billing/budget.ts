import { sql } from 'kysely';
import type { BillingDb } from './tables.ts';

/**
 * The WeChat request budget of the whole fleet: at most `perSecond` billing calls in any wall-clock second,
 * counted in one database row per second that every replica increments (an upsert that refuses to pass the
 * limit). A caller over budget waits for the next second. Wall-clock time on purpose: WeChat's rate limits
 * are real time, whatever the billing clock says.
 */
export function createRequestBudget(o: {
  db: BillingDb;
  perSecond: number;
  nowMs?: () => number;
  sleep?: (ms: number) => Promise<void>;
}): () => Promise<void> {
  if (o.perSecond <= 0) return async () => {};
  const nowMs = o.nowMs ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let grants = 0;
  return async () => {
    for (;;) {
      const second = Math.floor(nowMs() / 1000);
      const r = await sql<{
        used: number;
      }>`insert into billing_request_budget (second, used) values (${second}, 1)
        on conflict (second) do update set used = billing_request_budget.used + 1
        where billing_request_budget.used < ${o.perSecond}
        returning used`.execute(o.db);
      if (r.rows.length > 0) {
        if (++grants % 200 === 0) {
          await sql`delete from billing_request_budget where second < ${second - 60}`.execute(o.db);
        }
        return;
      }
      await sleep((second + 1) * 1000 - nowMs() + 1);
    }
  };
}
