import { ApiError, isRetryable, WechatPayError } from '@qianyue/wechatpay';
import type { FastifyBaseLogger } from 'fastify';
import { UpstreamTimeoutError } from '../errors.ts';
import type { Metrics } from '../plugins/metrics.ts';
import { metricCode, safeApiCode, translateUpstream } from './upstream-errors.ts';

export interface WechatCallOptions {
  maxAttempts: number;
  metrics: Metrics;
  log: FastifyBaseLogger;
  sleep: (ms: number) => Promise<void>;
  /** Monotonic milliseconds (deadlines are compared against it). */
  nowMs: () => number;
  /** Automatic platform-certificate mode: an unknown Wechatpay-Serial refreshes the keys before the retry. */
  refreshKeys?: () => Promise<unknown>;
}

/**
 * One WeChat Pay operation with bounded retries (429, 5xx, transport, unverifiable answer), all inside the
 * caller's deadline: past it the caller gets 504 BFF_UPSTREAM_TIMEOUT whatever WeChat is still doing, so a
 * user request never outlives the mini-program's own timeout. Errors leave translated (upstream-errors.ts).
 */
export type WechatCall = <T>(operation: string, deadline: number, fn: () => Promise<T>) => Promise<T>;

/** Below this much time left, another attempt is pointless. */
const MIN_ATTEMPT_MS = 150;

export function createWechatCall(o: WechatCallOptions): WechatCall {
  const timedOut = () => new UpstreamTimeoutError('WeChat Pay');
  async function within<T>(p: Promise<T>, deadline: number): Promise<T> {
    const left = deadline - o.nowMs();
    if (left <= 0) throw timedOut();
    let timer: NodeJS.Timeout | undefined;
    // The abandoned call may still settle: its outcome is learned later by reconciliation.
    p.catch(() => {});
    try {
      return await Promise.race([
        p,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(timedOut()), left);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  return async (operation, deadline, fn) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await within(fn(), deadline);
      } catch (err) {
        if (!(err instanceof WechatPayError)) throw err;
        o.metrics.upstreamErrors.inc({ operation, code: metricCode(err) });
        const retry = isRetryable(err);
        o.log.warn(
          {
            operation,
            code: err.code,
            ...(err instanceof ApiError ? { apiCode: safeApiCode(err.apiCode), status: err.status } : {}),
            attempt,
            retry,
          },
          'WeChat Pay call failed',
        );
        const left = deadline - o.nowMs();
        if (retry && attempt < o.maxAttempts && left > MIN_ATTEMPT_MS) {
          if (err.code === 'WECHATPAY_SERIAL_UNKNOWN' && o.refreshKeys)
            await within(o.refreshKeys(), deadline);
          else await o.sleep(Math.min(2_000, 100 * 2 ** (attempt - 1), Math.max(0, left - MIN_ATTEMPT_MS)));
          continue;
        }
        throw translateUpstream(err);
      }
    }
  };
}

/**
 * A query answered "no such contract": WeChat says so with an error CODE ("返回明确错误码"), whatever the HTTP
 * status; the codes are configurable per family because the real ones are UNCONFIRMED. A bare 404 without one
 * of them (a proxy, a wrong path) is not read as an answer. Only ever means "nothing signed yet".
 */
export function isNotFound(err: unknown, codes: readonly string[]): boolean {
  const api = apiErrorOf(err);
  return api?.apiCode !== undefined && codes.includes(api.apiCode);
}

/** The WeChat error behind a translated error, if any. */
export function apiErrorOf(err: unknown): ApiError | undefined {
  if (err instanceof ApiError) return err;
  return err instanceof Error && err.cause instanceof ApiError ? err.cause : undefined;
}
