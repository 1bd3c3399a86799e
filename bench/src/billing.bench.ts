import { randomBytes } from 'node:crypto';
import { buildApp, loadConfig } from '@qianyue/bff';
import { createEduBillingApi } from '@qianyue/wechatpay';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { explainReport } from './billing-explain.ts';
import { benchBffEnv } from './support/bff-config.ts';
import { createBareLoop } from './support/billing-bare.ts';
import { type Child, startChild } from './support/child.ts';
import { startPostgres } from './support/postgres.ts';
import { APP_ID, PLAN_ID } from './support/upstream.ts';

/*
 * Issue 16 "Benchmark and scale", on PostgreSQL (throwaway cluster) against a signed edu-papay responder
 * (servers/billing-responder.ts: notice 204, debit 204, order query SUCCESS), in one run:
 * 1. periods/s of the product's scheduler (runUntilIdle over plan → notice → debit → order query, one replica,
 *    no budget) against a bare loop making the same calls with the same client and the same ledger writes
 *    with raw `pg` (support/billing-bare.ts); rounds interleaved, median ratio.
 * 2. many contracts due on one day, two replicas (two buildApp on one PostgreSQL) under a fleet-wide budget:
 *    throughput, the most requests the responder saw in any wall-clock second, the projection for 1,000,000.
 * 3. EXPLAIN of the scheduler's statements on a ledger with history (billing-explain.ts).
 * The billing clock is moved (injected clock; the responder signs at the same offset), wall time is measured.
 */

const CST = 8 * 3600;
const dayStart = (day: string) => Date.parse(`${day}T00:00:00Z`) / 1000 - CST;
const TERMS = { amount: 9900, currency: 'CNY', dayOfMonth: 1, description: '月度课程费', noticeLeadDays: 1 };
const PLANS = JSON.stringify([
  { planKey: 'edu-monthly', family: 'edu-papay', planId: PLAN_ID, name: 'Edu monthly', billing: TERMS },
]);
const ACCEPTED_REQUERY = 600;

interface Stack {
  responder: Child;
  clock: { now: () => number };
  /**
   * Moves the billing clock to `seconds`. `running`: from there it advances with wall time, as the responder's
   * does; needed once a phase lasts longer than the 300 s answer-timestamp window (a frozen BFF clock would
   * then refuse the responder's later answers as too far ahead).
   */
  setTime(seconds: number, running?: boolean): Promise<void>;
}

async function startStack(): Promise<Stack> {
  const responder = await startChild('billing-responder.ts');
  let t = Math.floor(Date.now() / 1000);
  let since: number | undefined;
  return {
    responder,
    clock: { now: () => (since === undefined ? t : t + Math.floor((Date.now() - since) / 1000)) },
    async setTime(seconds, running = false) {
      t = seconds;
      since = running ? Date.now() : undefined;
      await responder.call('offset', { seconds: t - Math.floor(Date.now() / 1000) });
    },
  };
}

async function replica(s: Stack, databaseUrl: string, env: Record<string, string>): Promise<FastifyInstance> {
  const config = await loadConfig({
    ...benchBffEnv({ upstream: s.responder.ready.url as string, databaseUrl, logLevel: 'warn' }),
    PLANS,
    BILLING_INTERVAL_SECONDS: '0',
    ...env,
  });
  return buildApp(config, { clock: s.clock, logStream: false });
}

/** n SIGNED edu contracts whose first debit day is `due` (raw insert: signing is not what is measured). */
async function seedContracts(c: pg.ClientBase, n: number, planKey: string, due: string, signedAt: number) {
  const tag = randomBytes(4).toString('hex');
  const r = await c.query<{ id: string; wechat_contract_id: string }>(
    `insert into contracts (id, openid, plan_key, family, state, out_contract_code, display_account, presign_status,
       claimed_at, created_at, updated_at, signed_at, period_start_date, wechat_contract_id)
     select 'ct_${tag}_' || i, 'o_${tag}_' || i, $1, 'edu-papay', 'SIGNED', 'occ_${tag}_' || i, 'user ' || i, 'READY',
       $2, $2, $2, $2, $3, 'wx_${tag}_' || i
     from generate_series(1, $4::int) i returning id, wechat_contract_id`,
    [planKey, new Date(signedAt * 1000), due, n],
  );
  return r.rows.map((x) => ({ id: x.id, wechatContract: x.wechat_contract_id }));
}

/** The four moments of one period: planned, notice day, debit day, re-query after ACCEPTED. */
function moments(due: string) {
  return {
    plan: dayStart(due) - 2 * 86_400 + 10 * 3600,
    notice: dayStart(due) - 86_400 + 3600,
    debit: dayStart(due) + 3600,
    query: dayStart(due) + 3600 + ACCEPTED_REQUERY + 1,
  };
}
const nextMonth = (due: string) => {
  const d = new Date(`${due}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + 1);
  return d.toISOString().slice(0, 10);
};
/** Round k bills the k-th month BEFORE the previous one: later rounds never make earlier rounds' next periods due. */
const roundDue = (k: number) => {
  const d = new Date(Date.UTC(2031, 11 - k, 1));
  return d.toISOString().slice(0, 10);
};

async function productRound(s: Stack, app: FastifyInstance, c: pg.ClientBase, n: number, due: string) {
  const m = moments(due);
  await seedContracts(c, n, 'edu-monthly', due, m.plan - 3600);
  const t0 = performance.now();
  for (const at of [m.plan, m.notice, m.debit, m.query]) {
    await s.setTime(at);
    await app.billing.scheduler.runUntilIdle(1_000_000);
  }
  const seconds = (performance.now() - t0) / 1000;
  const paid = await c.query<{ n: string }>(
    `select count(*) n from charges where state = 'PAID' and due_date = $1 and plan_key = 'edu-monthly'`,
    [due],
  );
  if (Number(paid.rows[0]!.n) !== n)
    throw new Error(`product round: ${paid.rows[0]!.n} of ${n} periods paid`);
  return seconds;
}

async function bareRound(s: Stack, app: FastifyInstance, c: pg.ClientBase, n: number, due: string) {
  const m = moments(due);
  const contracts = await seedContracts(c, n, 'edu-bare', due, m.plan - 3600);
  const loop = createBareLoop({
    client: c,
    api: createEduBillingApi(app.wechatpay.client),
    appid: APP_ID,
    notifyUrl: 'http://127.0.0.1:9/v1/notify/edu-papay-transactions',
    now: () => new Date(s.clock.now() * 1000),
  });
  const t0 = performance.now();
  await s.setTime(m.plan);
  const periods = await loop.plan(contracts, due);
  await s.setTime(m.notice);
  await loop.notices(periods);
  await s.setTime(m.debit);
  await loop.debits(periods);
  await s.setTime(m.query);
  await loop.queries(periods, nextMonth(due));
  return (performance.now() - t0) / 1000;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function ratioSection(s: Stack, url: string, quick: boolean): Promise<string> {
  const n = Number(process.env.BENCH_BILLING_PERIODS ?? (quick ? 100 : 500));
  const rounds = quick ? 1 : Number(process.env.BENCH_BILLING_ROUNDS ?? 3);
  const app = await replica(s, url, {});
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const rows: Array<{ product: number; bare: number }> = [];
  try {
    // Warm-up (JIT, connections, prepared plans), not counted.
    await productRound(s, app, c, Math.min(n, 100), roundDue(0));
    await bareRound(s, app, c, Math.min(n, 100), roundDue(1));
    for (let k = 0; k < rounds; k++) {
      const order = k % 2 === 0 ? ['product', 'bare'] : ['bare', 'product'];
      const r = { product: 0, bare: 0 };
      for (const [i, v] of order.entries()) {
        const due = roundDue(2 + 2 * k + i);
        r[v as 'product' | 'bare'] = await (v === 'product' ? productRound : bareRound)(s, app, c, n, due);
      }
      rows.push(r);
      console.error(
        `[bench] billing round ${k}: product ${r.product.toFixed(2)} s, bare ${r.bare.toFixed(2)} s`,
      );
    }
  } finally {
    await c.end();
    await app.close();
  }
  const ratio = median(rows.map((r) => r.bare / r.product));
  const rate = (sec: number) => (n / sec).toFixed(0);
  return [
    `Periods per second, plan → notice → debit → order query → PAID (3 WeChat calls per period), ${n} periods per round, ${rounds} interleaved round(s), one replica, no budget, PostgreSQL:`,
    '',
    '| variant | periods/s (median round) | ratio to bare loop |',
    '|---|---:|---:|',
    `| bare loop (same client, raw \`pg\`, same writes) | ${rate(median(rows.map((r) => r.bare)))} | 1.00× |`,
    `| product scheduler (\`runUntilIdle\`, batch 100) | ${rate(median(rows.map((r) => r.product)))} | **${ratio.toFixed(2)}×** (target ≥ 0.8×) |`,
  ].join('\n');
}

async function simulationSection(s: Stack, url: string, quick: boolean): Promise<string> {
  const n = Number(process.env.BENCH_BILLING_SIM ?? (quick ? 300 : 5000));
  const budget = Number(process.env.BENCH_BILLING_BUDGET ?? 60);
  const env = { BILLING_REQUESTS_PER_SECOND: String(budget), BILLING_BATCH: '100' };
  const [a, b] = [await replica(s, url, env), await replica(s, url, env)];
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const due = '2032-03-01';
  const m = moments(due);
  const phases: string[] = [];
  let total = 0;
  try {
    await seedContracts(c, n, 'edu-monthly', due, m.plan - 3600);
    await s.responder.call('reset');
    for (const [name, planned] of Object.entries(m)) {
      // The clock runs during the phases: the query phase starts once every debit's re-query is due.
      const at = name === 'query' ? Math.max(planned, s.clock.now() + ACCEPTED_REQUERY + 1) : planned;
      await s.setTime(at, true);
      const t0 = performance.now();
      const [pa, pb] = await Promise.all([
        a.billing.scheduler.runUntilIdle(1_000_000),
        b.billing.scheduler.runUntilIdle(1_000_000),
      ]);
      const sec = (performance.now() - t0) / 1000;
      total += sec;
      const work = (ps: typeof pa) => ps.reduce((x, p) => x + p.stepped.length + p.planned, 0);
      phases.push(`${name} ${sec.toFixed(1)} s (replica A ${work(pa)}, B ${work(pb)} periods)`);
    }
    const paid = await c.query<{ n: string }>(
      `select count(*) n from charges where due_date = $1 and state = 'PAID'`,
      [due],
    );
    const stats = await s.responder.call<{ perSecond: [number, number][]; byKind: Record<string, number> }>(
      'stats',
    );
    const counts = stats.perSecond.map(([, v]) => v);
    const calls = counts.reduce((x, y) => x + y, 0);
    const maxPerSecond = Math.max(...counts);
    const perPeriod = calls / n;
    const callRate = calls / total;
    const budgetBound = callRate >= budget * 0.9;
    const projectedHours = (1_000_000 * perPeriod) / (budgetBound ? budget : callRate) / 3600;
    return [
      `${n} contracts due on one day (the issue asks 100,000; this shared 2-core machine runs ${n} in a few minutes), two replicas (two \`buildApp\` on one PostgreSQL, batch 100), fleet-wide budget BILLING_REQUESTS_PER_SECOND=${budget}:`,
      '',
      `- Paid: ${paid.rows[0]!.n} of ${n}; WeChat calls ${calls} (notice ${stats.byKind.notice}, debit ${stats.byKind.debit}, query ${stats.byKind.query}) = ${perPeriod.toFixed(2)} per period`,
      `- Phases (wall): ${phases.join('; ')}`,
      `- Throughput: ${(n / total).toFixed(1)} periods/s, ${callRate.toFixed(1)} calls/s over ${total.toFixed(1)} s`,
      `- Budget held: most calls in any wall-clock second = **${maxPerSecond}** (budget ${budget}) → ${maxPerSecond <= budget ? 'held' : 'EXCEEDED'}`,
      `- Bound: ${budgetBound ? 'budget-bound (calls/s ≈ budget)' : 'not budget-bound (the replicas + PostgreSQL are slower than the budget)'}; projected for 1,000,000 contracts due on one day: ${(1_000_000 * perPeriod).toLocaleString('en')} calls / ${budgetBound ? `${budget} (budget)` : `${callRate.toFixed(0)} (measured)`} calls/s = **${projectedHours.toFixed(1)} h**`,
    ].join('\n');
  } finally {
    await c.end();
    await a.close();
    await b.close();
  }
}

export async function billingReport({ quick }: { quick: boolean }): Promise<string> {
  const cluster = startPostgres();
  if (!cluster) return '_PostgreSQL binaries absent: billing rows skipped._';
  const s = await startStack();
  const admin = new pg.Client({ connectionString: cluster.url });
  try {
    await admin.connect();
    const urls: string[] = [];
    for (const name of ['billing_ratio', 'billing_sim']) {
      await admin.query(`create database ${name}`);
      urls.push(cluster.url.replace(/\/postgres$/, `/${name}`));
    }
    const ratio = await ratioSection(s, urls[0]!, quick);
    const sim = await simulationSection(s, urls[1]!, quick);
    const explain = await explainReport(urls[1]!, quick);
    return [ratio, sim, explain].join('\n\n');
  } finally {
    await admin.end().catch(() => {});
    await s.responder.stop();
    cluster.stop();
  }
}
