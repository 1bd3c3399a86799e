import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { type Harness, LogCapture, startHarness, testEnv } from './helpers/harness.ts';

describe('POST /v1/auth/login against the sandbox', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  it('exchanges a wx.login code for a session token bound to the openid WeChat returned', async () => {
    const { code, openid } = (await h.control<{ code: string; openid: string }>('POST', '/login-code', {}))
      .body;
    const res = await h.call<{ token: string; expiresAt: string }>('POST', '/v1/auth/login', {
      body: { code },
    });
    expect(res.status).toBe(200);
    expect(res.body.token).toMatch(/^v1\./);
    expect(res.body.token).not.toContain(openid);
    expect(Date.parse(res.body.expiresAt)).toBeGreaterThan(h.clock.now() * 1000);
    const plans = await h.call('GET', '/v1/plans', { token: res.body.token });
    expect(plans.status).toBe(200);
    const rows = await h.app.db.selectFrom('sessions').selectAll().execute();
    expect(rows.some((r) => r.openid === openid && r.session_key.length > 0)).toBe(true);
  });

  it('answers 401 BFF_LOGIN_CODE_INVALID for an unknown code (40029) and for a reused one', async () => {
    const bad = await h.call('POST', '/v1/auth/login', { body: { code: 'neverMintedCode' } });
    expect(bad.status).toBe(401);
    expect(bad.body).toMatchObject({ code: 'BFF_LOGIN_CODE_INVALID' });
    const { code } = (await h.control<{ code: string }>('POST', '/login-code', {})).body;
    expect((await h.call('POST', '/v1/auth/login', { body: { code } })).status).toBe(200);
    const again = await h.call('POST', '/v1/auth/login', { body: { code } });
    expect(again.status).toBe(401);
    expect(again.body).toMatchObject({ code: 'BFF_LOGIN_CODE_INVALID' });
  });

  it('answers 403 BFF_LOGIN_BLOCKED for a risk-controlled user (40226)', async () => {
    const { code } = (await h.control<{ code: string }>('POST', '/login-code', { highRisk: true })).body;
    const res = await h.call('POST', '/v1/auth/login', { body: { code } });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'BFF_LOGIN_BLOCKED' });
  });

  it('answers 429 BFF_LOGIN_RATE_LIMITED when WeChat rate-limits (45011)', async () => {
    await h.control('PUT', '/faults', { routes: { 'GET /sns/jscode2session': { rateLimitRate: 1 } } });
    try {
      const { code } = (await h.control<{ code: string }>('POST', '/login-code', {})).body;
      const res = await h.call('POST', '/v1/auth/login', { body: { code } });
      expect(res.status).toBe(429);
      expect(res.body).toMatchObject({ code: 'BFF_LOGIN_RATE_LIMITED' });
    } finally {
      await h.control('DELETE', '/faults');
    }
  });

  it('answers 503 BFF_UPSTREAM_UNAVAILABLE when WeChat is busy (-1) on both tries', async () => {
    await h.control('PUT', '/faults', { routes: { 'GET /sns/jscode2session': { systemErrorRate: 1 } } });
    try {
      const { code } = (await h.control<{ code: string }>('POST', '/login-code', {})).body;
      const res = await h.call('POST', '/v1/auth/login', { body: { code } });
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ code: 'BFF_UPSTREAM_UNAVAILABLE' });
    } finally {
      await h.control('DELETE', '/faults');
    }
  });

  it('rejects an openid sent by the client (the body allows only the code)', async () => {
    const { code } = (await h.control<{ code: string }>('POST', '/login-code', {})).body;
    const res = await h.call('POST', '/v1/auth/login', { body: { code, openid: 'o-someone-else' } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'BFF_VALIDATION_FAILED' });
  });

  it('ignores openid in query strings and headers: identity comes from the session only', async () => {
    const a = await h.login('oAliceTESTONLY00000000000001');
    const b = await h.login('oBobTESTONLY0000000000000002');
    const presign = await h.call<{ contractId: string }>('POST', '/v1/contracts/presign', {
      token: a.token,
      body: { planKey: 'edu-monthly' },
    });
    expect(presign.status).toBe(200);
    const asBob = await h.call('GET', `/v1/contracts/${presign.body.contractId}?openid=${a.openid}`, {
      token: b.token,
      headers: { 'x-openid': a.openid },
    });
    expect(asBob.status).toBe(400); // unknown query parameter rejected by the schema
    const asBob2 = await h.call('GET', `/v1/contracts/${presign.body.contractId}`, {
      token: b.token,
      headers: { 'x-openid': a.openid },
    });
    expect(asBob2.status).toBe(404);
    expect(asBob2.body).toMatchObject({ code: 'BFF_CONTRACT_NOT_FOUND' });
  });

  it('rejects missing, forged and expired session tokens with 401', async () => {
    expect((await h.call('GET', '/v1/plans')).body).toMatchObject({ code: 'BFF_UNAUTHENTICATED' });
    const { token } = await h.login();
    const forged = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    expect((await h.call('GET', '/v1/plans', { token: forged })).status).toBe(401);
    h.clock.advance(3 * 3600);
    try {
      const expired = await h.call('GET', '/v1/plans', { token });
      expect(expired.status).toBe(401);
      expect(expired.body).toMatchObject({ code: 'BFF_SESSION_EXPIRED' });
    } finally {
      h.clock.advance(-3 * 3600);
    }
  });
});

describe('jscode2session errcode 40163 (code already used; the sandbox does not emit it)', () => {
  it('answers 401 BFF_LOGIN_CODE_INVALID', async () => {
    const stub = Fastify();
    stub.get('/sns/jscode2session', async () => ({ errcode: 40163, errmsg: 'code been used' }));
    await stub.listen({ port: 0, host: '127.0.0.1' });
    const stubUrl = `http://127.0.0.1:${(stub.server.address() as { port: number }).port}`;
    const app = await buildApp(await loadConfig(testEnv(stubUrl)), { logStream: new LogCapture() });
    try {
      const res = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { code: 'usedCode' } });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ code: 'BFF_LOGIN_CODE_INVALID' });
    } finally {
      await app.close();
      await stub.close();
    }
  });
});

describe('a wx.login code is single-use: a timed-out exchange is never retried with it', () => {
  let h: Harness;
  let stub: FastifyInstance;
  let calls = 0;
  let app: FastifyInstance;
  beforeAll(async () => {
    h = await startHarness();
    // Passes each exchange on to the sandbox (so WeChat really spends the code), then answers too late.
    stub = Fastify();
    stub.get('/sns/jscode2session', async (req, reply) => {
      calls++;
      const upstream = await fetch(`${h.sandboxUrl}${req.url}`);
      const text = await upstream.text();
      await new Promise((r) => setTimeout(r, 2_000));
      return reply.type('application/json').send(text);
    });
    await stub.listen({ port: 0, host: '127.0.0.1' });
    const stubUrl = `http://127.0.0.1:${(stub.server.address() as { port: number }).port}`;
    // WECHATPAY_TIMEOUT_MS also bounds the login exchange (min(it, 5 s)).
    app = await buildApp(
      await loadConfig(testEnv(h.sandboxUrl, { WECHAT_API_BASE_URL: stubUrl, WECHATPAY_TIMEOUT_MS: '300' })),
      { logStream: new LogCapture() },
    );
  });
  afterAll(async () => {
    await app?.close();
    await stub?.close();
    await h?.close();
  });

  it('answers 504 BFF_UPSTREAM_TIMEOUT after ONE call (not 401 from a retry with the spent code)', async () => {
    const { code } = (await h.control<{ code: string }>('POST', '/login-code', {})).body;
    calls = 0;
    const res = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { code } });
    expect(res.statusCode).toBe(504);
    expect(res.json()).toMatchObject({ code: 'BFF_UPSTREAM_TIMEOUT' });
    expect(calls).toBe(1);
    // The code really was spent by that one call: a second exchange with it is refused by WeChat.
    const again = await fetch(
      `${h.sandboxUrl}/sns/jscode2session?appid=${encodeURIComponent(h.config.wechat.appId)}&secret=${encodeURIComponent(h.config.wechat.appSecret)}&js_code=${code}&grant_type=authorization_code`,
    );
    expect(((await again.json()) as { errcode?: number }).errcode).toBe(40029);
  });

  it('still retries once when WeChat says it did not process the call (errcode -1)', async () => {
    let n = 0;
    const flaky = Fastify();
    flaky.get('/sns/jscode2session', async (req, reply) => {
      n++;
      if (n === 1) return { errcode: -1, errmsg: 'system error' };
      const upstream = await fetch(`${h.sandboxUrl}${req.url}`);
      return reply.type('application/json').send(await upstream.text());
    });
    await flaky.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(flaky.server.address() as { port: number }).port}`;
    const a = await buildApp(await loadConfig(testEnv(h.sandboxUrl, { WECHAT_API_BASE_URL: url })), {
      logStream: new LogCapture(),
    });
    try {
      const { code } = (await h.control<{ code: string }>('POST', '/login-code', {})).body;
      const res = await a.inject({ method: 'POST', url: '/v1/auth/login', payload: { code } });
      expect(res.statusCode).toBe(200);
      expect(n).toBe(2);
    } finally {
      await a.close();
      await flaky.close();
    }
  });

  it('answers 503 without a retry when the login host answers HTTP 5xx (the code may be spent)', async () => {
    let n = 0;
    const broken = Fastify();
    broken.get('/sns/jscode2session', async (_req, reply) => {
      n++;
      return reply.code(502).send('bad gateway');
    });
    await broken.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(broken.server.address() as { port: number }).port}`;
    const a = await buildApp(await loadConfig(testEnv(h.sandboxUrl, { WECHAT_API_BASE_URL: url })), {
      logStream: new LogCapture(),
    });
    try {
      const res = await a.inject({ method: 'POST', url: '/v1/auth/login', payload: { code: 'someCode' } });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ code: 'BFF_UPSTREAM_UNAVAILABLE' });
      expect(n).toBe(1);
    } finally {
      await a.close();
      await broken.close();
    }
  });
});
