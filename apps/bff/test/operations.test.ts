import { ApiError, SignatureInvalidError, TransportError } from '@qianyue/wechatpay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricCode } from '../src/contracts/upstream-errors.ts';
import { toHttpError } from '../src/plugins/error-handler.ts';
import { type Harness, startHarness } from './helpers/harness.ts';

describe('error handler, validation and operations routes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { RATE_LIMIT_MAX: '1000', CORS_ORIGINS: 'http://127.0.0.1:10086' } });
  });
  afterAll(async () => h?.close());

  it('an unknown route answers 404 {code, message, requestId}', async () => {
    const res = await h.call<Record<string, string>>('GET', '/v1/nope');
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('BFF_ROUTE_NOT_FOUND');
    expect(typeof res.body.message).toBe('string');
    expect(typeof res.body.requestId).toBe('string');
  });

  it('every route rejects malformed input with 4xx and a code', async () => {
    const { token } = await h.login();
    const cases: Array<
      [string, string, { body?: unknown; raw?: string; headers?: Record<string, string> }, number]
    > = [
      ['POST', '/v1/auth/login', { body: {} }, 400],
      ['POST', '/v1/auth/login', { body: { code: { $ne: '' } } }, 400],
      ['POST', '/v1/auth/login', { raw: '{"code":', headers: { 'content-type': 'application/json' } }, 400],
      ['POST', '/v1/contracts/presign', { body: { planKey: 5 } }, 400],
      ['POST', '/v1/contracts/presign', { body: { planKey: 'edu-monthly', openid: 'x' } }, 400],
      [
        'POST',
        '/v1/contracts/presign',
        { raw: 'planKey=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
        415,
      ],
      ['GET', '/v1/contracts/bad%20id!', {}, 400],
      ['GET', '/v1/contracts/c_x?reconcile=maybe', {}, 400],
      ['POST', '/v1/contracts/bad%20id!/terminate', {}, 400],
    ];
    for (const [method, url, o, status] of cases) {
      const res = await h.call<Record<string, string>>(method, url, { token, ...o });
      expect([url, res.status]).toEqual([url, status]);
      expect(res.body.code).toMatch(/^BFF_[A-Z_]+$/);
      expect(res.body.requestId).toBeDefined();
    }
  });

  it('a body over the limit → 413 BFF_PAYLOAD_TOO_LARGE', async () => {
    const res = await h.call('POST', '/v1/auth/login', { body: { code: 'x'.repeat(20_000) } });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ code: 'BFF_PAYLOAD_TOO_LARGE' });
  });

  it('5xx answers hide internals', () => {
    const h500 = toHttpError(new Error('connection string postgres://user:secret@db contains...'), false);
    expect(h500).toEqual({ statusCode: 500, code: 'BFF_INTERNAL', message: 'Internal error' });
  });

  it('WeChat errors map to 502 (rejected), 503 (unavailable), 504 (timeout)', () => {
    expect(
      toHttpError(new ApiError({ status: 400, apiCode: 'PARAM_ERROR', verified: true }), false),
    ).toMatchObject({ statusCode: 502, code: 'BFF_UPSTREAM_REJECTED' });
    expect(toHttpError(new ApiError({ status: 500 }), false).statusCode).toBe(503);
    expect(toHttpError(new TransportError('WECHATPAY_TRANSPORT_TIMEOUT', 'slow'), false).statusCode).toBe(
      504,
    );
    expect(toHttpError(new SignatureInvalidError(), false).statusCode).toBe(503);
  });

  it('an unsigned error code reaches the message only bounded and sanitised (issue 12 #8)', () => {
    const forged = `EVIL<script>${'X'.repeat(5000)}`;
    const h = toHttpError(new ApiError({ status: 400, apiCode: forged }), false);
    expect(h).toMatchObject({ statusCode: 502, code: 'BFF_UPSTREAM_REJECTED' });
    expect(h.message).toBe('WeChat Pay rejected the request: UNKNOWN');
    const long = toHttpError(new ApiError({ status: 400, apiCode: 'A'.repeat(33) }), false);
    expect(long.message).toBe('WeChat Pay rejected the request: UNKNOWN');
    // Metric labels: only codes from the known table; anything else is OTHER (bounded cardinality).
    expect(metricCode(new ApiError({ status: 400, apiCode: 'PARAM_ERROR' }))).toBe('PARAM_ERROR');
    expect(metricCode(new ApiError({ status: 400, apiCode: 'MADE_UP_BY_A_PROXY_1' }))).toBe('OTHER');
    expect(metricCode(new ApiError({ status: 400, apiCode: forged }))).toBe('OTHER');
  });

  it('/healthz and /readyz answer ok; /metrics serves Prometheus text; /docs/json is the OpenAPI document', async () => {
    expect((await h.call('GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await h.call('GET', '/readyz')).body).toEqual({
      status: 'ok',
      checks: { database: 'ok', keys: 'ok' },
    });
    const metrics = await h.call<string>('GET', '/metrics');
    expect(metrics.body).toContain('bff_presign_duration_seconds');
    expect(metrics.body).toContain('bff_notifications_total');
    const doc = await h.call<{ openapi: string; paths: Record<string, unknown> }>('GET', '/docs/json');
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/auth/login',
        '/v1/plans',
        '/v1/contracts/presign',
        '/v1/contracts/{contractId}',
      ]),
    );
    expect((await fetch(`${h.url}/docs`)).status).toBeLessThan(400);
  });

  it('CORS allows the configured H5 origin only', async () => {
    const ok = await fetch(`${h.url}/v1/plans`, {
      method: 'OPTIONS',
      headers: { origin: 'http://127.0.0.1:10086', 'access-control-request-method': 'GET' },
    });
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:10086');
    const other = await fetch(`${h.url}/healthz`, { headers: { origin: 'http://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('rate limits', () => {
  it('per session: the request over the limit gets 429 BFF_RATE_LIMITED; notify routes are exempt', async () => {
    const h = await startHarness({ env: { RATE_LIMIT_MAX: '3' } });
    try {
      const { token } = await h.login();
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await h.call('GET', '/v1/plans', { token })).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const limited = await h.call('GET', '/v1/plans', { token });
      expect(limited.body).toMatchObject({ code: 'BFF_RATE_LIMITED' });
      // Another user is not affected by the first one's limit.
      const other = await h.login();
      expect((await h.call('GET', '/v1/plans', { token: other.token })).status).toBe(200);
      for (let i = 0; i < 5; i++) {
        const n = await h.call('POST', '/v1/notify/edu-papay', { body: {} });
        expect(n.status).toBe(401);
      }
    } finally {
      await h.close();
    }
  });
});
