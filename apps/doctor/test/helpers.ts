import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildSandbox } from '@qianyue/sandbox';
import {
  fixturesDir,
  type SandboxConfigOverrides,
  TEST_IDS,
  testSandboxConfig,
} from '@qianyue/sandbox/testing';
import { createDatabase, migrateToLatest } from '../src/bff.ts';

export const FIX = fixturesDir();
export const fixture = (p: string) => path.join(FIX, p);
export const fixtureText = (p: string) => readFileSync(fixture(p), 'utf8');

export const PLANS = [
  { planKey: 'edu-monthly', family: 'edu-papay', planId: TEST_IDS.planId, name: '教育续费（月付）' },
  { planKey: 'vip-autopay', family: 'password-exempt', serviceId: TEST_IDS.serviceId, name: '会员免密支付' },
];
export const SESSION_SECRET = 'TESTONLY-doctor-session-secret-0123456789abcdefghij';

const EMPTY_KEYS_FILE = path.join(mkdtempSync(path.join(tmpdir(), 'qianyue-doctor-keys-')), 'keys.json');
writeFileSync(EMPTY_KEYS_FILE, '{}\n');

export interface RunningSandbox {
  app: Awaited<ReturnType<typeof buildSandbox>>;
  url: string;
  close(): Promise<void>;
}

export async function startSandbox(overrides: SandboxConfigOverrides = {}): Promise<RunningSandbox> {
  const app = await buildSandbox(testSandboxConfig(overrides), { logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  return { app, url, close: () => app.close() };
}

/** A PGlite data directory the BFF's own migrations have been applied to (what a started BFF leaves). */
export async function migratedPglite(): Promise<{ dir: string; remove(): void }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'qianyue-doctor-db-'));
  const db = createDatabase(dir);
  await migrateToLatest(db);
  await db.destroy();
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** The environment of a correctly configured sandbox-mode BFF, with the shared fixture keys as files. */
export function goodEnv(sandboxUrl: string, databaseDir: string, extra: Record<string, string> = {}) {
  return {
    WECHATPAY_MODE: 'sandbox',
    // An empty dev-keys file: the result must not depend on a demo's .data/keys on this machine.
    WECHATPAY_SANDBOX_KEYS_PATH: EMPTY_KEYS_FILE,
    WECHATPAY_SANDBOX_URL: sandboxUrl,
    WECHATPAY_MCH_ID: '1900000109',
    WECHATPAY_MERCHANT_SERIAL_NO: fixtureText('merchant/serial.txt').trim(),
    WECHATPAY_PRIVATE_KEY_PATH: fixture('merchant/private-key.pem'),
    WECHATPAY_MERCHANT_CERT_PATH: fixture('merchant/cert.pem'),
    WECHATPAY_APIV3_KEY_PATH: fixture('apiv3-key.txt'),
    WECHATPAY_PUBLIC_KEY_PATH: fixture('platform/pubkey/public-key.pem'),
    WECHATPAY_PUBLIC_KEY_ID: fixtureText('platform/pubkey/id.txt').trim(),
    WECHATPAY_SUB_MCHID: TEST_IDS.subMchId,
    WECHATPAY_TIMEOUT_MS: '3000',
    WECHAT_APP_ID: TEST_IDS.appId,
    WECHAT_APP_SECRET: TEST_IDS.appSecret,
    WECHAT_SUB_APP_ID: TEST_IDS.subAppId,
    SESSION_SECRET,
    DATABASE_URL: databaseDir,
    PLANS: JSON.stringify(PLANS),
    NOTIFY_BASE_URL: 'https://pay.example.com/qianyue',
    ...extra,
  } as Record<string, string>;
}

/**
 * Every secret value in play: whole values and each line of every PEM body, so "no secret in the output"
 * also catches a partial key.
 */
export function secretNeedles(extra: string[] = []): string[] {
  const out = [fixtureText('apiv3-key.txt').trim(), TEST_IDS.appSecret, SESSION_SECRET, ...extra];
  for (const f of [
    'merchant/private-key.pem',
    'platform/pubkey/private-key.pem',
    'platform/private-key.pem',
  ]) {
    for (const line of fixtureText(f).split('\n')) {
      const t = line.trim();
      if (t.length >= 16 && !t.startsWith('-----')) out.push(t);
    }
  }
  return out;
}
