import type { FaultConfig } from '@qianyue/sandbox';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type Consistency,
  checkConsistency,
  counterByLabel,
  notificationsSettled,
} from '../src/invariants.ts';
import { pgDescribe, startPostgres, type TestPostgres } from '../src/postgres.ts';
import { createRng, type Rng, SEED } from '../src/prng.ts';
import { reportPart } from '../src/report.ts';
import { findSecrets } from '../src/secrets.ts';
import { type Answer, sleep, startWorld, type World } from '../src/world.ts';

/*
 * Chaos run: USERS users sign concurrently through the real BFF (on a throwaway PostgreSQL) against the real
 * sandbox, which injects — from its seeded PRNG — 5xx (before and after processing), 429, timeouts, answers
 * with bad / probe / unknown-serial signatures on every APIv3 call, and dropped first deliveries, duplicated,
 * concurrently duplicated, reordered and probe notifications. The fault decisions are reproducible for a
 * seed and a given arrival order; arrival order under concurrency is not, so counts vary slightly run to run.
 */
const USERS = Number(process.env.RELIABILITY_USERS ?? 48);
const MAX_ATTEMPTS = 3; // the BFF's default WECHATPAY_MAX_ATTEMPTS
const FAULTS: FaultConfig = {
  systemErrorRate: 0.07,
  systemErrorAfterRate: 0.04,
  rateLimitRate: 0.03,
  badSignatureRate: 0.04,
  unknownSerialRate: 0.02,
  probeSignatureRate: 0.02,
  timeoutRate: 0.04,
  timeoutMs: 1500, // > the BFF's WECHATPAY_TIMEOUT_MS (1000)
  // Login (jscode2session) is not WeChat Pay: no faults there in this run.
  routes: { 'GET /sns/jscode2session': { systemErrorRate: 0, rateLimitRate: 0 } },
  notify: {
    dropFirstRate: 0.2,
    duplicateRate: 0.2,
    concurrentDuplicateRate: 0.15,
    reorderRate: 0.15,
    probeRate: 0.15,
  },
};
/** Codes the mini-program retries on (the request was valid; try again shortly). */
const RETRYABLE_CODES = new Set([
  'BFF_UPSTREAM_UNAVAILABLE',
  'BFF_UPSTREAM_TIMEOUT',
  'BFF_RATE_LIMITED',
  'BFF_DATABASE_UNAVAILABLE',
]);

interface Seen {
  user: string;
  what: string;
  status: number;
  code?: string;
  t0: number;
  t1: number;
}
interface Presign {
  contractId: string;
  reused: boolean;
  navigate: { extraData: Record<string, string> };
}
interface ContractView {
  state: string;
}

pgDescribe('chaos run')('chaos run: many users sign while WeChat misbehaves', () => {
  let pg: TestPostgres;
  let w: World;
  const seen: Seen[] = [];
  const outcomes = { confirmed: 0, cancelled: 0, userTerminated: 0, bffTerminated: 0, doubleTaps: 0 };
  const clientRetries = { login: 0, presign: 0, reconcile: 0, terminate: 0 };
  let consistency: Consistency;

  beforeAll(async () => {
    pg = await startPostgres();
    w = await startWorld({
      databaseUrl: await pg.createDatabase('chaos'),
      sandbox: { seed: SEED, faults: FAULTS, notify: { timeScale: 0.001, reorderHoldMs: 300 } },
    });
  });
  afterAll(async () => {
    await w?.close();
    await pg?.stop();
  });

  /** A BFF call as the mini-program makes it: retried client-side (bounded) while the code says "retry". */
  async function bff<T>(
    user: string,
    what: string,
    method: string,
    path: string,
    token: string,
    body?: unknown,
  ) {
    let a: Answer<T & { code?: string }>;
    for (let i = 0; ; i++) {
      a = await w.call<T & { code?: string }>(method, path, { token, ...(body ? { body } : {}) });
      const code = a.status >= 400 ? a.body?.code : undefined;
      seen.push({ user, what, status: a.status, ...(code ? { code } : {}), t0: a.t0, t1: a.t1 });
      if (!(a.status >= 429 && code && RETRYABLE_CODES.has(code)) || i >= 8) return a;
      clientRetries[what as keyof typeof clientRetries]++;
      await sleep(50 * (i + 1));
    }
  }

  /**
   * wx.login + POST /v1/auth/login, as the mini-program does it: a code is single-use, so after a failure
   * (401 code invalid — e.g. the BFF's retry of a timed-out jscode2session found it consumed — or a 5xx)
   * it asks wx.login for a new code and tries again.
   */
  async function login(): Promise<{ token: string; openid: string }> {
    let openid: string | undefined;
    for (let i = 0; ; i++) {
      const minted = await w.control<{ code: string; openid: string }>(
        'POST',
        '/login-code',
        openid ? { openid } : {},
      );
      openid = minted.openid;
      const a = await w.call<{ token: string; code?: string }>('POST', '/v1/auth/login', {
        body: { code: minted.code },
      });
      seen.push({
        user: openid,
        what: 'login',
        status: a.status,
        ...(a.body.code ? { code: a.body.code } : {}),
        t0: a.t0,
        t1: a.t1,
      });
      if (a.status === 200) return { token: a.body.token, openid };
      if (i >= 5 || !(a.body.code === 'BFF_LOGIN_CODE_INVALID' || a.status >= 500))
        throw new Error(`login: ${a.status} ${a.body.code}`);
      clientRetries.login++;
    }
  }

  async function user(rng: Rng): Promise<void> {
    const { token, openid } = await login();
    const planKey = rng.pick(['edu-monthly', 'vip-autopay'] as const);
    const doubleTap = rng.chance(0.25);
    if (doubleTap) outcomes.doubleTaps++;
    const presigns = await Promise.all(
      Array.from({ length: doubleTap ? 2 : 1 }, () =>
        bff<Presign>(openid, 'presign', 'POST', '/v1/contracts/presign', token, { planKey }),
      ),
    );
    for (const p of presigns) expect(p.status, JSON.stringify(p.body)).toBe(200);
    expect(new Set(presigns.map((p) => p.body.contractId)).size).toBe(1);
    const p = presigns[0]!.body;
    const session = Object.values(p.navigate.extraData)[0]!;
    const get = (reconcile: boolean) =>
      bff<ContractView>(
        openid,
        'reconcile',
        'GET',
        `/v1/contracts/${p.contractId}${reconcile ? '?reconcile=true' : ''}`,
        token,
      );

    if (rng.chance(0.2)) {
      outcomes.cancelled++;
      await w.control('POST', `/sessions/${session}/cancel`);
      const r = await get(true);
      expect(r.status).toBe(200);
      expect(r.body.state).toBe('PENDING');
      return;
    }
    outcomes.confirmed++;
    await w.control('POST', `/sessions/${session}/confirm`);
    // Half the users come back at once and ask for a reconcile; the others wait for the notification first.
    const patient = rng.chance(0.5);
    let state = '';
    for (let i = 0; i < 120 && state !== 'SIGNED' && state !== 'TERMINATED'; i++) {
      const r = await get(!patient || i >= 20);
      if (r.status >= 500 && process.env.RELIABILITY_DEBUG)
        console.log('poll', r.status, JSON.stringify(r.body));
      if (r.status === 200) state = r.body.state;
      if (state !== 'SIGNED') await sleep(50);
    }
    expect(state).toBe('SIGNED');
    const ending = rng.next();
    if (ending < 0.15) {
      outcomes.userTerminated++;
      const row = await w.bffs[0]!.app.contractsRepository.findById(p.contractId);
      await w.control('POST', `/contracts/${row!.wechat_contract_id}/user-terminate`);
    } else if (ending < 0.3) {
      outcomes.bffTerminated++;
      const t = await bff<ContractView>(
        openid,
        'terminate',
        'POST',
        `/v1/contracts/${p.contractId}/terminate`,
        token,
      );
      // 200 TERMINATED; or, when an earlier try of ours got a "retry" 5xx although WeChat had terminated it,
      // 409 NOT_TERMINABLE because the RELEASE notification got there first (the state is what counts).
      const again = seen.filter((x) => x.user === openid && x.what === 'terminate').length > 1;
      if (t.status === 409 && again) expect(t.body).toMatchObject({ code: 'BFF_CONTRACT_NOT_TERMINABLE' });
      else {
        expect(t.status, JSON.stringify(t.body)).toBe(200);
        expect(t.body.state).toBe('TERMINATED');
      }
    }
  }

  it(`${USERS} users sign concurrently; WeChat's signed contracts are all SIGNED in the BFF, none doubled`, async () => {
    const { monitorEventLoopDelay } = await import('node:perf_hooks');
    const h = monitorEventLoopDelay({ resolution: 10 });
    h.enable();
    const results = await Promise.allSettled(
      Array.from({ length: USERS }, (_, i) => user(createRng(SEED + i))),
    );
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(failed.map((f) => String(f.reason)).slice(0, 5)).toEqual([]);

    h.disable();
    if (process.env.RELIABILITY_DEBUG)
      console.log('event loop delay max ms', h.max / 1e6, 'p99', h.percentile(99) / 1e6);
    await notificationsSettled(w);
    // The user-terminated contracts' notifications may still be on their way: the inbox decides, then a
    // final reconcile (faults off) for anything still PENDING — what the BFF's reconcile is for.
    await w.control('DELETE', '/faults');
    const pending = await w.bffs[0]!.app.db.selectFrom('contracts')
      .selectAll()
      .where('state', '=', 'PENDING')
      .execute();
    for (const row of pending) await w.bffs[0]!.app.contracts.get(row.openid, row.id, true);
    consistency = await checkConsistency(w);
    expect(consistency.lost).toEqual([]);
    expect(consistency.doubled).toEqual([]);
    expect(consistency.notInInboxOnce).toEqual([]);
    expect(consistency.gaveUp).toBe(0);
    expect(consistency.sandboxSigned + consistency.sandboxTerminated).toBe(outcomes.confirmed);
    expect(consistency.sandboxTerminated).toBe(outcomes.userTerminated + outcomes.bffTerminated);
  });

  it('no user got a 5xx for a valid request unless the BFF had used up its retries on retryable failures', () => {
    // Every request in this run is valid. A 5xx is excused only when it says "retry" (503/504 code) AND
    // the sandbox answered that user at least MAX_ATTEMPTS times during the request, every time with a
    // retryable failure (5xx/429, timeout, unverifiable answer) — i.e. the BFF did retry internally.
    const unexcused: string[] = [];
    let excused = 0;
    for (const s of seen.filter((x) => x.status >= 500 && x.what !== 'login')) {
      const calls = w.upstream.calls.filter((c) => c.openid === s.user && c.t0 >= s.t0 && c.t0 <= s.t1);
      const failures = calls.filter((c) => c.cls !== 'ok').length;
      const ok =
        (s.code === 'BFF_UPSTREAM_UNAVAILABLE' || s.code === 'BFF_UPSTREAM_TIMEOUT') &&
        failures >= MAX_ATTEMPTS;
      if (ok) excused++;
      else {
        unexcused.push(`${s.what} ${s.status} ${s.code}: ${failures}/${calls.length} upstream failures`);
        if (process.env.RELIABILITY_DEBUG) {
          const all = w.upstream.calls.filter((c) => c.openid === s.user);
          console.log(
            s.what,
            Math.round(s.t1 - s.t0),
            JSON.stringify(all.map((c) => [c.op, c.cls, Math.round(c.t0 - s.t0), Math.round(c.t1 - c.t0)])),
          );
        }
      }
    }
    const up = w.upstream.calls;
    const byClass: Record<string, number> = {};
    for (const c of up) byClass[c.cls] = (byClass[c.cls] ?? 0) + 1;
    const absorbed = seen.filter(
      (s) =>
        s.status < 500 &&
        up.some((c) => c.openid === s.user && c.t0 >= s.t0 && c.t0 <= s.t1 && c.cls !== 'ok'),
    ).length;
    (globalThis as { __chaos?: unknown }).__chaos = { unexcused, excused, byClass, absorbed };
    expect(unexcused).toEqual([]);
    expect(byClass.ok ?? 0).toBeGreaterThan(0);
    // The faults really happened: a meaningful share of answers was a retryable failure.
    expect(up.length - (byClass.ok ?? 0)).toBeGreaterThan(10);
  });

  it('the captured logs and every answer seen hold no secret', async () => {
    const leaks = findSecrets(w.logs.text() + w.answers.join('\n'));
    if (process.env.RELIABILITY_DEBUG) {
      const { writeFileSync } = await import('node:fs');
      writeFileSync('/tmp/rel-logs.txt', w.logs.text());
      writeFileSync('/tmp/rel-answers.txt', w.answers.join('\n'));
    }
    const c = (
      globalThis as { __chaos?: { unexcused: string[]; excused: number; byClass: object; absorbed: number } }
    ).__chaos;
    reportPart('chaos', {
      seed: SEED,
      users: USERS,
      ...outcomes,
      bffRequests: seen.length,
      clientRetries,
      excused5xx: c?.excused,
      unexcused5xx: c?.unexcused.length,
      requestsThatAbsorbedUpstreamFaults: c?.absorbed,
      upstreamCalls: w.upstream.calls.length,
      upstreamByClass: c?.byClass,
      faultsInjected: await w.control('GET', '/faults/stats'),
      notifications: consistency?.notifications,
      notificationDeliveries: consistency?.deliveriesOk,
      deliveriesByKind: consistency?.deliveries,
      notificationsApplied: consistency?.notificationsApplied,
      inboxOutcomes: consistency?.inboxOutcomes,
      bffNotificationOutcomes: await counterByLabel(w, 'bff_notifications_total', 'outcome'),
      lost: consistency?.lost.length,
      doubled: consistency?.doubled.length,
      logBytes: w.logs.text().length,
      secretLeaks: leaks.length,
    });
    expect(leaks).toEqual([]);
  });
});
