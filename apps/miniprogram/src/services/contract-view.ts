import type { Contract, ContractState, PlanState } from '@qianyue/api';

/** The words users read for each state (the stable ids in the pages carry the meaning for tests). */
export const STATE_LABELS: Record<PlanState, string> = {
  NONE: '未签约',
  PENDING: '确认中',
  SIGNED: '已签约',
  TERMINATED: '已解约',
  EXPIRED: '已过期',
};

export function stateLabel(state: PlanState | ContractState): string {
  return STATE_LABELS[state] ?? state;
}

/** What the return page concludes about a signing attempt. */
export type SignOutcome = 'signed' | 'not-signed' | 'confirming' | 'terminated' | 'expired';

export const OUTCOME_LABELS: Record<SignOutcome, string> = {
  signed: '已签约',
  'not-signed': '未签约',
  confirming: '确认中',
  terminated: '已解约',
  expired: '已过期',
};

export const OUTCOME_DETAILS: Record<SignOutcome, string> = {
  signed: '签约成功，之后将按约定自动扣费，可随时在“我的签约”中解约。',
  'not-signed': '本次没有完成签约，您可以返回重新签约。',
  confirming: '微信支付还在确认签约结果，请稍后点击刷新。',
  terminated: '该签约已解约，不会再自动扣费。',
  expired: '签约会话已过期，请返回重新签约。',
};

export function outcomeOf(c: Pick<Contract, 'state' | 'confirming'>): SignOutcome {
  switch (c.state) {
    case 'SIGNED':
      return 'signed';
    case 'TERMINATED':
      return 'terminated';
    case 'EXPIRED':
      return 'expired';
    default:
      return c.confirming ? 'confirming' : 'not-signed';
  }
}

/** What the returning mini-program / signing page hinted. Only a hint: the BFF decides. */
export type ReturnHint = 'success' | 'fail' | 'unknown';

export function hintFromExtraData(extraData: unknown): ReturnHint {
  if (typeof extraData !== 'object' || extraData === null) return 'unknown';
  const rc = (extraData as { return_code?: unknown }).return_code;
  if (rc === 'SUCCESS') return 'success';
  if (rc === 'FAIL') return 'fail';
  return 'unknown';
}

/**
 * When to stop asking after the user came back from signing. A non-PENDING state always ends it. For PENDING
 * (= not signed, as far as WeChat has told the BFF — every answer here is after a reconcile query):
 * - hint 'success': keep asking until the deadline (WeChat may be a little behind), then "still confirming";
 * - hint 'fail' (the user cancelled): believe the BFF's "not signed" at once;
 * - no hint: stop when the BFF has a definite answer (confirming=false).
 * A hint can never make the page claim "signed": only the BFF's SIGNED does.
 */
export function isSignSettled(
  c: Pick<Contract, 'state' | 'confirming'>,
  hint: ReturnHint = 'unknown',
): boolean {
  if (c.state !== 'PENDING') return true;
  if (hint === 'success') return false;
  if (hint === 'fail') return true;
  return !c.confirming;
}

/** The outcome of a settled check: a PENDING the user walked away from is "not signed". */
export function settledOutcome(
  c: Pick<Contract, 'state' | 'confirming'>,
  hint: ReturnHint = 'unknown',
): SignOutcome {
  if (c.state === 'PENDING' && hint === 'fail') return 'not-signed';
  return outcomeOf(c);
}

/** After a terminate request: done when TERMINATED, or when the BFF is no longer waiting on WeChat. */
export function isTerminateSettled(c: Pick<Contract, 'state' | 'confirming'>): boolean {
  return c.state === 'TERMINATED' || !c.confirming;
}

export function outcomeAfterTimeout(c: Pick<Contract, 'state' | 'confirming'> | undefined): SignOutcome {
  if (!c) return 'confirming';
  const o = outcomeOf(c);
  // Timed out while PENDING: we do not know yet; never claim "not signed" on a timeout.
  return c.state === 'PENDING' ? 'confirming' : o;
}

/** yyyy-MM-dd HH:mm in the user's local time; '' for a missing date. */
export function formatDate(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}
