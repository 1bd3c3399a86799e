import { describe, expect, it } from 'vitest';
import {
  billingTermsLabel,
  CHARGE_LABELS,
  chargeLine,
  nextChargeLabel,
  noticeLabel,
  yuan,
} from '../../src/services/billing-view.ts';

describe('billing terms and charges as the user reads them', () => {
  it('formats fen as yuan without floating point', () => {
    expect(yuan(9900)).toBe('¥99.00');
    expect(yuan(1)).toBe('¥0.01');
    expect(yuan(100005)).toBe('¥1000.05');
    expect(yuan(0)).toBe('¥0.00');
  });

  it('states the plan terms as the card shows them before signing', () => {
    expect(billingTermsLabel({ dayOfMonth: 1, amount: 9900 })).toBe('每月 1 日自动扣费 ¥99.00');
    expect(billingTermsLabel({ dayOfMonth: 28, amount: 12345 })).toBe('每月 28 日自动扣费 ¥123.45');
    expect(noticeLabel({ noticeLeadDays: 3 })).toBe('扣费前 3 天微信支付会通知您');
  });

  it('labels every charge state, the next debit and a failure with its reason', () => {
    for (const label of Object.values(CHARGE_LABELS)) expect(label).toMatch(/[\u4e00-\u9fff]/);
    expect(nextChargeLabel({ dueDate: '2027-01-01', amount: 9900 })).toBe('下次扣费：2027-01-01 ¥99.00');
    expect(chargeLine({ dueDate: '2026-12-01', amount: 9900, state: 'PAID' })).toBe(
      '2026-12-01 ¥99.00 已扣费',
    );
    expect(
      chargeLine({ dueDate: '2026-11-01', amount: 9900, state: 'FAILED', failureReason: '余额不足' }),
    ).toBe('2026-11-01 ¥99.00 扣费失败（余额不足）');
  });
});
