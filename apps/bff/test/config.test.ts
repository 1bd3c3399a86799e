import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateDevKeys } from '@qianyue/sandbox';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { BffConfigError } from '../src/errors.ts';
import { fixture, fixtureText, testEnv } from './helpers/harness.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'qianyue-bff-config-'));
const base = () => testEnv('http://127.0.0.1:8701');

async function configError(env: Record<string, string | undefined>): Promise<BffConfigError> {
  try {
    await loadConfig(env);
  } catch (err) {
    if (err instanceof BffConfigError) return err;
    throw err;
  }
  throw new Error('expected a configuration error');
}

describe('loadConfig', () => {
  it('loads the fixture configuration: keys become KeyObjects, plans are typed', async () => {
    const c = await loadConfig(base());
    expect(c.mode).toBe('sandbox');
    expect(c.wechatpay.privateKey.type).toBe('private');
    expect(c.wechatpay.apiV3Key.length).toBe(32);
    expect(Object.keys(c.wechatpay.verificationKeys).sort()).toEqual(
      [fixtureText('platform/pubkey/id.txt').trim(), fixtureText('platform/serial.txt').trim()].sort(),
    );
    expect(c.wechatpay.preferredSerial).toMatch(/^PUB_KEY_ID_/);
    expect(c.plans.map((p) => p.planKey)).toEqual(['edu-monthly', 'vip-autopay']);
    expect(c.sign).toEqual({
      eduAppId: 'wx7a985467cbd06913',
      eduPath: 'pages/index/index',
      qsExtraDataKey: 'pre_entrustweb_id',
    });
    expect(c.presign.eduTtlSeconds).toBe(7200);
    expect(c.port).toBe(8700);
    expect(c.host).toBe('127.0.0.1');
  });

  it('a 31-byte APIv3 key stops start-up naming the variable, not the value', async () => {
    const key = 'TESTONLYapiv3Key0123456789abcde'; // 31 bytes
    const err = await configError({
      ...base(),
      WECHATPAY_APIV3_KEY_PATH: undefined,
      WECHATPAY_APIV3_KEY: key,
    });
    expect(err.message).toContain('WECHATPAY_APIV3_KEY');
    expect(err.message).toContain('32 bytes');
    expect(err.message).not.toContain(key);
    const dir = tmp();
    writeFileSync(path.join(dir, 'k'), key);
    const fromFile = await configError({ ...base(), WECHATPAY_APIV3_KEY_PATH: path.join(dir, 'k') });
    expect(fromFile.variable).toBe('WECHATPAY_APIV3_KEY_PATH');
  });

  it('a public key given as the private key names WECHATPAY_PRIVATE_KEY_PATH', async () => {
    const err = await configError({
      ...base(),
      WECHATPAY_PRIVATE_KEY_PATH: fixture('merchant/public-key.pem'),
    });
    expect(err.variable).toBe('WECHATPAY_PRIVATE_KEY_PATH');
    expect(err.message).not.toMatch(/BEGIN|MII/);
  });

  it('garbage as the WeChat Pay public key names its variable', async () => {
    const err = await configError({
      ...base(),
      WECHATPAY_PUBLIC_KEY_PATH: undefined,
      WECHATPAY_PUBLIC_KEY: 'not a key',
    });
    expect(err.variable).toBe('WECHATPAY_PUBLIC_KEY');
    expect(err.message).not.toContain('not a key');
  });

  it('an unreadable key file names the variable', async () => {
    const err = await configError({ ...base(), WECHATPAY_PRIVATE_KEY_PATH: '/nonexistent/key.pem' });
    expect(err.variable).toBe('WECHATPAY_PRIVATE_KEY_PATH');
  });

  it('the merchant serial must not be a WeChat Pay key id', async () => {
    const err = await configError({
      ...base(),
      WECHATPAY_MERCHANT_SERIAL_NO: fixtureText('platform/serial.txt').trim(),
    });
    expect(err.variable).toBe('WECHATPAY_MERCHANT_SERIAL_NO');
  });

  it('required variables and enum values are named', async () => {
    expect((await configError({ ...base(), WECHATPAY_MCH_ID: undefined })).variable).toBe('WECHATPAY_MCH_ID');
    expect((await configError({ ...base(), WECHATPAY_MODE: 'live' })).variable).toBe('WECHATPAY_MODE');
    expect((await configError({ ...base(), BFF_PORT: 'eighty' })).variable).toBe('BFF_PORT');
    expect((await configError({ ...base(), SESSION_SECRET: 'short' })).variable).toBe('SESSION_SECRET');
  });

  it('plans are validated and named', async () => {
    expect((await configError({ ...base(), PLANS: '{not json' })).variable).toBe('PLANS');
    const bad = await configError({
      ...base(),
      PLANS: JSON.stringify([{ planKey: 'x', family: 'edu-papay' }]),
    });
    expect(bad.variable).toBe('PLANS');
    const dup = JSON.parse(base().PLANS!);
    expect((await configError({ ...base(), PLANS: JSON.stringify([dup[0], dup[0]]) })).message).toContain(
      'unique',
    );
  });

  it('production mode: WeChat URLs default to the real hosts and the notify URL must be https', async () => {
    const env = { ...base(), WECHATPAY_MODE: 'production', WECHATPAY_SANDBOX_URL: undefined };
    expect((await configError({ ...env, NOTIFY_BASE_URL: 'http://merchant.example.com' })).variable).toBe(
      'NOTIFY_BASE_URL',
    );
    expect((await configError({ ...env, NOTIFY_BASE_URL: 'https://m.example.com/?a=1' })).variable).toBe(
      'NOTIFY_BASE_URL',
    );
    const c = await loadConfig({ ...env, NOTIFY_BASE_URL: 'https://merchant.example.com' });
    expect(c.wechatpay.baseUrl).toBe('https://api.mch.weixin.qq.com');
    expect(c.wechat.apiBaseUrl).toBe('https://api.weixin.qq.com');
    expect(
      (await configError({ ...env, NOTIFY_BASE_URL: 'https://m.example.com', SESSION_SECRET: undefined }))
        .variable,
    ).toBe('SESSION_SECRET');
  });

  it('sandbox mode reads the sandbox dev-keys file (sandbox-merchant.json)', async () => {
    const keys = generateDevKeys(tmp());
    const c = await loadConfig({
      WECHATPAY_MODE: 'sandbox',
      WECHATPAY_SANDBOX_KEYS_PATH: keys.file,
      DATABASE_URL: 'memory://',
    });
    expect(c.wechatpay.mchId).toBe(keys.merchant.mchId);
    expect(c.wechatpay.merchantSerialNo).toBe(keys.merchant.merchantSerialNo);
    expect(c.wechatpay.preferredSerial).toBe(keys.merchant.wechatpayPublicKeyId);
    expect(c.wechat.appId).toBe(keys.merchant.appId);
    expect(c.wechatpay.baseUrl).toBe('http://127.0.0.1:8701');
    expect(c.plans.map((p) => p.family)).toEqual(['edu-papay', 'password-exempt']);
  });

  it('UNCONFIRMED protocol details are configurable', async () => {
    const c = await loadConfig({
      ...base(),
      QS_EXTRA_DATA_KEY: 'preEntrustwebId',
      EDU_PRESIGN_TTL_SECONDS: '3600',
      NOTIFY_EVENT_TYPES: JSON.stringify({ 'PAPAY.SIGN': { family: 'password-exempt', kind: 'signed' } }),
    });
    expect(c.sign.qsExtraDataKey).toBe('preEntrustwebId');
    expect(c.presign.eduTtlSeconds).toBe(3600);
    expect(c.eventTypes['PAPAY.SIGN']).toEqual({ family: 'password-exempt', kind: 'signed' });
  });
});
