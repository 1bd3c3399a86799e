import { isTransient } from './errors.ts';

export interface Backoff {
  /** Wait before the 2nd attempt. */
  initialMs: number;
  /** Each later wait is the previous one times this. */
  factor: number;
  /** Waits never exceed this. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 800, factor: 1.6, maxMs: 5_000 };
/** How long the return page keeps asking before it says "still confirming" and offers a refresh. */
export const DEFAULT_POLL_TIMEOUT_MS = 30_000;

/** The wait after attempt `attempt` (1-based): initial, initial·f, initial·f², … capped at maxMs. */
export function backoffDelay(attempt: number, b: Backoff = DEFAULT_BACKOFF): number {
  const raw = b.initialMs * b.factor ** Math.max(0, attempt - 1);
  return Math.min(Math.round(raw), b.maxMs);
}

/** Injected time for everything that waits (a fake clock in unit tests: no real waiting). */
export interface Timing {
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  backoff?: Backoff;
  timeoutMs?: number;
}

export interface PollProgress<T> {
  attempt: number;
  value?: T;
  error?: unknown;
  /** ms since polling started */
  elapsedMs: number;
}

export type PollResult<T> =
  | { status: 'done'; value: T; attempts: number }
  | { status: 'timeout'; value?: T; error?: unknown; attempts: number }
  | { status: 'aborted'; attempts: number };

export interface AbortFlag {
  readonly aborted: boolean;
}

export interface PollOptions<T> {
  fetch: (attempt: number) => Promise<T>;
  isDone: (value: T) => boolean;
  backoff?: Backoff;
  timeoutMs?: number;
  /** Injected for tests; the app passes a setTimeout-based sleep. */
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  onProgress?: (p: PollProgress<T>) => void;
  signal?: AbortFlag;
  /** Errors worth another attempt (default: network, timeout, 429, 5xx). Others end the poll by throwing. */
  isRetryable?: (err: unknown) => boolean;
}

/**
 * Asks until `isDone`, with exponential backoff, for at most `timeoutMs`. The first attempt is immediate.
 * Never sleeps past the deadline: when the next wait would cross it, the result is `timeout` with the last
 * value seen (so the page can show "still confirming" and a refresh button).
 */
export async function poll<T>(o: PollOptions<T>): Promise<PollResult<T>> {
  const backoff = o.backoff ?? DEFAULT_BACKOFF;
  const timeoutMs = o.timeoutMs ?? DEFAULT_POLL_TIMEOUT_MS;
  const isRetryable = o.isRetryable ?? isTransient;
  const start = o.now();
  let last: { value?: T; error?: unknown } = {};
  for (let attempt = 1; ; attempt += 1) {
    if (o.signal?.aborted) return { status: 'aborted', attempts: attempt - 1 };
    try {
      const value = await o.fetch(attempt);
      last = { value };
      if (o.signal?.aborted) return { status: 'aborted', attempts: attempt };
      o.onProgress?.({ attempt, value, elapsedMs: o.now() - start });
      if (o.isDone(value)) return { status: 'done', value, attempts: attempt };
    } catch (error) {
      if (o.signal?.aborted) return { status: 'aborted', attempts: attempt };
      if (!isRetryable(error)) throw error;
      last = { ...(last.value !== undefined ? { value: last.value } : {}), error };
      o.onProgress?.({ attempt, error, elapsedMs: o.now() - start });
    }
    const wait = backoffDelay(attempt, backoff);
    if (o.now() - start + wait > timeoutMs) {
      return { status: 'timeout', attempts: attempt, ...last };
    }
    await o.sleep(wait);
  }
}

/** A flag a page raises on unmount so a running poll stops at its next step. */
export function createAbortable(): { signal: AbortFlag; abort: () => void } {
  const state = { aborted: false };
  return {
    signal: state,
    abort: () => {
      state.aborted = true;
    },
  };
}
