import { afterAll, afterEach, beforeAll } from 'vitest';
import { buildApp } from '../../src/app.ts';
import type { BillingTerms } from '../../src/billing/settings.ts';
import type { ChargeRow } from '../../src/billing/tables.ts';
import { loadConfig } from '../../src/config.ts';
import {
  createTestClock,
  eventually,
  type Harness,
  type LogCapture,
  PLANS,
  startHarness,
  testEnv,
} from './harness.ts';
import { postgresBinaries, startPostgres, type TestPostgres } from './postgres.ts';
import { loginAndPresign, signingSessionOf } from './presign.ts';

/** The terms the tests bill the edu plan with (what PLANS' `billing` block carries). */
export const TERMS: BillingTerms = {
  amount: 9900,
  currency: 'CNY',
  dayOfMonth: 1,
  description: '月度课程费',
  noticeLeadDays: 1,
};

export const DAY = 86_400;

/** PLANS with the edu plan billed by TERMS (the `billing` block the plan resolver validates). */
export const BILLED_PLANS = JSON.stringify(
  PLANS.map((p) => (p.planKey === 'edu-monthly' ? { ...p, billing: TERMS } : p)),
);

export interface SandboxOrder {
  contractId: string;
  out_trade_no: string;
  trade_state: string;
  amount: { total: number };
}

/** What every billing harness and replica runs with (the default keep-alive: closing no longer waits on it). */
const BILLING_TEST_ENV = { BILLING_INTERVAL_SECONDS: '0', PLANS: BILLED_PLANS };

/**
 * BFF + sandbox on one moved clock, the background scheduler off (tests run passes themselves), the edu plan
 * billed with TERMS. Starts at a fixed instant, so periods fall on known days.
 */
export async function startBillingHarness(
  o: { env?: Record<string, string>; databaseUrl?: string; start?: number; sandboxLogs?: LogCapture } = {},
): Promise<Harness> {
  const clock = createTestClock(o.start ?? defaultStart());
  const h = await startHarness({
    clock,
    env: { ...BILLING_TEST_ENV, ...o.env },
    ...(o.databaseUrl ? { databaseUrl: o.databaseUrl } : {}),
    ...(o.sandboxLogs ? { sandboxLogs: o.sandboxLogs } : {}),
  });
  const plan = h.config.plans.find((p) => p.planKey === 'edu-monthly') as unknown as {
    billing?: BillingTerms;
  };
  plan.billing = TERMS;
  return h;
}

/** A user signs the edu plan through the BFF and the sandbox; resolves once the BFF has it SIGNED. */
export async function signEdu(
  h: Harness,
): Promise<{ contractId: string; wechatContractId: string; token: string; openid: string }> {
  const { token, openid, res: p } = await loginAndPresign(h, 'edu-monthly');
  if (p.status !== 200) throw new Error(`presign failed: ${p.status}`);
  await h.control('POST', `/sessions/${signingSessionOf(p.body)}/confirm`);
  const row = await eventually(async () => {
    const r = await h.app.contractsRepository.findById(p.body.contractId);
    return r?.state === 'SIGNED' ? r : undefined;
  });
  return { contractId: p.body.contractId, wechatContractId: row.wechat_contract_id!, token, openid };
}

/** signEdu, then one scheduler pass plans the first period: the signed contract and that period's debit day. */
export async function signAndPlan(h: Harness) {
  const signed = await signEdu(h);
  await h.app.billing.scheduler.runUntilIdle();
  const due = (await charges(h, signed.contractId))[0]!.due_date;
  return { ...signed, due };
}

/** A second BFF on the same database, sandbox and clock (another replica). Closed by the caller. */
export async function startReplica(h: Harness, databaseUrl: string, env: Record<string, string> = {}) {
  const config = await loadConfig(
    testEnv(h.sandboxUrl, {
      DATABASE_URL: databaseUrl,
      ...BILLING_TEST_ENV,
      ...env,
    }),
  );
  const app = await buildApp(config, { clock: h.clock, logStream: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  config.notifyBaseUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  return app;
}

export const charges = (h: Harness, contractId: string): Promise<ChargeRow[]> =>
  h.app.billing.ledger.chargesOf(contractId);

export async function sandboxOrders(h: Harness, wechatContractId: string): Promise<SandboxOrder[]> {
  const r = await h.control<{ orders: SandboxOrder[] }>(
    'GET',
    `/billing/orders?contractId=${wechatContractId}`,
  );
  return r.body.orders;
}

/** Waits until the period of `due` has reached one of `states` (results arrive by notification, async). */
export async function periodIn(
  h: Harness,
  contractId: string,
  due: string,
  states: string[],
): Promise<ChargeRow> {
  return eventually(async () => {
    const c = (await charges(h, contractId)).find((r) => r.due_date === due);
    return c && states.includes(c.state) ? c : undefined;
  }, 400);
}

/** Moves the shared clock to `seconds` and runs scheduler passes until nothing more is due. */
export async function runAt(h: Harness, seconds: number): Promise<void> {
  h.clock.set(seconds);
  await h.app.billing.scheduler.runUntilIdle();
}

/** 00:00 China time of a YYYY-MM-DD day, in unix seconds. */
export const chinaMidnight = (day: string) => Date.parse(`${day}T00:00:00Z`) / 1000 - 8 * 3600;

/** 10:00 China time on the 10th of next month: far from any debit day, whatever today is. */
function defaultStart(): number {
  const now = new Date();
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 10));
  return chinaMidnight(d.toISOString().slice(0, 10)) + 10 * 3600;
}

/** The notice day of `due` (09:00 China time, 1 day before: TERMS.noticeLeadDays), then the debit day (09:00). */
export async function noticeThenDebit(h: Harness, due: string): Promise<void> {
  await runAt(h, chinaMidnight(due) - 15 * 3600);
  await runAt(h, chinaMidnight(due) + 9 * 3600);
}

/** The backends the billing tests run on: PGlite always, PostgreSQL when its binaries are here. */
export const BILLING_BACKENDS = [
  { name: 'PGlite', postgres: false },
  ...(postgresBinaries() ? [{ name: 'PostgreSQL', postgres: true }] : []),
];

/**
 * Inside a describe: a PostgreSQL server for the block when `postgres`, and a `start(env)` giving each test
 * its own billing harness (on a fresh database), closed after the test.
 */
export function billingHarnessPerTest(postgres: boolean, database: string) {
  let pg: TestPostgres | undefined;
  let h: Harness | undefined;
  let n = 0;
  beforeAll(async () => {
    if (postgres) pg = await startPostgres();
  }, 60_000);
  afterAll(async () => pg?.stop());
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  return async (env: Record<string, string> = {}): Promise<Harness> => {
    const databaseUrl = pg ? await pg.createDatabase(`${database}_${++n}`) : undefined;
    h = await startBillingHarness({ env, ...(databaseUrl ? { databaseUrl } : {}) });
    return h;
  };
}
