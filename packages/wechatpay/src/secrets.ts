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

/** Upper-case hex without separators: the form WeChat puts in Wechatpay-Serial and serial_no. */
export function normalizeSerial(serial: string): string {
  return serial.replace(/:/g, '').toUpperCase();
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

/** WeChat Pay public keys (public-key mode) are named PUB_KEY_ID_…; anything else is a certificate serial. */
export function isPublicKeyId(serial: string): boolean {
  return serial.startsWith('PUB_KEY_ID_');
}
