import { apiV3Key } from '../../src/checks/apiv3-key.ts';
import { merchantPrivateKey } from '../../src/checks/merchant-private-key.ts';
import { platformCertificates } from '../../src/checks/platform-certificates.ts';
import { publicKeyId } from '../../src/checks/public-key-id.ts';
import { wechatpayPublicKey } from '../../src/checks/wechatpay-public-key.ts';
import {
  APIV3,
  fixture,
  fixtureText,
  MERCHANT_SERIAL,
  madeKeys,
  PLATFORM_SERIAL,
  PUB_KEY_ID,
  production,
  scratchFile,
  keyTable as table,
} from './support.ts';

/* The APIv3 key and the keys that verify WeChat Pay, over the real TEST-ONLY fixture files and an injected clock. */

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
