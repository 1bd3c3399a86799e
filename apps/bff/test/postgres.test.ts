import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../src/db/create-database.ts';
import { type Harness, startHarness } from './helpers/harness.ts';
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
});
