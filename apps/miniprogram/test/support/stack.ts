import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { buildApp, loadConfig } from '@qianyue/bff';
import { buildSandbox } from '@qianyue/sandbox';
import { fixturesDir, TEST_IDS, testSandboxConfig } from '@qianyue/sandbox/testing';
import { H5_DIR } from './paths.ts';

/** The plans the test BFF offers (planKey → what the tests click). */
export const TEST_PLANS = [
  {
    planKey: 'edu-monthly',
    family: 'edu-papay',
    planId: TEST_IDS.planId,
    name: '教育续费（月付）',
    description: '每月自动续费课程，可随时解约',
    billing: { amount: 9900, currency: 'CNY', dayOfMonth: 1, description: '月度课程费', noticeLeadDays: 1 },
  },
  {
    planKey: 'vip-autopay',
    family: 'password-exempt',
    serviceId: TEST_IDS.serviceId,
    name: '会员免密支付',
    description: '会员费用免密支付，可随时解约',
    accountTemplate: '会员{member}',
  },
] as const;

/** The operations console's token in these tests (the console runs the billing cycle "as of" a date). */
export const E2E_ADMIN_TOKEN = 'TESTONLY-miniprogram-e2e-admin-token-0123456789';

/** The return page's deadline in these tests (runtime config override). */
export const CONFIRM_TIMEOUT_MS = 3000;

/** Test-only session secret for the BFF; also scanned for in the bundles (it must never be there). */
export const E2E_SESSION_SECRET = 'TESTONLY-miniprogram-e2e-session-secret-0123456789';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

const listenLoopback = (server: net.Server) =>
  new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });

const closeServer = (server: net.Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/**
 * Serves dist-h5 as static files. `/config.js` is generated: it points the one H5 build at this run's BFF and
 * sandbox ports (window.__QIANYUE_CONFIG__), so the build never bakes in test ports.
 */
export async function startStaticServer(o: { config: () => Record<string, unknown> }) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/config.js') {
      res.writeHead(200, { 'content-type': TYPES['.js']!, 'cache-control': 'no-store' });
      res.end(`window.__QIANYUE_CONFIG__ = ${JSON.stringify(o.config())};\n`);
      return;
    }
    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
    const file = path.resolve(H5_DIR, rel);
    if (!file.startsWith(H5_DIR + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  const port = await listenLoopback(server);
  return { origin: `http://127.0.0.1:${port}`, close: () => closeServer(server) };
}

/**
 * A TCP relay in front of the BFF that the test can switch off ("BFF down": connections are refused/reset,
 * live keep-alive sockets too) and on again — the same address throughout, like a real outage.
 */
export async function startSwitchableProxy(targetPort: number) {
  let up = true;
  const live = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (!up) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    live.add(client);
    live.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      live.delete(client);
      live.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
  });
  const port = await listenLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    setUp(value: boolean) {
      up = value;
      if (!value) for (const s of live) s.destroy();
    },
    close: async () => {
      for (const s of live) s.destroy();
      await closeServer(server);
    },
  };
}

type BffServer = Awaited<ReturnType<typeof buildApp>>;
type SandboxServer = Awaited<ReturnType<typeof buildSandbox>>;

export interface Stack {
  /** Where the browser opens the H5 app. */
  appUrl: string;
  sandbox: SandboxServer;
  sandboxUrl: string;
  bff: BffServer;
  bffProxy: Awaited<ReturnType<typeof startSwitchableProxy>>;
  close(): Promise<void>;
}

/**
 * The real sandbox (fixture keys) + the real BFF (PGlite in memory, sandbox mode) + the H5 build, all on
 * loopback ports chosen by the OS. The browser reaches the BFF through a switchable relay.
 */
export async function startStack(): Promise<Stack> {
  const sandboxConfig = testSandboxConfig();
  const sandbox = await buildSandbox(sandboxConfig, { logger: false });
  await sandbox.listen({ port: 0, host: '127.0.0.1' });
  const sandboxUrl = `http://127.0.0.1:${(sandbox.server.address() as net.AddressInfo).port}`;

  let bffUrlForBrowser = '';
  // A short "still confirming" deadline so the test for it does not wait the app's default 30 s.
  const site = await startStaticServer({
    config: () => ({ bffUrl: bffUrlForBrowser, sandboxUrl, pollTimeoutMs: CONFIRM_TIMEOUT_MS }),
  });

  const fx = fixturesDir();
  const fixture = (p: string) => path.join(fx, p);
  const config = await loadConfig({
    WECHATPAY_MODE: 'sandbox',
    WECHATPAY_SANDBOX_URL: sandboxUrl,
    WECHATPAY_MCH_ID: '1900000109',
    WECHATPAY_MERCHANT_SERIAL_NO: readFileSync(fixture('merchant/serial.txt'), 'utf8').trim(),
    WECHATPAY_PRIVATE_KEY_PATH: fixture('merchant/private-key.pem'),
    WECHATPAY_APIV3_KEY_PATH: fixture('apiv3-key.txt'),
    WECHATPAY_PUBLIC_KEY_PATH: fixture('platform/pubkey/public-key.pem'),
    WECHATPAY_PUBLIC_KEY_ID: readFileSync(fixture('platform/pubkey/id.txt'), 'utf8').trim(),
    WECHATPAY_PLATFORM_CERT_PATH: fixture('platform/cert.pem'),
    WECHATPAY_SUB_MCHID: TEST_IDS.subMchId,
    WECHAT_APP_ID: TEST_IDS.appId,
    WECHAT_APP_SECRET: TEST_IDS.appSecret,
    WECHAT_SUB_APP_ID: TEST_IDS.subAppId,
    SESSION_SECRET: E2E_SESSION_SECRET,
    DATABASE_URL: 'memory://',
    PLANS: JSON.stringify(TEST_PLANS),
    NOTIFY_BASE_URL: 'http://127.0.0.1:9',
    CORS_ORIGINS: site.origin,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_MAX: '10000',
    LOGIN_RATE_LIMIT_MAX: '10000',
    ADMIN_TOKEN: E2E_ADMIN_TOKEN,
  });
  const bff = await buildApp(config);
  await bff.listen({ port: 0, host: '127.0.0.1' });
  const bffPort = (bff.server.address() as net.AddressInfo).port;
  const bffUrl = `http://127.0.0.1:${bffPort}`;
  // With the BFF's port known: WeChat's notifications (edu onboarding URL, QS notify_url) go to it.
  config.notifyBaseUrl = bffUrl;
  for (const m of sandboxConfig.merchants) m.eduNotifyUrl = `${bffUrl}/v1/notify/edu-papay`;

  const bffProxy = await startSwitchableProxy(bffPort);
  bffUrlForBrowser = bffProxy.url;

  return {
    appUrl: `${site.origin}/`,
    sandbox,
    sandboxUrl,
    bff,
    bffProxy,
    async close() {
      await bffProxy.close();
      await site.close();
      await bff.close();
      await sandbox.close();
    },
  };
}
