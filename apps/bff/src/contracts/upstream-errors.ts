import { type ApiError, WechatPayError, type WechatPayErrorCode } from '@qianyue/wechatpay';
import {
  type AppError,
  InternalError,
  UpstreamRejectedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../errors.ts';

/*
 * THE translation from WeChat Pay errors (met while calling WeChat) to BFF errors. A Record over the
 * package's code union: a new WechatPayErrorCode that is not placed here fails typecheck.
 */

const SERVICE = 'WeChat Pay';

/**
 * WeChat's own error codes that may appear in metric labels (bounded cardinality): the documented APIv3 set
 * and the not-found/terminated codes the BFF may be configured with. Anything else is counted as OTHER.
 */
const KNOWN_API_CODES = new Set([
  'PARAM_ERROR',
  'INVALID_REQUEST',
  'SIGN_ERROR',
  'NO_AUTH',
  'NOT_ENOUGH',
  'RATELIMIT_EXCEEDED',
  'FREQUENCY_LIMITED',
  'SYSTEM_ERROR',
  'RESOURCE_NOT_EXISTS',
  'NOT_FOUND',
  'ORDER_NOT_EXIST',
  'ALREADY_EXISTS',
  'USER_ACCOUNT_ABNORMAL',
  'CONTRACT_NOT_EXIST',
]);

/**
 * A code from an answer that may be unsigned (anyone between us and WeChat could have written it): only
 * upper-case letters, digits and underscores, at most 32 of them, else UNKNOWN — safe in a message.
 */
export function safeApiCode(code: string | undefined): string {
  return code !== undefined && /^[A-Z0-9_]{1,32}$/.test(code) ? code : 'UNKNOWN';
}

/** The label an upstream error is counted under: a known WeChat code, OTHER, or our own WECHATPAY_* code. */
export function metricCode(err: WechatPayError): string {
  if (err.code !== 'WECHATPAY_API_ERROR') return err.code;
  const api = (err as ApiError).apiCode;
  return api !== undefined && KNOWN_API_CODES.has(api) ? api : 'OTHER';
}

const unavailable = (err: WechatPayError) => new UpstreamUnavailableError(SERVICE, { cause: err });
const ours = (err: WechatPayError) => new InternalError({ cause: err });

const TRANSLATION: Record<WechatPayErrorCode, (err: WechatPayError) => AppError> = {
  WECHATPAY_API_ERROR: (err) => {
    const e = err as ApiError;
    return e.retryable
      ? unavailable(err)
      : new UpstreamRejectedError(SERVICE, safeApiCode(e.apiCode), { cause: err });
  },
  WECHATPAY_TRANSPORT_TIMEOUT: (err) => new UpstreamTimeoutError(SERVICE, { cause: err }),
  WECHATPAY_TRANSPORT_FAILED: unavailable,
  // An answer we could not trust or read: as good as no answer.
  WECHATPAY_SERIAL_UNKNOWN: unavailable,
  WECHATPAY_SIGNATURE_INVALID: unavailable,
  WECHATPAY_SIGNATURE_PROBE: unavailable,
  WECHATPAY_SIGNATURE_TYPE_UNSUPPORTED: unavailable,
  WECHATPAY_HEADER_MISSING: unavailable,
  WECHATPAY_CLOCK_SKEW: unavailable,
  WECHATPAY_ANSWER_MALFORMED: unavailable,
  WECHATPAY_DECRYPT_FAILED: unavailable,
  WECHATPAY_NOTIFICATION_MALFORMED: unavailable,
  WECHATPAY_AUTHORIZATION_MALFORMED: unavailable,
  // A request we built wrong or keys we loaded wrong: our failure, not WeChat's.
  WECHATPAY_CONFIG_INVALID: ours,
  WECHATPAY_REQUEST_INVALID: ours,
  WECHATPAY_SENSITIVE_FIELD_INVALID: ours,
};

/** The BFF error for a WeChat Pay error (anything else is returned unchanged). */
export function translateUpstream(err: unknown): unknown {
  return err instanceof WechatPayError ? TRANSLATION[err.code](err) : err;
}
