import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { BffConfigError } from '../src/errors.ts';
import { eventually, type Harness, startHarness, testEnv } from './helpers/harness.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const ARTIFACTS = path.join(REPO, 'test-artifacts', 'console');
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const ADMIN_TOKEN = 'TESTONLY-console-admin-token-0123456789';

interface Presign {
  contractId: string;
  navigate: { extraData: Record<string, string> };
}

const API_ROUTES: Array<[string, string]> = [
  ['GET', '/admin/api/session'],
  ['GET', '/admin/api/plans'],
  ['GET', '/admin/api/contracts'],
  ['GET', '/admin/api/contracts?state=SIGNED'],
  ['POST', '/admin/api/contracts/c_anything/reconcile'],
  ['GET', '/admin/api/notifications'],
  ['GET', '/admin/api/notifications?status=rejected'],
  ['GET', '/admin/api/stats/daily'],
];

describe('operations console (real BFF + sandbox, real Chromium)', () => {
  let h: Harness;
  let browser: Browser;
  let signedId: string;
  let pendingId: string;

  beforeAll(async () => {
    // Notifications retry only after an hour here, so a dropped one leaves its contract PENDING.
    h = await startHarness({
      env: { ADMIN_TOKEN },
      sandbox: { notify: { intervalsSeconds: [3600], timeScale: 1 } },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });

    const presign = async (token: string, planKey: string) => {
      const r = await h.call<Presign>('POST', '/v1/contracts/presign', { token, body: { planKey } });
      expect(r.status).toBe(200);
      return { id: r.body.contractId, session: Object.values(r.body.navigate.extraData)[0]! };
    };
    // 1. An edu-papay contract signed through the sandbox flow: confirm → notification → SIGNED.
    const alice = await h.login();
    const a = await presign(alice.token, 'edu-monthly');
    expect((await h.control('POST', `/sessions/${a.session}/confirm`)).status).toBe(200);
    await eventually(async () =>
      (await h.app.contractsRepository.findById(a.id))?.state === 'SIGNED' ? true : undefined,
    );
    signedId = a.id;
    // 2. A password-exempt contract the user confirmed but whose notification was lost: stuck PENDING.
    const bob = await h.login();
    const b = await presign(bob.token, 'vip-autopay');
    expect((await h.control('PUT', '/faults', { notify: { dropFirstRate: 1 } })).status).toBe(200);
    expect((await h.control('POST', `/sessions/${b.session}/confirm`)).status).toBe(200);
    pendingId = b.id;
    // 3. A forged notification: well-formed, claims WeChat's key id, signature is garbage.
    const forged = await h.call('POST', '/v1/notify/edu-papay', {
      headers: {
        'content-type': 'application/json',
        'wechatpay-timestamp': String(h.clock.now()),
        'wechatpay-nonce': randomBytes(16).toString('hex'),
        'wechatpay-serial': h.config.wechatpay.preferredSerial ?? 'PUB_KEY_ID_0',
        'wechatpay-signature': randomBytes(256).toString('base64'),
      },
      raw: JSON.stringify({
        id: 'forged-1',
        create_time: new Date().toISOString(),
        event_type: 'ENTRUST.SIGNING',
        resource_type: 'encrypt-resource',
        resource: {
          algorithm: 'AEAD_AES_256_GCM',
          ciphertext: 'AAAA',
          nonce: '000000000000',
          associated_data: 'papay',
        },
      }),
    });
    expect(forged.status).toBeGreaterThanOrEqual(400);
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('refuses every /admin/api route without a token, with a wrong one, or with another scheme (401 + code)', async () => {
    for (const [method, route] of API_ROUTES) {
      const none = await h.call(method, route);
      expect(none.status, `${method} ${route}`).toBe(401);
      expect(none.body).toMatchObject({ code: 'CONSOLE_UNAUTHENTICATED' });
      expect(none.headers.get('www-authenticate')).toContain('Bearer');
      const wrong = await h.call(method, route, { headers: { authorization: `Bearer ${ADMIN_TOKEN}x` } });
      expect(wrong.status).toBe(401);
      expect(wrong.body).toMatchObject({ code: 'CONSOLE_TOKEN_INVALID' });
      const basic = await h.call(method, route, {
        headers: { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}` },
      });
      expect(basic.status).toBe(401);
      // A mini-program session token is not an admin token either.
      const user = await h.login();
      expect((await h.call(method, route, { token: user.token })).status).toBe(401);
    }
    // The page itself is a shell without data; the wrong token is never logged.
    const page = await h.call('GET', '/admin/');
    expect(page.status).toBe(200);
    expect(String(page.body)).not.toContain(signedId);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(h.logs.text()).not.toContain(ADMIN_TOKEN);
  });

  it('staff log in, filter, reconcile a stuck contract, read the inbox and the chart', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().includes('401')) problems.push(`console: ${m.text()}`);
    });
    const external: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(h.url)) external.push(r.url());
    });
    await page.goto(`${h.url}/admin/`);

    // A wrong token is refused with its code.
    await page.fill('#token', 'not-the-token-000000000000');
    await page.click('#login-button');
    await page.waitForSelector('#login-error:has-text("CONSOLE_TOKEN_INVALID")');
    expect(await page.isVisible('#app')).toBe(false);

    await page.fill('#token', ADMIN_TOKEN);
    await page.click('#login-button');
    await page.waitForSelector(`#contracts tr[data-id="${signedId}"]`);
    expect(await page.getAttribute(`#contracts tr[data-id="${signedId}"]`, 'data-state')).toBe('SIGNED');
    expect(await page.getAttribute(`#contracts tr[data-id="${pendingId}"]`, 'data-state')).toBe('PENDING');

    // Filter by state.
    await page.selectOption('#filter-state', 'SIGNED');
    await page.click('#apply-filters');
    await page.waitForSelector(`#contracts tr[data-id="${pendingId}"]`, { state: 'detached' });
    const signedStates = await page.$$eval('#contracts tr[data-id]', (rows) =>
      rows.map((r) => r.getAttribute('data-state')),
    );
    expect(signedStates.length).toBeGreaterThan(0);
    expect(new Set(signedStates)).toEqual(new Set(['SIGNED']));
    // By plan.
    await page.selectOption('#filter-state', '');
    await page.selectOption('#filter-plan', 'vip-autopay');
    await page.click('#apply-filters');
    await page.waitForSelector(`#contracts tr[data-id="${signedId}"]`, { state: 'detached' });
    expect(await page.isVisible(`#contracts tr[data-id="${pendingId}"]`)).toBe(true);
    // By date: nothing was created tomorrow.
    const tomorrow = new Date(h.clock.now() * 1000 + 86_400_000).toISOString().slice(0, 10);
    await page.selectOption('#filter-plan', '');
    await page.fill('#filter-from', tomorrow);
    await page.click('#apply-filters');
    await page.waitForSelector('#contracts td:has-text("No contracts match.")');
    await page.fill('#filter-from', '');
    await page.selectOption('#filter-state', 'PENDING');
    await page.click('#apply-filters');
    await page.waitForSelector(`#contracts tr[data-id="${pendingId}"]`);

    // Reconcile the stuck one: WeChat Pay (the sandbox) has it signed.
    await page.click(`#contracts tr[data-id="${pendingId}"] button.reconcile`);
    await page.waitForSelector('#toast:has-text("PENDING → SIGNED")');
    await page.waitForSelector(`#contracts tr[data-id="${pendingId}"]`, { state: 'detached' }); // filter is PENDING
    expect((await h.app.contractsRepository.findById(pendingId))?.state).toBe('SIGNED');
    await page.selectOption('#filter-state', '');
    await page.click('#apply-filters');
    await page.waitForSelector(`#contracts tr[data-id="${pendingId}"][data-state="SIGNED"]`);

    // Inbox: the applied notification and the forged one, with its reason.
    await page.waitForSelector('#inbox tr[data-status="applied"]');
    const rejected = page.locator('#inbox tr[data-status="rejected"] td.reason').first();
    expect(await rejected.textContent()).toContain(
      'signature does not verify: forged or altered (WECHATPAY_SIGNATURE_INVALID)',
    );
    await page.selectOption('#inbox-status', 'rejected');
    await page.waitForSelector('#inbox tr[data-status="applied"]', { state: 'detached' });
    expect(await page.locator('#inbox tr[data-status="rejected"]').count()).toBe(1);

    // Chart: today's bar counts both signings (the notification and the reconciled one).
    const today = new Date(h.clock.now() * 1000).toISOString().slice(0, 10);
    await page.waitForSelector(`#chart svg rect[data-kind="signed"][data-date="${today}"]`);
    expect(
      await page.getAttribute(`#chart svg rect[data-kind="signed"][data-date="${today}"]`, 'data-value'),
    ).toBe('2');

    await page.selectOption('#inbox-status', '');
    await page.waitForSelector('#inbox tr[data-status="applied"]');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'console.png'), fullPage: true });
    expect(problems).toEqual([]);
    expect(external).toEqual([]);
    await context.close();
  });

  it('answers the JSON API with the token', async () => {
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const stats = await h.call<{ days: Array<{ date: string; signed: number; terminated: number }> }>(
      'GET',
      '/admin/api/stats/daily?days=7',
      { headers: auth },
    );
    expect(stats.status).toBe(200);
    expect(stats.body.days).toHaveLength(7);
    const unknown = await h.call('POST', '/admin/api/contracts/c_nope/reconcile', { headers: auth });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'BFF_CONTRACT_NOT_FOUND' });
    const bad = await h.call('GET', '/admin/api/contracts?state=WHATEVER', { headers: auth });
    expect(bad.status).toBe(400);
  });
});

describe('operations console configuration', () => {
  it('does not exist without an admin token', async () => {
    const h = await startHarness();
    try {
      expect((await h.call('GET', '/admin/')).status).toBe(404);
      expect((await h.call('GET', '/admin/api/session')).status).toBe(404);
    } finally {
      await h.close();
    }
  });

  it('never invents a token in production, and refuses a short one', async () => {
    const missing = path.join(mkdtempSync(path.join(tmpdir(), 'qianyue-admin-')), 'admin-token.txt');
    const prod = testEnv('https://api.example.com', {
      WECHATPAY_MODE: 'production',
      WECHATPAY_BASE_URL: 'https://api.example.com',
      WECHAT_API_BASE_URL: 'https://api.example.com',
      NOTIFY_BASE_URL: 'https://pay.example.com',
      ADMIN_TOKEN_PATH: missing,
    });
    await expect(loadConfig(prod)).rejects.toThrow(BffConfigError);
    await expect(loadConfig(prod)).rejects.toThrow(/ADMIN_TOKEN_PATH/);
    expect(existsSync(missing)).toBe(false);
    await expect(loadConfig(testEnv('http://127.0.0.1:9', { ADMIN_TOKEN: 'short' }))).rejects.toThrow(
      /ADMIN_TOKEN: must be at least 24 characters/,
    );
  });
});
