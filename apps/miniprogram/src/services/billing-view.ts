import type { BillingTerms, ChargeState, ChargeView } from '@qianyue/api';

/** Fen → "¥99.00" (integers only: no floating-point money). */
export function yuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(fen));
  return `${sign}¥${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** What a plan card promises before signing: "每月 1 日自动扣费 ¥99.00". */
export function billingTermsLabel(t: Pick<BillingTerms, 'dayOfMonth' | 'amount'>): string {
  return `每月 ${t.dayOfMonth} 日自动扣费 ${yuan(t.amount)}`;
}

/** The pre-debit notice line under the terms. */
export function noticeLabel(t: Pick<BillingTerms, 'noticeLeadDays'>): string {
  return `扣费前 ${t.noticeLeadDays} 天微信支付会通知您`;
}

export const CHARGE_LABELS: Record<ChargeState, string> = {
  SCHEDULED: '待扣费',
  NOTICE_SENT: '已通知',
  DEBIT_REQUESTED: '扣费中',
  PAID: '已扣费',
  FAILED: '扣费失败',
  CANCELLED: '已取消',
};

/** One history line: "2027-01-01 ¥99.00 已扣费" (+ the reason of a failure). */
export function chargeLine(c: Pick<ChargeView, 'dueDate' | 'amount' | 'state' | 'failureReason'>): string {
  const base = `${c.dueDate} ${yuan(c.amount)} ${CHARGE_LABELS[c.state] ?? c.state}`;
  return c.state === 'FAILED' && c.failureReason ? `${base}（${c.failureReason}）` : base;
}

/** "下次扣费：2027-01-01 ¥99.00". */
export function nextChargeLabel(c: Pick<ChargeView, 'dueDate' | 'amount'>): string {
  return `下次扣费：${c.dueDate} ${yuan(c.amount)}`;
}
