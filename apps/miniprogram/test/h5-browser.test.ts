import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openPhone, screenshot, textOf } from './support/browser.ts';
import { E2E_ADMIN_TOKEN, type Stack, startStack } from './support/stack.ts';

/**
 * The H5 build in real Chromium against the real BFF (PGlite) and the real sandbox. Every test uses a fresh
 * browser context, so localStorage is empty and the sandbox mints a fresh user (openid) at login.
 * Waits are generous ceilings for a busy CI box, never timing assertions.
 */
const WAIT = { timeout: 30_000 };

describe('H5 demo in Chromium: login → plans → sign in the sandbox page → back', () => {
  let stack: Stack;
  let browser: Browser;

  beforeAll(async () => {
    stack = await startStack();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  /** Visible elements only: Taro H5 keeps earlier pages of the stack in the DOM, hidden. */
  const el = (page: Page, id: string) => page.locator(`#${id}:visible`).first();

  async function openPlans(page: Page) {
    await page.goto(stack.appUrl);
    await el(page, 'plans').waitFor(WAIT);
  }

  /** Taps sign on the plans page, acts in the sandbox's signing page, and waits for the result page. */
  async function signIn(page: Page, planKey: string, action: 'confirm' | 'cancel') {
    await el(page, `sign-${planKey}`).click();
    await page.waitForURL((u) => u.href.startsWith(`${stack.sandboxUrl}/sign?`), WAIT);
    await page.locator(`#${action}`).click();
    await page.waitForURL(
      (u) => u.href.startsWith(stack.appUrl) && u.hash.includes('/pages/result/index'),
      WAIT,
    );
    await el(page, 'result-state').waitFor(WAIT);
    const contractId = new URLSearchParams(new URL(page.url()).hash.split('?')[1] ?? '').get('contractId');
    expect(contractId).toBeTruthy();
    return contractId!;
  }

  it('signs an edu-papay plan end to end and shows "signed" on the result and plans pages', async () => {
    const { page, context, problems } = await openPhone(browser);
    try {
      await openPlans(page);
      expect(await textOf(page, '#plan-state-edu-monthly')).toBe('未签约');
      // The billing terms, before the user signs (billing issue: "每月 1 日自动扣费 ¥99.00").
      expect(await textOf(page, '#plan-terms-edu-monthly')).toBe(
        '每月 1 日自动扣费 ¥99.00（扣费前 1 天微信支付会通知您）',
      );
      expect(await page.locator('#plan-terms-vip-autopay').count()).toBe(0);
      const contractId = await signIn(page, 'edu-monthly', 'confirm');
      expect(await textOf(page, '#result-state:visible')).toBe('已签约');
      await screenshot(page, 'edu-papay-signed-result');

      // The sandbox (WeChat) holds the signed contract; the plans page now says so too.
      const res = await fetch(`${stack.sandboxUrl}/__sandbox/contracts`);
      expect(res.ok).toBe(true);
      await el(page, 'back-plans').click();
      await page.locator('#plan-state-edu-monthly:visible:text("已签约")').waitFor(WAIT);
      expect(await el(page, 'sign-edu-monthly').count()).toBe(0);
      await screenshot(page, 'edu-papay-signed-plans');
      expect(contractId).toMatch(/^[0-9A-Za-z_-]+$/);
      expect(problems.filter((p) => p.startsWith('pageerror'))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('after the console runs the billing cycle as of the debit day, the contract page shows the paid period', async () => {
    const { page, context, problems } = await openPhone(browser);
    try {
      await openPlans(page);
      const contractId = await signIn(page, 'edu-monthly', 'confirm');
      // Staff, in the console's JSON API (sandbox mode): the first period, then "run as of" its debit day.
      const admin = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
        const res = await fetch(`${stack.bff.listeningOrigin}/admin/api${route}`, {
          method,
          headers: {
            authorization: `Bearer ${E2E_ADMIN_TOKEN}`,
            ...(body ? { 'content-type': 'application/json' } : {}),
          },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
        expect(res.status, route).toBe(200);
        return (await res.json()) as T;
      };
      const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
      await admin('POST', '/billing/run-as-of', { day: today, confirm: true });
      type Listed = {
        charges: Array<{ contractId: string; dueDate: string; period: string; state: string }>;
      };
      const first = (await admin<Listed>('GET', '/charges')).charges.find(
        (c) => c.contractId === contractId,
      )!;
      expect(first.state).toBe('SCHEDULED');
      await admin('POST', '/billing/run-as-of', { day: first.dueDate, confirm: true });
      await expect
        .poll(
          async () => (await admin<Listed>('GET', '/charges?state=PAID')).charges.map((c) => c.period),
          WAIT,
        )
        .toContain(first.period);

      // The user opens the contract page (a month later, the session renews itself silently).
      await el(page, 'back-plans').click();
      await el(page, 'to-contracts').click();
      const line = page.locator(`#charge-${contractId}-${first.period}:visible`);
      await line.waitFor(WAIT);
      expect(await line.textContent()).toBe(`${first.dueDate} ¥99.00 已扣费`);
      await page.locator(`#next-charge-${contractId}:visible`).waitFor(WAIT);
      expect(await textOf(page, `#next-charge-${contractId}:visible`)).toMatch(
        /^下次扣费：\d{4}-\d{2}-01 ¥99\.00$/,
      );
      await screenshot(page, 'edu-papay-paid-period');
      expect(problems.filter((p) => p.startsWith('pageerror'))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('signs a password-exempt plan end to end', async () => {
    const { page, context, problems } = await openPhone(browser);
    try {
      await openPlans(page);
      expect(await textOf(page, '#plan-state-vip-autopay')).toBe('未签约');
      await signIn(page, 'vip-autopay', 'confirm');
      expect(await textOf(page, '#result-state:visible')).toBe('已签约');
      await screenshot(page, 'password-exempt-signed-result');
      await el(page, 'back-plans').click();
      await page.locator('#plan-state-vip-autopay:visible:text("已签约")').waitFor(WAIT);
      expect(problems.filter((p) => p.startsWith('pageerror'))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('cancelling in the signing page ends in "not signed", and the plan can be signed again', async () => {
    const { page, context, problems } = await openPhone(browser);
    try {
      await openPlans(page);
      await signIn(page, 'edu-monthly', 'cancel');
      expect(await textOf(page, '#result-state:visible')).toBe('未签约');
      expect(await el(page, 'refresh').count()).toBe(0);
      await screenshot(page, 'edu-papay-cancelled-result');
      await el(page, 'back-plans').click();
      await el(page, 'sign-edu-monthly').waitFor(WAIT);
      expect(problems.filter((p) => p.startsWith('pageerror'))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('says "still confirming" with a refresh when the user comes back without a result, then refreshes to "signed"', async () => {
    const { page, context, problems } = await openPhone(browser);
    try {
      await openPlans(page);
      await el(page, 'sign-edu-monthly').click();
      await page.waitForURL((u) => u.href.startsWith(`${stack.sandboxUrl}/sign?`), WAIT);
      const signUrl = new URL(page.url());
      const token = signUrl.searchParams.get('presign_token');
      const returnUrl = signUrl.searchParams.get('return_url');
      expect(token).toBeTruthy();
      expect(returnUrl).toMatch(/#\/pages\/result\/index\?contractId=/);

      // Back to the app without finishing (like WeChat's top-left back: no extraData, no sign_result).
      await page.goto(returnUrl!);
      await el(page, 'poll-progress').waitFor(WAIT);
      await page.locator('#result-state:visible:text("确认中")').waitFor(WAIT);
      await el(page, 'refresh').waitFor(WAIT);
      await screenshot(page, 'still-confirming-result');

      // The user finishes signing after all (WeChat's side), then taps refresh.
      const confirm = await fetch(
        `${stack.sandboxUrl}/__sandbox/sessions/${encodeURIComponent(token!)}/confirm`,
        {
          method: 'POST',
        },
      );
      expect(confirm.ok).toBe(true);
      await el(page, 'refresh').click();
      await page.locator('#result-state:visible:text("已签约")').waitFor(WAIT);
      expect(await el(page, 'refresh').count()).toBe(0);
      expect(problems.filter((p) => p.startsWith('pageerror'))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('terminates a signed contract behind a confirmation dialog and shows "terminated"', async () => {
    const { page, context, problems } = await openPhone(browser);
    try {
      await openPlans(page);
      const contractId = await signIn(page, 'edu-monthly', 'confirm');
      expect(await textOf(page, '#result-state:visible')).toBe('已签约');
      await el(page, 'to-contracts').click();
      await el(page, `contract-state-${contractId}`).waitFor(WAIT);
      expect(await textOf(page, `#contract-state-${contractId}:visible`)).toBe('已签约');

      // First tap, then "再想想" (cancel) in the dialog: nothing changes.
      await el(page, `terminate-${contractId}`).click();
      await page.locator('.taro-model__cancel:visible').click();
      expect(await textOf(page, `#contract-state-${contractId}:visible`)).toBe('已签约');

      await el(page, `terminate-${contractId}`).click();
      await page.locator('.taro-modal__content:visible').waitFor(WAIT);
      await screenshot(page, 'terminate-confirm-dialog');
      await page.locator('.taro-model__confirm:visible').click();
      await page.locator(`#contract-state-${contractId}:visible:text("已解约")`).waitFor(WAIT);
      await el(page, `contract-terminated-${contractId}`).waitFor(WAIT);
      await page.locator('.taro-modal__content').waitFor({ ...WAIT, state: 'hidden' });
      expect(await el(page, `terminate-${contractId}`).count()).toBe(0);
      await screenshot(page, 'edu-papay-terminated-contracts');
      expect(problems.filter((p) => p.startsWith('pageerror'))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('renews a session the BFF refuses (401) silently: one new login, same user, no error shown', async () => {
    const { page, context, problems } = await openPhone(browser);
    try {
      await openPlans(page);
      await signIn(page, 'edu-monthly', 'confirm');
      const logins: string[] = [];
      const refused: number[] = [];
      page.on('request', (r) => {
        if (r.url().endsWith('/v1/auth/login')) logins.push(r.method());
      });
      page.on('response', (r) => {
        if (r.status() === 401) refused.push(r.status());
      });
      // Spoil the stored token (Taro H5 storage: {"data": {...}} in localStorage).
      await page.evaluate(() => {
        const raw = JSON.parse(localStorage.getItem('qianyue.session') ?? '{}') as {
          data: { token: string };
        };
        raw.data.token = `${raw.data.token}spoiled`;
        localStorage.setItem('qianyue.session', JSON.stringify(raw));
      });
      await el(page, 'back-plans').click();
      // Same user as before (the H5 adapter keeps the openid), so the plan is still signed.
      await page.locator('#plan-state-edu-monthly:visible:text("已签约")').waitFor(WAIT);
      expect(refused.length).toBeGreaterThanOrEqual(1);
      expect(logins.filter((m) => m === 'POST')).toHaveLength(1);
      expect(await el(page, 'error-message').count()).toBe(0);
      expect(problems.filter((p) => p.startsWith('pageerror'))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('with the BFF down shows a recoverable error, and retry works once it is back', async () => {
    const { page, context } = await openPhone(browser);
    try {
      stack.bffProxy.setUp(false);
      await page.goto(stack.appUrl);
      await el(page, 'login-retry').waitFor(WAIT);
      expect(await textOf(page, '#error-message:visible')).toBe('网络连接失败，请检查网络后重试');
      await screenshot(page, 'bff-down-login-error');

      stack.bffProxy.setUp(true);
      await el(page, 'login-retry').click();
      await el(page, 'plans').waitFor(WAIT);

      // Down again while the user is in: the contracts page shows the error with #retry, then recovers.
      stack.bffProxy.setUp(false);
      await el(page, 'to-contracts').click();
      await el(page, 'retry').waitFor(WAIT);
      expect(await textOf(page, '#error-message:visible')).toBe('网络连接失败，请检查网络后重试');
      await screenshot(page, 'bff-down-contracts-error');
      stack.bffProxy.setUp(true);
      await el(page, 'retry').click();
      await el(page, 'contracts').waitFor(WAIT);
      await el(page, 'contracts-empty').waitFor(WAIT);
      await screenshot(page, 'bff-back-contracts');
    } finally {
      stack.bffProxy.setUp(true);
      await context.close();
    }
  });
});
