import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ApiError,
  ConfigError,
  certificateInfo,
  createRsaSigner,
  createRsaVerifier,
  createStaticKeyResolver,
  DecryptError,
  decryptSensitive,
  encryptSensitive,
  isPublicKeyId,
  isRetryable,
  loadApiV3Key,
  loadPrivateKey,
  loadPublicKey,
  ProbeSignatureError,
  randomNonce,
  SensitiveFieldError,
  SignatureInvalidError,
  UnknownSerialError,
} from '../src/index.ts';
import { apiV3KeyText, fixtureText, merchantSerial, platformSerial, publicKeyId } from './fixtures.ts';

describe('secrets', () => {
  it('loads PKCS#8 and PKCS#1 private keys and refuses garbage without echoing it', () => {
    const pkcs8 = fixtureText('merchant/private-key.pem');
    expect(loadPrivateKey(pkcs8).asymmetricKeyType).toBe('rsa');
    const pkcs1 = loadPrivateKey(pkcs8).export({ type: 'pkcs1', format: 'pem' });
    expect(loadPrivateKey(pkcs1).asymmetricKeyType).toBe('rsa');
    const secret = '-----BEGIN PRIVATE KEY-----\nSECRETSECRET\n-----END PRIVATE KEY-----';
    try {
      loadPrivateKey(secret, 'WECHATPAY_PRIVATE_KEY');
      expect.fail('should throw');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).code).toBe('WECHATPAY_CONFIG_INVALID');
      expect((err as Error).message).toContain('WECHATPAY_PRIVATE_KEY');
      expect((err as Error).message).not.toContain('SECRETSECRET');
    }
  });

  it('refuses a non-RSA key', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => loadPrivateKey(ec.privateKey.export({ type: 'pkcs8', format: 'pem' }))).toThrow(ConfigError);
  });

  it('loads public keys from SPKI, PKCS#1 and X.509 certificates', () => {
    expect(loadPublicKey(fixtureText('platform/pubkey/public-key.pem')).type).toBe('public');
    expect(loadPublicKey(fixtureText('platform/cert.pem')).type).toBe('public');
    const pkcs1 = loadPublicKey(fixtureText('platform/public-key.pem')).export({
      type: 'pkcs1',
      format: 'pem',
    });
    expect(loadPublicKey(pkcs1).type).toBe('public');
    expect(() => loadPublicKey('nope')).toThrow(ConfigError);
  });

  it('loads the 32-byte APIv3 key (trailing newline tolerated) and refuses other lengths by name', () => {
    const key = apiV3KeyText();
    expect(loadApiV3Key(key)).toHaveLength(32);
    expect(loadApiV3Key(`${key}\n`).equals(Buffer.from(key))).toBe(true);
    expect(() => loadApiV3Key('short', 'WECHATPAY_APIV3_KEY')).toThrow(/WECHATPAY_APIV3_KEY/);
  });

  it('reads a certificate serial, key and validity', () => {
    const info = certificateInfo(fixtureText('platform/cert.pem'));
    expect(info.serialNo).toBe(platformSerial());
    expect(info.notBefore.getTime()).toBeLessThan(info.notAfter.getTime());
    expect(certificateInfo(fixtureText('merchant/cert.pem')).serialNo).toBe(merchantSerial());
  });

  it('tells public-key ids from certificate serials', () => {
    expect(isPublicKeyId(publicKeyId())).toBe(true);
    expect(isPublicKeyId(platformSerial())).toBe(false);
  });
});

describe('signer, nonce and resolver', () => {
  it('nonces are 32 alphanumerics and do not repeat', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const n = randomNonce();
      expect(n).toMatch(/^[0-9A-Za-z]{32}$/);
      seen.add(n);
    }
    expect(seen.size).toBe(200);
  });

  it('refuses a public key or a quote-breaking mchId', () => {
    const privateKey = loadPrivateKey(fixtureText('merchant/private-key.pem'));
    expect(() =>
      createRsaSigner({
        mchId: '1',
        serialNo: 'AB',
        privateKey: loadPublicKey(fixtureText('merchant/cert.pem')),
      }),
    ).toThrow(ConfigError);
    expect(() => createRsaSigner({ mchId: '1",x="', serialNo: 'AB', privateKey })).toThrow(ConfigError);
  });

  it('static resolver: both modes at once; acceptSerial prefers the PUB_KEY_ID_ unless told otherwise', () => {
    const cert = loadPublicKey(fixtureText('platform/cert.pem'));
    const pub = loadPublicKey(fixtureText('platform/pubkey/public-key.pem'));
    const r = createStaticKeyResolver({ keys: { [platformSerial()]: cert, [publicKeyId()]: pub } });
    expect(r.acceptSerial()).toBe(publicKeyId());
    expect(r.resolve(platformSerial().toLowerCase())).toBe(cert);
    expect(r.resolve('unknown')).toBeUndefined();
    expect(r.serials()).toHaveLength(2);
    const preferred = createStaticKeyResolver({
      keys: { [platformSerial()]: cert, [publicKeyId()]: pub },
      preferred: platformSerial(),
    });
    expect(preferred.acceptSerial()).toBe(platformSerial());
    expect(() => createStaticKeyResolver({ keys: {} })).toThrow(ConfigError);
  });

  it('verifier: unknown serial and probe signatures are distinct typed errors; a probe is a signature failure', () => {
    const v = createRsaVerifier(
      createStaticKeyResolver({
        keys: { [publicKeyId()]: loadPublicKey(fixtureText('platform/pubkey/public-key.pem')) },
      }),
    );
    expect(() => v.verify('NOPE', 'm', 'AAAA')).toThrow(UnknownSerialError);
    const probe = (() => {
      try {
        v.verify(publicKeyId(), 'm', 'WECHATPAY/SIGNTEST/abc');
      } catch (err) {
        return err;
      }
    })();
    expect(probe).toBeInstanceOf(ProbeSignatureError);
    expect(probe).toBeInstanceOf(SignatureInvalidError);
    expect(isRetryable(probe)).toBe(true);
  });
});

describe('sensitive fields and error catalogue', () => {
  it('OAEP refuses plaintext over 214 bytes and wraps decrypt failures', () => {
    const pub = loadPublicKey(fixtureText('merchant/cert.pem'));
    expect(() => encryptSensitive('x'.repeat(215), pub)).toThrow(SensitiveFieldError);
    expect(() =>
      decryptSensitive(
        encryptSensitive('张三', pub),
        loadPrivateKey(fixtureText('platform/private-key.pem')),
      ),
    ).toThrow(DecryptError);
  });

  it('ApiError keeps WeChat text out of its message and flags 429/5xx retryable', () => {
    const e = new ApiError({
      status: 429,
      apiCode: 'RATELIMIT_EXCEEDED',
      apiMessage: 'secret text',
      requestId: 'R',
    });
    expect(e.message).not.toContain('secret text');
    expect(e.retryable).toBe(true);
    expect(new ApiError({ status: 400, apiCode: 'bad code with spaces' }).message).not.toContain('spaces');
  });
});
