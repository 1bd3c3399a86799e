import { createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildSandbox } from '../src/app.ts';
import { loadSandboxConfig, testSandboxConfig } from '../src/config.ts';
import { DEV_MERCHANT_FILE, generateDevKeys } from '../src/dev-keys.ts';
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
  });
});
