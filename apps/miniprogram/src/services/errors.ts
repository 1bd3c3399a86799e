import type { ErrorCode } from '@qianyue/api';

/** Codes the client itself raises (never sent by the BFF). Prefix MP_ = mini-program. */
export const CLIENT_ERROR_CODES = [
  'MP_NETWORK_FAILED',
  'MP_NETWORK_TIMEOUT',
  'MP_ANSWER_MALFORMED',
  'MP_LOGIN_FAILED',
  'MP_NAVIGATE_FAILED',
  'MP_CONFIRM_TIMEOUT',
] as const;
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];

/** Any code a user-visible error can carry: the BFF's, ours, or a future BFF code we do not know yet. */
export type AnyErrorCode = ErrorCode | ClientErrorCode | (string & {});

/**
 * The one error type pages see. `code` picks the message (services/messages.ts); `message` is for logs
 * only and never holds a token, a body or a header value.
 */
export class ApiError extends Error {
  readonly code: AnyErrorCode;
  /** HTTP status when the BFF answered; 0 when no answer arrived (network, timeout, platform). */
  readonly status: number;
  readonly requestId: string | undefined;

  constructor(code: AnyErrorCode, o: { status?: number; message?: string; requestId?: string } = {}) {
    super(o.message ?? code);
    this.name = 'ApiError';
    this.code = code;
    this.status = o.status ?? 0;
    this.requestId = o.requestId;
  }
}

export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}

/** Wraps anything thrown into an ApiError so pages have exactly one shape to render. */
export function toApiError(err: unknown, fallback: ClientErrorCode = 'MP_NETWORK_FAILED'): ApiError {
  if (isApiError(err)) return err;
  return new ApiError(fallback, { message: err instanceof Error ? err.message : String(err) });
}

/** Worth trying again without the user changing anything (network, timeout, 429, 5xx). */
export function isTransient(err: unknown): boolean {
  if (!isApiError(err)) return true;
  if (err.code === 'MP_NETWORK_FAILED' || err.code === 'MP_NETWORK_TIMEOUT') return true;
  return err.status === 429 || err.status >= 500;
}

/** The session token is gone or stale: log in again (silently) and retry once. */
export function isSessionError(err: unknown): boolean {
  return (
    isApiError(err) &&
    err.status === 401 &&
    (err.code === 'BFF_SESSION_EXPIRED' || err.code === 'BFF_UNAUTHENTICATED')
  );
}

/** Classifies a `fail` of Taro.request: weapp gives { errMsg: 'request:fail timeout' }, H5 an AbortError/TypeError. */
export function transportErrorCode(err: unknown): 'MP_NETWORK_TIMEOUT' | 'MP_NETWORK_FAILED' {
  const e = (err ?? {}) as { errMsg?: unknown; message?: unknown; name?: unknown };
  const text = `${String(e.errMsg ?? '')} ${String(e.message ?? '')} ${String(e.name ?? '')}`;
  return /timeout|timed out|abort/i.test(text) ? 'MP_NETWORK_TIMEOUT' : 'MP_NETWORK_FAILED';
}
