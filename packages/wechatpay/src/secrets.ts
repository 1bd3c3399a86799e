import { createPrivateKey, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { ConfigError } from './errors.ts';

/*
 * Keys become KeyObjects once, at load time, so PEM text is never parsed per request and never
 * travels further than this file. Every failure is a ConfigError naming the SETTING (`name`),
 * never echoing the value or OpenSSL's message (which can quote key material).
 */

function assertRsa(key: KeyObject, name: string): KeyObject {
  if (key.asymmetricKeyType !== 'rsa') throw new ConfigError(`${name} is not an RSA key`);
  return key;
}

/** PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`) PEM, RSA only. */
export function loadPrivateKey(pem: string | Buffer, name = 'private key'): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new ConfigError(`${name} is not a PEM private key (expected PKCS#8 or PKCS#1)`);
  }
  return assertRsa(key, name);
}

function isCertificatePem(pem: string | Buffer): boolean {
  return (typeof pem === 'string' ? pem : pem.toString('latin1')).includes('-----BEGIN CERTIFICATE-----');
}

/** SPKI (`BEGIN PUBLIC KEY`), PKCS#1 public (`BEGIN RSA PUBLIC KEY`) or an X.509 certificate, RSA only. */
export function loadPublicKey(pemOrCert: string | Buffer, name = 'public key'): KeyObject {
  let key: KeyObject;
  try {
    key = isCertificatePem(pemOrCert)
      ? new X509Certificate(pemOrCert).publicKey
      : createPublicKey({ key: pemOrCert, format: 'pem' });
  } catch {
    throw new ConfigError(`${name} is not a PEM public key or certificate`);
  }
  return assertRsa(key, name);
}

/**
 * The APIv3 key is 32 ASCII characters used verbatim as the AES-256 key. Surrounding whitespace
 * (a trailing newline from a file or env var) is dropped; anything else of the wrong length is refused.
 */
export function loadApiV3Key(key: string | Buffer, name = 'APIv3 key'): Buffer {
  const text = typeof key === 'string' ? key : key.toString('latin1');
  const bytes = Buffer.from(text.trim(), 'utf8');
  if (bytes.length !== 32) throw new ConfigError(`${name} must be exactly 32 bytes`);
  return bytes;
}

export interface CertificateInfo {
  serialNo: string;
  publicKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  pem: string;
}

/**
 * THE serial rule, used wherever a serial is stored, compared or sent: separators (`:`, spaces) dropped,
 * hex upper-cased, whole bytes kept — a leading zero NIBBLE stays (`0A1B…`), leading `00` bytes go.
 *
 * Why keep the leading zero: WeChat compares `Wechatpay-Serial` / `serial_no` as the text it prints (OpenSSL's
 * `serial=` form, byte-padded). wechatpay-go once derived serials through big.Int, which drops a leading
 * zero, and had to fix exactly that (wechatpay-go PR #46, "修复获取证书序列号时会丢弃其头部0的问题").
 * So stripping zeros (what Java's BigInteger.toString(16) does) produces a serial WeChat does not know;
 * an odd-length input is such a stripped value and gets its zero nibble back.
 * PUB_KEY_ID_… ids and anything else that is not hex are case-sensitive names: only trimmed.
 */
export function normalizeSerial(serial: string): string {
  const trimmed = serial.trim();
  const hex = trimmed.replace(/[:\s]/g, '');
  if (!/^[0-9A-Fa-f]+$/.test(hex)) return trimmed;
  const upper = hex.toUpperCase().replace(/^(?:00)+(?=[0-9A-F]{2})/, '');
  return upper.length % 2 === 1 ? `0${upper}` : upper;
}

/** A merchant number (商户号): digits only, 8–12 of them (real ones are 10, e.g. 1900000109; string(32) on the wire). */
export function isMchId(value: string): boolean {
  return /^[0-9]{8,12}$/.test(value);
}

/** Every PEM certificate block in `pem`, in order (a platform-certificate file may hold several). */
export function splitCertificates(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

export function certificateInfo(certPem: string | Buffer): CertificateInfo {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    throw new ConfigError('certificate is not a PEM X.509 certificate');
  }
  const publicKey = assertRsa(cert.publicKey, 'certificate');
  return {
    serialNo: normalizeSerial(cert.serialNumber),
    publicKey,
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    pem: typeof certPem === 'string' ? certPem : certPem.toString('utf8'),
  };
}

/**
 * A WeChat Pay public key id (public-key mode): `PUB_KEY_ID_` followed by digits, as shown in 商户平台
 * (e.g. PUB_KEY_ID_0114232134912410000000000000). Anything else is not one (a certificate serial, or a typo).
 */
export function isPublicKeyId(serial: string): boolean {
  return /^PUB_KEY_ID_[0-9]+$/.test(serial);
}
