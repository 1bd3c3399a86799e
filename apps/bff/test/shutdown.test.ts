import { connect } from 'node:net';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { Pool } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../src/db/create-database.ts';
import type { Database } from '../src/db/database.ts';
import { eventually, type Harness, startHarness } from './helpers/harness.ts';
import { postgresBinaries, startPostgres, type TestPostgres } from './helpers/postgres.ts';
import { loginAndPresign, signingSessionOf } from './helpers/presign.ts';
import { CLOSE_BOUND_MS, heldUpstream, within } from './helpers/shutdown.ts';

/*
 * app.close() (what SIGTERM runs, inside close-with-grace's 10 s) must not wait for a keep-alive socket to
 * time out (HTTP_KEEP_ALIVE_TIMEOUT_MS, 72 s by default, which no test here overrides): Node's server.close()
 * reaps the connections idle at that moment, but one whose request is still being served is answered with
 * keep-alive and then sits idle until its timeout, and Fastify runs the onClose hooks (database, background
 * drain) only after the last connection is gone.
 */

interface Answer<T> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

describe('shutdown: app.close() with keep-alive connections (default keep-alive timeout)', () => {
  let h: Harness | undefined;
  let upstream: ReturnType<typeof heldUpstream> | undefined;
  let client: Pool | undefined;
  let db: Kysely<Database> | undefined;
  afterEach(async () => {
    // A close that hung is cut here, so a failure does not hold the run for the keep-alive timeout.
    h?.app.server.closeAllConnections();
    await client?.destroy();
    await h?.sandbox.close();
    await upstream?.close();
    await db?.destroy();
    h = upstream = client = db = undefined;
  });

  async function start() {
    // The upstream needs the sandbox's URL and the harness needs the upstream's: resolved on first use.
    let sandboxUrl = '';
    upstream = heldUpstream(() => sandboxUrl);
    const upstreamUrl = await upstream.listen();
    // The test's own database outlives the app, so what a request stored can be read after close.
    db = createDatabase('memory://');
    h = await startHarness({ env: { WECHAT_API_BASE_URL: upstreamUrl }, db });
    sandboxUrl = h.sandboxUrl;
    expect(h.config.http.timeouts.keepAliveMs).toBe(72_000);
    // A client that keeps its connection: one socket, kept alive for longer than the test.
    client = new Pool(h.url, { connections: 1, keepAliveTimeout: 600_000, keepAliveMaxTimeout: 600_000 });
    const pool = client;
    const call = async <T>(method: 'GET' | 'POST', path: string, body?: unknown, token?: string) => {
      const res = await pool.request({
        method,
        path,
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return {
        status: res.statusCode,
        headers: res.headers,
        body: (await res.body.json()) as T,
      } as Answer<T>;
    };
    const harness = h;
    const login = async () => {
      const minted = await harness.control<{ code: string }>('POST', '/login-code', {});
      return call<{ token?: string }>('POST', '/v1/auth/login', { code: minted.body.code });
    };
    const store = db;
    const sessions = async () =>
      Number(
        (
          await store
            .selectFrom('sessions')
            .select((e) => e.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    return { h: harness, upstream, call, login, sessions };
  }

  it('a login in flight when close starts gets its full answer, then close returns promptly', async () => {
    const { h, upstream, login, sessions } = await start();
    // The client's connection has served a request and is kept alive.
    const first = await login();
    expect(first.status).toBe(200);
    expect(first.headers.connection).toBe('keep-alive');

    const held = upstream.hold();
    const inFlight = login();
    await held;
    const closing = within(h.app.close(), CLOSE_BOUND_MS);
    await new Promise((r) => setTimeout(r, 50));
    upstream.release();

    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(answer.body.token).toMatch(/^\S{20,}$/);
    // Timed from close() on, so it includes the 50 ms the login was still held.
    expect(await closing).toBeLessThan(CLOSE_BOUND_MS);
    // Told not to reuse the connection: the server ended it once this answer was out.
    expect(answer.headers.connection).toBe('close');
    // Both logins' sessions are stored: the one in flight was served to the end, not cut.
    expect(await sessions()).toBe(2);
  });

  it("after a signing (the sandbox's notification and the BFF's WeChat calls on kept-alive sockets) close is prompt", async () => {
    const { h, call, login } = await start();
    const { body } = await login();
    const token = body.token!;
    const presign = await call<{ contractId: string; navigate: { extraData: Record<string, string> } }>(
      'POST',
      '/v1/contracts/presign',
      { planKey: 'edu-monthly' },
      token,
    );
    expect(presign.status).toBe(200);
    await h.control('POST', `/sessions/${Object.values(presign.body.navigate.extraData)[0]}/confirm`);
    await eventually(async () => {
      const r = await call<{ state: string }>(
        'GET',
        `/v1/contracts/${presign.body.contractId}`,
        undefined,
        token,
      );
      return r.body.state === 'SIGNED' ? r : undefined;
    });
    expect(await within(h.app.close(), CLOSE_BOUND_MS)).toBeLessThan(CLOSE_BOUND_MS);
  });

  it('a request that finishes arriving after close started is refused: 503 BFF_NOT_READY, Connection: close', async () => {
    const { h } = await start();
    const { port } = new URL(h.url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.setEncoding('utf8');
    let received = '';
    socket.on('data', (d: string) => (received += d));
    const ended = new Promise<void>((r) => socket.on('close', () => r()));
    await new Promise<void>((r) => socket.once('connect', () => r()));
    // Half a request: the connection is busy (not idle) when close starts, so server.close() leaves it open.
    socket.write('GET /healthz HTTP/1.1\r\nHost: bff\r\n');
    await new Promise((r) => setTimeout(r, 50));
    const closing = within(h.app.close(), CLOSE_BOUND_MS);
    await new Promise((r) => setTimeout(r, 50));
    socket.write('\r\n');
    expect(await closing).toBeLessThan(CLOSE_BOUND_MS);
    await ended;
    expect(received).toMatch(/^HTTP\/1\.1 503 /);
    expect(received.toLowerCase()).toContain('connection: close');
    const body = JSON.parse(received.slice(received.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
    expect(body).toMatchObject({ code: 'BFF_NOT_READY', message: expect.stringContaining('shutting down') });
    expect(typeof body.requestId).toBe('string');
  });
});

const pgSuite = postgresBinaries() !== undefined || process.env.CI ? describe : describe.skip;

pgSuite('shutdown: a notification being stored when close starts (PostgreSQL)', () => {
  let pgc: TestPostgres;
  beforeAll(async () => {
    pgc = await startPostgres();
  }, 120_000);
  afterAll(async () => pgc?.stop());

  it('is stored and answered 204 (the sandbox, as WeChat, sees the 204), then close returns promptly', async () => {
    const databaseUrl = await pgc.createDatabase('bff_shutdown_notify');
    const h = await startHarness({ databaseUrl });
    // Another session holds the inbox table: the notification's insert waits on it, in flight at the BFF.
    const locker = new pg.Client({ connectionString: databaseUrl });
    await locker.connect();
    try {
      const { res: p } = await loginAndPresign(h, 'edu-monthly');
      expect(p.status).toBe(200);
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE notification_inbox IN EXCLUSIVE MODE');
      const confirmed = h.control('POST', `/sessions/${signingSessionOf(p.body)}/confirm`);
      await eventually(async () => {
        const r = await locker.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
        );
        return r.rows[0]!.n > 0 ? true : undefined;
      });

      const closing = within(h.app.close(), CLOSE_BOUND_MS);
      await new Promise((r) => setTimeout(r, 50));
      await locker.query('COMMIT');
      expect(await closing).toBeLessThan(CLOSE_BOUND_MS);
      expect((await confirmed).status).toBe(200);

      const contract = await locker.query<{ state: string }>('SELECT state FROM contracts WHERE id = $1', [
        p.body.contractId,
      ]);
      expect(contract.rows[0]?.state).toBe('SIGNED');
      const stored = await locker.query<{ outcome: string }>('SELECT outcome FROM notification_inbox');
      expect(stored.rows.map((r) => r.outcome)).toEqual(['applied']);
      const deliveries = await h.control<{ data: { status?: number; error?: string }[] }>(
        'GET',
        '/deliveries',
      );
      expect(deliveries.body.data.map((d) => d.status ?? d.error)).toEqual([204]);
    } finally {
      await locker.end();
      h.app.server.closeAllConnections();
      await h.app.close();
      await h.sandbox.close();
    }
  }, 60_000);
});
