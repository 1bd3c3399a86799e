import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { createDatabase } from '../src/db/create-database.ts';
import { createStatementNames, preparingClient } from '../src/db/prepared-statements.ts';
import { type Harness, LogCapture, sandboxRequests, startHarness } from './helpers/harness.ts';
import { notificationSuite } from './helpers/notification-suite.ts';
import { postgresBinaries, startPostgres, type TestPostgres } from './helpers/postgres.ts';

/*
 * The same repository + notification-idempotency behaviour on a real PostgreSQL 15 (throwaway cluster).
 * Skipped — loudly — only on a machine without the binaries and outside CI; in CI their absence fails.
 */
const available = postgresBinaries() !== undefined;
if (!available && !process.env.CI) {
  console.warn(
    '\n!!! PostgreSQL binaries (initdb/pg_ctl) not found: SKIPPING the PostgreSQL test suite. Install postgresql-15 to run it. !!!\n',
  );
}
const suite = available || process.env.CI ? describe : describe.skip;

suite('on a real PostgreSQL 15', () => {
  let pgc: TestPostgres;
  let n = 0;
  const fresh = async () => pgc.createDatabase(`bff_test_${process.pid}_${++n}`);

  beforeAll(async () => {
    pgc = await startPostgres();
  }, 120_000);
  afterAll(async () => pgc?.stop());

  notificationSuite('PostgreSQL', async () =>
    startHarness({ databaseUrl: await fresh(), env: { QS_REQUERY_AFTER_NOTIFY: 'false' } }),
  );

  describe('prepared statements (PostgreSQL)', () => {
    it('a repeated statement that names its columns is prepared once and survives another replica adding a column', async () => {
      const url = await fresh();
      const pool = new pg.Pool({
        connectionString: url,
        max: 1,
        Client: preparingClient(createStatementNames()),
      });
      const other = new pg.Client({ connectionString: url });
      await other.connect();
      try {
        await pool.query('create table t (id int primary key, a text)');
        await pool.query('insert into t values (1, $1)', ['x']);
        const named = 'select id, a from t where id = $1';
        const starred = 'select * from t where id = $1';
        for (let i = 0; i < 3; i++) {
          expect((await pool.query(named, [1])).rows).toEqual([{ id: 1, a: 'x' }]);
          await pool.query(starred, [1]);
          await pool.query('begin');
          await pool.query('commit');
        }
        const prepared = async () =>
          (await pool.query<{ statement: string }>('select statement from pg_prepared_statements')).rows.map(
            (r) => r.statement,
          );
        // Only the column-explicit data statement (its 2nd and 3rd calls reuse one prepared plan).
        expect(await prepared()).toEqual([named]);
        // A rolling deploy: another replica migrates a column in. The prepared statement is re-planned, and
        // keeps answering; a prepared `select *` would now fail ("cached plan must not change result type").
        await other.query('alter table t add column b text');
        expect((await pool.query(named, [1])).rows).toEqual([{ id: 1, a: 'x' }]);
        expect((await pool.query(starred, [1])).rows).toEqual([{ id: 1, a: 'x', b: null }]);
      } finally {
        await other.end();
        await pool.end();
      }
    });

    it('at most `max` distinct statements are ever named', () => {
      const nameOf = createStatementNames(2);
      const names = Array.from({ length: 5 }, (_, i) => {
        const text = `select id from t where id in (${Array.from({ length: i + 1 }, (_, k) => `$${k + 1}`).join(', ')})`;
        nameOf(text);
        return nameOf(text);
      });
      expect(names.filter(Boolean)).toHaveLength(2);
      expect(nameOf('update t set a = $1')).toBeUndefined();
    });
  });

  describe('presign and contract repository (PostgreSQL)', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({ databaseUrl: await fresh() });
    });
    afterAll(async () => h?.close());

    it('concurrent presigns of one user and plan make one contract and one WeChat session', async () => {
      const { token, openid } = await h.login();
      await h.control('PUT', '/faults', {
        routes: { 'POST /v3/edu-papay/contracts/presign': { latencyMs: 150 } },
      });
      try {
        const answers = await Promise.all(
          Array.from({ length: 5 }, () =>
            h.call<{ contractId: string; reused: boolean; navigate: { extraData: Record<string, string> } }>(
              'POST',
              '/v1/contracts/presign',
              { token, body: { planKey: 'edu-monthly' } },
            ),
          ),
        );
        expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
        expect(new Set(answers.map((a) => a.body.navigate.extraData.presign_token)).size).toBe(1);
        expect(answers.filter((a) => !a.body.reused)).toHaveLength(1);
        const rows = await h.app.db
          .selectFrom('contracts')
          .selectAll()
          .where('openid', '=', openid)
          .execute();
        expect(rows).toHaveLength(1);
      } finally {
        await h.control('DELETE', '/faults');
      }
    });

    it('a new user claiming two plans at once gets one member number, shown on both claims', async () => {
      // The claim statement also assigns the member number: of two concurrent first claims of one user, one
      // loses the members insert and must still claim its plan (through the locked path) with the winner's number.
      const repo = h.app.contractsRepository;
      const now = new Date(h.clock.now() * 1000);
      const claim = (openid: string, planKey: string, family: 'edu-papay' | 'password-exempt', i: number) =>
        repo.claimPresign({
          who: { openid, appId: 'wx-race' },
          contract: {
            id: `c_race_${openid}_${i}`,
            planKey,
            family,
            outContractCode: `RACE${openid}${i}`,
            accountTemplate: family === 'edu-papay' ? 'M{member}' : '会员{member}',
            periodStartDate: null,
            now,
          },
          reuseUntil: now,
          claimStaleBefore: now,
        });
      const users = Array.from({ length: 12 }, (_, i) => `oRace${i}`);
      const claims = await Promise.all(
        users.flatMap((u) => [
          claim(u, 'edu-monthly', 'edu-papay', 1),
          claim(u, 'vip-autopay', 'password-exempt', 2),
        ]),
      );
      expect(claims.map((c) => c.kind)).toEqual(claims.map(() => 'claimed'));
      const members = await h.app.db
        .selectFrom('members')
        .selectAll()
        .where('appid', '=', 'wx-race')
        .execute();
      expect(members).toHaveLength(users.length);
      for (const u of users) {
        const no = members.find((m) => m.openid === u)!.member_no;
        const mine = claims.flatMap((c) => (c.kind === 'claimed' && c.row.openid === u ? [c.row] : []));
        expect(mine.map((r) => r.display_account).sort()).toEqual([`M${no}`, `会员${no}`].sort());
      }

      // Padded to 6 digits, never cut: a seven-digit number is shown whole; only the first {member} is filled.
      await sql`select setval('member_numbers', 1234566)`.execute(h.app.db);
      const big = await repo.claimPresign({
        who: { openid: 'oRaceBig', appId: 'wx-race' },
        contract: {
          id: 'c_race_big',
          planKey: 'edu-monthly',
          family: 'edu-papay',
          outContractCode: 'RACEBIG',
          accountTemplate: 'A{member}B{member}',
          periodStartDate: null,
          now,
        },
        reuseUntil: now,
        claimStaleBefore: now,
      });
      expect(big.kind === 'claimed' && big.row.display_account).toBe('A1234567B{member}');
      const stored = await repo.findById('c_race_big');
      expect(stored?.display_account).toBe('A1234567B{member}');
    });

    it('sign end to end: sandbox confirm → notification → SIGNED, stored once', async () => {
      const { token } = await h.login();
      const p = await h.call<{ contractId: string; navigate: { extraData: Record<string, string> } }>(
        'POST',
        '/v1/contracts/presign',
        { token, body: { planKey: 'vip-autopay' } },
      );
      await h.control('POST', `/sessions/${p.body.navigate.extraData.pre_entrustweb_id}/confirm`);
      let state = '';
      for (let i = 0; i < 200 && state !== 'SIGNED'; i++) {
        state = (await h.call<{ state: string }>('GET', `/v1/contracts/${p.body.contractId}`, { token })).body
          .state;
        if (state !== 'SIGNED') await new Promise((r) => setTimeout(r, 25));
      }
      expect(state).toBe('SIGNED');
      const inbox = await h.app.inboxRepository.list();
      expect(inbox.filter((x) => x.contract_id === p.body.contractId)).toHaveLength(1);
    });

    it('two replicas migrating the same database at once both start (migration lock)', async () => {
      const url = await fresh();
      const [a, b] = [createDatabase(url), createDatabase(url)];
      try {
        const { migrateToLatest } = await import('../src/db/create-database.ts');
        await Promise.all([migrateToLatest(a), migrateToLatest(b)]);
        const tables = await a
          .selectFrom('contracts')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow();
        expect(Number(tables.n)).toBe(0);
      } finally {
        await a.destroy();
        await b.destroy();
      }
    });
  });

  describe('background reconciler with two replicas (PostgreSQL)', () => {
    it('two reconcilers on one database never query the same contract in one pass', async () => {
      const sandboxLogs = new LogCapture();
      const h = await startHarness({
        databaseUrl: await fresh(),
        env: { RECONCILE_BATCH: '4' },
        sandboxLogs,
      });
      const replica = await buildApp(h.config, { clock: h.clock, logStream: new LogCapture() });
      try {
        // 20 SIGNED edu contracts last checked long ago (WeChat knows none of them: each query answers 404).
        const t = new Date((h.clock.now() - 2 * 86_400) * 1000);
        const ids = Array.from({ length: 20 }, (_, i) => `c_reconcile_${i}`);
        await h.app.db
          .insertInto('contracts')
          .values(
            ids.map((id, i) => ({
              id,
              openid: `o_reconcile_${i}`,
              plan_key: 'edu-monthly',
              family: 'edu-papay' as const,
              state: 'SIGNED' as const,
              out_contract_code: `RECONCILE${String(i).padStart(4, '0')}`,
              display_account: 'QYtest',
              presign_status: 'READY' as const,
              claimed_at: t,
              wechat_contract_id: `WXC_RECONCILE_${i}`,
              created_at: t,
              updated_at: t,
              signed_at: t,
              state_event_time: t,
            })),
          )
          .execute();
        const before = sandboxRequests(sandboxLogs, 'GET', '/v3/edu-papay/contracts/id/');
        const drain = async (app: typeof replica) => {
          const seen: string[] = [];
          for (;;) {
            const pass = await app.background.reconciler.runOnce();
            if (pass.checked.length === 0) return seen;
            seen.push(...pass.checked);
          }
        };
        const [a, b] = await Promise.all([drain(h.app), drain(replica)]);
        expect(a.length + b.length).toBe(20);
        expect(new Set([...a, ...b])).toEqual(new Set(ids));
        expect(a.filter((id) => b.includes(id))).toEqual([]);
        // WeChat was asked once per contract, and every one came out TERMINATED (404 RESOURCE_NOT_EXISTS).
        expect(sandboxRequests(sandboxLogs, 'GET', '/v3/edu-papay/contracts/id/') - before).toBe(20);
        const states = await h.app.db
          .selectFrom('contracts')
          .select('state')
          .where('id', 'in', ids)
          .execute();
        expect(states.every((r) => r.state === 'TERMINATED')).toBe(true);
      } finally {
        await replica.close();
        await h.close();
      }
    });
  });
});
