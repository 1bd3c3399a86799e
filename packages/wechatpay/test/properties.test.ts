import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  answerMessage,
  buildAuthorization,
  createRsaSigner,
  createRsaVerifier,
  createStaticKeyResolver,
  decryptResource,
  decryptSensitive,
  encryptResource,
  encryptSensitive,
  loadPrivateKey,
  loadPublicKey,
  parseAuthorization,
  requestMessage,
  SignatureInvalidError,
  validateSignedMessage,
} from '../src/index.ts';
import { fixtureText, merchantSerial } from './fixtures.ts';

const merchantKey = loadPrivateKey(fixtureText('merchant/private-key.pem'));
const merchantPublic = loadPublicKey(fixtureText('merchant/cert.pem'));
const signer = createRsaSigner({ mchId: '1900000109', serialNo: merchantSerial(), privateKey: merchantKey });
// The "platform" side for answers: sign with a freshly generated key, verify through the resolver.
const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
const platformSigner = createRsaSigner({ mchId: '1', serialNo: 'ABCDEF', privateKey: platform.privateKey });
const verifier = createRsaVerifier(
  createStaticKeyResolver({ keys: { PUB_KEY_ID_TEST: platform.publicKey } }),
);

// Bodies mixing (lone surrogates excluded: they are not text and cannot be UTF-8 encoded) ASCII, CJK, full-width punctuation, newlines and non-BMP (surrogate-pair) characters.
const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.string({
    unit: fc.constantFrom('签', '约', '成', '功', '，', '。', '\n', 'a', ' ', '"', '𠀀', '😀', '\u00e9'),
    maxLength: 200,
  }),
  fc.string({ unit: 'binary', maxLength: 100 }).filter((s) => !/\p{Cs}/u.test(s)),
);

describe('property: sign → verify round trips', () => {
  it('every request signature verifies over the same bytes with the merchant certificate', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'),
        fc.webPath(),
        text,
        fc.integer({ min: 1_600_000_000, max: 2_000_000_000 }),
        (method, path, body, ts) => {
          const { authorization } = buildAuthorization({
            signer,
            method,
            pathWithQuery: path || '/',
            body,
            clock: { now: () => ts },
          });
          const f = parseAuthorization(authorization);
          const message = requestMessage(method, path || '/', f.timestamp, f.nonce_str, body);
          const resolver = createStaticKeyResolver({ keys: { [merchantSerial()]: merchantPublic } });
          expect(() => createRsaVerifier(resolver).verify(f.serial_no, message, f.signature)).not.toThrow();
        },
      ),
      { numRuns: 60 },
    );
  });

  it('an answer signed over any body validates, and the same answer with a changed body does not', () => {
    fc.assert(
      fc.property(text, fc.string({ minLength: 1, maxLength: 8 }), (body, extra) => {
        const ts = 1_714_528_900;
        const nonce = 'N'.repeat(32);
        const signature = platformSigner.sign(answerMessage(String(ts), nonce, body));
        const headers = {
          'Wechatpay-Timestamp': String(ts),
          'Wechatpay-Nonce': nonce,
          'Wechatpay-Signature': signature,
          'Wechatpay-Serial': 'PUB_KEY_ID_TEST',
        };
        const clock = { now: () => ts };
        expect(validateSignedMessage(headers, body, { verifier, clock }).serial).toBe('PUB_KEY_ID_TEST');
        expect(() => validateSignedMessage(headers, body + extra, { verifier, clock })).toThrow(
          SignatureInvalidError,
        );
      }),
      { numRuns: 60 },
    );
  });
});

describe('property: encrypt → decrypt round trips', () => {
  it('AES-256-GCM returns the exact plaintext for any text, nonce and associated data', () => {
    fc.assert(
      fc.property(
        text,
        fc.string({
          unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'),
          minLength: 12,
          maxLength: 12,
        }),
        fc.oneof(fc.constant(''), fc.constantFrom('certificate', 'papay', 'contract'), text),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (plaintext, nonce, associatedData, key) => {
          const apiV3Key = Buffer.from(key);
          const ciphertext = encryptResource({ apiV3Key, nonce, associatedData, plaintext });
          expect(decryptResource({ apiV3Key, nonce, associatedData, ciphertext })).toBe(plaintext);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('RSA-OAEP(SHA-1) sensitive fields round trip for any text up to 214 UTF-8 bytes', () => {
    fc.assert(
      fc.property(
        text.filter((s) => Buffer.byteLength(s, 'utf8') <= 214),
        (plaintext) => {
          expect(decryptSensitive(encryptSensitive(plaintext, merchantPublic), merchantKey)).toBe(plaintext);
        },
      ),
      { numRuns: 40 },
    );
  });
});
