import { createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildSandbox } from '../src/app.ts';
import { DEFAULT_RULES } from '../src/config.ts';
import { DEV_MERCHANT_FILE, generateDevKeys } from '../src/dev-keys.ts';
import { loadSandboxConfig } from '../src/env.ts';
import { testSandboxConfig } from '../testing/index.ts';
import { FIX, fixture } from './helpers.ts';

describe('configuration', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sandbox-keys-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('testSandboxConfig uses the shared fixture keys', () => {
    const c = testSandboxConfig();
    expect(c.merchants[0]!.serialNo).toBe(fixture.merchantSerial);
    expect(c.platform.publicKeyId).toBe(fixture.publicKeyId);
    expect(c.platform.mode).toBe('publicKey');
    expect(c.notify.allowInsecureNotifyUrl).toBe(true);
  });

  it('loadSandboxConfig reads key files and settings from the environment', () => {
    const c = loadSandboxConfig({
      SANDBOX_MCH_ID: '1900000109',
      SANDBOX_MERCHANT_PUBLIC_KEY_PATH: `${FIX}/merchant/cert.pem`,
      SANDBOX_MERCHANT_SERIAL_PATH: `${FIX}/merchant/serial.txt`,
      SANDBOX_APIV3_KEY_PATH: `${FIX}/apiv3-key.txt`,
      SANDBOX_PLATFORM_MODE: 'certificate',
      SANDBOX_PLATFORM_CERT_PATH: `${FIX}/platform/cert.pem`,
      SANDBOX_PLATFORM_CERT_PRIVATE_KEY_PATH: `${FIX}/platform/private-key.pem`,
      SANDBOX_EDU_NOTIFY_URL: 'http://127.0.0.1:8700/notify',
      SANDBOX_NOTIFY_TIME_SCALE: '0.01',
      SANDBOX_QS_SERVICES: '12535,12536',
      SANDBOX_PRESIGN_TTL_SECONDS: '60',
      SANDBOX_MINIPROGRAM_APP_SECRET: 'TESTONLYappSecret0000000000000000',
    });
    expect(c.merchants[0]).toMatchObject({
      serialNo: fixture.merchantSerial,
      eduNotifyUrl: 'http://127.0.0.1:8700/notify',
      services: [12535, 12536],
    });
    expect(c.platform.mode).toBe('certificate');
    expect(c.notify.timeScale).toBe(0.01);
    expect(c.presignTtlSeconds).toBe(60);
  });

  it('refuses bad settings with messages that name the variable, never the value', () => {
    const base = {
      SANDBOX_MERCHANT_PUBLIC_KEY_PATH: `${FIX}/merchant/cert.pem`,
      SANDBOX_MERCHANT_SERIAL_PATH: `${FIX}/merchant/serial.txt`,
    };
    expect(() => loadSandboxConfig({ ...base, SANDBOX_APIV3_KEY: 'short-secret' })).toThrow(
      /SANDBOX_APIV3_KEY/,
    );
    try {
      loadSandboxConfig({ ...base, SANDBOX_APIV3_KEY: 'short-secret' });
    } catch (err) {
      expect((err as Error).message).not.toContain('short-secret');
      expect((err as { code: string }).code).toBe('SANDBOX_CONFIG_INVALID');
    }
    expect(() =>
      loadSandboxConfig({
        ...base,
        SANDBOX_APIV3_KEY_PATH: `${FIX}/apiv3-key.txt`,
        SANDBOX_PLATFORM_MODE: 'x',
      }),
    ).toThrow(/SANDBOX_PLATFORM_MODE/);
  });

  it('buildSandbox refuses a publicKey mode without the public-key pair', async () => {
    await expect(
      buildSandbox(testSandboxConfig({ platform: { publicKeyPrivatePem: undefined } })),
    ).rejects.toMatchObject({ code: 'SANDBOX_CONFIG_INVALID' });
  });

  it('generateDevKeys writes matching key pairs, private files 0600, and reuses them on the next run', () => {
    const dev = generateDevKeys(dir);
    expect(dev.file).toBe(path.join(dir, DEV_MERCHANT_FILE));
    const m = JSON.parse(readFileSync(dev.file, 'utf8'));
    expect(Object.keys(m).sort()).toEqual(
      [
        'apiV3KeyPath',
        'appId',
        'appSecret',
        'eduPlans',
        'mchId',
        'merchantPrivateKeyPath',
        'merchantSerialNo',
        'qsServices',
        'subAppId',
        'subAppSecret',
        'subMchId',
        'wechatpayPublicKeyId',
        'wechatpayPublicKeyPath',
      ].sort(),
    );
    expect(m.wechatpayPublicKeyId).toMatch(/^PUB_KEY_ID_/);
    expect(m.merchantSerialNo).toMatch(/^[0-9A-F]{40}$/);
    expect(readFileSync(m.apiV3KeyPath, 'utf8')).toHaveLength(32);
    for (const f of [
      m.merchantPrivateKeyPath,
      m.apiV3KeyPath,
      dev.file,
      path.join(dir, 'wechatpay-private-key.pem'),
    ]) {
      expect(statSync(f).mode & 0o777).toBe(0o600);
    }
    const priv = createPrivateKey(readFileSync(m.merchantPrivateKeyPath));
    const pub = createPublicKey(readFileSync(dev.env.SANDBOX_MERCHANT_PUBLIC_KEY_PATH!));
    expect(createPublicKey(priv).export({ type: 'spki', format: 'pem' })).toBe(
      pub.export({ type: 'spki', format: 'pem' }),
    );
    const again = generateDevKeys(dir);
    expect(again.merchant).toEqual(dev.merchant);
    // The env it produces is a complete sandbox configuration.
    const cfg = loadSandboxConfig(again.env);
    expect(cfg.platform.publicKeyId).toBe(m.wechatpayPublicKeyId);
    expect(cfg.miniProgram.appSecret).toBe(m.appSecret);
    expect(cfg.miniProgram.otherApps).toEqual([{ appId: m.subAppId, appSecret: m.subAppSecret }]);
  });
});

describe('the environment schema (env-schema + TypeBox)', () => {
  const keys = {
    SANDBOX_MERCHANT_PUBLIC_KEY_PATH: `${FIX}/merchant/cert.pem`,
    SANDBOX_MERCHANT_SERIAL_PATH: `${FIX}/merchant/serial.txt`,
    SANDBOX_APIV3_KEY_PATH: `${FIX}/apiv3-key.txt`,
    SANDBOX_MINIPROGRAM_APP_SECRET: 'TESTONLYappSecret0000000000000000',
  };

  it('fills the documented defaults, treats empty values as unset and never reads process.env', () => {
    process.env.SANDBOX_PRESIGN_TTL_SECONDS = '5';
    try {
      const c = loadSandboxConfig({ ...keys, SANDBOX_SEED: '', SANDBOX_NOTIFY_STABLE_IDS: '' });
      expect(c.presignTtlSeconds).toBe(7200);
      expect(c.seed).toBe(1);
      expect(c.notify.stableIds).toBe(true);
      expect(c.rules).toEqual(DEFAULT_RULES);
      expect(c.merchants[0]!.appIds).toEqual(['wxd678efh567hg6787']);
    } finally {
      delete process.env.SANDBOX_PRESIGN_TTL_SECONDS;
    }
  });

  it('reads flags in any of their spellings, lists, other mini-programs and the not-found codes', () => {
    const c = loadSandboxConfig({
      ...keys,
      SANDBOX_NOTIFY_STABLE_IDS: 'OFF',
      SANDBOX_REJECT_REPLAYED_NONCES: 'yes',
      SANDBOX_MINIPROGRAM_OTHER_APPS: 'wx8888888888888888:subSecret, wx9999999999999999:other',
      SANDBOX_PASSWORD_EXEMPT_MODES: 'normal,qs',
      SANDBOX_NOT_FOUND_CODE_EDU_NO_CONTRACT: 'CONTRACT_NOT_EXIST',
      SANDBOX_UNKNOWN_OPENIDS: 'reject',
    });
    expect(c.notify.stableIds).toBe(false);
    expect(c.rejectReplayedNonces).toBe(true);
    expect(c.miniProgram.otherApps).toEqual([
      { appId: 'wx8888888888888888', appSecret: 'subSecret' },
      { appId: 'wx9999999999999999', appSecret: 'other' },
    ]);
    expect(c.merchants[0]!.passwordExemptModes).toEqual(['normal', 'qs']);
    expect(c.rules.notFoundCodes.eduNoContract).toBe('CONTRACT_NOT_EXIST');
    expect(c.rules.unknownOpenids).toBe('reject');
  });

  it.each([
    ['SANDBOX_PORT', 'eighty'],
    ['SANDBOX_NOTIFY_STABLE_IDS', 'maybe'],
    ['SANDBOX_QS_SERVICES', '12535,abc'],
    ['SANDBOX_PASSWORD_EXEMPT_MODES', 'normal,ecommerce'],
    ['SANDBOX_MCH_ID', 'merchant-one'],
    ['SANDBOX_PLATFORM_PUBLIC_KEY_ID', 'PUB_KEY_lD_0114'],
    ['SANDBOX_UNKNOWN_OPENIDS', 'sometimes'],
    ['SANDBOX_MINIPROGRAM_OTHER_APPS', 'wx1-no-secret'],
  ])('refuses %s=%s naming the variable, not the value', (name, value) => {
    try {
      loadSandboxConfig({ ...keys, [name]: value });
      expect.fail('should throw');
    } catch (err) {
      expect((err as { code: string }).code).toBe('SANDBOX_CONFIG_INVALID');
      expect((err as Error).message).toContain(name);
      expect((err as Error).message).not.toContain(value);
    }
  });

  it('requires the mini-program AppSecret (no built-in secret in production code)', () => {
    const { SANDBOX_MINIPROGRAM_APP_SECRET: _s, ...rest } = keys;
    expect(() => loadSandboxConfig(rest)).toThrow(/SANDBOX_MINIPROGRAM_APP_SECRET/);
  });
});

describe('test data stays out of production code', () => {
  it('no file under src/ imports testing/ or carries a TEST-ONLY secret', () => {
    const srcDir = path.join(import.meta.dirname, '../src');
    const files = readdirSync(srcDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const text = readFileSync(path.join(srcDir, f), 'utf8');
      expect(text, f).not.toMatch(/from '\.\.?\/(\.\.\/)*testing/);
      expect(text, f).not.toContain('TESTONLY');
      expect(text, f).not.toContain('TEST_IDS');
    }
  });
});
