import { sql } from 'kysely';
import type { BillingDb } from './tables.ts';

/**
 * How long before the end of a second a grant is no longer taken or used. A grant is counted in second s, but
 * its call leaves after the database answered and reaches WeChat a little later still: a grant taken or
 * returned in the last moments of s would land in s+1 on top of that second's full budget (measured: 62 calls
 * in one second at budget 60). 50 ms covers the grant's return plus the request's trip on a loaded host, and
 * costs at most 5% of each second's time for taking grants — not of the budget.
 */
export const GRANT_GUARD_MS = 50;

/**
 * The WeChat request budget of the whole fleet: at most `perSecond` billing calls in any wall-clock second,
 * counted in one database row per second that every replica increments (an upsert that refuses to pass the
 * limit). A caller over budget waits for the next second. A grant is only used if it is still well inside the
 * second it was counted in when it returns; otherwise it is dropped (it stays counted, so the budget only
 * errs low) and the caller asks again. Wall-clock time on purpose: WeChat's rate limits are real time,
 * whatever the billing clock says.
 */
export function createRequestBudget(o: {
  db: BillingDb;
  perSecond: number;
  nowMs?: () => number;
  sleep?: (ms: number) => Promise<void>;
  guardMs?: number;
}): () => Promise<void> {
  if (o.perSecond <= 0) return async () => {};
  const nowMs = o.nowMs ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const guard = o.guardMs ?? GRANT_GUARD_MS;
  /** The instant after which a grant of `second` may no longer be taken or used. */
  const cutoff = (second: number) => (second + 1) * 1000 - guard;
  let grants = 0;
  return async () => {
    for (;;) {
      // Old rows go first, never between a grant and its use.
      if (grants > 0 && grants % 200 === 0) {
        grants++;
        await sql`delete from billing_request_budget where second < ${Math.floor(nowMs() / 1000) - 60}`.execute(
          o.db,
        );
      }
      const at = nowMs();
      const second = Math.floor(at / 1000);
      if (at >= cutoff(second)) {
        await sleep((second + 1) * 1000 - at + 1);
        continue;
      }
      const r = await sql<{
        used: number;
      }>`insert into billing_request_budget (second, used) values (${second}, 1)
        on conflict (second) do update set used = billing_request_budget.used + 1
        where billing_request_budget.used < ${o.perSecond}
        returning used`.execute(o.db);
      if (r.rows.length > 0) {
        if (nowMs() >= cutoff(second)) continue; // came back too late to be spent in its own second
        grants++;
        return;
      }
      const now = nowMs();
      if (Math.floor(now / 1000) === second) await sleep((second + 1) * 1000 - now + 1);
    }
  };
}
