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

interface HeldCertificate extends PlatformCertificate {
  key: KeyObject;
}

export interface PlatformCertificateInput {
  /** Defaults to the certificate's own serial number (upper-case hex). */
  serial?: string;
  certPem: string;
  privatePem: string;
}

export interface PlatformKeys {
  mode: PlatformMode;
  /** The key that signs an answer; in migrating mode the request's Wechatpay-Serial picks it. */
  forAnswer(requestSerial: string | undefined): SigningKey;
  forNotification(): SigningKey;
  /** The /v3/certificates answer: the active certificate in every certificate mode, whatever the request's
   *  Wechatpay-Serial, so the bootstrap (verify with a certificate the answer carries, spec §3.3) works. */
  forCertificatesAnswer(): SigningKey;
  /** The active (signing) certificate; present in certificate and migrating mode. */
  readonly certificate: PlatformCertificate | undefined;
  /** Certificates not expired at `nowSeconds` (what /v3/certificates lists); empty in public-key mode. */
  certificates(nowSeconds: number): PlatformCertificate[];
  /** Every certificate held (expired ones included), for the control API. */
  allCertificates(): PlatformCertificate[];
  /** Key ids the sandbox holds a private key for (PUB_KEY_ID_… and every certificate serial). */
  holds(serial: string): boolean;
  /** The private key of a held key id (sensitive-field decryption). */
  privateKey(serial: string): KeyObject | undefined;
  publicKeyId: string | undefined;
  /** Rotation: make another held certificate the one that signs (certificate / migrating mode). */
  activate(serial: string): PlatformCertificate;
  /** Adds a certificate (issued, listed, not signing until activated). */
  addCertificate(c: PlatformCertificateInput): PlatformCertificate;
  /** Withdraws a certificate that is not the active one. */
  removeCertificate(serial: string): void;
}

/** Loads one platform certificate and checks its private key matches. */
export function loadPlatformCertificate(c: PlatformCertificateInput): HeldCertificate {
  let x: X509Certificate;
  let key: KeyObject;
  try {
    x = new X509Certificate(c.certPem);
    key = createPrivateKey(c.privatePem);
  } catch {
    throw new ConfigError('platform certificate or its private key could not be loaded');
  }
  if (!x.publicKey.equals(createPublicKey(key))) {
    throw new ConfigError('platform certificate does not match the platform certificate private key');
  }
  return {
    serial: (c.serial ?? x.serialNumber).toUpperCase(),
    pem: c.certPem,
    notBefore: new Date(x.validFrom),
    notAfter: new Date(x.validTo),
    key,
  };
}

const publicView = (c: HeldCertificate): PlatformCertificate => ({
  serial: c.serial,
  pem: c.pem,
  notBefore: c.notBefore,
  notAfter: c.notAfter,
});

/** The configured certificates: `certificates[]`, after the single-certificate fields (kept for old configs). */
export function platformCertificateInputs(p: PlatformConfig): PlatformCertificateInput[] {
  const out: PlatformCertificateInput[] = [];
  if (p.certPem && p.certPrivatePem) {
    out.push({
      certPem: p.certPem,
      privatePem: p.certPrivatePem,
      ...(p.certSerial ? { serial: p.certSerial } : {}),
    });
  }
  for (const c of p.certificates ?? []) out.push(c);
  return out;
}

export function createPlatformKeys(p: PlatformConfig): PlatformKeys {
  let publicKey: SigningKey | undefined;
  try {
    if (p.publicKeyId && p.publicKeyPrivatePem) {
      publicKey = { serial: p.publicKeyId, key: createPrivateKey(p.publicKeyPrivatePem) };
    }
  } catch {
    throw new ConfigError('platform key material could not be loaded');
  }
  // Insertion order = configuration order; serials are unique.
  const certs = new Map<string, HeldCertificate>();
  for (const input of platformCertificateInputs(p)) {
    const c = loadPlatformCertificate(input);
    if (certs.has(c.serial)) throw new ConfigError('two platform certificates share a serial');
    certs.set(c.serial, c);
  }
  if (p.mode === 'publicKey' && !publicKey) {
    throw new ConfigError('publicKey mode needs platform.publicKeyId and platform.publicKeyPrivatePem');
  }
  if (p.mode !== 'publicKey' && certs.size === 0) {
    throw new ConfigError(`${p.mode} mode needs a platform certificate and its private key`);
  }
  let active: HeldCertificate | undefined;
  if (p.activeCertSerial) {
    active = certs.get(p.activeCertSerial.toUpperCase());
    if (!active) throw new ConfigError('platform.activeCertSerial names no configured certificate');
  } else {
    active = certs.values().next().value;
  }
  const certKey = (): SigningKey => ({ serial: active!.serial, key: active!.key });
  const primary = (): SigningKey => (p.mode === 'publicKey' ? publicKey! : certKey());
  const usesCerts = p.mode !== 'publicKey';

  return {
    mode: p.mode,
    publicKeyId: publicKey?.serial,
    forAnswer(requestSerial) {
      if (p.mode !== 'migrating' || !requestSerial) return primary();
      if (publicKey && requestSerial === publicKey.serial) return publicKey;
      const named = certs.get(requestSerial.toUpperCase());
      return named ? { serial: named.serial, key: named.key } : certKey();
    },
    forNotification: () => (p.mode === 'migrating' && publicKey ? publicKey : primary()),
    forCertificatesAnswer: primary,
    get certificate() {
      return usesCerts && active ? publicView(active) : undefined;
    },
    certificates(nowSeconds) {
      if (!usesCerts) return [];
      return [...certs.values()].filter((c) => c.notAfter.getTime() > nowSeconds * 1000).map(publicView);
    },
    allCertificates: () => [...certs.values()].map(publicView),
    holds: (serial) => serial === publicKey?.serial || certs.has(serial.toUpperCase()),
    privateKey: (serial) =>
      serial === publicKey?.serial ? publicKey.key : certs.get(serial.toUpperCase())?.key,
    activate(serial) {
      const c = certs.get(serial.toUpperCase());
      if (!c) throw new ConfigError('no platform certificate with this serial');
      active = c;
      return publicView(c);
    },
    addCertificate(input) {
      const c = loadPlatformCertificate(input);
      if (certs.has(c.serial))
        throw new ConfigError('a platform certificate with this serial is already held');
      certs.set(c.serial, c);
      active ??= c;
      return publicView(c);
    },
    removeCertificate(serial) {
      const c = certs.get(serial.toUpperCase());
      if (!c) throw new ConfigError('no platform certificate with this serial');
      if (c === active) throw new ConfigError('the active platform certificate cannot be removed');
      certs.delete(c.serial);
    },
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
