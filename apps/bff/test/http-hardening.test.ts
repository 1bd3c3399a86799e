import { connect } from 'node:net';
import { ErrorBody } from '@qianyue/api';
import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { type Harness, startHarness, testEnv } from './helpers/harness.ts';

/*
 * Issue 12 findings 9 and 10 (BFF parts): request/header timeouts, unpredictable request ids, every error in
 * the ErrorBody shape with a requestId, nosniff + no-store on API answers, /metrics and /docs closed in
 * production by default (or behind a token), and logout with session revocation.
 */

/** Opens a raw connection and dribbles a request line one byte every `everyMs`; resolves when the server closes. */
function slowClient(url: string, everyMs: number): Promise<{ closedAfterMs: number; bytesSent: number }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const started = Date.now();
    const text = `POST /v1/auth/login HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nX-Slow: ${'a'.repeat(200)}`;
    let sent = 0;
    const socket = connect(Number(port), hostname);
    const timer = setInterval(() => {
      if (sent < text.length && !socket.destroyed) socket.write(text[sent++]!);
    }, everyMs);
    const done = () => {
      clearInterval(timer);
      resolve({ closedAfterMs: Date.now() - started, bytesSent: sent });
    };
    socket.on('close', done);
    socket.on('error', () => {});
    socket.resume();
    // Hard cap for the test itself: a server that never closes shows up as ~20 s.
    setTimeout(() => socket.destroy(), 20_000).unref();
  });
}

describe('HTTP hardening', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      env: { HTTP_REQUEST_TIMEOUT_MS: '2000', METRICS_TOKEN: 'metrics-token-0123456789abcdef' },
    });
  });
  afterAll(async () => h?.close());

  it('a client sending one byte every 500 ms is cut off shortly after the request timeout', async () => {
    const r = await slowClient(h.url, 500);
    expect(r.closedAfterMs).toBeLessThan(6_000);
    expect(r.bytesSent).toBeGreaterThan(0);
  });

  it('request ids are random, and every error answer carries one in the ErrorBody shape', async () => {
    const ids: string[] = [];
    for (const path of ['/v1/nowhere', '/v1/plans', '/%', '/v1/contracts/%ZZ']) {
      const res = await fetch(`${h.url}${path}`);
      const body = (await res.json()) as { requestId?: string };
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(Value.Check(ErrorBody, body), `${path}: ${JSON.stringify(body)}`).toBe(true);
      expect(typeof body.requestId, path).toBe('string');
      ids.push(String(body.requestId));
    }
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('API answers say nosniff and no-store', async () => {
    for (const path of ['/healthz', '/v1/plans', '/v1/nowhere', '/%']) {
      const res = await fetch(`${h.url}${path}`);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('cache-control'), path).toBe('no-store');
    }
  });

  it('/metrics wants its token when one is configured', async () => {
    const none = await fetch(`${h.url}/metrics`);
    expect(none.status).toBe(401);
    expect(Value.Check(ErrorBody, await none.json())).toBe(true);
    const wrong = await fetch(`${h.url}/metrics`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    const ok = await fetch(`${h.url}/metrics`, {
      headers: { authorization: 'Bearer metrics-token-0123456789abcdef' },
    });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('bff_notifications_total');
  });

  it('logout revokes the session at once on this replica', async () => {
    const { token } = await h.login();
    expect((await h.call('GET', '/v1/plans', { token })).status).toBe(200);
    const out = await h.call('POST', '/v1/auth/logout', { token });
    expect(out.status).toBe(204);
    const after = await h.call<{ code: string }>('GET', '/v1/plans', { token });
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('BFF_SESSION_EXPIRED');
    expect((await h.call('POST', '/v1/auth/logout', { token })).status).toBe(401);
    expect((await h.call('POST', '/v1/auth/logout', {})).status).toBe(401);
  });

  it('a session read from the database while it is logged out on the same replica is not cached afterwards', async () => {
    const other = await buildApp(await loadConfig(testEnv(h.sandboxUrl)), {
      clock: h.clock,
      db: h.app.db,
      logStream: false,
    });
    try {
      const { token } = await h.login();
      const repo = other.sessionsRepository;
      const read = repo.findValid.bind(repo);
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let held = false;
      // The first read on `other` finds the row, then is held until the logout below has finished.
      repo.findValid = async (...args: Parameters<typeof read>) => {
        const row = await read(...args);
        if (!held) {
          held = true;
          await gate;
        }
        return row;
      };
      const get = () =>
        other.inject({ method: 'GET', url: '/v1/plans', headers: { authorization: `Bearer ${token}` } });
      const inFlight = get();
      await new Promise((r) => setTimeout(r, 50));
      const out = await other.inject({
        method: 'POST',
        url: '/v1/auth/logout',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(out.statusCode).toBe(204);
      release();
      await inFlight;
      expect((await get()).statusCode).toBe(401);
    } finally {
      await other.close();
    }
  });

  it('another replica honours a revocation within SESSION_CACHE_SECONDS (and at once when 0)', async () => {
    const other = await buildApp(await loadConfig(testEnv(h.sandboxUrl)), {
      clock: h.clock,
      db: h.app.db,
      logStream: false,
    });
    const immediate = await buildApp(
      await loadConfig(testEnv(h.sandboxUrl, { SESSION_CACHE_SECONDS: '0' })),
      {
        clock: h.clock,
        db: h.app.db,
        logStream: false,
      },
    );
    try {
      const { token } = await h.login();
      const get = (app: typeof other) =>
        app.inject({ method: 'GET', url: '/v1/plans', headers: { authorization: `Bearer ${token}` } });
      expect((await get(other)).statusCode).toBe(200); // now cached on `other`
      expect((await get(immediate)).statusCode).toBe(200);
      expect((await h.call('POST', '/v1/auth/logout', { token })).status).toBe(204);
      expect((await get(immediate)).statusCode).toBe(401);
      expect((await get(other)).statusCode).toBe(200); // the documented bound: its cache still holds it
      h.clock.advance(61);
      expect((await get(other)).statusCode).toBe(401);
    } finally {
      await other.close();
      await immediate.close();
    }
  });
});

describe('production defaults', () => {
  it('/metrics and /docs are closed in production unless turned on', async () => {
    const env = {
      ...testEnv('http://127.0.0.1:9'),
      WECHATPAY_MODE: 'production',
      WECHATPAY_SANDBOX_URL: undefined,
      NOTIFY_BASE_URL: 'https://merchant.example.com',
      SESSION_CLEANUP_INTERVAL_SECONDS: '0',
    };
    const closed = await buildApp(await loadConfig(env), { logStream: false });
    try {
      expect((await closed.inject({ url: '/metrics' })).statusCode).toBe(404);
      expect((await closed.inject({ url: '/docs' })).statusCode).toBe(404);
    } finally {
      await closed.close();
    }
    const open = await buildApp(await loadConfig({ ...env, METRICS_ENABLED: 'true', DOCS_ENABLED: 'true' }), {
      logStream: false,
    });
    try {
      expect((await open.inject({ url: '/metrics' })).statusCode).toBe(200);
      expect((await open.inject({ url: '/docs/json' })).statusCode).toBe(200);
    } finally {
      await open.close();
    }
  });
});
