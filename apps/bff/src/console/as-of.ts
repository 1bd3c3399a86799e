import type { Clock } from '@qianyue/wechatpay';
import { request } from 'undici';
import { chinaDay, dayStart } from '../billing/calendar.ts';
import type { BillingScheduler } from '../billing/scheduler.ts';
import type { BillingDb } from '../billing/tables.ts';
import { ConsoleClockBackwardsError } from './errors.ts';

/**
 * The BFF's clock in sandbox mode: the injected clock plus an offset that only moves forward, so the console
 * can run the billing cycle "as of" a later date. Production never gets one (buildApp passes the clock as is).
 */
export interface ShiftableClock extends Clock {
  offsetSeconds: number;
}
export function createShiftableClock(base: Clock): ShiftableClock {
  const c: ShiftableClock = { offsetSeconds: 0, now: () => base.now() + c.offsetSeconds };
  return c;
}

export interface AsOfResult {
  from: string;
  to: string;
  /** The instants (unix seconds) the cycle ran at, in order. */
  ranAt: number[];
  passes: number;
  stepped: number;
}

/** A run ends at noon, China time, of the chosen day: notices and debits of that day are due by then. */
const NOON = 12 * 3600;
const MAX_STOPS = 400;

/**
 * Runs the billing cycle from now to `day` as the background scheduler would have: it jumps to each instant
 * at which an open period is next due (and finally to `day`'s noon), moves the BFF's clock and the sandbox's
 * clock (POST /__sandbox/clock, so WeChat's notice window sees the same day) by the same offset, and runs
 * scheduler passes until nothing more is due. Only forward.
 */
export async function runAsOf(o: {
  day: string;
  clock: ShiftableClock;
  sandboxUrl: string;
  scheduler: BillingScheduler;
  db: BillingDb;
  /** How long a debit result has to arrive before the clock moves on (the sandbox notifies asynchronously). */
  settleMs?: number;
}): Promise<AsOfResult> {
  const from = chinaDay(o.clock.now());
  if (o.day < from) throw new ConsoleClockBackwardsError(from);
  const end = Math.max(dayStart(o.day) + NOON, o.clock.now());
  const result: AsOfResult = { from, to: o.day, ranAt: [], passes: 0, stepped: 0 };
  const moveTo = async (t: number) => {
    if (t <= o.clock.now()) return;
    o.clock.offsetSeconds += t - o.clock.now();
    const base = o.clock.now() - o.clock.offsetSeconds;
    // The sandbox's own clock is its base plus an offset: the same offset keeps both worlds on one instant
    // (both read the system clock when run for a demo; tests share one clock).
    const res = await request(`${o.sandboxUrl}/__sandbox/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ offsetSeconds: o.clock.offsetSeconds }),
    });
    await res.body.dump();
    if (res.statusCode !== 200) throw new Error(`sandbox clock: HTTP ${res.statusCode} (base ${base})`);
  };
  for (let i = 0; i < MAX_STOPS; i++) {
    const passes = await o.scheduler.runUntilIdle();
    result.ranAt.push(o.clock.now());
    result.passes += passes.length;
    result.stepped += passes.reduce((n, p) => n + p.stepped.length, 0);
    await new Promise((r) => setTimeout(r, o.settleMs ?? 300));
    const next = await o.db
      .selectFrom('charges')
      .select((eb) => eb.fn.min('next_action_at').as('at'))
      .where('state', 'in', ['SCHEDULED', 'NOTICE_SENT', 'DEBIT_REQUESTED'])
      .executeTakeFirst();
    const at = next?.at ? Math.ceil(new Date(next.at as Date | string).getTime() / 1000) : undefined;
    const target = at !== undefined && at < end ? at : end;
    if (target <= o.clock.now()) break;
    await moveTo(target);
  }
  return result;
}
