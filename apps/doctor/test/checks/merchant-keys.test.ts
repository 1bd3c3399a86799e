import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { merchantCertificate } from '../../src/checks/merchant-certificate.ts';
import { merchantId } from '../../src/checks/merchant-id.ts';
import { merchantPrivateKey } from '../../src/checks/merchant-private-key.ts';
import { merchantSerial } from '../../src/checks/merchant-serial.ts';
import { platformCertificates } from '../../src/checks/platform-certificates.ts';
import {
  fixture,
  fixtureText,
  keysFile,
  MERCHANT_SERIAL,
  madeKeys,
  PLATFORM_SERIAL,
  PUB_KEY_ID,
  production,
  scratchFile,
  keyTable as table,
} from './support.ts';

/* The merchant's own identity and keys, over the real TEST-ONLY fixture files and keys made on the spot. */

table(
  merchantId,
  [],
  [
    {
      name: 'a merchant number',
      env: {},
      status: 'pass',
      detail: '1900000109',
      variable: 'WECHATPAY_MCH_ID',
    },
    {
      name: 'not set',
      env: {},
      drop: ['WECHATPAY_MCH_ID'],
      status: 'fail',
      detail: 'not set',
      bff: 'WECHATPAY_MCH_ID is required',
      fix: '商户号',
    },
    {
      name: 'too short',
      env: { WECHATPAY_MCH_ID: '12345' },
      status: 'fail',
      detail: 'WECHATPAY_MCH_ID: is not a merchant number (8–12 digits)',
      fix: 'copy the 商户号 exactly',
    },
    {
      name: 'from the sandbox dev-keys file',
      env: { WECHATPAY_SANDBOX_KEYS_PATH: keysFile({ mchId: '1230000109' }) },
      drop: ['WECHATPAY_MCH_ID'],
      status: 'pass',
      detail: '1230000109',
      variable: 'WECHATPAY_MCH_ID (from WECHATPAY_SANDBOX_KEYS_PATH)',
    },
  ],
);

table(
  merchantPrivateKey,
  [],
  [
    {
      name: 'the merchant key',
      env: {},
      status: 'pass',
      detail: 'RSA 2048-bit private key',
      variable: 'WECHATPAY_PRIVATE_KEY_PATH',
    },
    {
      name: 'a public key',
      env: { WECHATPAY_PRIVATE_KEY_PATH: fixture('merchant/public-key.pem') },
      status: 'fail',
      detail: 'holds a PUBLIC key, not a private key',
      bff: 'WECHATPAY_PRIVATE_KEY_PATH is not a PEM private key (expected PKCS#8 or PKCS#1)',
      fix: 'BEGIN PRIVATE KEY',
    },
    {
      name: 'the certificate',
      env: { WECHATPAY_PRIVATE_KEY_PATH: fixture('merchant/cert.pem') },
      status: 'fail',
      detail: 'holds a certificate (apiclient_cert.pem?), not a private key',
      bff: 'WECHATPAY_PRIVATE_KEY_PATH is not a PEM private key (expected PKCS#8 or PKCS#1)',
    },
    {
      name: 'no PEM at all',
      env: { WECHATPAY_PRIVATE_KEY_PATH: scratchFile('no-pem.txt', 'hello\n') },
      status: 'fail',
      detail: 'holds no PEM block, not a private key',
      bff: 'WECHATPAY_PRIVATE_KEY_PATH is not a PEM private key (expected PKCS#8 or PKCS#1)',
    },
    {
      name: 'a passphrase-protected key',
      env: { WECHATPAY_PRIVATE_KEY_PATH: madeKeys.encrypted },
      status: 'fail',
      detail: 'holds a passphrase-protected key',
      bff: 'WECHATPAY_PRIVATE_KEY_PATH is not a PEM private key (expected PKCS#8 or PKCS#1)',
      fix: 'openssl pkcs8 -topk8 -nocrypt',
    },
    {
      name: 'a 1024-bit key',
      env: { WECHATPAY_PRIVATE_KEY_PATH: madeKeys.rsa1024 },
      status: 'fail',
      detail: 'RSA 1024-bit: WeChat Pay requires 2048 bits or more',
    },
    {
      name: 'a key cut short',
      env: {
        WECHATPAY_PRIVATE_KEY_PATH: scratchFile(
          'cut.pem',
          fixtureText('merchant/private-key.pem').split('\n').slice(0, 6).join('\n') +
            '\n-----END PRIVATE KEY-----\n',
        ),
      },
      status: 'fail',
      detail: 'is not a readable RSA private key (PKCS#8 or PKCS#1 PEM)',
      bff: 'WECHATPAY_PRIVATE_KEY_PATH is not a PEM private key (expected PKCS#8 or PKCS#1)',
    },
    {
      name: 'a file that does not exist',
      env: { WECHATPAY_PRIVATE_KEY_PATH: '/nonexistent/apiclient_key.pem' },
      status: 'fail',
      detail: 'names a file that does not exist',
      bff: 'WECHATPAY_PRIVATE_KEY_PATH names a file that cannot be read',
    },
    {
      name: 'a directory',
      env: { WECHATPAY_PRIVATE_KEY_PATH: mkdtempSync(path.join(tmpdir(), 'qianyue-doctor-dir-')) },
      status: 'fail',
      detail: 'names a directory, not a file',
      bff: 'WECHATPAY_PRIVATE_KEY_PATH names a file that cannot be read',
    },
    {
      name: 'the value in the variable itself',
      env: { WECHATPAY_PRIVATE_KEY_PATH: '', WECHATPAY_PRIVATE_KEY: fixtureText('merchant/private-key.pem') },
      status: 'pass',
      detail: 'RSA 2048-bit private key',
      variable: 'WECHATPAY_PRIVATE_KEY',
    },
    {
      name: 'not set',
      env: {},
      drop: ['WECHATPAY_PRIVATE_KEY_PATH'],
      status: 'fail',
      detail: 'not set',
      bff: 'WECHATPAY_PRIVATE_KEY_PATH is required (or WECHATPAY_PRIVATE_KEY)',
      fix: 'set WECHATPAY_PRIVATE_KEY_PATH',
    },
    {
      name: 'production: a file others can read',
      env: {
        ...production,
        WECHATPAY_PRIVATE_KEY_PATH: scratchFile('loose.pem', fixtureText('merchant/private-key.pem'), 0o644),
      },
      status: 'warn',
      detail: 'RSA 2048-bit; file mode 644 lets other users read it',
      fix: 'chmod 0400',
    },
    {
      name: 'sandbox: the same file is fine',
      env: {
        WECHATPAY_PRIVATE_KEY_PATH: scratchFile('loose2.pem', fixtureText('merchant/private-key.pem'), 0o644),
      },
      status: 'pass',
      detail: 'RSA 2048-bit private key',
    },
  ],
);

table(
  merchantSerial,
  [platformCertificates],
  [
    { name: 'the merchant serial', env: {}, status: 'pass', detail: MERCHANT_SERIAL },
    {
      name: 'lower case with colons: shown as the BFF sends it',
      env: { WECHATPAY_MERCHANT_SERIAL_NO: MERCHANT_SERIAL.toLowerCase().replace(/(..)(?!$)/g, '$1:') },
      status: 'pass',
      detail: MERCHANT_SERIAL,
    },
    {
      name: 'a public key id',
      env: { WECHATPAY_MERCHANT_SERIAL_NO: PUB_KEY_ID },
      status: 'fail',
      detail: 'holds a WeChat Pay public key id (PUB_KEY_ID_…), not your merchant certificate serial',
      bff: 'WECHATPAY_MERCHANT_SERIAL_NO is not a hexadecimal serial',
      fix: 'WECHATPAY_PUBLIC_KEY_ID',
    },
    {
      name: 'not hexadecimal',
      env: { WECHATPAY_MERCHANT_SERIAL_NO: 'not-a-serial' },
      status: 'fail',
      detail: 'WECHATPAY_MERCHANT_SERIAL_NO: is not a hexadecimal serial',
    },
    {
      name: 'a platform certificate serial',
      env: {
        WECHATPAY_MERCHANT_SERIAL_NO: PLATFORM_SERIAL,
        WECHATPAY_PLATFORM_CERT_PATH: fixture('platform/cert.pem'),
      },
      status: 'fail',
      detail: 'is the serial of a WeChat Pay platform certificate, not of your merchant certificate',
      bff: 'WECHATPAY_MERCHANT_SERIAL_NO names a WeChat Pay verification key, not the merchant certificate',
      fix: '401 SIGN_ERROR',
    },
    {
      name: 'a platform certificate serial with leading zeros',
      env: {
        WECHATPAY_MERCHANT_SERIAL_NO: `00${PLATFORM_SERIAL}`,
        WECHATPAY_PLATFORM_CERT_PATH: fixture('platform/cert.pem'),
      },
      status: 'fail',
      detail: 'is the serial of a WeChat Pay platform certificate, not of your merchant certificate',
      bff: 'WECHATPAY_MERCHANT_SERIAL_NO names a WeChat Pay verification key, not the merchant certificate',
    },
    {
      name: 'a platform serial, once the certificate has expired (parsed all the same)',
      env: {
        WECHATPAY_MERCHANT_SERIAL_NO: PLATFORM_SERIAL,
        WECHATPAY_PLATFORM_CERT_PATH: fixture('platform/cert.pem'),
      },
      at: '2050-06-01T00:00:00Z',
      status: 'fail',
      detail: 'is the serial of a WeChat Pay platform certificate, not of your merchant certificate',
      bff: 'WECHATPAY_MERCHANT_SERIAL_NO names a WeChat Pay verification key, not the merchant certificate',
    },
  ],
);

const MERCHANT_CERT = { WECHATPAY_MERCHANT_CERT_PATH: fixture('merchant/cert.pem') };
table(
  merchantCertificate,
  [merchantPrivateKey],
  [
    {
      name: 'not set',
      env: {},
      drop: ['WECHATPAY_MERCHANT_CERT_PATH'],
      status: 'skip',
      detail: /^WECHATPAY_MERCHANT_CERT_PATH not set \(optional/,
    },
    {
      name: 'key, certificate and serial together',
      env: MERCHANT_CERT,
      status: 'pass',
      detail: `serial ${MERCHANT_SERIAL} matches the private key, valid until 2049-12-31`,
    },
    {
      name: 'the serial with leading zeros',
      env: { ...MERCHANT_CERT, WECHATPAY_MERCHANT_SERIAL_NO: `00${MERCHANT_SERIAL}` },
      status: 'pass',
      detail: `serial ${MERCHANT_SERIAL} matches the private key, valid until 2049-12-31`,
    },
    {
      name: 'another serial',
      env: { ...MERCHANT_CERT, WECHATPAY_MERCHANT_SERIAL_NO: PLATFORM_SERIAL },
      status: 'fail',
      detail: `WECHATPAY_MERCHANT_SERIAL_NO differs from the certificate's serial ${MERCHANT_SERIAL}`,
    },
    {
      name: 'another key',
      env: { ...MERCHANT_CERT, WECHATPAY_PRIVATE_KEY_PATH: madeKeys.otherPrivate },
      status: 'fail',
      detail: 'the private key does NOT belong to this certificate',
    },
    {
      name: 'a key that did not load',
      env: { ...MERCHANT_CERT, WECHATPAY_PRIVATE_KEY_PATH: fixture('merchant/public-key.pem') },
      status: 'fail',
      detail: 'the private key could not be loaded (see above), so it was not compared',
    },
    {
      name: 'expired',
      env: MERCHANT_CERT,
      at: '2050-01-02T00:00:00Z',
      status: 'fail',
      detail: 'the certificate expired on 2049-12-31',
    },
    {
      name: 'not a certificate',
      env: { WECHATPAY_MERCHANT_CERT_PATH: fixture('merchant/public-key.pem') },
      status: 'fail',
      detail: 'is not a readable X.509 certificate PEM',
    },
  ],
);
