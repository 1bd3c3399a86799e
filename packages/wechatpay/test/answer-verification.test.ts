import { describe, expect, it } from 'vitest';
import {
  ClockSkewError,
  createRsaVerifier,
  createStaticKeyResolver,
  getHeader,
  loadPublicKey,
  MissingHeaderError,
  ProbeSignatureError,
  SignatureInvalidError,
  UnknownSerialError,
  UnsupportedSignatureTypeError,
  validateSignedMessage,
} from '../src/index.ts';
import { type AnswerFile, fixedClock, fixtureJson, fixtureText } from './fixtures.ts';

const file = fixtureJson<AnswerFile>('vectors/answer-verification.json');
// The key store is built from exactly the table in the vector file (both modes at once).
const resolver = createStaticKeyResolver({
  keys: Object.fromEntries(
    Object.entries(file.keys).map(([serial, rel]) => [serial, loadPublicKey(fixtureText(rel))]),
  ),
});
const verifier = createRsaVerifier(resolver);

/**
 * Which failure each invalid case must produce. The case ids and reasons come from the fixture file;
 * this table only names the error class our design assigns to each kind of tampering.
 */
const EXPECTED_ERROR: Record<string, { cls: new (...a: never[]) => Error; code: string }> = {
  a06: { cls: SignatureInvalidError, code: 'WECHATPAY_SIGNATURE_INVALID' },
  a07: { cls: SignatureInvalidError, code: 'WECHATPAY_SIGNATURE_INVALID' },
  a08: { cls: SignatureInvalidError, code: 'WECHATPAY_SIGNATURE_INVALID' },
  a09: { cls: UnknownSerialError, code: 'WECHATPAY_SERIAL_UNKNOWN' },
  a10: { cls: SignatureInvalidError, code: 'WECHATPAY_SIGNATURE_INVALID' },
  a11: { cls: SignatureInvalidError, code: 'WECHATPAY_SIGNATURE_INVALID' },
  a12: { cls: ProbeSignatureError, code: 'WECHATPAY_SIGNATURE_PROBE' },
  a13: { cls: ClockSkewError, code: 'WECHATPAY_CLOCK_SKEW' },
  a14: { cls: ClockSkewError, code: 'WECHATPAY_CLOCK_SKEW' },
};

function run(c: AnswerFile['cases'][number]) {
  return validateSignedMessage(c.headers, c.body, { verifier, clock: fixedClock(c.now) });
}

function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

describe('answer verification against the openssl vectors', () => {
  it('uses the 300 s window of the vector file', () => {
    expect(file.window_seconds).toBe(300);
  });

  for (const c of file.cases.filter((x) => x.expect === 'valid')) {
    it(`accepts ${c.id}: ${c.reason}`, () => {
      const info = run(c);
      expect(info.serial).toBe(c.headers['Wechatpay-Serial']);
      expect(info.timestamp).toBe(Number(c.headers['Wechatpay-Timestamp']));
      expect(info.nonce).toBe(c.headers['Wechatpay-Nonce']);
    });

    it(`${c.id}: the verifier alone accepts the vector's message`, () => {
      expect(() =>
        verifier.verify(c.headers['Wechatpay-Serial']!, c.message, c.headers['Wechatpay-Signature']!),
      ).not.toThrow();
    });
  }

  for (const c of file.cases.filter((x) => x.expect === 'invalid')) {
    const expected = EXPECTED_ERROR[c.id.slice(0, 3)];
    it(`rejects ${c.id} (${c.reason}) with ${expected?.code}`, () => {
      expect(expected, `no expectation for ${c.id}`).toBeDefined();
      const err = caught(() => run(c));
      expect(err).toBeInstanceOf(expected!.cls);
      expect((err as SignatureInvalidError).code).toBe(expected!.code);
      // No header value, signature or body text leaks into the message.
      expect(err.message).not.toContain(c.headers['Wechatpay-Signature']!.slice(0, 24));
      expect(err.message).not.toContain(c.body.slice(0, 20) || '\u0000');
    });
  }

  it('every invalid case in the file has an expectation (no vector is skipped)', () => {
    for (const c of file.cases.filter((x) => x.expect === 'invalid'))
      expect(EXPECTED_ERROR[c.id.slice(0, 3)]).toBeDefined();
  });
});

describe('validateSignedMessage pipeline', () => {
  const good = file.cases.find((c) => c.expect === 'valid')!;

  for (const name of ['Wechatpay-Timestamp', 'Wechatpay-Nonce', 'Wechatpay-Signature', 'Wechatpay-Serial']) {
    it(`names the missing header ${name}`, () => {
      const headers = { ...good.headers };
      delete headers[name];
      const err = caught(() =>
        validateSignedMessage(headers, good.body, { verifier, clock: fixedClock(good.now) }),
      );
      expect(err).toBeInstanceOf(MissingHeaderError);
      expect((err as MissingHeaderError).header).toBe(name.toLowerCase());
    });
  }

  it('treats an empty header as missing', () => {
    const headers = { ...good.headers, 'Wechatpay-Nonce': '' };
    expect(() =>
      validateSignedMessage(headers, good.body, { verifier, clock: fixedClock(good.now) }),
    ).toThrow(MissingHeaderError);
  });

  it('reads headers case-insensitively from a Fetch Headers object and lower-cased records', () => {
    const lower = Object.fromEntries(Object.entries(good.headers).map(([k, v]) => [k.toLowerCase(), v]));
    expect(() =>
      validateSignedMessage(lower, good.body, { verifier, clock: fixedClock(good.now) }),
    ).not.toThrow();
    const fetchHeaders = new Headers(good.headers);
    expect(() =>
      validateSignedMessage(fetchHeaders, good.body, { verifier, clock: fixedClock(good.now) }),
    ).not.toThrow();
  });

  it('header lookup: any ASCII case, the last spelling wins, a repeated value counts as absent', () => {
    expect(getHeader({ 'WECHATPAY-NONCE': 'a' }, 'wechatpay-nonce')).toBe('a');
    expect(getHeader({ 'Wechatpay-Nonce': 'a', 'wechatPay-nonce': 'b' }, 'wechatpay-nonce')).toBe('b');
    // An exact lower-case key is read directly, whatever other spellings there are.
    expect(getHeader({ 'wechatpay-nonce': 'a', 'Wechatpay-Nonce': 'b' }, 'wechatpay-nonce')).toBe('a');
    expect(getHeader({ 'Wechatpay-Nonce': ['a', 'b'] }, 'wechatpay-nonce')).toBeUndefined();
    // Same length, different name: no match (the scan compares whole names).
    expect(getHeader({ 'Wechatpay-Nonca': 'a', 'Request-Xd': 'x' }, 'wechatpay-nonce')).toBeUndefined();
    expect(getHeader({ 'Request-ID': 'R1' }, 'request-id')).toBe('R1');
    expect(getHeader(new Headers({ 'Request-ID': 'R1' }), 'request-id')).toBe('R1');
  });

  it('rejects a signature type other than WECHATPAY2-SHA256-RSA2048', () => {
    const headers = { ...good.headers, 'Wechatpay-Signature-Type': 'WECHATPAY2-SM2-WITH-SM3' };
    expect(() =>
      validateSignedMessage(headers, good.body, { verifier, clock: fixedClock(good.now) }),
    ).toThrow(UnsupportedSignatureTypeError);
  });

  it('checks the clock before the signature: a stale answer is ClockSkewError even if the signature is junk', () => {
    const ts = Number(good.headers['Wechatpay-Timestamp']);
    const headers = { ...good.headers, 'Wechatpay-Signature': 'AAAA' };
    const err = caught(() =>
      validateSignedMessage(headers, good.body, { verifier, clock: fixedClock(ts + 301) }),
    );
    expect(err).toBeInstanceOf(ClockSkewError);
    expect((err as ClockSkewError).skewSeconds).toBe(-301);
  });

  it('accepts exactly 300 s of skew and rejects 301 s (both directions)', () => {
    const ts = Number(good.headers['Wechatpay-Timestamp']);
    const opts = (now: number) => ({ verifier, clock: fixedClock(now) });
    expect(() => validateSignedMessage(good.headers, good.body, opts(ts + 300))).not.toThrow();
    expect(() => validateSignedMessage(good.headers, good.body, opts(ts - 300))).not.toThrow();
    expect(() => validateSignedMessage(good.headers, good.body, opts(ts + 301))).toThrow(ClockSkewError);
    expect(() => validateSignedMessage(good.headers, good.body, opts(ts - 301))).toThrow(ClockSkewError);
  });

  it('rejects a non-numeric timestamp as clock skew, not as a crash', () => {
    const headers = { ...good.headers, 'Wechatpay-Timestamp': '1e9' };
    expect(() =>
      validateSignedMessage(headers, good.body, { verifier, clock: fixedClock(good.now) }),
    ).toThrow(ClockSkewError);
  });

  it('maps a non-base64 signature to SignatureInvalidError', () => {
    const headers = { ...good.headers, 'Wechatpay-Signature': 'not base64 at all!' };
    expect(() =>
      validateSignedMessage(headers, good.body, { verifier, clock: fixedClock(good.now) }),
    ).toThrow(SignatureInvalidError);
  });

  it('attaches the Request-ID to every verification error', () => {
    const headers = {
      ...good.headers,
      'Wechatpay-Signature': `${good.headers['Wechatpay-Signature']!.slice(0, -4)}AAA=`,
      'Request-ID': 'REQ-1',
    };
    const err = caught(() =>
      validateSignedMessage(headers, good.body, { verifier, clock: fixedClock(good.now) }),
    );
    expect((err as SignatureInvalidError).requestId).toBe('REQ-1');
  });
});
