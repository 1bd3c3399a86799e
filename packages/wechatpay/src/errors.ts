/**
 * The error catalogue. Every failure has its own class and a stable WECHATPAY_* code.
 * Messages carry identifiers only (a header NAME, a serial, a request id) — never a key,
 * a body or a header VALUE, because these errors end up in logs.
 */

/**
 * Every code a WechatPayError can carry. A `switch (err.code)` that misses one fails typecheck when it ends
 * in `assertNever`/`satisfies never`; a new class must add its code here first.
 */
export const WECHATPAY_ERROR_CODES = [
  'WECHATPAY_CONFIG_INVALID',
  'WECHATPAY_AUTHORIZATION_MALFORMED',
  'WECHATPAY_HEADER_MISSING',
  'WECHATPAY_SIGNATURE_TYPE_UNSUPPORTED',
  'WECHATPAY_CLOCK_SKEW',
  'WECHATPAY_SERIAL_UNKNOWN',
  'WECHATPAY_SIGNATURE_INVALID',
  'WECHATPAY_SIGNATURE_PROBE',
  'WECHATPAY_DECRYPT_FAILED',
  'WECHATPAY_NOTIFICATION_MALFORMED',
  'WECHATPAY_SENSITIVE_FIELD_INVALID',
  'WECHATPAY_REQUEST_INVALID',
  'WECHATPAY_ANSWER_MALFORMED',
  'WECHATPAY_API_ERROR',
  'WECHATPAY_TRANSPORT_FAILED',
  'WECHATPAY_TRANSPORT_TIMEOUT',
] as const;
export type WechatPayErrorCode = (typeof WECHATPAY_ERROR_CODES)[number];

export interface WechatPayErrorOptions {
  requestId?: string | undefined;
  cause?: unknown;
}

export class WechatPayError extends Error {
  readonly code: WechatPayErrorCode;
  requestId?: string;

  constructor(code: WechatPayErrorCode, message: string, options: WechatPayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    if (options.requestId !== undefined) this.requestId = options.requestId;
  }
}

/** A key, certificate, APIv3 key or option is unusable. The message names the setting, not its value. */
export class ConfigError extends WechatPayError {
  declare readonly code: 'WECHATPAY_CONFIG_INVALID';
  constructor(message: string, options?: WechatPayErrorOptions) {
    super('WECHATPAY_CONFIG_INVALID', message, options);
  }
}

/** An Authorization header that is not `WECHATPAY2-SHA256-RSA2048 k="v",…` with the five attributes. */
export class AuthorizationFormatError extends WechatPayError {
  declare readonly code: 'WECHATPAY_AUTHORIZATION_MALFORMED';
  constructor(message: string) {
    super('WECHATPAY_AUTHORIZATION_MALFORMED', message);
  }
}

/** A Wechatpay-* header needed for verification is absent or empty. `.header` is the header name. */
export class MissingHeaderError extends WechatPayError {
  declare readonly code: 'WECHATPAY_HEADER_MISSING';
  readonly header: string;
  constructor(header: string, options?: WechatPayErrorOptions) {
    super('WECHATPAY_HEADER_MISSING', `missing or empty header ${header}`, options);
    this.header = header;
  }
}

export class UnsupportedSignatureTypeError extends WechatPayError {
  declare readonly code: 'WECHATPAY_SIGNATURE_TYPE_UNSUPPORTED';
  constructor(options?: WechatPayErrorOptions) {
    super(
      'WECHATPAY_SIGNATURE_TYPE_UNSUPPORTED',
      'Wechatpay-Signature-Type is not WECHATPAY2-SHA256-RSA2048',
      options,
    );
  }
}

/** The signed timestamp is outside the accepted window. `.skewSeconds` = timestamp − now (may be NaN). */
export class ClockSkewError extends WechatPayError {
  declare readonly code: 'WECHATPAY_CLOCK_SKEW';
  readonly skewSeconds: number;
  constructor(skewSeconds: number, maxSkewSeconds: number, options?: WechatPayErrorOptions) {
    super(
      'WECHATPAY_CLOCK_SKEW',
      Number.isFinite(skewSeconds)
        ? `Wechatpay-Timestamp is ${skewSeconds} s from local time (limit ${maxSkewSeconds} s)`
        : 'Wechatpay-Timestamp is not a unix-seconds integer',
      options,
    );
    this.skewSeconds = skewSeconds;
  }
}

/** No key is held for this Wechatpay-Serial. The serial is an identifier, safe to log. */
export class UnknownSerialError extends WechatPayError {
  declare readonly code: 'WECHATPAY_SERIAL_UNKNOWN';
  readonly serial: string;
  constructor(serial: string, options?: WechatPayErrorOptions) {
    // A serial is hex or PUB_KEY_ID_…; cap it so an attacker cannot push arbitrary text into logs.
    const shown = /^[0-9A-Za-z_]{1,64}$/.test(serial) ? serial : '<malformed>';
    super('WECHATPAY_SERIAL_UNKNOWN', `no public key for Wechatpay-Serial ${shown}`, options);
    this.serial = serial;
  }
}

export class SignatureInvalidError extends WechatPayError {
  declare readonly code: 'WECHATPAY_SIGNATURE_INVALID' | 'WECHATPAY_SIGNATURE_PROBE';
  constructor(
    message = 'signature does not verify',
    options?: WechatPayErrorOptions,
    code?: 'WECHATPAY_SIGNATURE_PROBE',
  ) {
    super(code ?? 'WECHATPAY_SIGNATURE_INVALID', message, options);
  }
}

/** A WECHATPAY/SIGNTEST/ probe: a failed verification like any other, but recognisable in metrics. */
export class ProbeSignatureError extends SignatureInvalidError {
  declare readonly code: 'WECHATPAY_SIGNATURE_PROBE';
  constructor(options?: WechatPayErrorOptions) {
    super('signature is a WECHATPAY/SIGNTEST/ probe', options, 'WECHATPAY_SIGNATURE_PROBE');
  }
}

/** AEAD_AES_256_GCM failed (bad tag, key, nonce, AAD or length). No plaintext is ever returned. */
export class DecryptError extends WechatPayError {
  declare readonly code: 'WECHATPAY_DECRYPT_FAILED';
  constructor(message = 'AEAD_AES_256_GCM decryption failed', options?: WechatPayErrorOptions) {
    super('WECHATPAY_DECRYPT_FAILED', message, options);
  }
}

export class NotificationFormatError extends WechatPayError {
  declare readonly code: 'WECHATPAY_NOTIFICATION_MALFORMED';
  constructor(message: string, options?: WechatPayErrorOptions) {
    super('WECHATPAY_NOTIFICATION_MALFORMED', message, options);
  }
}

/** A sensitive field cannot be encrypted (too long for RSA-OAEP with this key). */
export class SensitiveFieldError extends WechatPayError {
  declare readonly code: 'WECHATPAY_SENSITIVE_FIELD_INVALID';
  constructor(message: string) {
    super('WECHATPAY_SENSITIVE_FIELD_INVALID', message);
  }
}

/** A request we refuse to send (e.g. 4-byte UTF-8 in the body, which APIv3 rejects). */
export class RequestFormatError extends WechatPayError {
  declare readonly code: 'WECHATPAY_REQUEST_INVALID';
  constructor(message: string) {
    super('WECHATPAY_REQUEST_INVALID', message);
  }
}

/** A verified answer whose body is not what the operation promises (e.g. not JSON). */
export class AnswerFormatError extends WechatPayError {
  declare readonly code: 'WECHATPAY_ANSWER_MALFORMED';
  constructor(message: string, options?: WechatPayErrorOptions) {
    super('WECHATPAY_ANSWER_MALFORMED', message, options);
  }
}

export interface ApiErrorFields {
  status: number;
  apiCode?: string | undefined;
  apiMessage?: string | undefined;
  detail?: unknown;
  requestId?: string | undefined;
  /** The error answer carried a WeChat Pay signature that verified (unsigned error answers exist). */
  verified?: boolean;
}

/**
 * WeChat answered with a non-2xx status. `.apiMessage`/`.detail` are WeChat's words and are kept as
 * fields, NOT in `.message`, so logging the error does not print answer content.
 */
export class ApiError extends WechatPayError {
  declare readonly code: 'WECHATPAY_API_ERROR';
  readonly status: number;
  readonly apiCode: string | undefined;
  readonly apiMessage: string | undefined;
  readonly detail: unknown;
  readonly retryable: boolean;
  /**
   * True only when the error answer was signed and its signature verified. An unsigned error may come from
   * anything between us and WeChat: never take an irreversible decision on it.
   */
  readonly verified: boolean;

  constructor(f: ApiErrorFields) {
    const code = f.apiCode !== undefined && /^[A-Z0-9_]{1,64}$/.test(f.apiCode) ? f.apiCode : 'UNKNOWN';
    super('WECHATPAY_API_ERROR', `WeChat Pay answered HTTP ${f.status} ${code}`, { requestId: f.requestId });
    this.status = f.status;
    this.apiCode = f.apiCode;
    this.apiMessage = f.apiMessage;
    this.detail = f.detail;
    this.retryable = f.status === 429 || f.status >= 500;
    this.verified = f.verified === true;
  }
}

export type TransportErrorCode = Extract<
  WechatPayErrorCode,
  'WECHATPAY_TRANSPORT_FAILED' | 'WECHATPAY_TRANSPORT_TIMEOUT'
>;

/** The request may or may not have reached WeChat: the outcome is unknown, reconcile by query. */
export class TransportError extends WechatPayError {
  declare readonly code: TransportErrorCode;
  constructor(code: TransportErrorCode, message: string, options?: WechatPayErrorOptions) {
    super(code, message, options);
  }
}

/** Errors after which the same request may be sent again (idempotently) or the state re-queried. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof ApiError) return err.retryable;
  if (err instanceof TransportError) return true;
  // An answer we could not verify: we do not know what WeChat did, so the outcome must be re-checked.
  return (
    err instanceof SignatureInvalidError ||
    err instanceof UnknownSerialError ||
    err instanceof MissingHeaderError ||
    err instanceof ClockSkewError
  );
}

/** For exhaustive switches over a code union: a missed case makes the argument not `never`. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unhandled ${what}: ${String(value)}`);
}
