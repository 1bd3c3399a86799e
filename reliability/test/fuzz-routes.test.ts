import { createHash, createPrivateKey } from 'node:crypto';
import { ERROR_CODES } from '@qianyue/api';
import { buildAuthorization, createRsaSigner } from '@qianyue/wechatpay';
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
import { signedContract, startWorld, type World } from '../src/world.ts';

/*
 * Every route, generated requests: the BFF API (every route of @qianyue/api plus /healthz, /readyz, /metrics,
 * /docs), both notify routes, the operations console API, and the sandbox's APIv3 and control routes — with
 * generated methods, paths, query strings (duplicated keys, broken escapes, impossible dates, NUL), headers
 * and bodies, signed in or not. Each answer must be a 2xx, or a 4xx in the route's error shape with a code;
 * never a 5xx, never a stack trace; and a refused input changes no row (BFF) and no contract (sandbox).
 * Seeded (RELIABILITY_SEED) and reproducible; RELIABILITY_FUZZ_RUNS scales the counts.
 */
/** Requests per run, sent together: the BFF, PostgreSQL and the sandbox overlap their waits. */
const BATCH = 8;

/** `n` inputs as n/BATCH runs of BATCH concurrent requests; still seeded, shrinkable and reproducible. */
// biome-ignore lint/suspicious/noExplicitAny: a tuple of arbitraries of any types, checked at the call site
function batched<A extends fc.Arbitrary<any>[]>(
  arbs: [...A],
  one: (...args: { [K in keyof A]: A[K] extends fc.Arbitrary<infer T> ? T : never }) => Promise<boolean>,
) {
  const tuple = fc.tuple(...arbs) as fc.Arbitrary<Parameters<typeof one>>;
  return fc.asyncProperty(fc.array(tuple, { minLength: BATCH, maxLength: BATCH }), async (batch) =>
    (await Promise.all(batch.map((args) => one(...args)))).every(Boolean),
  );
}
const ADMIN_TOKEN = 'reliability-admin-token-0123456789';
const PLAN_KEYS = new Set(['edu-monthly', 'vip-autopay']);
const STACK = /\n\s+at \S|"stack"\s*:|at (async )?[\w.<>]+ \(\/|node:internal/;

/** `page`: an HTML page (the sandbox's signing and login pages) may answer its 4xx as HTML. */
type Shape = 'api' | 'notify' | 'console' | 'sandbox' | 'page';
interface Reply {
  status: number;
  text: string;
  headers: Headers;
}

/** Query strings: none, generated pairs (keys repeat), hostile values, impossible dates. */
const queryString = fc.oneof(
  fc.constant(''),
  fc
    .array(
      fc.tuple(
        fc.oneof(
          fc.constantFrom(
            'reconcile',
            'from',
            'to',
            'plan',
            'state',
            'status',
            'limit',
            'days',
            'openid',
            'offset',
          ),
          segment,
        ),
        fc.oneof(
          segment,
          fc.constantFrom(
            '2026-13-45',
            '0000-00-00',
            '2026-02-30T25:61:00Z',
            '-1',
            '1e309',
            'true',
            '%00',
            '',
          ),
        ),
      ),
      { minLength: 1, maxLength: 4 },
    )
    .map((pairs) => `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`),
);
/** Extra request headers: random names and values fetch can send. */
const extraHeaders = fc.dictionary(
  fc.oneof(
    fc.constantFrom(
      'x-forwarded-for',
      'accept',
      'accept-encoding',
      'origin',
      'x-request-id',
      'request-id',
      'cookie',
      'range',
    ),
    fc.stringMatching(/^x-[a-z]{1,12}$/),
  ),
  headerText(80),
  { maxKeys: 3 },
);
const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS');

describe('every route, generated requests: 2xx or a 4xx with a code, never a 5xx or a stack', () => {
  let pg: TestPostgres | undefined;
  let w: World;
  let token: string;
  const tried: Record<string, number> = {};
  const statuses: Record<string, number> = {};
  const bad: string[] = [];
  const routesCovered = new Set<string>();
  let excused5xx = 0;

  const send = async (
    base: string,
    m: string,
    path: string,
    headers: Record<string, string>,
    raw?: string | Buffer,
  ) => {
    const clean = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== ''));
    try {
      const res = await fetch(`${base}${path}`, {
        method: m,
        headers: clean,
        ...(raw !== undefined && m !== 'GET' && m !== 'HEAD' ? { body: raw } : {}),
      });
      return { status: res.status, text: await res.text(), headers: res.headers };
    } catch (err) {
      return { status: -1, text: String((err as Error).cause ?? err), headers: new Headers() };
    }
  };

  /** The route's contract for one answer; records it. */
  const conforms = (target: string, route: string, shape: Shape, m: string, r: Reply): boolean => {
    tried[target] = (tried[target] ?? 0) + 1;
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    routesCovered.add(`${shape} ${route}`);
    let why = '';
    if (r.status < 0) why = `no answer (${r.text.slice(0, 80)})`;
    else if (r.status >= 500 && shape === 'notify' && /"unknown Wechatpay-Serial"/.test(r.text)) {
      // Deliberate (spec wechatpay-apiv3.md §2.6): WeChat must retry once the key set is fixed.
      excused5xx += 1;
    } else if (r.status >= 500) why = '5xx';
    else if (STACK.test(r.text)) why = 'stack trace in the answer';
    else if (r.status >= 400 && m !== 'HEAD' && shape !== 'page') {
      let b: Record<string, unknown> = {};
      try {
        b = JSON.parse(r.text);
      } catch {}
      if (typeof b.code !== 'string' || !b.code || typeof b.message !== 'string') why = 'no {code, message}';
      else if (shape === 'notify' && b.code !== 'FAIL') why = 'notify answer without code FAIL';
      else if (shape === 'api' && ERROR_CODES[b.code as keyof typeof ERROR_CODES] !== r.status)
        why = `code ${b.code} is not the catalogue's for ${r.status}`;
      else if (shape === 'api' && !isErrorBody(b)) why = 'not an ErrorBody with requestId';
    }
    if (why) bad.push(`${target} ${m} ${route}: ${why}: ${r.status} ${r.text.slice(0, 100)}`);
    return !why;
  };

  const bffDigest = async () => {
    const db = w.bffs[0]!.app.db;
    const tables = await Promise.all([
      db.selectFrom('contracts').selectAll().orderBy('id').execute(),
      db.selectFrom('sessions').selectAll().orderBy('id').execute(),
      db.selectFrom('notification_inbox').selectAll().orderBy('id').execute(),
    ]);
    return createHash('sha256').update(JSON.stringify(tables)).digest('hex');
  };
  const sandboxDigest = () =>
    createHash('sha256')
      .update(JSON.stringify([...w.sandbox.sandbox.state.contracts.entries()]))
      .digest('hex');

  beforeAll(async () => {
    if (pgAvailable) pg = await startPostgres();
    w = await startWorld({
      name: 'fuzz-routes',
      databaseUrl: pg ? await pg.createDatabase('fuzzroutes') : 'memory://',
      env: { ADMIN_TOKEN },
    });
    ({ token } = await signedContract(w));
  });
  afterAll(async () => {
    await w?.close();
    await pg?.stop();
  });

  it('BFF API: every route, any method, auth, query, headers and body', async () => {
    const before = await bffDigest();
    const routes: Array<{ m: string; path: (id: string) => string; route: string }> = [
      { m: 'GET', path: () => '/v1/plans', route: '/v1/plans' },
      { m: 'GET', path: () => '/v1/contracts', route: '/v1/contracts' },
      { m: 'GET', path: (id) => `/v1/contracts/${id}`, route: '/v1/contracts/:id' },
      { m: 'POST', path: (id) => `/v1/contracts/${id}/terminate`, route: '/v1/contracts/:id/terminate' },
      { m: 'POST', path: () => '/v1/contracts/presign', route: '/v1/contracts/presign' },
      { m: 'POST', path: () => '/v1/auth/login', route: '/v1/auth/login' },
      { m: 'POST', path: () => '/v1/auth/logout', route: '/v1/auth/logout' },
      { m: 'GET', path: () => '/healthz', route: '/healthz' },
      { m: 'GET', path: () => '/readyz', route: '/readyz' },
      { m: 'GET', path: () => '/metrics', route: '/metrics' },
      { m: 'GET', path: () => '/docs/json', route: '/docs/json' },
      { m: 'GET', path: (id) => `/v1/${id}`, route: '/v1/*' },
    ];
    await fc.assert(
      batched(
        [
          fc.constantFrom(...routes),
          fc.oneof(fc.constant('own'), method),
          segment,
          queryString,
          fc.constantFrom('none', 'forged', 'valid'),
          forgedToken,
          extraHeaders,
          body('planKey'),
          contentType,
        ],
        async (r, mm, id, q, auth, forged, extra, b, ct) => {
          const m = mm === 'own' ? r.m : mm;
          // A valid session may only meet inputs that must be refused: no logout, no known plan key.
          let a = auth;
          if (a === 'valid' && (r.route === '/v1/auth/logout' || PLAN_KEYS.has(tryJson(b)?.planKey ?? '')))
            a = 'forged';
          const headers: Record<string, string> = { ...extra, 'content-type': ct };
          if (a === 'valid') headers.authorization = `Bearer ${token}`;
          if (a === 'forged') headers.authorization = `Bearer ${forged}`;
          const reply = await send(w.bffs[0]!.url, m, `${r.path(id)}${q}`, headers, b);
          return conforms('bff-api', r.route, 'api', m, reply);
        },
      ),
      runs(3000 / BATCH),
    );
    expect(await bffDigest()).toBe(before);
  });

  it('notify routes: any headers, query and body', async () => {
    const before = await bffDigest();
    const wechatpay = fc.dictionary(
      fc.constantFrom(
        'wechatpay-timestamp',
        'wechatpay-nonce',
        'wechatpay-signature',
        'wechatpay-serial',
        'wechatpay-signature-type',
        'request-id',
      ),
      fc.oneof(headerText(60), fc.constant(String(Math.floor(Date.now() / 1000)))),
    );
    await fc.assert(
      batched(
        [
          fc.constantFrom('/v1/notify/edu-papay', '/v1/notify/password-exempt'),
          fc.oneof(fc.constant('POST'), method),
          queryString,
          wechatpay,
          extraHeaders,
          body('id'),
          contentType,
        ],
        async (route, m, q, wh, extra, b, ct) =>
          conforms(
            'notify',
            route,
            m === 'POST' ? 'notify' : 'api',
            m,
            await send(w.bffs[0]!.url, m, `${route}${q}`, { ...extra, ...wh, 'content-type': ct }, b),
          ),
      ),
      runs(1500 / BATCH),
    );
    expect(await bffDigest()).toBe(before);
  });

  it('operations console: every route, with no, a wrong or the right token, any query and id', async () => {
    const before = await bffDigest();
    const routes: Array<{ m: string; path: (id: string) => string; route: string }> = [
      { m: 'GET', path: () => '/admin/api/session', route: '/admin/api/session' },
      { m: 'GET', path: () => '/admin/api/plans', route: '/admin/api/plans' },
      { m: 'GET', path: () => '/admin/api/contracts', route: '/admin/api/contracts' },
      {
        m: 'POST',
        path: (id) => `/admin/api/contracts/${id}/reconcile`,
        route: '/admin/api/contracts/:id/reconcile',
      },
      { m: 'GET', path: () => '/admin/api/notifications', route: '/admin/api/notifications' },
      { m: 'GET', path: () => '/admin/api/stats/daily', route: '/admin/api/stats/daily' },
      { m: 'GET', path: () => '/admin/', route: '/admin/' },
      { m: 'GET', path: () => '/admin/console.js', route: '/admin/console.js' },
      { m: 'GET', path: (id) => `/admin/api/${id}`, route: '/admin/api/*' },
    ];
    await fc.assert(
      batched(
        [
          fc.constantFrom(...routes),
          fc.oneof(fc.constant('own'), method),
          segment,
          queryString,
          fc.constantFrom('none', 'wrong', 'right'),
          headerText(60),
          extraHeaders,
        ],
        async (r, mm, id, q, auth, wrong, extra) => {
          const m = mm === 'own' ? r.m : mm;
          const headers: Record<string, string> = { ...extra };
          if (auth === 'right') headers.authorization = `Bearer ${ADMIN_TOKEN}`;
          if (auth === 'wrong') headers.authorization = `Bearer ${wrong}`;
          // The real contract's id only with a wrong token (a right one may legitimately reconcile it).
          const reply = await send(
            w.bffs[0]!.url,
            m,
            `${r.path(id)}${q}`,
            headers,
            m === 'GET' ? undefined : '{}',
          );
          return conforms('console', r.route, 'console', m, reply);
        },
      ),
      runs(1500 / BATCH),
    );
    expect(await bffDigest()).toBe(before);
  });

  it('sandbox APIv3: signed by the merchant or not, any path id, query and body', async () => {
    const before = sandboxDigest();
    const signer = createRsaSigner({
      mchId: '1900000109',
      serialNo: fixtureText('merchant/serial.txt').trim(),
      privateKey: createPrivateKey(fixtureText('merchant/private-key.pem')),
    });
    const pe = '/v3/password-exempt-contract/contracts';
    const routes: Array<{ m: string; path: (id: string) => string; route: string }> = [
      { m: 'POST', path: () => '/v3/edu-papay/contracts/presign', route: 'edu presign' },
      { m: 'GET', path: (id) => `/v3/edu-papay/contracts/id/${id}`, route: 'edu query by id' },
      { m: 'DELETE', path: (id) => `/v3/edu-papay/contracts/${id}`, route: 'edu terminate' },
      { m: 'GET', path: (id) => `/v3/edu-papay/user/${id}/contracts`, route: 'edu query by user' },
      { m: 'POST', path: () => `${pe}/qs/pre-entrust-sign/mini-program`, route: 'pe pre-entrust-sign' },
      { m: 'GET', path: (id) => `${pe}/service-id/12535/out-contract-code/${id}`, route: 'pe query' },
      {
        m: 'POST',
        path: (id) => `${pe}/service-id/${id}/out-contract-code/${id}/terminate`,
        route: 'pe terminate',
      },
      { m: 'GET', path: () => '/v3/certificates', route: 'certificates' },
      { m: 'GET', path: () => '/sns/jscode2session', route: 'jscode2session' },
      { m: 'GET', path: (id) => `/v3/${id}`, route: '/v3/*' },
    ];
    await fc.assert(
      batched(
        [
          fc.constantFrom(...routes),
          fc.oneof(fc.constant('own'), method),
          segment,
          queryString,
          fc.boolean(),
          fc.oneof(
            anyJson.map((v) => JSON.stringify(v) ?? 'null'),
            body('out_contract_code'),
          ),
          extraHeaders,
        ],
        async (r, mm, id, q, signed, b, extra) => {
          const m = mm === 'own' ? r.m : mm;
          const pathWithQuery = `${r.path(id)}${q}`;
          const text = typeof b === 'string' ? b : b.toString('utf8');
          const headers: Record<string, string> = {
            ...extra,
            'content-type': 'application/json',
            accept: 'application/json',
          };
          if (signed) {
            const auth = buildAuthorization({
              signer,
              method: m,
              pathWithQuery,
              body: m === 'GET' || m === 'HEAD' ? '' : text,
            });
            headers.authorization = `WECHATPAY2-SHA256-RSA2048 ${auth.authorization}`;
          }
          const reply = await send(w.sandboxUrl, m, pathWithQuery, headers, text);
          return conforms('sandbox-apiv3', r.route, 'sandbox', m, reply);
        },
      ),
      runs(1500 / BATCH),
    );
    expect(sandboxDigest()).toBe(before);
  });

  it('sandbox control routes: any id, query and body (state-changing tooling excluded)', async () => {
    const before = sandboxDigest();
    const routes: Array<{ m: string; path: (id: string) => string; route: string; shape?: Shape }> = [
      { m: 'GET', path: () => '/__sandbox/health', route: 'health' },
      { m: 'POST', path: () => '/__sandbox/login-code', route: 'login-code' },
      { m: 'GET', path: (id) => `/__sandbox/sessions/${id}`, route: 'session' },
      { m: 'POST', path: (id) => `/__sandbox/sessions/${id}/confirm`, route: 'session confirm' },
      { m: 'POST', path: (id) => `/__sandbox/sessions/${id}/cancel`, route: 'session cancel' },
      { m: 'POST', path: () => '/__sandbox/sensitive/decrypt', route: 'sensitive decrypt' },
      { m: 'GET', path: () => '/__sandbox/contracts', route: 'contracts' },
      { m: 'GET', path: (id) => `/__sandbox/contracts/${id}`, route: 'contract' },
      { m: 'POST', path: (id) => `/__sandbox/contracts/${id}/user-terminate`, route: 'user-terminate' },
      { m: 'GET', path: () => '/__sandbox/deliveries', route: 'deliveries' },
      { m: 'GET', path: () => '/__sandbox/notifications', route: 'notifications' },
      { m: 'GET', path: () => '/__sandbox/faults/stats', route: 'fault stats' },
      { m: 'GET', path: () => '/__sandbox/platform', route: 'platform' },
      { m: 'GET', path: (id) => `/sign${id ? `?token=${id}` : ''}`, route: 'sign page', shape: 'page' },
      { m: 'GET', path: (id) => `/login?openid=${id}`, route: 'login page', shape: 'page' },
      { m: 'GET', path: (id) => `/__sandbox/${id}`, route: '/__sandbox/*' },
    ];
    await fc.assert(
      batched(
        [
          fc.constantFrom(...routes),
          segment,
          queryString,
          fc.oneof(
            anyJson.map((v) => JSON.stringify(v) ?? 'null'),
            unicodeString,
          ),
          extraHeaders,
        ],
        async (r, id, q, b, extra) => {
          const path = `${r.path(id)}${r.path(id).includes('?') ? q.replace('?', '&') : q}`;
          const reply = await send(
            w.sandboxUrl,
            r.m,
            path,
            { ...extra, 'content-type': 'application/json' },
            b,
          );
          return conforms('sandbox-control', r.route, r.shape ?? 'sandbox', r.m, reply);
        },
      ),
      runs(800 / BATCH),
    );
    expect(sandboxDigest()).toBe(before);
  });

  it('report: inputs fuzzed, routes covered, 5xx = 0, non-conforming = 0', async () => {
    const inputs = Object.values(tried).reduce((a, b) => a + b, 0);
    const fiveXx =
      Object.entries(statuses)
        .filter(([s]) => Number(s) >= 500)
        .reduce((a, [, n]) => a + n, 0) - excused5xx;
    reportPart('fuzz-routes', {
      seed: SEED,
      inputsFuzzed: inputs,
      routesCovered: routesCovered.size,
      byTarget: tried,
      statuses,
      unexcused5xx: fiveXx,
      excused5xxUnknownSerial: excused5xx,
      nonConforming: bad.length,
      rowsChanged: 0,
    });
    for (const b of bad.slice(0, 10)) console.log(`[reliability] NON-CONFORMING ${b}`);
    expect(bad.slice(0, 10)).toEqual([]);
    expect(fiveXx).toBe(0);
    expect(inputs).toBeGreaterThan(5000 * Math.min(1, RUNS));
  });
});

function tryJson(b: string | Buffer): { planKey?: string } | undefined {
  try {
    const v = JSON.parse(b.toString());
    return typeof v === 'object' && v !== null ? v : undefined;
  } catch {
    return undefined;
  }
}

/** @qianyue/api ErrorBody, with the requestId every BFF error must carry: {code, message, requestId}, nothing else. */
function isErrorBody(b: Record<string, unknown>): boolean {
  return (
    Object.keys(b).every((k) => k === 'code' || k === 'message' || k === 'requestId') &&
    typeof b.code === 'string' &&
    b.code.length > 0 &&
    b.code.length <= 64 &&
    typeof b.message === 'string' &&
    b.message.length > 0 &&
    typeof b.requestId === 'string'
  );
}
