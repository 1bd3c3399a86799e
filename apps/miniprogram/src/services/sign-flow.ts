import type { Contract } from '@qianyue/api';
import type { BffClient } from './bff.ts';
import {
  isSignSettled,
  isTerminateSettled,
  outcomeAfterTimeout,
  type ReturnHint,
  type SignOutcome,
  settledOutcome,
} from './contract-view.ts';
import { ApiError } from './errors.ts';
import { type AbortFlag, type Backoff, type PollProgress, poll } from './poll.ts';

export interface Timing {
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  backoff?: Backoff;
  timeoutMs?: number;
}

export type CheckResult =
  | { status: 'settled'; outcome: SignOutcome; contract: Contract }
  /** Deadline reached without a final word; `outcome` is 'confirming' unless the last answer was final. */
  | { status: 'timeout'; outcome: SignOutcome; contract?: Contract }
  | { status: 'aborted' };

/**
 * After the user comes back from signing: ask the BFF (reconcile=true, so it queries WeChat) with backoff
 * until the answer is settled or the deadline passes. `hint` (from referrerInfo.extraData) only decides
 * whether a definite "PENDING, not confirming" is believed at once or re-checked until the deadline.
 * Throws an ApiError when every attempt failed with no answer at all (e.g. the BFF is down), so the page
 * shows a recoverable error instead of "still confirming".
 */
export async function checkSignResult(
  o: Timing & {
    bff: Pick<BffClient, 'contract'>;
    contractId: string;
    hint?: ReturnHint;
    signal?: AbortFlag;
    onProgress?: (p: PollProgress<Contract>) => void;
  },
): Promise<CheckResult> {
  const hint = o.hint ?? 'unknown';
  const r = await poll<Contract>({
    fetch: () => o.bff.contract(o.contractId, { reconcile: true }),
    isDone: (c) => isSignSettled(c, hint),
    sleep: o.sleep,
    now: o.now,
    ...(o.backoff ? { backoff: o.backoff } : {}),
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  });
  if (r.status === 'aborted') return r;
  if (r.status === 'done')
    return { status: 'settled', outcome: settledOutcome(r.value, hint), contract: r.value };
  if (r.value === undefined) {
    throw r.error instanceof ApiError ? r.error : new ApiError('MP_CONFIRM_TIMEOUT');
  }
  return { status: 'timeout', outcome: outcomeAfterTimeout(r.value), contract: r.value };
}

/**
 * Terminate, then (only if the BFF is still waiting on WeChat) ask until TERMINATED or the deadline.
 * Returns the last contract seen.
 */
export async function terminateAndConfirm(
  o: Timing & { bff: Pick<BffClient, 'terminate' | 'contract'>; contractId: string; signal?: AbortFlag },
): Promise<Contract> {
  const first = await o.bff.terminate(o.contractId);
  if (isTerminateSettled(first)) return first;
  const r = await poll<Contract>({
    fetch: () => o.bff.contract(o.contractId, { reconcile: true }),
    isDone: isTerminateSettled,
    sleep: o.sleep,
    now: o.now,
    ...(o.backoff ? { backoff: o.backoff } : {}),
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  if (r.status === 'done') return r.value;
  if (r.status === 'timeout' && r.value) return r.value;
  return first;
}
