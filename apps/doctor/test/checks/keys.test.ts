import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'vitest';
import { apiV3Key } from '../../src/checks/apiv3-key.ts';
import { merchantCertificate } from '../../src/checks/merchant-certificate.ts';
import { merchantId } from '../../src/checks/merchant-id.ts';
import { merchantPrivateKey } from '../../src/checks/merchant-private-key.ts';
import { merchantSerial } from '../../src/checks/merchant-serial.ts';
import { platformCertificates } from '../../src/checks/platform-certificates.ts';
import { publicKeyId } from '../../src/checks/public-key-id.ts';
import { wechatpayPublicKey } from '../../src/checks/wechatpay-public-key.ts';
import type { Check } from '../../src/index.ts';
import {
  clockAt,
  type Expected,
  expectResult,
  fixture,
  fixtureText,
  madeKeys,
  runSome,
  scratchFile,
} from './support.ts';

/*
 * One table per key check, over the real TEST-ONLY fixture files and keys made on the spot: each row changes
 * the good environment and states the whole finding.
 */

interface Row extends Expected {
  name: string;
  env: Record<string, string>;
  drop?: string[];
  at?: string;
}

const MERCHANT_SERIAL = fixtureText('merchant/serial.txt').trim();
const PLATFORM_SERIAL = fixtureText('platform/serial.txt').trim();
const PUB_KEY_ID = fixtureText('platform/pubkey/id.txt').trim();
const APIV3 = fixtureText('apiv3-key.txt').trim();
const production = { WECHATPAY_MODE: 'production', NOTIFY_BASE_URL: 'https://pay.example.com' };
const keysFile = (data: object) =>
  scratchFile(`keys-${Math.random().toString(36).slice(2)}.json`, JSON.stringify(data));

function table(check: Check, also: Check[], rows: Row[]) {
  describe(check.id, () => {
    it.each(rows)('$name', async (row) => {
      const result = await runSome([...also, check], row.env, {
        ...(row.drop ? { drop: row.drop } : {}),
        ...(row.at ? { clock: clockAt(row.at) } : {}),
      });
      expectResult(result(check.id), row);
    });
  });
}

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
      name: 'lower case with colons',
      env: { WECHATPAY_MERCHANT_SERIAL_NO: MERCHANT_SERIAL.toLowerCase().replace(/(..)(?!$)/g, '$1:') },
      status: 'pass',
      detail: MERCHANT_SERIAL.replace(/(..)(?!$)/g, '$1:'),
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

table(
  apiV3Key,
  [],
  [
    {
      name: 'the APIv3 key',
      env: {},
      status: 'pass',
      detail: '32 bytes',
      variable: 'WECHATPAY_APIV3_KEY_PATH',
    },
    {
      name: '31 bytes',
      env: { WECHATPAY_APIV3_KEY_PATH: scratchFile('v3-31.txt', `${APIV3.slice(0, 31)}\n`) },
      status: 'fail',
      detail: 'is 31 bytes; it must be exactly 32',
      bff: 'WECHATPAY_APIV3_KEY_PATH must be exactly 32 bytes',
      fix: '32-character APIv3 key',
    },
    {
      name: 'a PEM',
      env: { WECHATPAY_APIV3_KEY_PATH: fixture('merchant/private-key.pem') },
      status: 'fail',
      detail: 'holds a PEM key or certificate, not the APIv3 key',
      bff: 'WECHATPAY_APIV3_KEY_PATH must be exactly 32 bytes',
    },
    {
      name: 'a space inside',
      env: { WECHATPAY_APIV3_KEY_PATH: '', WECHATPAY_APIV3_KEY: `${APIV3.slice(0, 15)} ${APIV3.slice(16)}` },
      status: 'fail',
      detail: 'contains characters other than printable ASCII',
      variable: 'WECHATPAY_APIV3_KEY',
    },
    {
      name: '32 bytes that are not ASCII',
      env: { WECHATPAY_APIV3_KEY_PATH: '', WECHATPAY_APIV3_KEY: 'é'.repeat(16) },
      status: 'fail',
      detail: 'contains characters other than printable ASCII',
    },
    {
      name: 'not set (and no dev-keys file)',
      env: {},
      drop: ['WECHATPAY_APIV3_KEY_PATH'],
      status: 'fail',
      detail: 'not set',
      bff: 'WECHATPAY_APIV3_KEY_PATH is required (or WECHATPAY_APIV3_KEY)',
    },
    {
      name: 'production: a file others can read',
      env: { ...production, WECHATPAY_APIV3_KEY_PATH: scratchFile('v3-loose.txt', `${APIV3}\n`, 0o640) },
      status: 'warn',
      detail: '32 bytes; file mode 640 lets other users read it',
    },
  ],
);

table(
  wechatpayPublicKey,
  [merchantPrivateKey],
  [
    { name: 'the WeChat Pay public key', env: {}, status: 'pass', detail: 'RSA 2048-bit public key' },
    {
      name: 'the merchant private key',
      env: { WECHATPAY_PUBLIC_KEY_PATH: fixture('merchant/private-key.pem') },
      status: 'fail',
      detail: 'holds YOUR merchant private key, not the WeChat Pay public key',
      fix: '微信支付公钥',
    },
    {
      name: 'some other private key',
      env: { WECHATPAY_PUBLIC_KEY_PATH: madeKeys.otherPrivate },
      status: 'fail',
      detail: 'holds a PRIVATE key; WeChat Pay never gives you its private key',
    },
    {
      name: 'a certificate',
      env: { WECHATPAY_PUBLIC_KEY_PATH: fixture('platform/cert.pem') },
      status: 'fail',
      detail: 'holds a certificate',
      fix: 'WECHATPAY_PLATFORM_CERT_PATH',
    },
    {
      name: "the merchant's own public key",
      env: { WECHATPAY_PUBLIC_KEY_PATH: fixture('merchant/public-key.pem') },
      status: 'fail',
      detail: "is your merchant's own public key, not WeChat Pay's",
    },
    {
      name: 'certificate mode instead',
      env: { WECHATPAY_PLATFORM_CERT_PATH: fixture('platform/cert.pem') },
      drop: ['WECHATPAY_PUBLIC_KEY_PATH', 'WECHATPAY_PUBLIC_KEY_ID'],
      status: 'skip',
      detail: 'not set: platform-certificate mode (WeChat Pay is moving merchants to the public key)',
    },
    {
      name: 'neither public key nor certificates',
      env: {},
      drop: ['WECHATPAY_PUBLIC_KEY_PATH', 'WECHATPAY_PUBLIC_KEY_ID'],
      status: 'fail',
      detail: 'no way to verify WeChat Pay: neither a public key nor platform certificates are configured',
      bff: 'WECHATPAY_PUBLIC_KEY_PATH no key verifies WeChat Pay',
      fix: 'WECHATPAY_PUBLIC_KEY_ID',
    },
  ],
);

table(
  publicKeyId,
  [],
  [
    { name: 'the id', env: {}, status: 'pass', detail: PUB_KEY_ID, variable: 'WECHATPAY_PUBLIC_KEY_ID' },
    {
      name: 'a typo (l for I)',
      env: { WECHATPAY_PUBLIC_KEY_ID: PUB_KEY_ID.replace('PUB_KEY_ID_', 'PUB_KEY_lD_') },
      status: 'fail',
      detail: 'does not have the form PUB_KEY_ID_ followed by digits',
      bff: 'WECHATPAY_PUBLIC_KEY_ID is not PUB_KEY_ID_ followed by its number',
      fix: '微信支付公钥',
    },
    {
      name: 'a certificate serial',
      env: { WECHATPAY_PUBLIC_KEY_ID: PLATFORM_SERIAL },
      status: 'fail',
      detail: 'looks like a certificate serial, not a public key id',
      bff: 'WECHATPAY_PUBLIC_KEY_ID is not PUB_KEY_ID_ followed by its number',
    },
    {
      name: 'lower case',
      env: { WECHATPAY_PUBLIC_KEY_ID: PUB_KEY_ID.toLowerCase() },
      status: 'fail',
      detail: 'has the wrong letter case',
      bff: 'WECHATPAY_PUBLIC_KEY_ID is not PUB_KEY_ID_ followed by its number',
    },
    {
      name: 'missing while a public key is set',
      env: {},
      drop: ['WECHATPAY_PUBLIC_KEY_ID'],
      status: 'fail',
      detail: 'not set, but a WeChat Pay public key is',
      bff: 'WECHATPAY_PUBLIC_KEY_ID is required with the public key',
    },
    {
      name: 'missing with no public key',
      env: {},
      drop: ['WECHATPAY_PUBLIC_KEY_ID', 'WECHATPAY_PUBLIC_KEY_PATH'],
      status: 'skip',
      detail: 'not set (no WeChat Pay public key configured)',
    },
    {
      name: 'set without a public key',
      env: {},
      drop: ['WECHATPAY_PUBLIC_KEY_PATH'],
      status: 'fail',
      detail: 'set, but no WeChat Pay public key is configured',
    },
  ],
);

const CERT = { WECHATPAY_PLATFORM_CERT_PATH: fixture('platform/cert.pem') };
table(
  platformCertificates,
  [],
  [
    { name: 'not set', env: {}, status: 'skip', detail: 'not set (public-key mode)' },
    { name: 'a valid certificate', env: CERT, status: 'pass', detail: PLATFORM_SERIAL },
    {
      name: 'expiring within 30 days',
      env: CERT,
      at: '2049-12-15T00:00:00Z',
      status: 'warn',
      detail: `${PLATFORM_SERIAL}; expiring within 30 days: ${PLATFORM_SERIAL}`,
    },
    {
      name: 'expired',
      env: CERT,
      at: '2050-01-02T00:00:00Z',
      status: 'fail',
      detail: `every certificate has expired (${PLATFORM_SERIAL})`,
    },
    {
      name: 'two certificates in one variable',
      env: {
        WECHATPAY_PLATFORM_CERT_PATH: '',
        WECHATPAY_PLATFORM_CERT: `${fixtureText('platform/cert.pem')}\n${fixtureText('merchant/cert.pem')}`,
      },
      status: 'pass',
      detail: `${PLATFORM_SERIAL}, ${MERCHANT_SERIAL}`,
      variable: 'WECHATPAY_PLATFORM_CERT',
    },
    {
      name: 'a private key',
      env: { WECHATPAY_PLATFORM_CERT_PATH: fixture('platform/private-key.pem') },
      status: 'fail',
      detail: 'holds a private key, not certificates',
      bff: 'WECHATPAY_PLATFORM_CERT_PATH holds no PEM certificate',
    },
    {
      name: 'no certificate',
      env: { WECHATPAY_PLATFORM_CERT_PATH: scratchFile('nocert.pem', 'nothing here\n') },
      status: 'fail',
      detail: 'holds no PEM certificate',
      bff: 'WECHATPAY_PLATFORM_CERT_PATH holds no PEM certificate',
    },
    {
      name: 'a damaged certificate',
      env: {
        WECHATPAY_PLATFORM_CERT_PATH: scratchFile(
          'damaged.pem',
          fixtureText('platform/cert.pem').replace(/^([A-Za-z0-9+/]{20})/m, 'AAAAAAAAAAAAAAAAAAAA'),
        ),
      },
      status: 'fail',
      detail: 'holds a certificate that cannot be read',
      bff: 'WECHATPAY_PLATFORM_CERT_PATH certificate is not a PEM X.509 certificate',
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
