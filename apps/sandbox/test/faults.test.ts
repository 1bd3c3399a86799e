import { afterEach, describe, expect, it } from 'vitest';
import { loadSandboxConfig } from '../src/env.ts';
import {
  authorization,
  call,
  control,
  EDU_PRESIGN,
  eduPresignBody,
  FIX,
  fixture,
  QS_PRESIGN,
  qsPresignBody,
  type Receiver,
  type Running,
  startReceiver,
  startSandbox,
  verifyAnswer,
} from './helpers.ts';

describe('fault injection', () => {
  let sb: Running | undefined;
  let rx: Receiver | undefined;
  afterEach(async () => {
    await sb?.close();
    await rx?.close();
    sb = undefined;
    rx = undefined;
  });

  const presign = (s: Running, openid = `o${Math.random().toString(36).slice(2)}`) =>
    call(s.url, { method: 'POST', path: EDU_PRESIGN, body: eduPresignBody({ openid }) });

  it('systemErrorRate → signed 500 SYSTEM_ERROR, nothing processed', async () => {
    sb = await startSandbox();
    await control(sb.url, 'PUT', '/faults', { systemErrorRate: 1 });
    const a = await presign(sb);
    expect([a.status, a.json.code]).toEqual([500, 'SYSTEM_ERROR']);
    verifyAnswer(a.headers, a.text);
    expect(sb.app.sandbox.state.sessions.size).toBe(0);
  });

  it('systemErrorAfterRate → processed, then 500 (the retry must be idempotent)', async () => {
    sb = await startSandbox({ faults: { systemErrorAfterRate: 1 } });
    const a = await call(sb.url, {
      method: 'POST',
      path: QS_PRESIGN,
      body: qsPresignBody({ out_contract_code: 'QYafter1' }),
    });
    expect([a.status, a.json.code]).toEqual([500, 'SYSTEM_ERROR']);
    verifyAnswer(a.headers, a.text);
    expect(sb.app.sandbox.state.sessions.size).toBe(1);
  });

  it('rateLimitRate → 429 RATELIMIT_EXCEEDED', async () => {
    sb = await startSandbox();
    await control(sb.url, 'PUT', '/faults', { rateLimitRate: 1 });
    const a = await presign(sb);
    expect([a.status, a.json.code]).toEqual([429, 'RATELIMIT_EXCEEDED']);
    verifyAnswer(a.headers, a.text);
  });

  it('serviceUnavailableRate → signed 503 SERVICE_UNAVAILABLE, nothing processed, counted in stats', async () => {
    sb = await startSandbox();
    const put = await control(sb.url, 'PUT', '/faults', { serviceUnavailableRate: 1 });
    expect(put.json.serviceUnavailableRate).toBe(1);
    const a = await presign(sb);
    expect([a.status, a.json.code]).toEqual([503, 'SERVICE_UNAVAILABLE']);
    expect(typeof a.json.message).toBe('string');
    verifyAnswer(a.headers, a.text);
    expect(sb.app.sandbox.state.sessions.size).toBe(0);
    expect((await control(sb.url, 'GET', '/faults/stats')).json.serviceUnavailable).toBe(1);
  });

  it('unsignedErrorRate → error answers carry no Wechatpay-* header (Request-ID only); 2xx stay signed', async () => {
    sb = await startSandbox({ faults: { unsignedErrorRate: 1 } });
    const bad = await call(sb.url, { method: 'POST', path: EDU_PRESIGN, body: eduPresignBody({ x: 1 }) });
    expect([bad.status, bad.json.code]).toEqual([400, 'PARAM_ERROR']);
    for (const h of ['timestamp', 'nonce', 'signature', 'serial', 'signature-type'])
      expect(bad.headers.get(`wechatpay-${h}`)).toBeNull();
    expect(bad.headers.get('request-id')).toBeTruthy();
    const sign = await call(sb.url, {
      method: 'POST',
      path: EDU_PRESIGN,
      body: eduPresignBody(),
      timestamp: 1,
    });
    expect(sign.status).toBe(401);
    expect(sign.headers.get('wechatpay-signature')).toBeNull();
    const unknownPath = await call(sb.url, { method: 'GET', path: '/v3/no-such-api' });
    expect(unknownPath.status).toBe(404);
    expect(unknownPath.headers.get('wechatpay-signature')).toBeNull();
    const ok = await presign(sb);
    expect(ok.status).toBe(200);
    verifyAnswer(ok.headers, ok.text);
    expect((await control(sb.url, 'GET', '/faults/stats')).json.unsignedError).toBe(3);
  });

  it('unsignedErrorRate combines with other faults: a 503 goes out unsigned', async () => {
    sb = await startSandbox();
    await control(sb.url, 'PUT', '/faults', { serviceUnavailableRate: 1, unsignedErrorRate: 1 });
    const a = await presign(sb);
    expect(a.status).toBe(503);
    expect(a.headers.get('wechatpay-signature')).toBeNull();
  });

  const heldPresign = (s: Running, openid: string) => {
    const body = eduPresignBody({ openid });
    const headers = {
      authorization: authorization({ method: 'POST', path: EDU_PRESIGN, body }),
      'content-type': 'application/json',
      accept: 'application/json',
      'user-agent': 'sandbox-test',
    };
    const controller = new AbortController();
    const answer = fetch(s.url + EDU_PRESIGN, { method: 'POST', headers, body, signal: controller.signal });
    answer.catch(() => undefined);
    return { answer, abort: () => controller.abort() };
  };
  const stat = async (s: Running, kind: string) => (await control(s.url, 'GET', '/faults/stats')).json[kind];

  it('timeoutRate → held before processing: a client that gives up leaves nothing processed', async () => {
    sb = await startSandbox({ faults: { timeoutRate: 1, timeoutMs: 200 } });
    const held = heldPresign(sb, 'oTimeout');
    await expect.poll(() => stat(sb!, 'timeout')).toBe(1);
    held.abort(); // the client's own timeout fires while the sandbox holds the request
    await expect(held.answer).rejects.toThrow(/abort/i);
    await new Promise((r) => setTimeout(r, 400)); // let the hold run out (not an assertion on time)
    expect(sb.app.sandbox.state.sessions.size).toBe(0);
  });

  it('timeoutRate → a client that waits longer than timeoutMs gets the normal, signed answer', async () => {
    sb = await startSandbox({ faults: { timeoutRate: 1, timeoutMs: 100 } });
    const a = await presign(sb);
    expect(a.status).toBe(200);
    verifyAnswer(a.headers, a.text);
    expect(await stat(sb, 'timeout')).toBe(1);
  });

  it('timeoutAfterRate → processed first, then the answer is held: the client times out, yet it happened', async () => {
    sb = await startSandbox();
    await control(sb.url, 'PUT', '/faults', { timeoutAfterRate: 1, timeoutMs: 3000 });
    const held = heldPresign(sb, 'oTimeoutAfter');
    await expect.poll(() => stat(sb!, 'timeoutAfter')).toBe(1);
    expect(sb.app.sandbox.state.sessions.size).toBe(1);
    held.abort();
    await expect(held.answer).rejects.toThrow(/abort/i);
  });

  it('latencyMs delays the answer by at least that long', async () => {
    sb = await startSandbox();
    await control(sb.url, 'PUT', '/faults', { latencyMs: 150 });
    const t0 = performance.now();
    const a = await presign(sb);
    expect(a.status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('badSignatureRate → a 200 whose signature does not verify', async () => {
    sb = await startSandbox();
    await control(sb.url, 'PUT', '/faults', { badSignatureRate: 1 });
    const a = await presign(sb);
    expect(a.status).toBe(200);
    expect(() => verifyAnswer(a.headers, a.text)).toThrow('bad signature');
  });

  it('unknownSerialRate → Wechatpay-Serial names no known key', async () => {
    sb = await startSandbox();
    await control(sb.url, 'PUT', '/faults', { unknownSerialRate: 1 });
    const a = await presign(sb);
    expect(() => verifyAnswer(a.headers, a.text)).toThrow('unknown serial');
  });

  it('probeSignatureRate → WECHATPAY/SIGNTEST/ signature on the answer', async () => {
    sb = await startSandbox();
    await control(sb.url, 'PUT', '/faults', { probeSignatureRate: 1 });
    const a = await presign(sb);
    expect(a.headers.get('wechatpay-signature')).toMatch(/^WECHATPAY\/SIGNTEST\//);
  });

  it('per-route faults apply to that route only; DELETE /faults clears everything', async () => {
    sb = await startSandbox();
    await control(sb.url, 'PUT', '/faults', { routes: { [`POST ${QS_PRESIGN}`]: { systemErrorRate: 1 } } });
    expect((await presign(sb)).status).toBe(200);
    expect((await call(sb.url, { method: 'POST', path: QS_PRESIGN, body: qsPresignBody() })).status).toBe(
      500,
    );
    await control(sb.url, 'DELETE', '/faults');
    expect((await call(sb.url, { method: 'POST', path: QS_PRESIGN, body: qsPresignBody() })).status).toBe(
      200,
    );
  });

  it('PUT /faults rejects unknown knobs and rates outside [0, 1]', async () => {
    sb = await startSandbox();
    expect((await control(sb.url, 'PUT', '/faults', { serviceUnavailableRate: 1.5 })).status).toBe(400);
    expect((await control(sb.url, 'PUT', '/faults', { unsignedErrorRate: -1 })).status).toBe(400);
    expect((await control(sb.url, 'PUT', '/faults', { nope: 1 })).status).toBe(400);
    expect((await control(sb.url, 'PUT', '/faults', { systemErrorRate: 2 })).status).toBe(400);
    expect((await control(sb.url, 'PUT', '/faults', { notify: { dropFirstRate: 'x' } })).status).toBe(400);
  });

  it('the seeded PRNG makes a 50% fault rate reproducible run to run', async () => {
    const run = async () => {
      const s = await startSandbox({ seed: 7, faults: { rateLimitRate: 0.5 } });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await presign(s, `oSeed${i}`)).status);
      await s.close();
      return statuses;
    };
    const first = await run();
    expect(first).toContain(429);
    expect(first).toContain(200);
    expect(await run()).toEqual(first);
  });

  it('SANDBOX_FAULTS (JSON) configures faults at start', () => {
    const cfg = loadSandboxConfig({
      SANDBOX_MERCHANT_PUBLIC_KEY_PATH: `${FIX}/merchant/cert.pem`,
      SANDBOX_MERCHANT_SERIAL_PATH: `${FIX}/merchant/serial.txt`,
      SANDBOX_APIV3_KEY_PATH: `${FIX}/apiv3-key.txt`,
      SANDBOX_MINIPROGRAM_APP_SECRET: 'TESTONLYappSecret0000000000000000',
      SANDBOX_PLATFORM_PUBLIC_KEY_ID: fixture.publicKeyId,
      SANDBOX_PLATFORM_PUBLIC_KEY_PRIVATE_KEY_PATH: `${FIX}/platform/pubkey/private-key.pem`,
      SANDBOX_FAULTS: JSON.stringify({
        systemErrorRate: 0.1,
        serviceUnavailableRate: 0.2,
        unsignedErrorRate: 0.3,
        timeoutRate: 0.05,
        timeoutMs: 12000,
        notify: { duplicateRate: 1 },
      }),
    });
    expect(cfg.faults).toEqual({
      systemErrorRate: 0.1,
      serviceUnavailableRate: 0.2,
      unsignedErrorRate: 0.3,
      timeoutRate: 0.05,
      timeoutMs: 12000,
      notify: { duplicateRate: 1 },
    });
    expect(() =>
      loadSandboxConfig({
        SANDBOX_MERCHANT_PUBLIC_KEY_PATH: `${FIX}/merchant/cert.pem`,
        SANDBOX_MERCHANT_SERIAL: 'X',
        SANDBOX_APIV3_KEY_PATH: `${FIX}/apiv3-key.txt`,
        SANDBOX_MINIPROGRAM_APP_SECRET: 'TESTONLYappSecret0000000000000000',
        SANDBOX_FAULTS: '{"bogus":1}',
      }),
    ).toThrow(/SANDBOX_FAULTS/);
  });

  // ---- notification faults --------------------------------------------------------------------------

  const signEdu = async (s: Running, openid: string) => {
    const p = await presign(s, openid);
    return (await control(s.url, 'POST', `/sessions/${p.json.presign_token}/confirm`)).json;
  };
  const status = async (s: Running, contractId: string) =>
    (await control(s.url, 'GET', `/notifications?contractId=${contractId}`)).json.data[0].status;

  it('notify.dropFirstRate → the first send is logged as dropped, the retry delivers it', async () => {
    rx = await startReceiver([204]);
    sb = await startSandbox({ merchant: { eduNotifyUrl: rx.url }, faults: { notify: { dropFirstRate: 1 } } });
    const c = await signEdu(sb, 'oDrop');
    await rx.waitFor(1);
    await expect.poll(() => status(sb!, c.contractId)).toBe('delivered');
    const log = (await control(sb.url, 'GET', '/deliveries')).json.data;
    expect(log.map((d: { kind: string; attempt: number }) => [d.kind, d.attempt])).toEqual([
      ['dropped', 1],
      ['delivery', 2],
    ]);
    expect(rx.received).toHaveLength(1);
  });

  it('notify.duplicateRate → a successful delivery is sent again with the same id', async () => {
    rx = await startReceiver([204]);
    sb = await startSandbox({ merchant: { eduNotifyUrl: rx.url }, faults: { notify: { duplicateRate: 1 } } });
    await signEdu(sb, 'oDupNotify');
    const got = await rx.waitFor(2);
    expect(JSON.parse(got[0]!.body).id).toBe(JSON.parse(got[1]!.body).id);
    for (const r of got) verifyAnswer(r.headers, r.body);
  });

  it('notify.concurrentDuplicateRate → the first send goes out twice at once', async () => {
    rx = await startReceiver([204]);
    sb = await startSandbox({
      merchant: { eduNotifyUrl: rx.url },
      faults: { notify: { concurrentDuplicateRate: 1 } },
    });
    await signEdu(sb, 'oConcurrent');
    const got = await rx.waitFor(2);
    expect(got[0]!.body).toBe(got[1]!.body);
    const log = (await control(sb.url, 'GET', '/deliveries')).json.data;
    expect(log.map((d: { kind: string; attempt: number }) => [d.kind, d.attempt]).sort()).toEqual([
      ['concurrent-duplicate', 1],
      ['delivery', 1],
    ]);
  });

  it('notify.reorderRate → a later notification overtakes the held one (terminate before sign)', async () => {
    rx = await startReceiver([204]);
    sb = await startSandbox({
      merchant: { eduNotifyUrl: rx.url },
      notify: { reorderHoldMs: 60_000 },
      faults: { notify: { reorderRate: 1 } },
    });
    const c = await signEdu(sb, 'oReorder');
    // The SIGNING notification is held; the next one (with reordering off) is sent first, then the held one.
    await control(sb.url, 'PUT', '/faults', {});
    await control(sb.url, 'POST', `/contracts/${c.contractId}/user-terminate`);
    const got = await rx.waitFor(2);
    expect(got.map((r) => JSON.parse(r.body).event_type)).toEqual(['ENTRUST.RELEASE', 'ENTRUST.SIGNING']);
  });

  it('notify.probeRate → a WECHATPAY/SIGNTEST/ delivery precedes the real, verifiable one', async () => {
    rx = await startReceiver([401, 204]);
    sb = await startSandbox({ merchant: { eduNotifyUrl: rx.url }, faults: { notify: { probeRate: 1 } } });
    const c = await signEdu(sb, 'oProbe');
    const [probe, real] = await rx.waitFor(2);
    expect(probe!.headers['wechatpay-signature']).toMatch(/^WECHATPAY\/SIGNTEST\//);
    expect(() => verifyAnswer(probe!.headers, probe!.body)).toThrow();
    verifyAnswer(real!.headers, real!.body);
    await expect.poll(() => status(sb!, c.contractId)).toBe('delivered');
    const log = (await control(sb.url, 'GET', '/deliveries')).json.data;
    expect(log.map((d: { kind: string }) => d.kind)).toEqual(['probe', 'delivery']);
  });

  it('stableIds off → each retry carries a new envelope id', async () => {
    rx = await startReceiver([500, 204]);
    sb = await startSandbox({ merchant: { eduNotifyUrl: rx.url }, notify: { stableIds: false } });
    await signEdu(sb, 'oUnstable');
    const got = await rx.waitFor(2);
    expect(JSON.parse(got[0]!.body).id).not.toBe(JSON.parse(got[1]!.body).id);
  });
});
