import { type AppConfig, loadConfig } from '@qianyue/bff';
import { fixturesPath, fixtureText } from '../fixtures.ts';
import { APP_ID, MCH_ID, PLAN_ID } from './upstream.ts';

interface BenchBffOptions {
  upstream: string;
  databaseUrl: string;
  logLevel?: string;
}

/** The BFF as production would run it, with the fixture keys and "WeChat Pay" at `upstream`. */
export function benchBffConfig(o: BenchBffOptions): Promise<AppConfig> {
  return loadConfig(benchBffEnv(o));
}

/** The same as environment variables, for a BFF started as its own process (`node server.js`, tsx). */
export function benchBffEnv(o: BenchBffOptions): Record<string, string> {
  return {
    WECHATPAY_MODE: 'sandbox',
    WECHATPAY_SANDBOX_URL: o.upstream,
    WECHATPAY_SANDBOX_KEYS_PATH: '',
    WECHATPAY_MCH_ID: MCH_ID,
    WECHATPAY_MERCHANT_SERIAL_NO: fixtureText('merchant/serial.txt').trim(),
    WECHATPAY_PRIVATE_KEY_PATH: fixturesPath('merchant/private-key.pem'),
    WECHATPAY_APIV3_KEY_PATH: fixturesPath('apiv3-key.txt'),
    WECHATPAY_PUBLIC_KEY_PATH: fixturesPath('platform/pubkey/public-key.pem'),
    WECHATPAY_PUBLIC_KEY_ID: fixtureText('platform/pubkey/id.txt').trim(),
    WECHATPAY_PLATFORM_CERT_PATH: fixturesPath('platform/cert.pem'),
    WECHAT_APP_ID: APP_ID,
    WECHAT_APP_SECRET: 'TESTONLYappSecret0000000000000000',
    SESSION_SECRET: 'TESTONLY-bench-session-secret-0123456789abcdefghij',
    DATABASE_URL: o.databaseUrl,
    PLANS: JSON.stringify([
      { planKey: 'edu-monthly', family: 'edu-papay', planId: PLAN_ID, name: 'Edu monthly' },
    ]),
    NOTIFY_BASE_URL: 'http://127.0.0.1:9',
    LOG_LEVEL: o.logLevel ?? 'info',
  };
}
