import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import type {
  ChargesReply,
  DailyReply,
  StaffActionReply,
  StaffActionsReply,
} from '../src/console/schemas.ts';
import {
  charges,
  chinaMidnight,
  DAY,
  noticeThenDebit,
  periodIn,
  runAt,
  sandboxOrders,
  signAndPlan,
  signEdu,
  startBillingHarness,
  startReplica,
} from './helpers/billing.ts';
import { eventually, type Harness, testEnv } from './helpers/harness.ts';
import { postgresBinaries, startPostgres } from './helpers/postgres.ts';

const ARTIFACTS = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../test-artifacts/console',
);
const ADMIN_TOKEN = 'TESTONLY-console-admin-token-0123456789';
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const HOUR = 3600;
const DEBIT_ROUTE = 'POST /v3/edu-papay/transactions';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});
const start = async (env: Record<string, string> = {}) => {
  h = await startBillingHarness({ env: { ADMIN_TOKEN, ...env } });
  return h;
};
const ledger = (hh: Harness, q = '') =>
  hh.call<ChargesReply>('GET', `/admin/api/charges${q}`, { headers: auth });
const act = (hh: Harness, id: string, action: 'retry' | 'cancel', body: unknown = { confirm: true }) =>
  hh.call<StaffActionReply & { code?: string }>('POST', `/admin/api/charges/${id}/${action}`, {
    headers: { ...auth, 'x-staff': 'alice' },
    body,
  });
const staffActions = async (hh: Harness) =>
  (await hh.call<StaffActionsReply>('GET', '/admin/api/staff-actions', { headers: auth })).body.actions;

describe('console charges ledger and staff actions (real HTTP, sandbox, PGlite)', () => {
  it('lists charges with filters and ¥ amounts; a FAILED period retried by staff → exactly one new order → PAID', async () => {
    const hh = await start({ BILLING_MAX_ATTEMPTS: '1' });
    await hh.control('PUT', '/billing', { outcome: 'PAY_FAIL' });
    const { contractId, wechatContractId, due } = await signAndPlan(hh);
    await noticeThenDebit(hh, due);
    await eventually(async () =>
      (await sandboxOrders(hh, wechatContractId)).length === 1 ? true : undefined,
    );
    await runAt(hh, chinaMidnight(due) + DAY + 9 * HOUR);
    const failed = await periodIn(hh, contractId, due, ['FAILED']);

    const list = await ledger(hh, '?state=FAILED');
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(1);
    const [row] = list.body.charges;
    expect(row).toMatchObject({
      id: failed.id,
      amount: 9900,
      amountText: '¥99.00',
      state: 'FAILED',
      canRetry: true,
      canCancel: false,
    });
    expect(row!.attempts.map((a) => [a.status, a.reason])).toEqual([['PAY_FAIL', '余额不足']]);
    expect(row!.events.map((e) => `${e.call}:${e.outcome}`)).toEqual(
      expect.arrayContaining(['plan:ok', 'notice:ok', 'debit:ok', 'give-up:applied']),
    );
    expect((await ledger(hh, `?period=${failed.period}&plan=edu-monthly`)).body.total).toBe(1);
    expect((await ledger(hh, '?plan=vip-autopay')).body.total).toBe(0);
    expect((await ledger(hh, '?state=PAID')).body).toMatchObject({ total: 0, collectedText: '¥0.00' });
    for (const bad of ['?state=NOPE', '?period=2026-13', '?period=2026-1', '?plan=%00', '?limit=0', '?x=1']) {
      const r = await ledger(hh, bad);
      expect(r.status, bad).toBe(400);
      expect(r.body, bad).toMatchObject({ code: 'BFF_VALIDATION_FAILED' });
    }

    // Not confirmed → 400 and nothing moves; confirmed → one more attempt, recorded with who and when.
    expect((await act(hh, failed.id, 'retry', {})).status).toBe(400);
    expect((await charges(hh, contractId))[0]!.state).toBe('FAILED');
    await hh.control('PUT', '/billing', { outcome: 'SUCCESS' });
    const retried = await act(hh, failed.id, 'retry');
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ changed: true, charge: { state: 'DEBIT_REQUESTED' } });
    // A double click (or a second replica) changes nothing more.
    expect((await act(hh, failed.id, 'retry')).body).toMatchObject({ changed: false });
    // WeChat wants a fresh notice first: notice now, debit the next day.
    await hh.app.billing.scheduler.runUntilIdle();
    await runAt(hh, hh.clock.now() + DAY);
    const paid = await periodIn(hh, contractId, due, ['PAID']);
    expect(paid.attempts).toBe(2);
    const orders = await sandboxOrders(hh, wechatContractId);
    expect(orders.map((o) => o.trade_state).sort()).toEqual(['PAY_FAIL', 'SUCCESS']);
    expect(new Set(orders.map((o) => o.out_trade_no)).size).toBe(2);
    // More passes later: still exactly one new order.
    await runAt(hh, hh.clock.now() + 2 * DAY);
    expect(
      (await sandboxOrders(hh, wechatContractId)).filter((o) => o.trade_state === 'SUCCESS'),
    ).toHaveLength(1);

    // A PAID period is neither retried nor cancelled; each refusal is recorded too.
    const noCancel = await act(hh, failed.id, 'cancel');
    expect(noCancel.status).toBe(409);
    expect(noCancel.body).toMatchObject({ code: 'CONSOLE_CHARGE_NOT_CANCELLABLE' });
    expect((await act(hh, failed.id, 'retry')).body).toMatchObject({ code: 'CONSOLE_CHARGE_NOT_RETRYABLE' });
    expect((await act(hh, 'ch_nope', 'retry')).status).toBe(404);

    const actions = await staffActions(hh);
    expect(actions.map((a) => `${a.action}:${a.outcome}`).reverse()).toEqual([
      'retry:applied',
      'retry:unchanged',
      'cancel:refused',
      'retry:refused',
      'retry:refused',
    ]);
    expect(actions.every((a) => a.staff === 'alice' && a.source === '127.0.0.1' && a.requestId)).toBe(true);
    expect(new Set(actions.map((a) => a.requestId)).size).toBe(actions.length);
    expect(actions.at(-1)).toMatchObject({ chargeId: failed.id });

    // The ledger and the daily chart show the money collected.
    expect((await ledger(hh, '?state=PAID')).body).toMatchObject({ total: 1, collectedText: '¥99.00' });
    const daily = await hh.call<DailyReply>('GET', '/admin/api/stats/daily?days=60', { headers: auth });
    expect(daily.body.days.reduce((n, d) => n + d.collected, 0)).toBe(9900);
    const paidDay = new Date(paid.paid_at!).toISOString().slice(0, 10);
    expect(daily.body.days.find((d) => d.date === paidDay)?.collected).toBe(9900);
  }, 60_000);

  it('cancels an open period (no debit afterwards) and refuses one whose debit may have landed', async () => {
    const hh = await start();
    const { contractId, wechatContractId } = await signEdu(hh);
    await hh.app.billing.scheduler.runUntilIdle();
    const [first] = await charges(hh, contractId);
    expect((await act(hh, first!.id, 'cancel', { confirm: false })).status).toBe(400);
    const cancelled = await act(hh, first!.id, 'cancel');
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ changed: true, charge: { state: 'CANCELLED' } });
    expect((await act(hh, first!.id, 'cancel')).body).toMatchObject({ changed: false });
    // Its debit day and the days after pass: no notice and no order for it; the next period is planned.
    await noticeThenDebit(hh, first!.due_date);
    await runAt(hh, chinaMidnight(first!.due_date) + 3 * DAY);
    expect(await sandboxOrders(hh, wechatContractId)).toHaveLength(0);
    const after = await charges(hh, contractId);
    expect(after[0]).toMatchObject({ state: 'CANCELLED', failure_code: 'STAFF_CANCELLED' });
    expect((await hh.app.billing.ledger.eventsOf(first!.id)).filter((e) => e.call === 'notice')).toHaveLength(
      0,
    );
    const second = after[1]!;
    expect(second.state).toBe('SCHEDULED');

    // The next period's debit gets no answer (5xx): DEBIT_REQUESTED with an unknown outcome → never cancelled.
    await hh.control('PUT', '/faults', { routes: { [DEBIT_ROUTE]: { systemErrorRate: 1 } } });
    await noticeThenDebit(hh, second.due_date);
    const inFlight = await periodIn(hh, contractId, second.due_date, ['DEBIT_REQUESTED']);
    const refused = await act(hh, inFlight.id, 'cancel');
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'CONSOLE_CHARGE_NOT_CANCELLABLE' });
    expect((await charges(hh, contractId))[1]!.state).toBe('DEBIT_REQUESTED');
    const listed = (await ledger(hh, '?state=DEBIT_REQUESTED')).body.charges[0]!;
    expect(listed).toMatchObject({ canCancel: false, canRetry: false });
    expect(listed.events.some((e) => e.call === 'debit' && e.outcome === 'unknown')).toBe(true);
    expect((await staffActions(hh)).map((a) => `${a.action}:${a.outcome}`).reverse()).toEqual([
      'cancel:applied',
      'cancel:unchanged',
      'cancel:refused',
    ]);
  }, 60_000);

  it('sandbox mode: "run the billing cycle as of" a date moves a signed contract through notice → debit → PAID', async () => {
    const hh = await start();
    const { contractId, wechatContractId } = await signEdu(hh);
    const run = (day: string) =>
      hh.call<{ from: string; to: string; ranAt: string[]; code?: string }>(
        'POST',
        '/admin/api/billing/run-as-of',
        { headers: { ...auth, 'x-staff': 'demo' }, body: { day, confirm: true } },
      );
    const today = new Date((hh.clock.now() + 8 * HOUR) * 1000).toISOString().slice(0, 10);
    expect((await run('2020-01-01')).body).toMatchObject({ code: 'CONSOLE_CLOCK_BACKWARDS' });
    expect(
      (await hh.call('POST', '/admin/api/billing/run-as-of', { headers: auth, body: { day: today } })).status,
    ).toBe(400);
    // Plans the first period at today's instant (nothing else due yet).
    expect((await run(today)).status).toBe(200);
    const [first] = await charges(hh, contractId);
    expect(first!.state).toBe('SCHEDULED');
    const r = await run(first!.due_date);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ from: today, to: first!.due_date });
    const paid = await periodIn(hh, contractId, first!.due_date, ['PAID']);
    expect(paid.attempts).toBe(1);
    const orders = await sandboxOrders(hh, wechatContractId);
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({ trade_state: 'SUCCESS', amount: { total: 9900 } });
    const ev = (await hh.app.billing.ledger.eventsOf(paid.id)).map((e) => `${e.call}:${e.outcome}`);
    expect(ev.indexOf('notice:ok')).toBeLessThan(ev.indexOf('debit:ok'));
    // The sandbox's clock moved with the BFF's (its notice window saw the same days).
    const sandboxClock = await hh.control<{ now: number; offsetSeconds: number }>('GET', '/clock');
    expect(sandboxClock.body.offsetSeconds).toBeGreaterThan(0);
    expect(sandboxClock.body.now).toBe(Date.parse(r.body.ranAt.at(-1)!) / 1000);
    expect(sandboxClock.body.now).toBe(chinaMidnight(first!.due_date) + 12 * HOUR);
    expect((await ledger(hh, '?state=PAID')).body.charges[0]).toMatchObject({
      id: paid.id,
      amountText: '¥99.00',
    });
    expect((await staffActions(hh)).map((a) => `${a.staff}:${a.action}:${a.outcome}`).reverse()).toEqual([
      'demo:run-as-of:refused',
      'demo:run-as-of:applied',
      'demo:run-as-of:applied',
    ]);
  }, 60_000);

  it("a staff member's own token names who acted: the X-Staff label cannot claim someone else", async () => {
    const zhao = 'TESTONLY-zhao-console-token-000000000001';
    const hh = await start({
      ADMIN_STAFF_TOKENS: `Zhao Lei ${zhao}\nWang Li TESTONLY-wang-console-token-00000002`,
    });
    const as = (token: string, label?: string) => ({
      authorization: `Bearer ${token}`,
      ...(label ? { 'x-staff': label } : {}),
    });
    const session = await hh.call<{ staff?: string }>('GET', '/admin/api/session', { headers: as(zhao) });
    expect(session.body.staff).toBe('Zhao Lei');
    expect(
      (await hh.call<{ staff?: string }>('GET', '/admin/api/session', { headers: auth })).body.staff,
    ).toBe(undefined);
    const today = new Date((hh.clock.now() + 8 * HOUR) * 1000).toISOString().slice(0, 10);
    const run = (headers: Record<string, string>) =>
      hh.call('POST', '/admin/api/billing/run-as-of', { headers, body: { day: today, confirm: true } });
    await run(as(zhao, 'Wang Li'));
    await run(as(ADMIN_TOKEN, 'alice'));
    expect((await run(as('TESTONLY-nobody-console-token-0000000003', 'Zhao Lei'))).status).toBe(401);
    expect((await staffActions(hh)).map((a) => a.staff).reverse()).toEqual(['Zhao Lei', 'alice']);
  });

  it('refuses "run as of" outside sandbox mode (403 with a code), and records the refusal', async () => {
    const hh = await start();
    const dir = mkdtempSync(path.join(tmpdir(), 'qianyue-admin-'));
    writeFileSync(path.join(dir, 'admin-token.txt'), ADMIN_TOKEN);
    const config = await loadConfig(
      testEnv(hh.sandboxUrl, {
        WECHATPAY_MODE: 'production',
        WECHATPAY_BASE_URL: 'https://api.example.com',
        WECHAT_API_BASE_URL: 'https://api.example.com',
        NOTIFY_BASE_URL: 'https://pay.example.com',
        ADMIN_TOKEN_PATH: path.join(dir, 'admin-token.txt'),
        BILLING_INTERVAL_SECONDS: '0',
      }),
    );
    expect(config.mode).toBe('production');
    const prod = await buildApp(config, { clock: hh.clock, logStream: false });
    try {
      const before = hh.clock.now();
      const r = await prod.inject({
        method: 'POST',
        url: '/admin/api/billing/run-as-of',
        headers: auth,
        payload: { day: '2099-01-01', confirm: true },
      });
      expect(r.statusCode).toBe(403);
      expect(r.json()).toMatchObject({ code: 'CONSOLE_SANDBOX_ONLY' });
      const actions = await prod.inject({ method: 'GET', url: '/admin/api/staff-actions', headers: auth });
      expect(actions.json().actions[0]).toMatchObject({
        action: 'run-as-of',
        outcome: 'refused',
        staff: 'console',
      });
      expect((await hh.control<{ offsetSeconds: number }>('GET', '/clock')).body.offsetSeconds).toBe(0);
      expect(hh.clock.now()).toBe(before);
    } finally {
      await prod.close();
    }
  });
});

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--no-first-run',
];

describe.skipIf(!existsSync(CHROMIUM_PATH))('console charges in real Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  }, 60_000);
  afterAll(async () => browser?.close());

  it('staff see the charges ledger, run the cycle as of the debit day (confirmed) and see the period PAID', async () => {
    const hh = await start();
    const { contractId } = await signEdu(hh);
    await hh.app.billing.scheduler.runUntilIdle();
    const [first] = await charges(hh, contractId);
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    const dialogs: string[] = [];
    page.on('dialog', async (dlg) => {
      dialogs.push(dlg.message());
      await dlg.accept();
    });
    try {
      await page.goto(`${hh.url}/admin/`);
      await page.fill('#staff', 'Wang Li');
      await page.dispatchEvent('#staff', 'change');
      await page.fill('#token', ADMIN_TOKEN);
      await page.click('#login-button');
      const row = `#charges tr[data-id="${first!.id}"]`;
      await page.waitForSelector(`${row}[data-state="SCHEDULED"]`);
      expect(await page.textContent(`${row} .amount`)).toBe('¥99.00');
      expect(await page.isVisible('#run-as-of')).toBe(true);
      // Filters: nothing FAILED; the period's own month shows it.
      await page.selectOption('#charge-state', 'FAILED');
      await page.click('#apply-charge-filters');
      await page.waitForSelector(row, { state: 'detached' });
      await page.selectOption('#charge-state', '');
      await page.fill('#charge-period', first!.period);
      await page.click('#apply-charge-filters');
      await page.waitForSelector(row);

      await page.fill('#run-as-of-day', first!.due_date);
      await page.click('#run-as-of-button');
      await page.waitForSelector(`${row}[data-state="PAID"]`, { timeout: 20_000 }).catch(async () => {
        // The debit result may land just after the run's reply: the page shows it on the next refresh.
        await periodIn(hh, contractId, first!.due_date, ['PAID']);
        await page.click('#apply-charge-filters');
        await page.waitForSelector(`${row}[data-state="PAID"]`);
      });
      expect(dialogs).toEqual([expect.stringContaining(`as of ${first!.due_date}`)]);
      expect(await page.textContent('#charges-toast')).toContain(`→ ${first!.due_date}`);
      const attempts = await page.$$eval(`${row} [data-status]`, (n) =>
        n.map((x) => x.getAttribute('data-status')),
      );
      expect(attempts).toEqual(['SUCCESS']);
      expect(await page.textContent(`${row} .events`)).toContain('notice: ok');
      await page.waitForSelector('#staff-actions tr[data-action="run-as-of"][data-outcome="applied"]');
      expect(await page.textContent('#staff-actions tr[data-action="run-as-of"]')).toContain('Wang Li');
      // Money collected that day, in the daily chart (after a reload: the tab keeps its token).
      const paid = await periodIn(hh, contractId, first!.due_date, ['PAID']);
      await page.reload();
      const paidDay = new Date(paid.paid_at!).toISOString().slice(0, 10);
      const bar = `#chart-collected rect[data-kind="collected"][data-date="${paidDay}"]`;
      await page.waitForSelector(bar);
      expect(await page.getAttribute(bar, 'data-value')).toBe('9900');
      await page.waitForSelector(row);
      // No cancel or retry offered for a PAID period.
      expect(await page.$$(`${row} button`)).toHaveLength(0);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'console-charges.png'), fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 90_000);
});

describe.runIf(postgresBinaries() !== undefined)('staff actions on two replicas (PostgreSQL)', () => {
  it('the same retry and cancel clicked 8 times across two replicas → applied once each, one new order', async () => {
    const pg = await startPostgres();
    const databaseUrl = await pg.createDatabase('console_charges');
    const env = { ADMIN_TOKEN, BILLING_MAX_ATTEMPTS: '1' };
    const hh = await startBillingHarness({ databaseUrl, env });
    h = hh;
    const second = await startReplica(hh, databaseUrl, env);
    const secondUrl = `http://127.0.0.1:${(second.server.address() as { port: number }).port}`;
    try {
      await hh.control('PUT', '/billing', { outcome: 'PAY_FAIL' });
      const a = await signEdu(hh);
      const b = await signEdu(hh);
      await hh.app.billing.scheduler.runUntilIdle();
      const due = (await charges(hh, a.contractId))[0]!.due_date;
      await noticeThenDebit(hh, due);
      await eventually(async () =>
        (await sandboxOrders(hh, a.wechatContractId)).length === 1 ? true : undefined,
      );
      await eventually(async () =>
        (await sandboxOrders(hh, b.wechatContractId)).length === 1 ? true : undefined,
      );
      await runAt(hh, chinaMidnight(due) + DAY + 9 * HOUR);
      const failed = await periodIn(hh, a.contractId, due, ['FAILED']);
      // b's first period FAILED too; its next one is open (SCHEDULED): that is the one staff cancel.
      await periodIn(hh, b.contractId, due, ['FAILED']);
      const open = (await charges(hh, b.contractId)).find((c) => c.state === 'SCHEDULED')!;

      await hh.control('PUT', '/billing', { outcome: 'SUCCESS' });
      const click = (base: string, id: string, action: string, i: number) =>
        fetch(`${base}/admin/api/charges/${id}/${action}`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json', 'x-staff': `staff ${i}` },
          body: JSON.stringify({ confirm: true }),
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as { changed: boolean } }));
      const replies = await Promise.all(
        Array.from({ length: 8 }, (_, i) => [
          click(i % 2 ? secondUrl : hh.url, failed.id, 'retry', i),
          click(i % 2 ? hh.url : secondUrl, open.id, 'cancel', i),
        ]).flat(),
      );
      expect(replies.every((r) => r.status === 200)).toBe(true);
      expect(replies.filter((r) => r.body.changed)).toHaveLength(2);
      const rows = await staffActions(hh);
      expect(
        rows
          .filter((r) => r.outcome === 'applied')
          .map((r) => r.action)
          .sort(),
      ).toEqual(['cancel', 'retry']);
      expect(rows.filter((r) => r.outcome === 'unchanged')).toHaveLength(14);

      // Both replicas run the cycle: one notice, one new debit, PAID; the cancelled period never debited.
      const both = () =>
        Promise.all([hh.app.billing.scheduler.runUntilIdle(), second.billing.scheduler.runUntilIdle()]);
      await both();
      hh.clock.advance(DAY);
      await both();
      const paid = await periodIn(hh, a.contractId, due, ['PAID']);
      expect(paid.attempts).toBe(2);
      hh.clock.set(chinaMidnight(open.due_date) + 2 * DAY);
      await both();
      expect((await sandboxOrders(hh, a.wechatContractId)).map((o) => o.trade_state).sort()).toEqual([
        'PAY_FAIL',
        'SUCCESS',
      ]);
      expect(await sandboxOrders(hh, b.wechatContractId)).toHaveLength(1);
      expect((await charges(hh, b.contractId)).find((c) => c.id === open.id)?.state).toBe('CANCELLED');
    } finally {
      await second.close();
      await hh.close();
      h = undefined;
      await pg.stop();
    }
  }, 90_000);
});
