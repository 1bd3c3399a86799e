import { describe, expect, it } from 'vitest';
import {
  AnswerFormatError,
  ApiError,
  AuthorizationFormatError,
  assertNever,
  ClockSkewError,
  ConfigError,
  DecryptError,
  MissingHeaderError,
  NotificationFormatError,
  ProbeSignatureError,
  RequestFormatError,
  SensitiveFieldError,
  SignatureInvalidError,
  TransportError,
  UnknownSerialError,
  UnsupportedSignatureTypeError,
  WECHATPAY_ERROR_CODES,
  type WechatPayError,
  type WechatPayErrorCode,
} from '../src/index.ts';

/** Compiles only while it names every code: a new code makes `assertNever(code)` a type error. */
function httpStatusFor(code: WechatPayErrorCode): number {
  switch (code) {
    case 'WECHATPAY_CONFIG_INVALID':
    case 'WECHATPAY_SENSITIVE_FIELD_INVALID':
    case 'WECHATPAY_REQUEST_INVALID':
      return 500;
    case 'WECHATPAY_AUTHORIZATION_MALFORMED':
    case 'WECHATPAY_HEADER_MISSING':
    case 'WECHATPAY_SIGNATURE_TYPE_UNSUPPORTED':
    case 'WECHATPAY_CLOCK_SKEW':
    case 'WECHATPAY_SERIAL_UNKNOWN':
    case 'WECHATPAY_SIGNATURE_INVALID':
    case 'WECHATPAY_SIGNATURE_PROBE':
    case 'WECHATPAY_DECRYPT_FAILED':
    case 'WECHATPAY_NOTIFICATION_MALFORMED':
      return 400;
    case 'WECHATPAY_ANSWER_MALFORMED':
    case 'WECHATPAY_API_ERROR':
    case 'WECHATPAY_TRANSPORT_FAILED':
    case 'WECHATPAY_TRANSPORT_TIMEOUT':
      return 502;
    default:
      return assertNever(code, 'WechatPayErrorCode');
  }
}

describe('WechatPayError codes', () => {
  const instances: WechatPayError[] = [
    new ConfigError('x'),
    new AuthorizationFormatError('x'),
    new MissingHeaderError('Wechatpay-Nonce'),
    new UnsupportedSignatureTypeError(),
    new ClockSkewError(600, 300),
    new UnknownSerialError('ABC'),
    new SignatureInvalidError(),
    new ProbeSignatureError(),
    new DecryptError(),
    new NotificationFormatError('x'),
    new SensitiveFieldError('x'),
    new RequestFormatError('x'),
    new AnswerFormatError('x'),
    new ApiError({ status: 400, apiCode: 'PARAM_ERROR' }),
    new TransportError('WECHATPAY_TRANSPORT_FAILED', 'x'),
    new TransportError('WECHATPAY_TRANSPORT_TIMEOUT', 'x'),
  ];

  it('every class carries a code of the exported union, and every code has a class', () => {
    const seen = new Set(instances.map((e) => e.code));
    expect([...seen].sort()).toEqual([...WECHATPAY_ERROR_CODES].sort());
    for (const e of instances) expect(httpStatusFor(e.code)).toBeGreaterThanOrEqual(400);
  });

  it('narrows: a class instance has its literal code type', () => {
    const e = new UnknownSerialError('ABC');
    const literal: 'WECHATPAY_SERIAL_UNKNOWN' = e.code;
    expect(literal).toBe('WECHATPAY_SERIAL_UNKNOWN');
  });

  it('assertNever throws for a value the types said could not exist', () => {
    expect(() => httpStatusFor('NOT_A_CODE' as WechatPayErrorCode)).toThrow(/unhandled WechatPayErrorCode/);
  });
});
