import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spreadOffset } from '../src/billing/calendar.ts';
import {
  charges,
  chinaMidnight,
  periodIn,
  runAt,
  sandboxOrders,
  signEdu,
  startBillingHarness,
} from './helpers/billing.ts';
import type { Harness } from './helpers/harness.ts';

const HOUR = 3600;
const SPREAD = 10 * HOUR;

describe('BILLING_SPREAD_SECONDS spreads a day-1 peak over the window (sandbox, PGlite)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startBillingHarness({ env: { BILLING_SPREAD_SECONDS: String(SPREAD) } });
  }, 60_000);
  afterAll(async () => h?.close());

  it('each contract is noticed and debited at its own offset into the day, still once, on the right days', async () => {
    const signed = [];
    for (let i = 0; i < 4; i++) signed.push(await signEdu(h));
    await h.app.billing.scheduler.runUntilIdle();
    const first = await Promise.all(signed.map(async (s) => (await charges(h, s.contractId))[0]!));
    const due = first[0]!.due_date;
    expect(first.every((c) => c.due_date === due && c.state === 'SCHEDULED')).toBe(true);
    const noticeDay = chinaMidnight(due) - 24 * HOUR;
    const offsets = first.map((c) => c.next_action_at.getTime() / 1000 - noticeDay);
    for (const [i, c] of first.entries()) expect(offsets[i]).toBe(spreadOffset(c.contract_id, SPREAD)); // within [0, SPREAD)
    // Four contracts, not one instant: the peak is spread (all at 00:00 without the setting).
    expect(new Set(offsets).size).toBeGreaterThan(1);

    // Halfway through the window only the contracts whose offset has passed get their notice.
    const mid = SPREAD / 2;
    await runAt(h, noticeDay + mid);
    for (const [i, s] of signed.entries()) {
      const c = (await charges(h, s.contractId))[0]!;
      expect(c.state).toBe(offsets[i]! <= mid ? 'NOTICE_SENT' : 'SCHEDULED');
    }
    // End of the window: every notice sent, each debit due at the same offset on the debit day.
    await runAt(h, noticeDay + SPREAD);
    for (const [i, s] of signed.entries()) {
      const c = (await charges(h, s.contractId))[0]!;
      expect(c.state).toBe('NOTICE_SENT');
      expect(c.next_action_at.getTime() / 1000).toBe(chinaMidnight(due) + offsets[i]!);
    }
    // Debit day, before every offset: no debit yet. After the window: each period debited once and paid.
    await runAt(h, chinaMidnight(due) + Math.min(...offsets) - 1);
    for (const s of signed) expect(await sandboxOrders(h, s.wechatContractId)).toHaveLength(0);
    await runAt(h, chinaMidnight(due) + SPREAD);
    for (const s of signed) {
      await periodIn(h, s.contractId, due, ['PAID']);
      expect(await sandboxOrders(h, s.wechatContractId)).toHaveLength(1);
    }
  });
});
