import type { Contract } from '@qianyue/api';
import type { BffClient } from './bff.ts';
import { isTerminateSettled } from './contract-view.ts';
import { type AbortFlag, poll, type Timing } from './poll.ts';

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
