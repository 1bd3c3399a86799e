import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { buildSandbox, type SandboxConfig } from '@qianyue/sandbox';
import {
  fixturesDir,
  type SandboxConfigOverrides,
  TEST_IDS,
  testSandboxConfig,
} from '@qianyue/sandbox/testing';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { buildApp } from '../../src/app.ts';
import { type AppConfig, loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/database.ts';

export const FIXTURES = fixturesDir();
export const fixture = (p: string) => path.join(FIXTURES, p);
export const fixtureText = (p: string) => readFileSync(fixture(p), 'utf8');

/** A clock both the sandbox and the BFF read, so tests move time for the whole world at once. */
export interface TestClock {
  now(): number;
  set(seconds: number): void;
  advance(seconds: number): void;
}
export function createTestClock(start = Math.floor(Date.now() / 1000)): TestClock {
  let t = start;
  return { now: () => t, set: (s) => (t = s), advance: (s) => (t += s) };
}

/** Collects every log line the BFF writes (for "no secret in the logs" assertions). */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void) {
    this.lines.push(chunk.toString('utf8'));
    cb();
  }
  text() {
    return this.lines.join('');
  }
}

export const PLANS = [
  {
    planKey: 'edu-monthly',
    family: 'edu-papay',
    // The notification vectors in fixtures/ are service-provider payloads (sub_mchid 1900000209).
    mode: 'service-provider',
    planId: TEST_IDS.planId,
    name: '教育续费（月付）',
    description: 'Monthly tuition renewal',
  },
  {
    planKey: 'vip-autopay',
    family: 'password-exempt',
    mode: 'qs',
    serviceId: TEST_IDS.serviceId,
    name: '会员免密支付',
    description: 'Password-exempt membership',
    accountTemplate: '会员{member}',
  },
];

export const SESSION_SECRET = 'TESTONLY-session-secret-0123456789abcdefghijklmnop';

/** The environment a test BFF starts from: fixture keys as files, everything pointed at `sandboxUrl`. */
export function testEnv(sandboxUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    WECHATPAY_MODE: 'sandbox',
    WECHATPAY_SANDBOX_URL: sandboxUrl,
    // Never pick up a developer's generated dev keys from <repo>/.data/keys.
    WECHATPAY_SANDBOX_KEYS_PATH: '',
    WECHATPAY_MCH_ID: '1900000109',
    WECHATPAY_MERCHANT_SERIAL_NO: fixtureText('merchant/serial.txt').trim(),
    WECHATPAY_PRIVATE_KEY_PATH: fixture('merchant/private-key.pem'),
    WECHATPAY_APIV3_KEY_PATH: fixture('apiv3-key.txt'),
    WECHATPAY_PUBLIC_KEY_PATH: fixture('platform/pubkey/public-key.pem'),
    WECHATPAY_PUBLIC_KEY_ID: fixtureText('platform/pubkey/id.txt').trim(),
    WECHATPAY_PLATFORM_CERT_PATH: fixture('platform/cert.pem'),
    WECHATPAY_SUB_MCHID: TEST_IDS.subMchId,
    WECHATPAY_TIMEOUT_MS: '1500',
    WECHAT_APP_ID: TEST_IDS.appId,
    WECHAT_APP_SECRET: TEST_IDS.appSecret,
    WECHAT_SUB_APP_ID: TEST_IDS.subAppId,
    // The sub-merchant's own mini-program logs users in too (plans that sign under sub_appid).
    WECHAT_MINI_PROGRAMS: JSON.stringify({ [TEST_IDS.subAppId]: TEST_IDS.subAppSecret }),
    SESSION_SECRET,
    DATABASE_URL: 'memory://',
    PLANS: JSON.stringify(PLANS),
    NOTIFY_BASE_URL: 'http://127.0.0.1:9',
    LOG_LEVEL: 'info',
    RATE_LIMIT_MAX: '1000',
    LOGIN_RATE_LIMIT_MAX: '1000',
    // Background reconciler off in tests unless a test turns it on (or calls app.background.reconciler).
    RECONCILE_INTERVAL_SECONDS: '0',
    // Tests drive a fake clock: the per-contract poll throttle is off unless a test turns it on.
    RECONCILE_USER_MIN_INTERVAL_SECONDS: '0',
    ...extra,
  };
}

export interface Harness {
  clock: TestClock;
  sandbox: FastifyInstance;
  sandboxUrl: string;
  /** The sandbox's live configuration (tests may repoint notify URLs). */
  sandboxConfig: SandboxConfig;
  app: FastifyInstance;
  url: string;
  config: AppConfig;
  logs: LogCapture;
  /** JSON request to the BFF. */
  call<T = Record<string, unknown>>(
    method: string,
    path: string,
    o?: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: string },
  ): Promise<{ status: number; body: T; headers: Headers }>;
  /** JSON request to the sandbox control API. */
  control<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }>;
  /**
   * Logs a user in through the sandbox, in mini-program `appId` (default WECHAT_APP_ID); returns the token and
   * the openid WeChat gives that user under that AppID.
   */
  login(openid?: string, o?: { appId?: string; user?: string }): Promise<{ token: string; openid: string }>;
  close(): Promise<void>;
}

export async function startHarness(
  o: {
    sandbox?: SandboxConfigOverrides;
    env?: Record<string, string>;
    clock?: TestClock;
    db?: Kysely<Database>;
    databaseUrl?: string;
    logs?: LogCapture;
    /** Captures the sandbox's request log (one "incoming request" line per call it received). */
    sandboxLogs?: LogCapture;
  } = {},
): Promise<Harness> {
  const clock = o.clock ?? createTestClock();
  const sandboxConfig = testSandboxConfig(o.sandbox);
  const sandbox = await buildSandbox(sandboxConfig, {
    clock,
    ...(o.sandboxLogs ? { logStream: o.sandboxLogs } : { logger: false }),
  });
  await sandbox.listen({ port: 0, host: '127.0.0.1' });
  const sandboxUrl = `http://127.0.0.1:${(sandbox.server.address() as { port: number }).port}`;
  const logs = o.logs ?? new LogCapture();
  const config = await loadConfig(
    testEnv(sandboxUrl, { ...(o.databaseUrl ? { DATABASE_URL: o.databaseUrl } : {}), ...o.env }),
  );
  let app: FastifyInstance;
  try {
    app = await buildApp(config, { clock, logStream: logs, ...(o.db ? { db: o.db } : {}) });
  } catch (err) {
    await sandbox.close();
    throw err;
  }
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  // Now that the BFF has a port: WeChat's "onboarding" edu notify URL and our QS notify_url point at it.
  config.notifyBaseUrl = url;
  for (const m of sandboxConfig.merchants) m.eduNotifyUrl = `${url}/v1/notify/edu-papay`;

  const h: Harness = {
    clock,
    sandbox,
    sandboxUrl,
    sandboxConfig,
    app,
    url,
    config,
    logs,
    async call(method, p, c = {}) {
      const headers: Record<string, string> = { ...(c.headers ?? {}) };
      if (c.token) headers.authorization = `Bearer ${c.token}`;
      let body: string | undefined = c.raw;
      if (c.body !== undefined) {
        body = JSON.stringify(c.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(`${url}${p}`, { method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {}
      return { status: res.status, body: parsed as never, headers: res.headers };
    },
    async control(method, p, body) {
      const res = await fetch(`${sandboxUrl}/__sandbox${p}`, {
        method,
        ...(body !== undefined
          ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
          : {}),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : undefined) as never };
    },
    async login(openid, o = {}) {
      const minted = await h.control<{ code: string; openid: string }>('POST', '/login-code', {
        ...(openid ? { openid } : {}),
        ...(o.user ? { user: o.user } : {}),
        ...(o.appId ? { appId: o.appId } : {}),
      });
      const res = await h.call<{ token: string }>('POST', '/v1/auth/login', {
        body: { code: minted.body.code, ...(o.appId ? { appId: o.appId } : {}) },
      });
      if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
      return { token: res.body.token, openid: minted.body.openid };
    },
    async close() {
      await app.close();
      await sandbox.close();
    },
  };
  return h;
}

/** Polls (bounded by count, not by time) until `check` returns a value. */
export async function eventually<T>(check: () => Promise<T | undefined>, tries = 200): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('condition not reached');
}

/** How many requests the sandbox received for `method path` (from a `sandboxLogs` capture). */
export function sandboxRequests(logs: LogCapture, method: string, pathPrefix: string): number {
  let n = 0;
  for (const line of logs.text().split('\n')) {
    if (!line.includes('"incoming request"')) continue;
    try {
      const req = (JSON.parse(line) as { req?: { method?: string; url?: string } }).req;
      if (req?.method === method && req.url?.startsWith(pathPrefix)) n++;
    } catch {}
  }
  return n;
}
