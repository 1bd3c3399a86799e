import { describe, expect, it } from 'vitest';
import { ConfigError, DecryptError, decryptResource, encryptResource } from '../src/index.ts';
import { type AesCase, fixtureJson } from './fixtures.ts';

const { cases } = fixtureJson<{ cases: AesCase[] }>('vectors/aes-gcm.json');

const input = (c: AesCase) => ({
  apiV3Key: Buffer.from(c.key, 'utf8'),
  nonce: c.nonce,
  associatedData: c.associated_data,
});

describe('AEAD_AES_256_GCM against the Java JCE vectors', () => {
  for (const c of cases.filter((x) => x.expect === 'ok')) {
    it(`${c.id}: decrypts to the exact plaintext`, () => {
      expect(decryptResource({ ...input(c), ciphertext: c.ciphertext })).toBe(c.plaintext);
    });
    it(`${c.id}: encrypts to the exact ciphertext (tag appended)`, () => {
      expect(encryptResource({ ...input(c), plaintext: c.plaintext! })).toBe(c.ciphertext);
    });
  }

  for (const c of cases.filter((x) => x.expect === 'reject')) {
    it(`${c.id}: rejects (${c.reason}) with DecryptError and no output`, () => {
      let out: string | undefined;
      let error: unknown;
      try {
        out = decryptResource({ ...input(c), ciphertext: c.ciphertext });
      } catch (err) {
        error = err;
      }
      expect(out).toBeUndefined();
      expect(error).toBeInstanceOf(DecryptError);
      expect((error as DecryptError).code).toBe('WECHATPAY_DECRYPT_FAILED');
      expect((error as Error).message).not.toContain(c.key);
    });
  }

  it('refuses a key that is not 32 bytes with ConfigError', () => {
    const c = cases[0]!;
    expect(() =>
      decryptResource({
        apiV3Key: Buffer.from('short'),
        nonce: c.nonce,
        associatedData: '',
        ciphertext: c.ciphertext,
      }),
    ).toThrow(ConfigError);
  });

  it('refuses non-base64 ciphertext and a nonce that is not 12 bytes with DecryptError', () => {
    const c = cases[0]!;
    expect(() => decryptResource({ ...input(c), ciphertext: '@@@@' })).toThrow(DecryptError);
    expect(() => decryptResource({ ...input(c), nonce: 'short', ciphertext: c.ciphertext })).toThrow(
      DecryptError,
    );
  });
});
