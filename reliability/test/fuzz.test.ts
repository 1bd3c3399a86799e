import { createHash, createPrivateKey, createSign, randomBytes } from 'node:crypto';
import { ERROR_CODES } from '@qianyue/api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureText } from '../../apps/bff/test/helpers/harness.ts';
import {
  anyJson,
  body,
  contentType,
  forgedToken,
  headerText,
  RUNS,
  runs,
  segment,
  unicodeString,
} from '../src/arbitraries.ts';
import { pgAvailable, startPostgres, type TestPostgres } from '../src/postgres.ts';
import { SEED } from '../src/prng.ts';
import { reportPart } from '../src/report.ts';
import { findSecrets } from '../src/secrets.ts';
import { type Answer, signedContract, startWorld, type World } from '../src/world.ts';

/*
 * Bad input: property-based fuzzing (fast-check, fixed seed) of every BFF route and both notify routes.
 * Every input is invalid, forged or replayed, so every answer must be a 4xx with a stable code — one of
 * @qianyue/api ERROR_CODES with its own status on BFF routes, WeChat's {code:'FAIL'} on notify routes — never
 * a 5xx, and the database rows (contracts, sessions, inbox) must be byte-for-byte the same afterwards.
 * Two deliberate exceptions, asserted as such: an exact replay of a genuine notification is acknowledged
 * (204, a duplicate: WeChat itself resends), and an unknown Wechatpay-Serial is 500 FAIL (spec
 * wechatpay-apiv3.md §2.6: "answer 5xx so it will be retried after the key set is fixed").
 */
const PLAN_KEYS = new Set(['edu-monthly', 'vip-autopay']);

const platformKey = createPrivateKey(fixtureText('platform/private-key.pem'));
const platformSerial = fixtureText('platform/serial.txt').trim();
const now = () => Math.floor(Date.now() / 1000);

function signNotification(body: string, o: { ts?: number; serial?: string } = {}): Record<string, string> {
  const ts = String(o.ts ?? now());
  const nonce = randomBytes(16).toString('hex');
  const signature = createSign('RSA-SHA256').update(`${ts}\n${nonce}\n${body}\n`).sign(platformKey, 'base64');
  return {
    'content-type': 'application/json',
    'wechatpay-timestamp': ts,
    'wechatpay-nonce': nonce,
    'wechatpay-signature': signature,
    'wechatpay-serial': o.serial ?? platformSerial,
    'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048',
  };
}

// ---- the suite ---------------------------------------------------------------------------------------------
describe('bad input never reaches a 5xx and changes no row', () => {
  let pg: TestPostgres | undefined;
  let w: World;
  let token: string;
  let signedContractId: string;
  let genuine: { headers: Record<string, string>; body: string };
  let before: string;
  const tried: Record<string, number> = {};
  const statuses: Record<string, number> = {};
  const bad: string[] = [];

  const digest = async () => {
    const db = w.bffs[0]!.app.db;
    const tables = await Promise.all([
      db.selectFrom('contracts').selectAll().orderBy('id').execute(),
      db.selectFrom('sessions').selectAll().orderBy('id').execute(),
      db.selectFrom('notification_inbox').selectAll().orderBy('id').execute(),
    ]);
    return createHash('sha256').update(JSON.stringify(tables)).digest('hex');
  };
  const count = (what: string, a: Answer<unknown>) => {
    tried[what] = (tried[what] ?? 0) + 1;
    statuses[a.status] = (statuses[a.status] ?? 0) + 1;
  };
  /** BFF route: 4xx whose code is in ERROR_CODES with exactly that status. */
  const expectStable = (what: string, a: Answer<{ code?: string } | undefined>) => {
    count(what, a);
    const code = a.body?.code;
    const ok =
      a.status >= 400 &&
      a.status < 500 &&
      !!code &&
      ERROR_CODES[code as keyof typeof ERROR_CODES] === a.status;
    if (!ok) bad.push(`${what}: ${a.status} ${JSON.stringify(a.body).slice(0, 120)}`);
    if (!ok && process.env.RELIABILITY_DEBUG) console.log('BAD', what, a.status, JSON.stringify(a.body));
    return ok;
  };
  /** Notify route: 4xx with WeChat's {code:'FAIL', message}. */
  const expectFail = (what: string, a: Answer<{ code?: string } | undefined>) => {
    count(what, a);
    const ok = a.status >= 400 && a.status < 500 && a.body?.code === 'FAIL';
    if (!ok) bad.push(`${what}: ${a.status} ${JSON.stringify(a.body).slice(0, 120)}`);
    return ok;
  };
  const send = (
    method: string,
    path: string,
    raw: string | Buffer | undefined,
    headers: Record<string, string>,
  ) =>
    w.call<{ code?: string }>(method, path, {
      ...(raw !== undefined && method !== 'GET' ? { raw } : {}),
      headers: Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== '')),
    });

  beforeAll(async () => {
    if (pgAvailable) pg = await startPostgres();
    else console.warn('\n!!! PostgreSQL binaries not found: fuzzing on PGlite (in memory) instead. !!!\n');
    w = await startWorld({ databaseUrl: pg ? await pg.createDatabase('fuzz') : 'memory://' });
    // A world with some state: a user with a SIGNED contract, its notification applied.
    ({ token, contractId: signedContractId } = await signedContract(w));
    // A genuine notification (as WeChat would sign it) for that contract: its replays must change nothing.
    const { data } = await w.control<{ data: Array<{ resource: unknown; eventType: string }> }>(
      'GET',
      '/notifications',
    );
    const { encryptResource } = await import('@qianyue/wechatpay');
    const nonce = 'ReplayNonce1';
    const envelope = JSON.stringify({
      id: 'EV-REPLAY-0001',
      create_time: new Date().toISOString(),
      resource_type: 'encrypt-resource',
      event_type: data[0]!.eventType,
      summary: '签约成功',
      resource: {
        original_type: 'contract',
        algorithm: 'AEAD_AES_256_GCM',
        ciphertext: encryptResource({
          apiV3Key: Buffer.from(fixtureText('apiv3-key.txt').trim()),
          nonce,
          associatedData: '',
          plaintext: JSON.stringify(data[0]!.resource),
        }),
        associated_data: '',
        nonce,
      },
    });
    genuine = { headers: signNotification(envelope), body: envelope };
    before = await digest();
  });
  afterAll(async () => {
    await w?.close();
    await pg?.stop();
  });

  it('POST /v1/auth/login: malformed JSON, wrong types, unicode, huge bodies, wrong content types', async () => {
    await fc.assert(
      fc.asyncProperty(body('code'), contentType, async (b, ct) =>
        expectStable('login', await send('POST', '/v1/auth/login', b, { 'content-type': ct })),
      ),
      runs(400),
    );
    expect(await digest()).toBe(before);
  });

  it('POST /v1/contracts/presign (signed in): every body that is not a known planKey', async () => {
    await fc.assert(
      fc.asyncProperty(
        body('planKey').filter((b) => {
          try {
            return !PLAN_KEYS.has(JSON.parse(b.toString()).planKey);
          } catch {
            return true;
          }
        }),
        contentType,
        async (b, ct) =>
          expectStable(
            'presign',
            await send('POST', '/v1/contracts/presign', b, {
              'content-type': ct,
              authorization: `Bearer ${token}`,
            }),
          ),
      ),
      runs(300),
    );
    expect(await digest()).toBe(before);
  });

  it('every signed-in route with a missing, malformed or forged session token', async () => {
    const routes: Array<[string, string]> = [
      ['GET', '/v1/plans'],
      ['GET', '/v1/contracts'],
      ['GET', `/v1/contracts/${signedContractId}?reconcile=true`],
      ['POST', `/v1/contracts/${signedContractId}/terminate`],
      ['POST', '/v1/contracts/presign'],
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.oneof(
          forgedToken.map((t) => `Bearer ${t}`),
          forgedToken,
          fc.constant(''),
        ),
        async ([method, path], auth) =>
          expectStable(
            'auth',
            await send(method, path, method === 'POST' ? '{"planKey":"edu-monthly"}' : undefined, {
              'content-type': 'application/json',
              authorization: auth,
            }),
          ),
      ),
      runs(300),
    );
    expect(await digest()).toBe(before);
  });

  it('GET /v1/contracts/:id and POST …/terminate: any id, any query', async () => {
    await fc.assert(
      fc.asyncProperty(
        segment,
        fc.oneof(
          fc.constant(''),
          segment.map((s) => `?reconcile=${s}`),
          fc.tuple(segment, segment).map(([k, v]) => `?${k}=${v}`),
        ),
        fc.boolean(),
        async (id, query, terminate) =>
          expectStable(
            'contract',
            await send(
              terminate ? 'POST' : 'GET',
              `/v1/contracts/${id}${terminate ? '/terminate' : ''}${query}`,
              undefined,
              {
                authorization: `Bearer ${token}`,
              },
            ),
          ),
      ),
      runs(400),
    );
    expect(await digest()).toBe(before);
  });

  it('unknown routes and methods', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
        fc.array(segment, { minLength: 1, maxLength: 4 }),
        async (m, segs) => {
          const path = `/v1/${segs.join('/')}`;
          return expectStable(
            'unknown-route',
            await send(m, path, m === 'GET' || m === 'DELETE' ? undefined : '{}', {
              authorization: `Bearer ${token}`,
            }),
          );
        },
      ),
      runs(150),
    );
    expect(await digest()).toBe(before);
  });

  const notifyRoute = fc.constantFrom('/v1/notify/edu-papay', '/v1/notify/password-exempt');

  it('notify routes: garbage bodies and headers', async () => {
    await fc.assert(
      fc.asyncProperty(
        notifyRoute,
        body('id'),
        fc.dictionary(
          fc.constantFrom(
            'wechatpay-timestamp',
            'wechatpay-nonce',
            'wechatpay-signature',
            'wechatpay-serial',
            'wechatpay-signature-type',
          ),
          headerText(60),
        ),
        contentType,
        async (route, b, h, ct) =>
          expectFail('notify-garbage', await send('POST', route, b, { ...h, 'content-type': ct })),
      ),
      runs(300),
    );
    expect(await digest()).toBe(before);
  });

  it('notify routes: forged signatures, replayed signatures on other bytes, stale timestamps', async () => {
    await fc.assert(
      fc.asyncProperty(
        notifyRoute,
        fc.oneof(
          // a forged signature (random bytes) on the genuine body
          fc.uint8Array({ minLength: 256, maxLength: 256 }).map((sig) => ({
            headers: { ...genuine.headers, 'wechatpay-signature': Buffer.from(sig).toString('base64') },
            body: genuine.body,
          })),
          // the genuine signature replayed on other bytes
          fc
            .tuple(
              fc.nat(genuine.body.length),
              unicodeString.filter((s) => s.length > 0),
            )
            .map(([at, s]) => ({
              headers: genuine.headers,
              body: genuine.body.slice(0, at) + s + genuine.body.slice(at),
            })),
          // a probe signature
          fc.constant({
            headers: { ...genuine.headers, 'wechatpay-signature': `WECHATPAY/SIGNTEST/${'A'.repeat(40)}` },
            body: genuine.body,
          }),
          // genuinely signed, but too old or too far ahead (replay outside the 5-minute window)
          fc.integer({ min: 301, max: 10_000_000 }).chain((d) =>
            fc.constantFrom(-d, d).map((delta) => ({
              headers: signNotification(genuine.body, { ts: now() + delta }),
              body: genuine.body,
            })),
          ),
        ),
        async (route, n) => expectFail('notify-forged', await send('POST', route, n.body, n.headers)),
      ),
      runs(300),
    );
    expect(await digest()).toBe(before);
  });

  it('notify routes: correctly signed by WeChat but malformed, undecryptable or oversized', async () => {
    await fc.assert(
      fc.asyncProperty(
        notifyRoute,
        fc.oneof(
          anyJson.map((v) => JSON.stringify(v) ?? 'null'),
          fc.string({ unit: 'binary', maxLength: 80 }).map((s) => Buffer.from(s).toString('utf8')),
          fc
            .record({
              id: unicodeString,
              event_type: fc.constantFrom(
                'ENTRUST.SIGNING',
                'ENTRUST.RELEASE',
                'ENTRUST.SIGN',
                'ENTRUST.TERMINATE',
                'X',
              ),
              algorithm: fc.constantFrom('AEAD_AES_256_GCM', 'AES', ''),
              ciphertext: fc.base64String({ maxLength: 120 }),
              nonce: fc.string({ maxLength: 14 }),
            })
            .map((r) =>
              JSON.stringify({
                id: r.id,
                create_time: new Date().toISOString(),
                resource_type: 'encrypt-resource',
                event_type: r.event_type,
                resource: {
                  algorithm: r.algorithm,
                  ciphertext: r.ciphertext,
                  nonce: r.nonce,
                  associated_data: '',
                },
              }),
            ),
          fc.integer({ min: 17_000, max: 100_000 }).map((n) => JSON.stringify({ id: 'x'.repeat(n) })),
        ),
        async (route, b) => expectFail('notify-malformed', await send('POST', route, b, signNotification(b))),
      ),
      runs(300),
    );
    expect(await digest()).toBe(before);
  });

  it('notify routes: an exact replay of a genuine notification is acknowledged once more and changes nothing', async () => {
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        send(
          'POST',
          i % 2 ? '/v1/notify/password-exempt' : '/v1/notify/edu-papay',
          genuine.body,
          genuine.headers,
        ),
      ),
    );
    for (const a of answers) count('notify-replay', a);
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 204));
    expect(await digest()).toBe(before);
  });

  it('notify routes: an unknown Wechatpay-Serial is 500 FAIL by design (spec §2.6), and changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        notifyRoute,
        headerText(40).map((s) => s.replace(/\s/g, 'x') || 'x'),
        async (route, serial) => {
          if (serial === platformSerial || serial.startsWith('PUB_KEY_ID_')) return true;
          const a = await send('POST', route, genuine.body, {
            ...genuine.headers,
            'wechatpay-serial': serial,
          });
          count('notify-unknown-serial', a);
          return a.status === 500 && (a.body as { code?: string }).code === 'FAIL';
        },
      ),
      runs(50),
    );
    expect(await digest()).toBe(before);
  });

  it('every answer was a stable 4xx, no 5xx (except the unknown serial), no secret in logs or answers', () => {
    const inputs = Object.values(tried).reduce((a, b) => a + b, 0);
    const leaks = findSecrets(w.logs.text() + w.answers.join('\n'));
    reportPart('fuzz', {
      seed: SEED,
      inputsFuzzed: inputs,
      byTarget: tried,
      statuses,
      nonConforming: bad.length,
      rowsChanged: 0,
      logBytes: w.logs.text().length,
      secretLeaks: leaks.length,
    });
    expect(bad.slice(0, 10)).toEqual([]);
    expect(leaks).toEqual([]);
    // About 2,500 planned runs at RUNS = 1: a floor that scales with RELIABILITY_FUZZ_RUNS, so a short run is not red.
    expect(inputs).toBeGreaterThan(1000 * RUNS);
  });
});
