import { describe, expect, it } from 'vitest';
import {
  BILLING_BACKENDS,
  billingHarnessPerTest,
  charges,
  chinaMidnight,
  periodIn,
  runAt,
  sandboxOrders,
  signEdu,
  TERMS,
} from './helpers/billing.ts';

const HOUR = 3600;

describe.each(BILLING_BACKENDS)(
  'edu-papay recurring debits over real HTTP against the sandbox ($name)',
  ({ postgres }) => {
    const start = billingHarnessPerTest(postgres, 'billing_cycle');

    it('12 periods: each noticed 1 day before, debited on its day, paid once; history and next period kept', async () => {
      const h = await start();
      const { contractId, wechatContractId, token, openid } = await signEdu(h);
      // The plan list carries the terms the mini-program's plan card shows before signing.
      const plans = await h.call<{ plans: Array<{ planKey: string; billing?: unknown }> }>(
        'GET',
        '/v1/plans',
        {
          token,
        },
      );
      expect(plans.body.plans.find((p) => p.planKey === 'edu-monthly')?.billing).toEqual(TERMS);
      expect(plans.body.plans.find((p) => p.planKey === 'vip-autopay')?.billing).toBeUndefined();
      await h.app.billing.scheduler.runUntilIdle();
      const [first] = await charges(h, contractId);
      // The plan card's promise: the 1st of each month, ¥99.00.
      expect(first).toMatchObject({ state: 'SCHEDULED', amount: TERMS.amount, attempts: 0 });
      expect(first!.due_date.slice(8)).toBe('01');
      let due = first!.due_date;
      for (let k = 0; k < 12; k++) {
        // Notice day (1 day before, 09:00 China time), then the debit day itself.
        await runAt(h, chinaMidnight(due) - 15 * HOUR);
        const noticed = (await charges(h, contractId)).find((c) => c.due_date === due)!;
        expect(noticed.state).toBe('NOTICE_SENT');
        await runAt(h, chinaMidnight(due) + 9 * HOUR);
        const paid = await periodIn(h, contractId, due, ['PAID']);
        expect(paid.attempts).toBe(1);
        expect(paid.transaction_id).toBeTruthy();
        const next = await periodIn(h, contractId, addMonth(due), ['SCHEDULED', 'NOTICE_SENT']);
        due = next.due_date;
      }
      const all = await charges(h, contractId);
      expect(all.filter((c) => c.state === 'PAID')).toHaveLength(12);
      const orders = await sandboxOrders(h, wechatContractId);
      expect(orders).toHaveLength(12);
      expect(new Set(orders.map((o) => o.out_trade_no)).size).toBe(12);
      expect(orders.every((o) => o.trade_state === 'SUCCESS' && o.amount.total === TERMS.amount)).toBe(true);
      const notices = await h.control<{ notices: unknown[] }>(
        'GET',
        `/billing/notices?contractId=${wechatContractId}`,
      );
      expect(notices.body.notices.length).toBeGreaterThanOrEqual(12);
      // The contract page: the next debit and the history, newest first; someone else's contract is a 404.
      // (A year later the first session has expired: the same user signs in again.)
      const again = await h.login(openid);
      const view = await h.call<{
        next?: { dueDate: string; amount: number; state: string };
        history: Array<{ state: string; paidAt?: string; period: string }>;
      }>('GET', `/v1/contracts/${contractId}/charges`, { token: again.token });
      expect(view.status).toBe(200);
      expect(view.body.next).toMatchObject({ dueDate: due, amount: TERMS.amount });
      expect(view.body.history).toHaveLength(13);
      expect(view.body.history.slice(1).every((c) => c.state === 'PAID' && c.paidAt)).toBe(true);
      const other = await h.login();
      expect(
        (await h.call('GET', `/v1/contracts/${contractId}/charges`, { token: other.token })).status,
      ).toBe(404);
    }, 60_000);
  },
);

function addMonth(day: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m, d)).toISOString().slice(0, 10);
}
