import { createPublicKey, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  AuthorizationFormatError,
  buildAuthorization,
  createRsaSigner,
  formatAuthorization,
  loadPrivateKey,
  parseAuthorization,
  requestMessage,
} from '../src/index.ts';
import { fixtureJson, fixtureText, type RequestSigningFile } from './fixtures.ts';

const file = fixtureJson<RequestSigningFile>('vectors/request-signing.json');
const signer = createRsaSigner({
  mchId: file.mchid,
  serialNo: file.serial_no,
  privateKey: loadPrivateKey(fixtureText('merchant/private-key.pem'), 'merchant private key'),
});
const merchantCert = createPublicKey(fixtureText('merchant/cert.pem'));

describe('request signing reproduces every openssl vector byte for byte', () => {
  it('covers all nine request cases', () => {
    expect(file.cases.length).toBeGreaterThanOrEqual(9);
  });

  for (const c of file.cases) {
    describe(c.id, () => {
      it('builds the exact five-line message', () => {
        expect(requestMessage(c.method, c.url, c.timestamp, c.nonce, c.body)).toBe(c.message);
      });

      it('produces the exact signature, which verifies with the merchant certificate', () => {
        const signature = signer.sign(c.message);
        expect(signature).toBe(c.signature);
        expect(
          verify('sha256', Buffer.from(c.message, 'utf8'), merchantCert, Buffer.from(signature, 'base64')),
        ).toBe(true);
      });

      it('produces the exact Authorization header from injected clock and nonce', () => {
        const out = buildAuthorization({
          signer,
          method: c.method,
          pathWithQuery: c.url,
          body: c.body,
          clock: { now: () => Number(c.timestamp) },
          nonce: () => c.nonce,
        });
        expect(out.authorization).toBe(c.authorization);
        expect(out.timestamp).toBe(c.timestamp);
        expect(out.nonce).toBe(c.nonce);
      });

      it('parses its Authorization header back into the same fields', () => {
        const f = parseAuthorization(c.authorization);
        expect(f).toEqual({
          mchid: file.mchid,
          nonce_str: c.nonce,
          signature: c.signature,
          timestamp: c.timestamp,
          serial_no: file.serial_no,
        });
        expect(formatAuthorization(f)).toBe(c.authorization);
      });
    });
  }
});

describe('parseAuthorization', () => {
  const c = file.cases[0]!;
  const f = parseAuthorization(c.authorization);
  const scheme = c.authorization.slice(0, c.authorization.indexOf(' '));

  it('accepts attributes in any order with spaces after commas', () => {
    const reordered = `${scheme} serial_no="${f.serial_no}", timestamp="${f.timestamp}", signature="${f.signature}", nonce_str="${f.nonce_str}", mchid="${f.mchid}"`;
    expect(parseAuthorization(reordered)).toEqual(f);
  });

  it('rejects a wrong scheme, a missing attribute, a repeated attribute and junk with a typed error', () => {
    const bad = [
      c.authorization.replace(scheme, 'WECHATPAY2-SHA256-RSA'),
      c.authorization.replace(/,serial_no="[^"]*"/, ''),
      `${c.authorization},mchid="1"`,
      `${scheme} mchid=1`,
      `${c.authorization},extra="x"`,
    ];
    for (const header of bad) {
      expect(() => parseAuthorization(header)).toThrow(AuthorizationFormatError);
      try {
        parseAuthorization(header);
      } catch (err) {
        expect((err as AuthorizationFormatError).code).toBe('WECHATPAY_AUTHORIZATION_MALFORMED');
        expect((err as Error).message).not.toContain(f.signature);
      }
    }
  });
});
