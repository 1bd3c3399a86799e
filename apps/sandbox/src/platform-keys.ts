import {
  createCipheriv,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  randomBytes,
  sign,
  X509Certificate,
} from 'node:crypto';
import type { PlatformConfig, PlatformMode } from './config.ts';
import { ConfigError } from './errors.ts';

/*
 * The sandbox's own crypto, written inline on purpose (style.md §3.4 "judgment call"): if the sandbox
 * reused the shared canonical builders, a bug in them would pass every end-to-end test. The strings here are
 * pinned against the shared openssl vectors by the tests instead.
 */

/** Answer/notification message: three lines, each LF-terminated (spec §2.2). */
export const answerMessage = (timestamp: string, nonce: string, body: string) =>
  `${timestamp}\n${nonce}\n${body}\n`;

export const rsaSign = (key: KeyObject, message: string | Buffer) =>
  sign('sha256', typeof message === 'string' ? Buffer.from(message, 'utf8') : message, key).toString(
    'base64',
  );

/** AEAD_AES_256_GCM with the 16-byte tag appended, base64 (spec §3.2). */
export function aeadSeal(apiV3Key: string, nonce: string, associatedData: string, plaintext: string): string {
  const c = createCipheriv('aes-256-gcm', Buffer.from(apiV3Key, 'utf8'), Buffer.from(nonce, 'utf8'));
  c.setAAD(Buffer.from(associatedData, 'utf8'));
  const out = Buffer.concat([c.update(plaintext, 'utf8'), c.final(), c.getAuthTag()]);
  return out.toString('base64');
}

const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Random [0-9A-Za-z] string (resource nonces are 12 chars). */
export function alnum(n: number): string {
  const bytes = randomBytes(n);
  let s = '';
  for (let i = 0; i < n; i++) s += ALNUM[bytes[i]! % 62];
  return s;
}

/** Observed Wechatpay-Nonce: 32 lower-case hex. */
export const answerNonce = () => randomBytes(16).toString('hex');

/** Request-ID: opaque; real ones look like `08DBF3A5B906…-…`. */
export const requestId = () =>
  `08${randomBytes(15).toString('hex').toUpperCase()}-${randomBytes(3).readUIntBE(0, 3)}`;

/** A serial no client holds (the fixtures' "belongs to no key" serial). */
export const UNKNOWN_SERIAL = '7E57C0DE554E4B4E4F574E000000000000000003';
export const PROBE_PREFIX = 'WECHATPAY/SIGNTEST/';

export interface SigningKey {
  serial: string;
  key: KeyObject;
}

export interface PlatformCertificate {
  serial: string;
  pem: string;
  notBefore: Date;
  notAfter: Date;
}

export interface PlatformKeys {
  mode: PlatformMode;
  /** The key that signs an answer; in migrating mode the request's Wechatpay-Serial picks it. */
  forAnswer(requestSerial: string | undefined): SigningKey;
  forNotification(): SigningKey;
  /** Present in certificate and migrating mode. */
  certificate: PlatformCertificate | undefined;
}

export function createPlatformKeys(p: PlatformConfig): PlatformKeys {
  let publicKey: SigningKey | undefined;
  let cert: SigningKey | undefined;
  let certificate: PlatformCertificate | undefined;
  try {
    if (p.publicKeyId && p.publicKeyPrivatePem) {
      publicKey = { serial: p.publicKeyId, key: createPrivateKey(p.publicKeyPrivatePem) };
    }
    if (p.certPrivatePem && p.certPem) {
      const x = new X509Certificate(p.certPem);
      const serial = (p.certSerial ?? x.serialNumber).toUpperCase();
      cert = { serial, key: createPrivateKey(p.certPrivatePem) };
      if (!x.publicKey.equals(createPublicKey(cert.key))) {
        throw new ConfigError('platform certificate does not match the platform certificate private key');
      }
      certificate = {
        serial,
        pem: p.certPem,
        notBefore: new Date(x.validFrom),
        notAfter: new Date(x.validTo),
      };
    }
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError('platform key material could not be loaded');
  }
  if (p.mode === 'publicKey' && !publicKey) {
    throw new ConfigError('publicKey mode needs platform.publicKeyId and platform.publicKeyPrivatePem');
  }
  if (p.mode !== 'publicKey' && !cert) {
    throw new ConfigError(`${p.mode} mode needs platform.certPem and platform.certPrivatePem`);
  }
  const primary = p.mode === 'publicKey' ? publicKey! : cert!;
  return {
    mode: p.mode,
    forAnswer(requestSerial) {
      if (p.mode !== 'migrating' || !requestSerial) return primary;
      if (publicKey && requestSerial === publicKey.serial) return publicKey;
      return cert!;
    },
    forNotification: () => (p.mode === 'migrating' && publicKey ? publicKey : primary),
    certificate: p.mode === 'publicKey' ? undefined : certificate,
  };
}

export interface SignatureFaults {
  badSignature?: boolean;
  unknownSerial?: boolean;
  probe?: boolean;
}

/** Wechatpay-* headers for a body, with the requested tampering applied. */
export function signedHeaders(
  body: string,
  k: SigningKey,
  nowSeconds: number,
  faults: SignatureFaults = {},
): Record<string, string> {
  const timestamp = String(nowSeconds);
  const nonce = answerNonce();
  let signature: string;
  if (faults.probe) {
    signature = PROBE_PREFIX + randomBytes(48).toString('base64');
  } else if (faults.badSignature) {
    // A genuine signature over different bytes: the hardest kind of bad signature to notice.
    signature = rsaSign(k.key, answerMessage(timestamp, nonce, `${body} `));
  } else {
    signature = rsaSign(k.key, answerMessage(timestamp, nonce, body));
  }
  return {
    'Wechatpay-Timestamp': timestamp,
    'Wechatpay-Nonce': nonce,
    'Wechatpay-Signature': signature,
    'Wechatpay-Serial': faults.unknownSerial ? UNKNOWN_SERIAL : k.serial,
    'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048',
  };
}

/** "2024-05-01T10:04:58+08:00" — RFC 3339 in China time, as WeChat writes times. */
export function rfc3339Cst(unixSeconds: number): string {
  return `${new Date((unixSeconds + 8 * 3600) * 1000).toISOString().slice(0, 19)}+08:00`;
}
