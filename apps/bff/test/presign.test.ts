import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './helpers/harness.ts';
import { claimsAndMembersOf } from './helpers/presign.ts';

interface Presign {
  contractId: string;
  navigate: { appId: string; path: string; extraData: Record<string, string> };
  expiresAt: string;
  reused: boolean;
}

describe('POST /v1/contracts/presign against the sandbox', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  const presign = (token: string, planKey: string) =>
    h.call<Presign>('POST', '/v1/contracts/presign', { token, body: { planKey } });

  it('edu-papay: navigates to wx7a985467cbd06913 / pages/index/index with the presign_token', async () => {
    const { token, openid } = await h.login();
    const res = await presign(token, 'edu-monthly');
    expect(res.status).toBe(200);
    expect(res.body.reused).toBe(false);
    expect(res.body.navigate.appId).toBe('wx7a985467cbd06913');
    expect(res.body.navigate.path).toBe('pages/index/index');
    expect(Object.keys(res.body.navigate.extraData)).toEqual(['presign_token']);
    const session = await h.control<{ status: string; openid: string }>(
      'GET',
      `/sessions/${res.body.navigate.extraData.presign_token}`,
    );
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({ status: 'PENDING', openid });
    expect(Date.parse(res.body.expiresAt)).toBe((h.clock.now() + 7200) * 1000);
  });

  it('password-exempt: navigates to sign_mp_appid / sign_mp_path with {pre_entrustweb_id}', async () => {
    const { token } = await h.login();
    const res = await presign(token, 'vip-autopay');
    expect(res.status).toBe(200);
    expect(res.body.navigate.appId).toBe('wxbd687630cd02ce1d');
    expect(res.body.navigate.path).toBe('pages/PwdExemptContract/index');
    expect(Object.keys(res.body.navigate.extraData)).toEqual(['pre_entrustweb_id']);
    const session = await h.control('GET', `/sessions/${res.body.navigate.extraData.pre_entrustweb_id}`);
    expect(session.status).toBe(200);
    const row = await h.app.contractsRepository.findById(res.body.contractId);
    expect(row?.out_contract_code).toMatch(/^[0-9A-Za-z]{32}$/);
  });

  it('a double tap returns the same live presign without a second WeChat call', async () => {
    const { token, openid } = await h.login();
    const first = await presign(token, 'vip-autopay');
    const second = await presign(token, 'vip-autopay');
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ ...first.body, reused: true });
    const sessions = await h.app.db
      .selectFrom('contracts')
      .selectAll()
      .where('openid', '=', openid)
      .execute();
    expect(sessions).toHaveLength(1);
  });

  it('concurrent presigns for one user and plan make exactly one WeChat call', async () => {
    const { token, openid } = await h.login();
    await h.control('PUT', '/faults', {
      routes: { 'POST /v3/edu-papay/contracts/presign': { latencyMs: 150 } },
    });
    try {
      const answers = await Promise.all(Array.from({ length: 5 }, () => presign(token, 'edu-monthly')));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
      const ids = new Set(answers.map((a) => a.body.contractId));
      const tokens = new Set(answers.map((a) => a.body.navigate.extraData.presign_token));
      expect(ids.size).toBe(1);
      expect(tokens.size).toBe(1);
      expect(answers.filter((a) => !a.body.reused)).toHaveLength(1);
      const rows = await h.app.db.selectFrom('contracts').selectAll().where('openid', '=', openid).execute();
      expect(rows).toHaveLength(1);
    } finally {
      await h.control('DELETE', '/faults');
    }
  });

  it('a flaky WeChat (500s) is retried within bounds and leaves at most one contract', async () => {
    const { token, openid } = await h.login();
    // The sandbox processes the request, then answers 500: the retry must be recognised as the same session.
    await h.control('PUT', '/faults', {
      routes: {
        'POST /v3/password-exempt-contract/contracts/qs/pre-entrust-sign/mini-program': {
          systemErrorRate: 0.5,
        },
      },
    });
    try {
      const res = await presign(token, 'vip-autopay');
      expect([200, 503]).toContain(res.status);
      if (res.status === 200) {
        const rows = await h.app.db
          .selectFrom('contracts')
          .selectAll()
          .where('openid', '=', openid)
          .execute();
        expect(rows).toHaveLength(1);
      }
    } finally {
      await h.control('DELETE', '/faults');
    }
  });

  it('WeChat failing on every attempt → 503 BFF_UPSTREAM_UNAVAILABLE and no contract left behind', async () => {
    const { token, openid } = await h.login();
    await h.control('PUT', '/faults', {
      routes: { 'POST /v3/edu-papay/contracts/presign': { systemErrorRate: 1 } },
    });
    try {
      const res = await presign(token, 'edu-monthly');
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ code: 'BFF_UPSTREAM_UNAVAILABLE' });
      const rows = await h.app.db.selectFrom('contracts').selectAll().where('openid', '=', openid).execute();
      expect(rows).toHaveLength(0);
      const metrics = await h.call<string>('GET', '/metrics');
      expect(metrics.body).toMatch(
        /bff_upstream_errors_total\{operation="edu-papay.presign",code="SYSTEM_ERROR"\} [1-9]/,
      );
    } finally {
      await h.control('DELETE', '/faults');
    }
  });

  it('answers with bad signatures are not trusted: 503 after bounded retries, nothing stored', async () => {
    const { token, openid } = await h.login();
    await h.control('PUT', '/faults', {
      routes: { 'POST /v3/edu-papay/contracts/presign': { badSignatureRate: 1 } },
    });
    try {
      const res = await presign(token, 'edu-monthly');
      expect(res.status).toBe(503);
      const rows = await h.app.db.selectFrom('contracts').selectAll().where('openid', '=', openid).execute();
      expect(rows).toHaveLength(0);
    } finally {
      await h.control('DELETE', '/faults');
    }
  });

  it('a WeChat timeout → 504 BFF_UPSTREAM_TIMEOUT', async () => {
    const { token } = await h.login();
    await h.control('PUT', '/faults', {
      routes: { 'POST /v3/edu-papay/contracts/presign': { latencyMs: 2500 } },
    });
    try {
      const res = await presign(token, 'edu-monthly');
      expect(res.status).toBe(504);
      expect(res.body).toMatchObject({ code: 'BFF_UPSTREAM_TIMEOUT' });
    } finally {
      await h.control('DELETE', '/faults');
    }
  });

  it('reads the session in its own claim: a logout on another replica stops presigns at once, nothing written', async () => {
    const { token, openid } = await h.login();
    // The login left the session in this replica's cache; another replica's logout deletes only the row.
    await h.app.db.deleteFrom('sessions').where('openid', '=', openid).execute();
    const res = await presign(token, 'edu-monthly');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ code: 'BFF_SESSION_EXPIRED' });
    expect(await claimsAndMembersOf(h, openid)).toEqual([[], []]);
    // Other routes keep the cache's bounded revocation window (SESSION_CACHE_SECONDS), as documented.
    expect((await h.call('GET', '/v1/contracts', { token })).status).toBe(200);
  });

  it('an unknown plan → 404 BFF_PLAN_NOT_FOUND; a malformed plan key → 400', async () => {
    const { token } = await h.login();
    expect((await presign(token, 'no-such-plan')).body).toMatchObject({ code: 'BFF_PLAN_NOT_FOUND' });
    const bad = await presign(token, 'Not A Key');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'BFF_VALIDATION_FAILED' });
  });

  it('lists plans with the user state on each', async () => {
    const { token } = await h.login();
    const before = await h.call<{ plans: Array<{ planKey: string; state: string }> }>('GET', '/v1/plans', {
      token,
    });
    expect(before.body.plans.map((p) => [p.planKey, p.state])).toEqual([
      ['edu-monthly', 'NONE'],
      ['vip-autopay', 'NONE'],
    ]);
    const p = await presign(token, 'vip-autopay');
    const after = await h.call<{ plans: Array<{ planKey: string; state: string; contractId?: string }> }>(
      'GET',
      '/v1/plans',
      { token },
    );
    expect(after.body.plans[1]).toMatchObject({
      planKey: 'vip-autopay',
      state: 'PENDING',
      contractId: p.body.contractId,
    });
  });
});
