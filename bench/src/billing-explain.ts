import pg from 'pg';

/*
 * Issue 16: the scheduler's PostgreSQL work per period must not grow with history. A ledger with history
 * (PAID periods and their attempts) and one open period per contract, a tenth of them due, then EXPLAIN (ANALYZE,
 * BUFFERS) of the statements the scheduler runs per pass — each inside a transaction rolled back. The
 * per-period statements (the compare-and-set CTEs of ledger.ts) touch rows by primary key.
 */
const STATEMENTS: Array<{ name: string; sql: string; before?: string }> = [
  {
    name: 'claimDue (ledger.ts)',
    sql: `with claimed as (update charges set next_action_at = now() + interval '2 minutes'
      where id in (select id from charges
        where state in ('SCHEDULED','NOTICE_SENT','DEBIT_REQUESTED') and next_action_at <= '2001-01-01'::timestamptz
        order by next_action_at limit 100 for update skip locked) returning *)
      select claimed.*, ct.state as contract_state, ct.wechat_contract_id, a.status as attempt_status
      from claimed left join contracts ct on ct.id = claimed.contract_id
      left join charge_attempts a on a.out_trade_no = claimed.out_trade_no order by claimed.next_action_at`,
  },
  {
    name: 'claimUnknownOfClosed (ledger.ts, migration 0012)',
    sql: `update charge_attempts set updated_at = now() where out_trade_no in (
        select out_trade_no from charge_attempts
        where reason = 'PERIOD_CLOSED' and status in ('CREATED','ACCEPTED') and updated_at <= now() - interval '1 hour'
        order by updated_at limit 100 for update skip locked) returning *`,
  },
  {
    name: 'planNewContracts (ledger.ts)',
    sql: `update contracts set billing_planned_at = now() where id in (select id from contracts
        where family = 'edu-papay' and state = 'SIGNED' and billing_planned_at is null and plan_key in ('edu-monthly')
        order by signed_at limit 100 for update skip locked) returning id`,
  },
  {
    name: 'cancelEnded, ended contracts (ledger.ts)',
    sql: `update contracts set billing_closed_at = now() where id in (select id from contracts
        where billing_planned_at is not null and billing_closed_at is null and state <> 'SIGNED'
        limit 100 for update skip locked) returning id`,
  },
  {
    name: 'cancelEnded, their open periods (ledger.ts), without migration 0011',
    before: 'drop index charges_open_by_contract',
    sql: `select ch.id from charges ch left join charge_attempts a on a.out_trade_no = ch.out_trade_no
        where ch.contract_id in (HIST_IDS)
          and ch.state in ('SCHEDULED','NOTICE_SENT','DEBIT_REQUESTED')
          and (ch.out_trade_no is null or a.status in ('PAY_FAIL','REJECTED')) for update of ch`,
  },
  {
    name: 'cancelEnded, their open periods (ledger.ts)',
    sql: `select ch.id from charges ch left join charge_attempts a on a.out_trade_no = ch.out_trade_no
        where ch.contract_id in (HIST_IDS)
          and ch.state in ('SCHEDULED','NOTICE_SENT','DEBIT_REQUESTED')
          and (ch.out_trade_no is null or a.status in ('PAY_FAIL','REJECTED')) for update of ch`,
  },
];

export async function explainReport(url: string, quick: boolean): Promise<string> {
  // Active contracts, each with `perContract` PAID months and one open period; `due` of those are due now.
  const contracts = Number(process.env.BENCH_BILLING_HISTORY ?? (quick ? 1000 : 10_000));
  const perContract = 10;
  const due = Math.ceil(contracts / 10);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`insert into contracts (id, openid, plan_key, family, state, out_contract_code, display_account,
        presign_status, claimed_at, created_at, updated_at, signed_at, period_start_date, wechat_contract_id,
        billing_planned_at)
      select 'hist_' || i, 'o_hist_' || i, 'edu-monthly', 'edu-papay', 'SIGNED', 'occ_hist_' || i, 'u', 'READY',
        now(), now(), now(), now(), '2020-01-01', 'wx_hist_' || i, now()
      from generate_series(1, ${contracts}) i`);
    await c.query(`insert into charges (id, contract_id, plan_key, period, due_date, amount, currency, description,
        state, attempts, out_trade_no, next_action_at, created_at, updated_at, paid_at, closed_at)
      select 'hch_' || i || '_' || j, 'hist_' || i, 'edu-monthly', 'h' || j, '2020-01-01', 9900, 'CNY', 'x', 'PAID', 1,
        'QYH' || i || 'x' || j, '2000-01-01', now(), now(), now(), now()
      from generate_series(1, ${contracts}) i, generate_series(1, ${perContract}) j`);
    await c.query(`insert into charge_attempts (out_trade_no, charge_id, attempt_no, status, created_at, updated_at)
      select out_trade_no, id, 1, 'SUCCESS', now(), now() from charges where id like 'hch_%'`);
    // One open period per contract: the first `due` of them due since long ago, the others next month.
    await c.query(`insert into charges (id, contract_id, plan_key, period, due_date, amount, currency, description,
        state, attempts, next_action_at, created_at, updated_at)
      select 'open_' || i, 'hist_' || i, 'edu-monthly', 'open', '2000-01-02', 9900, 'CNY', 'x', 'SCHEDULED', 0,
        case when i <= ${due} then '2000-01-01'::timestamptz else '2100-01-01'::timestamptz end, now(), now()
      from generate_series(1, ${contracts}) i`);
    await c.query('analyze');
    const total = await c.query<{ n: string }>('select count(*) n from charges');
    const out = [
      `EXPLAIN (ANALYZE, BUFFERS) of the scheduler's per-pass statements on a ledger of ${Number(total.rows[0]!.n).toLocaleString('en')} charges (${contracts.toLocaleString('en')} active contracts × ${perContract} PAID months with their attempts, one open period each of which ${due.toLocaleString('en')} are due, plus the simulation's rows), batch 100:`,
      '',
      '| statement | plan (access paths) | seq scan | buffers | time |',
      '|---|---|---|---:|---:|',
    ];
    for (const st of STATEMENTS) {
      await c.query('begin');
      // Dropped inside the transaction that is rolled back: the plan PostgreSQL would pick without it.
      if (st.before) await c.query(st.before);
      // The statement gets its ids as a literal list of 100 (what ledger.ts sends).
      const ids = Array.from({ length: 100 }, (_, i) => `'hist_${1 + ((i * 7) % contracts)}'`).join(',');
      const r = await c.query<{ 'QUERY PLAN': string }>(
        `explain (analyze, buffers) ${st.sql.replace('HIST_IDS', ids)}`,
      );
      await c.query('rollback');
      const lines = r.rows.map((x) => x['QUERY PLAN']);
      if (process.env.BENCH_BILLING_EXPLAIN_VERBOSE) console.error(`${st.name}\n${lines.join('\n')}\n`);
      const paths = lines
        .map((l) =>
          /(Index Only Scan|Index Scan|Bitmap Index Scan|Seq Scan)(?: using (\S+))? on (\S+)/.exec(l),
        )
        .filter((x) => x !== null)
        .map((x) => `${x![1]}${x![2] ? ` ${x![2]}` : ''} on ${x![3]}`);
      const buffers = lines
        .map((l) => /Buffers: shared hit=(\d+)(?: read=(\d+))?/.exec(l))
        .find((x) => x !== null);
      const time = lines.map((l) => /Execution Time: ([\d.]+) ms/.exec(l)).find((x) => x !== null);
      out.push(
        `| ${st.name} | ${[...new Set(paths)].join('; ')} | ${paths.some((p) => p.startsWith('Seq Scan')) ? '**yes**' : 'no'} | ${buffers ? Number(buffers[1]) + Number(buffers[2] ?? 0) : '?'} | ${time?.[1] ?? '?'} ms |`,
      );
    }
    return out.join('\n');
  } finally {
    await c.end();
  }
}
