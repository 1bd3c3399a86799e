import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EXAMPLE_IDS } from './defaults.ts';
import { alnum } from './platform-keys.ts';

/** What the BFF demo reads (the merchant side of the generated keys). */
export interface DevMerchantFile {
  mchId: string;
  merchantSerialNo: string;
  merchantPrivateKeyPath: string;
  apiV3KeyPath: string;
  wechatpayPublicKeyId: string;
  wechatpayPublicKeyPath: string;
  appId: string;
  appSecret: string;
  eduPlans: string[];
  qsServices: number[];
  subMchId: string;
  subAppId: string;
  /** AppSecret of the sub-merchant's own mini-program (sub_appid), also served by jscode2session. Files
   *  written before it existed lack it; one is generated on the next start. */
  subAppSecret?: string;
}

export const DEV_MERCHANT_FILE = 'sandbox-merchant.json';

export interface DevKeys {
  /** Path of the JSON file for the BFF. */
  file: string;
  merchant: DevMerchantFile;
  /** Environment entries that point loadSandboxConfig at the generated files. */
  env: Record<string, string>;
}

function writeSecret(file: string, content: string): void {
  writeFileSync(file, content, { mode: 0o600 });
  chmodSync(file, 0o600); // an existing file keeps its old mode on write
}

/**
 * Throwaway keys for the demo: a merchant RSA pair (+ serial), the simulated WeChat Pay public-key pair
 * (+ PUB_KEY_ID_…) and a 32-byte APIv3 key, written once into `dir` and reused on later runs. Private keys
 * and secrets are written 0600 and never printed. Certificate mode needs real files (see README).
 */
export function generateDevKeys(dir: string): DevKeys {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const p = (name: string) => path.join(dir, name);
  const file = p(DEV_MERCHANT_FILE);
  if (!existsSync(file)) {
    const pair = () =>
      generateKeyPairSync('rsa', {
        modulusLength: 2048,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      });
    const merchant = pair();
    const platform = pair();
    writeSecret(p('merchant-private-key.pem'), merchant.privateKey);
    writeFileSync(p('merchant-public-key.pem'), merchant.publicKey);
    writeFileSync(p('merchant-serial.txt'), `7E57${randomBytes(18).toString('hex').toUpperCase()}`);
    writeSecret(p('wechatpay-private-key.pem'), platform.privateKey);
    writeFileSync(p('wechatpay-public-key.pem'), platform.publicKey);
    writeFileSync(p('wechatpay-public-key-id.txt'), `PUB_KEY_ID_0114${String(Date.now()).padStart(24, '0')}`);
    writeSecret(p('apiv3-key.txt'), alnum(32));
    const content: DevMerchantFile = {
      mchId: '1900000109',
      merchantSerialNo: readFileSync(p('merchant-serial.txt'), 'utf8'),
      merchantPrivateKeyPath: p('merchant-private-key.pem'),
      apiV3KeyPath: p('apiv3-key.txt'),
      wechatpayPublicKeyId: readFileSync(p('wechatpay-public-key-id.txt'), 'utf8'),
      wechatpayPublicKeyPath: p('wechatpay-public-key.pem'),
      appId: EXAMPLE_IDS.appId,
      appSecret: alnum(32),
      eduPlans: [EXAMPLE_IDS.planId],
      qsServices: [EXAMPLE_IDS.serviceId],
      subMchId: EXAMPLE_IDS.subMchId,
      subAppId: EXAMPLE_IDS.subAppId,
      subAppSecret: alnum(32),
    };
    // It names the app secret, so it is private too.
    writeSecret(file, `${JSON.stringify(content, null, 2)}\n`);
  }
  const merchant = JSON.parse(readFileSync(file, 'utf8')) as DevMerchantFile;
  if (merchant.subAppSecret === undefined) {
    merchant.subAppSecret = alnum(32);
    writeSecret(file, `${JSON.stringify(merchant, null, 2)}\n`);
  }
  return {
    file,
    merchant,
    env: {
      SANDBOX_MCH_ID: merchant.mchId,
      SANDBOX_MERCHANT_PUBLIC_KEY_PATH: p('merchant-public-key.pem'),
      SANDBOX_MERCHANT_SERIAL: merchant.merchantSerialNo,
      SANDBOX_APIV3_KEY_PATH: merchant.apiV3KeyPath,
      SANDBOX_PLATFORM_MODE: 'publicKey',
      SANDBOX_PLATFORM_PUBLIC_KEY_ID: merchant.wechatpayPublicKeyId,
      SANDBOX_PLATFORM_PUBLIC_KEY_PRIVATE_KEY_PATH: p('wechatpay-private-key.pem'),
      SANDBOX_MINIPROGRAM_APP_ID: merchant.appId,
      SANDBOX_MINIPROGRAM_APP_SECRET: merchant.appSecret,
      SANDBOX_MINIPROGRAM_OTHER_APPS: `${merchant.subAppId}:${merchant.subAppSecret}`,
      SANDBOX_SUB_APP_IDS: merchant.subAppId,
      SANDBOX_EDU_PLANS: merchant.eduPlans.join(','),
      SANDBOX_QS_SERVICES: merchant.qsServices.join(','),
      SANDBOX_SUB_MCH_IDS: merchant.subMchId,
      // The BFF demo's edu notification route (packages/api routes.notifyEduPapay on BFF_PORT 8700).
      SANDBOX_EDU_NOTIFY_URL: 'http://127.0.0.1:8700/v1/notify/edu-papay',
    },
  };
}
