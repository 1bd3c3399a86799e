import type { Contract } from '@qianyue/api';
import { type Platform, RESULT_PAGE, type SignStart } from '../platform/platform.ts';
import type { BffClient } from './bff.ts';
import {
  hintFromExtraData,
  isSignSettled,
  outcomeAfterTimeout,
  type ReturnHint,
  type SignOutcome,
  settledOutcome,
} from './contract-view.ts';
import { ApiError } from './errors.ts';
import type { PendingSignStore } from './pending-sign.ts';
import { type AbortFlag, type Backoff, type PollProgress, poll, type Timing } from './poll.ts';

/*
 * The mini-program's whole signing flow, in the order it happens (the root README, "The flow", maps each step):
 *   1. start(planKey)  a tap: BFF presign → remember the attempt → platform.startSign (the jump to WeChat)
 *   2. appShown(show)  App onShow: WeChat brings the user back (scene 1038, referrerInfo.extraData)
 *   3. resume()        a page shows while an attempt is pending → open the result page for it
 *   4. check(...)      the result page: claim the attempt (the one place a return clears it), then ask the
 *                      BFF (reconcile=true) until it knows
 * Pages only render and call these. Time, navigation and storage are injected, so all of it runs in unit
 * tests with a fake clock.
 */

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

/** What App onShow passes (Taro's launch/show options, the part the flow reads). */
export interface ShowOptions {
  scene?: number;
  referrerInfo?: { appId?: string; extraData?: unknown };
}

export interface SigningDeps {
  bff: Pick<BffClient, 'presign' | 'contract'>;
  platform: Pick<Platform, 'startSign' | 'returnHint'>;
  pending: PendingSignStore;
  /** Opens a page of this app (Taro.navigateTo in the app). */
  openPage: (url: string) => void;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** How long the result check keeps asking before it says "still confirming". */
  timeoutMs?: number;
  backoff?: Backoff;
}

/** The result page's address for an attempt; `hint` travels only as a hint (the BFF decides). */
export const resultPageUrl = (contractId: string, hint: ReturnHint) =>
  `${RESULT_PAGE}?contractId=${encodeURIComponent(contractId)}&hint=${hint}`;

/** A presign session the BFF gave no usable expiry for is trusted for WeChat's usual two hours. */
const DEFAULT_PRESIGN_LIFETIME_MS = 7_200_000;

export function createContractSigning(deps: SigningDeps) {
  // The last App onShow's referrer, kept for resume() and dropped on hide: a hint from an old show is stale.
  let lastShow: { referrerAppId?: string; extraData?: unknown } | undefined;

  return {
    /**
     * Step 1, from the tap handler (WeChat allows the jump only from a user gesture). The attempt is saved
     * before the jump so a return (or a relaunch) finds it; a jump that did not happen forgets it again.
     */
    async start(planKey: string): Promise<SignStart['kind']> {
      const presign = await deps.bff.presign(planKey);
      const expiresAt = Date.parse(presign.expiresAt);
      deps.pending.save({
        contractId: presign.contractId,
        planKey,
        appId: presign.navigate.appId,
        expiresAt: Number.isFinite(expiresAt) ? expiresAt : deps.now() + DEFAULT_PRESIGN_LIFETIME_MS,
      });
      try {
        const started = await deps.platform.startSign({
          navigate: presign.navigate,
          contractId: presign.contractId,
        });
        if (started.kind === 'cancelled') deps.pending.clear();
        return started.kind;
      } catch (err) {
        deps.pending.clear();
        throw err;
      }
    },

    /** Step 2, App onShow. */
    appShown(options?: ShowOptions): void {
      const ref = options?.referrerInfo;
      lastShow = {
        ...(ref?.appId ? { referrerAppId: ref.appId } : {}),
        ...(ref?.extraData !== undefined ? { extraData: ref.extraData } : {}),
      };
    },
    /** App onHide. */
    appHidden(): void {
      lastShow = undefined;
    },

    /**
     * Step 3, a page's onShow: true when an attempt is pending and its result page was opened (the page then
     * does nothing else). extraData counts only when it came from the signing mini-program we opened.
     */
    resume(): boolean {
      const show = lastShow;
      lastShow = undefined;
      const pending = deps.pending.peek();
      if (!pending) return false;
      const fromSigner = show?.referrerAppId === undefined || show.referrerAppId === pending.appId;
      deps.openPage(
        resultPageUrl(pending.contractId, fromSigner ? hintFromExtraData(show?.extraData) : 'unknown'),
      );
      return true;
    },

    /** The hint for the result page: its route's (weapp, set by resume) or the platform's (H5 return_url). */
    returnHint(routeHint: string | undefined): ReturnHint {
      if (routeHint === 'success' || routeHint === 'fail') return routeHint;
      return deps.platform.returnHint();
    },

    /** Step 4, the result page (also its "refresh"): claims the attempt, then asks until the BFF knows. */
    check(o: {
      contractId: string;
      hint: ReturnHint;
      signal?: AbortFlag;
      onProgress?: (p: PollProgress<Contract>) => void;
    }): Promise<CheckResult> {
      deps.pending.claim(o.contractId);
      const { bff, sleep, now, backoff, timeoutMs } = deps;
      return checkSignResult({ bff, sleep, now, backoff, timeoutMs, ...o });
    },
  };
}
export type ContractSigning = ReturnType<typeof createContractSigning>;
