import { TEST_IDS } from '@qianyue/sandbox/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeError } from '../src/logging/serializers.ts';
import { type Harness, LogCapture, startHarness } from './helpers/harness.ts';
import { makeNotification, postNotification, seedPending, vector } from './helpers/notification-suite.ts';

/*
 * Issue 12 finding 2: a failing statement's error carries its bound parameters (`params`, `query`, pg's
 * `detail` "Key (openid)=(…)"); pino's default error serializer logs every enumerable property, so the log held
 * session_key, session ids and openids. The BFF's serializer keeps code, message and constraint, drops values.
 */
describe('database errors are logged without their values', () => {
  let h: Harness;
  const logs = new LogCapture();
  beforeAll(async () => {
    h = await startHarness({ logs });
  });
  afterAll(async () => h?.close());

  it('a login whose session insert fails logs the constraint, not the openid or session_key', async () => {
    // Every new session row now violates a check constraint (NOT VALID: existing rows are not checked).
    await sql`alter table sessions add constraint sessions_refused check (length(openid) < 0) not valid`.execute(
      h.app.db,
    );
    const openid = `oLEAK${Date.now()}openidValue`;
    const minted = await h.control<{ code: string }>('POST', '/login-code', { openid });
    const res = await h.call<{ code: string; requestId: string }>('POST', '/v1/auth/login', {
      body: { code: minted.body.code },
    });
    expect(res.status).toBe(500);
    expect(res.body.code).toBe('BFF_INTERNAL');
    const text = logs.text();
    const failed = logs.lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'request failed');
    expect(failed?.err?.code).toBe('23514');
    expect(failed?.err?.constraint).toBe('sessions_refused');
    expect(text).not.toContain(openid);
    expect(text).not.toContain('"params"');
    // jscode2session's session_key is 16 random bytes in base64: no such value anywhere in the log.
    expect(text).not.toMatch(/[A-Za-z0-9+/]{22}==/);
    await sql`alter table sessions drop constraint sessions_refused`.execute(h.app.db);
  });

  it('a notification field PostgreSQL would refuse (NUL) is a 400 FAIL before any statement', async () => {
    const now = h.clock.now();
    const firstLine = logs.lines.length;
    const row = await seedPending(h, { family: 'edu-papay', openid: 'oNULTEST' });
    const before = await h.app.db.selectFrom('notification_inbox').select('id').execute();
    const base = { ...vector('edu-papay-signed').expect.plaintext, appid: TEST_IDS.appId };
    for (const [id, resource] of [
      [`EV-NUL-${now}\u0000x`, base],
      [
        `EV-NUL2-${now}`,
        {
          ...base,
          sub_openid: 'o\u0000NUL',
          contract_information: { contract_id: 'W\u0000x', contract_status: 'ADD' },
        },
      ],
    ] as const) {
      const n = makeNotification({ now, id, eventType: 'ENTRUST.SIGNING', resource });
      const answer = await postNotification(h, '/v1/notify/edu-papay', n);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ code: 'FAIL' });
    }
    expect(await h.app.db.selectFrom('notification_inbox').select('id').execute()).toEqual(before);
    const after = await h.app.contractsRepository.findById(row.id);
    expect(after?.state).toBe('PENDING');
    expect(logs.lines.slice(firstLine).join('')).not.toContain('"level":50');
  });
});

describe('serializeError', () => {
  it("keeps a pg DatabaseError's code, constraint and table, drops detail, params, query and values", () => {
    const err = Object.assign(new Error('duplicate key value violates unique constraint "sessions_pkey"'), {
      name: 'error',
      code: '23505',
      constraint: 'sessions_pkey',
      table: 'sessions',
      detail: 'Key (openid)=(oSECRETOPENID) already exists.',
      query: 'insert into sessions values ($1, $2)',
      params: ['sid', 'oSECRETOPENID', 'SESSIONKEY=='],
      where: 'SQL statement "…"',
    });
    const out = serializeError(err);
    const text = JSON.stringify(out);
    expect(out).toMatchObject({ code: '23505', constraint: 'sessions_pkey', table: 'sessions' });
    expect(text).not.toMatch(/oSECRETOPENID|SESSIONKEY|params|insert into/);
  });

  it('strips a value PostgreSQL quotes into its message, and walks causes', () => {
    const inner = Object.assign(new Error('invalid input syntax for type integer: "oSECRET"'), {
      code: '22P02',
      params: ['oSECRET'],
    });
    const outer = new Error('wrapped', { cause: inner });
    const text = JSON.stringify(serializeError(outer));
    expect(text).not.toContain('oSECRET');
    expect(text).toContain('22P02');
  });
});
