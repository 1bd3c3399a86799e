import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { TEST_IDS } from '@qianyue/sandbox/testing';
import { Agent, fetch as fetchFrom } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeNotification, vector } from '../../apps/bff/test/helpers/notification-suite.ts';
import { createRng, SEED } from '../src/prng.ts';
import { reportPart } from '../src/report.ts';
import { startWorld, type World } from '../src/world.ts';

/*
 * Abuse checks (issue 12): what an attacker on the network can do to a running BFF without any key.
 *  - rate-limit spoofing: X-Forwarded-For never buys a fresh bucket (TRUST_PROXY as a hop count);
 *  - slow clients: a connection trickling bytes is cut at the request timeout and blocks nobody;
 *  - notification floods from many addresses: rejection storage stays bounded, the real record survives,
 *    genuine notifications still go through;
 *  - unknown-serial floods: warn lines stay bounded, no error line, no stack.
 */
const LOGIN_MAX = 5;
const NOTIFY_MAX = 40;
const counts: Record<string, number> = {};

/** fetch from a chosen loopback source address (127.0.0.0/8 is all ours on Linux). */
function fromAddress(localAddress: string) {
  return new Agent({ localAddress });
}

function slowClient(url: string, everyMs: number): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const started = Date.now();
    const text = `POST /v1/auth/login HTTP/1.1\r\nHost: ${hostname}\r\nX-Slow: ${'a'.repeat(200)}`;
    let sent = 0;
    const socket = connect(Number(port), hostname);
    const timer = setInterval(() => {
      if (sent < text.length && !socket.destroyed) socket.write(text[sent++]!);
    }, everyMs);
    socket.on('close', () => {
      clearInterval(timer);
      resolve(Date.now() - started);
    });
    socket.on('error', () => {});
    socket.resume();
    setTimeout(() => socket.destroy(), 30_000).unref();
  });
}

describe('abuse', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld({
      name: 'abuse',
      env: {
        TRUST_PROXY: '1',
        LOGIN_RATE_LIMIT_MAX: String(LOGIN_MAX),
        NOTIFY_UNVERIFIED_MAX_PER_MINUTE: String(NOTIFY_MAX),
        HTTP_REQUEST_TIMEOUT_MS: '2000',
      },
      sandbox: { requestTimeoutMs: 2000 },
    });
  });
  afterAll(async () => {
    reportPart('abuse', counts);
    await w?.close();
  });

  it('spoofed X-Forwarded-For does not buy fresh login buckets (TRUST_PROXY=1)', async () => {
    const rng = createRng(SEED);
    const statuses: number[] = [];
    for (let i = 0; i < 3 * LOGIN_MAX; i++) {
      const spoof = Array.from({ length: 4 }, () => Math.floor(rng.next() * 255)).join('.');
      const r = await w.call<{ code: string }>('POST', '/v1/auth/login', {
        body: { code: `bogus-${i}` },
        // What a client behind one proxy controls: everything left of what the proxy appends.
        headers: { 'x-forwarded-for': `${spoof}, 203.0.113.50` },
      });
      statuses.push(r.status);
    }
    counts.spoofedLogins = statuses.length;
    counts.spoofedLoginsPassed = statuses.filter((s) => s !== 429).length;
    expect(counts.spoofedLoginsPassed).toBe(LOGIN_MAX);
  });

  it('slow clients are cut at the request timeout and block nobody', async () => {
    const slow = [
      ...Array.from({ length: 10 }, () => slowClient(w.bffs[0]!.url, 400)),
      ...Array.from({ length: 5 }, () => slowClient(w.sandboxUrl, 400)),
    ];
    const t0 = performance.now();
    const health = await fetch(`${w.bffs[0]!.url}/healthz`);
    const healthMs = performance.now() - t0;
    const closed = await Promise.all(slow);
    counts.slowClients = closed.length;
    counts.slowClientMaxHeldMs = Math.max(...closed);
    expect(health.status).toBe(200);
    expect(healthMs).toBeLessThan(1000);
    expect(Math.max(...closed)).toBeLessThan(6000);
  });

  it('a notification flood from many addresses stays bounded; the real record and genuine posts survive', async () => {
    const db = w.bffs[0]!.app.db;
    const url = `${w.bffs[0]!.url}/v1/notify/edu-papay`;
    // The real record: WeChat itself, signing with a key the BFF does not have yet (127.0.0.2).
    const realSerial = 'PUB_KEY_ID_0114000000000000000000000000NEW';
    const real = makeNotification({
      now: Math.floor(Date.now() / 1000),
      id: 'EV-REAL',
      eventType: 'ENTRUST.SIGNING',
      resource: {},
      serial: realSerial,
    });
    const wechat = fromAddress('127.0.0.2');
    await fetchFrom(url, {
      method: 'POST',
      headers: real.headers,
      body: real.body,
      dispatcher: wechat,
    });
    // The flood: 20 addresses × 60 unsigned posts, 20 at a time.
    const sources = Array.from({ length: 20 }, (_, i) => fromAddress(`127.0.1.${i + 1}`));
    const statuses: Record<number, number> = {};
    for (let round = 0; round < 60; round++) {
      const answers = await Promise.all(
        sources.map((d) =>
          fetchFrom(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: `{"id":"${randomBytes(4).toString('hex')}"}`,
            dispatcher: d,
          }).then(async (r) => {
            await r.text();
            return r.status;
          }),
        ),
      );
      for (const s of answers) statuses[s] = (statuses[s] ?? 0) + 1;
    }
    const rows = await db.selectFrom('notification_rejections').selectAll().execute();
    counts.floodPosts = 20 * 60;
    counts.floodAnswered429 = statuses[429] ?? 0;
    counts.rejectionRowsAfterFlood = rows.length;
    expect(statuses[401]).toBe(20 * NOTIFY_MAX);
    expect(statuses[429]).toBe(20 * (60 - NOTIFY_MAX));
    expect(rows.length).toBeLessThanOrEqual(22);
    expect(rows.find((r) => r.serial === realSerial && r.source === '127.0.0.2')).toBeDefined();
    for (const r of rows) expect(r.count).toBeLessThanOrEqual(NOTIFY_MAX);
    // A genuine notification (ours, WeChat-signed) from a flooding address still goes through: posts are
    // verified first, only refused ones are limited.
    const resource = { ...vector('edu-papay-signed').expect.plaintext, appid: TEST_IDS.appId };
    const genuine = makeNotification({
      now: Math.floor(Date.now() / 1000),
      id: 'EV-GENUINE',
      eventType: 'ENTRUST.SIGNING',
      resource,
    });
    const r = await fetchFrom(url, {
      method: 'POST',
      headers: genuine.headers,
      body: genuine.body,
      dispatcher: sources[0],
    });
    counts.genuineDuringFloodStatus = r.status;
    expect(r.status).toBe(204);
    for (const d of [wechat, ...sources]) await d.close();
  });

  it('an unknown-serial flood leaves a bounded number of warn lines, no error line, no stack', async () => {
    const first = w.bffLogs.lines.length;
    const now = Math.floor(Date.now() / 1000);
    const agents = Array.from({ length: 10 }, (_, i) => fromAddress(`127.0.2.${i + 1}`));
    for (let i = 0; i < 300; i++) {
      const n = makeNotification({
        now,
        id: `EV-U-${i}`,
        eventType: 'ENTRUST.SIGNING',
        resource: {},
        serial: randomBytes(20).toString('hex').toUpperCase(),
      });
      const r = await fetchFrom(`${w.bffs[0]!.url}/v1/notify/password-exempt`, {
        method: 'POST',
        headers: n.headers,
        body: n.body,
        dispatcher: agents[i % 10],
      });
      await r.text();
      expect(r.status === 500 || r.status === 429).toBe(true);
    }
    const lines = w.bffLogs.lines.slice(first).map((l) => JSON.parse(l) as { level: number });
    counts.unknownSerialPosts = 300;
    counts.unknownSerialWarnLines = lines.filter((l) => l.level === 40).length;
    counts.unknownSerialErrorLines = lines.filter((l) => l.level >= 50).length;
    expect(counts.unknownSerialErrorLines).toBe(0);
    expect(counts.unknownSerialWarnLines).toBeLessThanOrEqual(21);
    expect(w.bffLogs.lines.slice(first).join('')).not.toContain('"stack"');
    for (const a of agents) await a.close();
  });
});
