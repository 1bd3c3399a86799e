import { TEST_IDS } from '@qianyue/sandbox/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TIMEOUT_MS as MINI_PROGRAM_TIMEOUT_MS } from '../../miniprogram/src/services/http.ts';
import { resolveSettings } from '../src/index.ts';
import {
  eventually,
  type Harness,
  LogCapture,
  sandboxRequests,
  startHarness,
  testEnv,
} from './helpers/harness.ts';
import { makeNotification, postNotification, seedPending } from './helpers/notification-suite.ts';

/*
 * Issue 11 item 6 and issue 12 findings 5 and 6, each against the real sandbox over HTTP.
 */

interface ContractBody {
  state: string;
  displayAccount: string;
  code?: string;
}

async function presign(h: Harness, token: string, planKey: string) {
  const r = await h.call<{ contractId: string; navigate: { extraData: Record<string, string> } }>(
    'POST',
    '/v1/contracts/presign',
    { token, body: { planKey } },
  );
  expect(r.status).toBe(200);
  return { contractId: r.body.contractId, session: Object.values(r.body.navigate.extraData)[0]! };
}
const poll = (h: Harness, token: string, id: string) =>
  h.call<ContractBody>('GET', `/v1/contracts/${id}?reconcile=true`, { token });

describe('"not found" is WeChat\'s error code, configurable per family', () => {
  const sandbox = { rules: { notFoundCodes: { eduNoContract: 'TESTONLY_NO_CONTRACT' } } };

  it('a code the family does not list is an error, not "nothing signed yet"', async () => {
    const h = await startHarness({ sandbox });
    try {
      const { token } = await h.login();
      const p = await presign(h, token, 'edu-monthly');
      const r = await poll(h, token, p.contractId);
      expect(r.status).toBe(502);
      expect(r.body.code).toBe('BFF_UPSTREAM_REJECTED');
    } finally {
      await h.close();
    }
  });

  it('listed in EDU_NOT_FOUND_API_CODES, it means "not signed yet": the contract stays PENDING', async () => {
    const h = await startHarness({ sandbox, env: { EDU_NOT_FOUND_API_CODES: 'TESTONLY_NO_CONTRACT' } });
    try {
      const { token } = await h.login();
      const p = await presign(h, token, 'edu-monthly');
      const r = await poll(h, token, p.contractId);
      expect(r.status).toBe(200);
      expect(r.body.state).toBe('PENDING');
    } finally {
      await h.close();
    }
  });
});

describe('fidelity against one running sandbox', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      env: { SESSION_TTL_SECONDS: '86400', QS_REQUERY_AFTER_NOTIFY: 'false' },
    });
  });
  afterAll(async () => h?.close());

  it('a PENDING contract whose signing session ended becomes EXPIRED even while every query fails', async () => {
    const { token } = await h.login();
    const p = await presign(h, token, 'vip-autopay');
    await h.control('POST', `/sessions/${p.session}/cancel`);
    h.clock.advance(7200 + 1);
    await h.control('PUT', '/faults', { systemErrorRate: 1 });
    try {
      const r = await poll(h, token, p.contractId);
      expect(r.status).toBe(200);
      expect(r.body.state).toBe('EXPIRED');
    } finally {
      await h.control('DELETE', '/faults');
    }
  });

  it('member numbers: one per user, the same on every plan, rendered through each plan template', async () => {
    const a = await h.login();
    const b = await h.login();
    const accounts = async (token: string) => {
      const out: string[] = [];
      for (const planKey of ['edu-monthly', 'vip-autopay']) {
        const p = await presign(h, token, planKey);
        out.push(
          (await h.call<ContractBody>('GET', `/v1/contracts/${p.contractId}`, { token })).body.displayAccount,
        );
      }
      return out;
    };
    const [aEdu, aPe] = await accounts(a.token);
    const [bEdu] = await accounts(b.token);
    expect(aEdu).toMatch(/^M\d{6}$/);
    expect(aPe).toBe(`会员${aEdu!.slice(1)}`);
    expect(bEdu).toMatch(/^M\d{6}$/);
    expect(bEdu).not.toBe(aEdu);
  });

  describe('password-exempt notifications are checked against the fields they carry', () => {
    const t = () => h.clock.now();
    let n = 0;
    const post = (resource: Record<string, unknown>, eventType = 'ENTRUST.SIGN') =>
      postNotification(
        h,
        '/v1/notify/password-exempt',
        makeNotification({ now: t(), id: `pe-owner-${++n}`, eventType, resource }),
      );
    const state = async (id: string) => (await h.app.contractsRepository.findById(id))?.state;
    const genuine = (code: string) => ({
      out_contract_code: code,
      contract_id: `Wx${code}`,
      contract_state: 'SIGNED',
    });

    it('a genuine one without any owner field is applied (never refused for what it does not carry)', async () => {
      const c = await seedPending(h, { family: 'password-exempt', openid: `oPeOwner${++n}` });
      expect((await post(genuine(c.out_contract_code))).status).toBe(204);
      expect(await state(c.id)).toBe('SIGNED');
    });

    it('an empty contract_id is no id: two contracts given "" are both applied, neither keeps ""', async () => {
      const mine = await seedPending(h, { family: 'password-exempt', openid: `oPeOwner${++n}` });
      const theirs = await seedPending(h, { family: 'password-exempt', openid: `oPeOwner${++n}` });
      for (const c of [mine, theirs]) {
        expect((await post({ ...genuine(c.out_contract_code), contract_id: '' })).status).toBe(204);
        expect(await h.app.contractsRepository.findById(c.id)).toMatchObject({
          state: 'SIGNED',
          wechat_contract_id: null,
        });
      }
    });

    it('a genuine one in the partner naming (sp_mchid, sp_appid) is applied', async () => {
      const c = await seedPending(h, { family: 'password-exempt', openid: `oPeOwner${++n}` });
      const r = await post({
        ...genuine(c.out_contract_code),
        sp_mchid: '1900000109',
        sp_appid: TEST_IDS.appId,
        sub_mchid: TEST_IDS.subMchId,
        sub_appid: TEST_IDS.subAppId,
      });
      expect(r.status).toBe(204);
      expect(await state(c.id)).toBe('SIGNED');
    });

    it.each([
      ['another merchant', { mchid: '1900000999' }],
      ['another merchant, partner naming', { sp_mchid: '1900000999' }],
      ['another AppID', { appid: 'wx0000000000000000' }],
      ['another sub-merchant', { sub_mchid: '1900000999' }],
      ['another sub-merchant AppID', { sub_appid: 'wx0000000000000001' }],
      ['another service', { service_id: 99999 }],
    ])('one naming %s is refused (400 FAIL) and changes nothing', async (_what, foreign) => {
      const c = await seedPending(h, { family: 'password-exempt', openid: `oPeOwner${++n}` });
      const r = await post({ ...genuine(c.out_contract_code), mchid: '1900000109', ...foreign });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ code: 'FAIL' });
      expect(await state(c.id)).toBe('PENDING');
    });

    it('one naming another user of our contract changes nothing', async () => {
      const c = await seedPending(h, { family: 'password-exempt', openid: `oPeOwner${++n}` });
      expect(
        (await post({ ...genuine(c.out_contract_code), openid: 'oSomeoneElse000000000000000' })).status,
      ).toBe(204);
      expect(await state(c.id)).toBe('PENDING');
    });
  });

  /** Posts edu notifications about one WeChat contract id, naming whichever user the test says. */
  const eduSender =
    (contractId: string) => (id: string, eventType: string, openid: string, status: 'ADD' | 'DELETE') =>
      postNotification(
        h,
        '/v1/notify/edu-papay',
        makeNotification({
          now: h.clock.now(),
          id,
          eventType,
          resource: {
            sp_mchid: '1900000109',
            sub_mchid: TEST_IDS.subMchId,
            appid: TEST_IDS.appId,
            openid,
            plan_id: TEST_IDS.planId,
            contract_information: {
              contract_id: contractId,
              contract_status: status,
              create_time: new Date(h.clock.now() * 1000).toISOString(),
            },
          },
        }),
      );

  it("an edu notification matched by contract id must name that contract's openid", async () => {
    const owner = 'oOwner00000000000000000000001';
    const c = await seedPending(h, { family: 'edu-papay', openid: owner });
    const send = eduSender('WxFidelity000000000000000001');
    expect((await send('edu-own-1', 'ENTRUST.SIGNING', owner, 'ADD')).status).toBe(204);
    expect((await h.app.contractsRepository.findById(c.id))?.state).toBe('SIGNED');
    // A RELEASE for the same WeChat contract id naming another user: stored, but it moves nothing.
    expect(
      (await send('edu-own-2', 'ENTRUST.RELEASE', 'oIntruder0000000000000000001', 'DELETE')).status,
    ).toBe(204);
    expect((await h.app.contractsRepository.findById(c.id))?.state).toBe('SIGNED');
    const inbox = await h.app.inboxRepository.list();
    expect(inbox.find((i) => i.envelope_id === 'edu-own-2')?.outcome).toBe('unmatched');
  });

  it("a contract id naming another user does not fall through to that user's pending contract", async () => {
    // Found by WeChat's id first, checked second: the intruder's own pending contract (no WeChat id yet, same
    // plan) is exactly what the user-and-plan fallback would pick if the check came before the choice.
    const owner = 'oOwner00000000000000000000002';
    const intruder = 'oIntruder0000000000000000002';
    const mine = await seedPending(h, { family: 'edu-papay', openid: owner });
    const theirs = await seedPending(h, { family: 'edu-papay', openid: intruder });
    const send = eduSender('WxFidelity000000000000000002');
    expect((await send('edu-fall-1', 'ENTRUST.SIGNING', owner, 'ADD')).status).toBe(204);
    expect((await h.app.contractsRepository.findById(mine.id))?.state).toBe('SIGNED');
    // (A SIGNING of the same contract id would be a duplicate of the first: the inbox keys on the id.)
    expect((await send('edu-fall-2', 'ENTRUST.RELEASE', intruder, 'DELETE')).status).toBe(204);
    expect(await h.app.contractsRepository.findById(theirs.id)).toMatchObject({
      state: 'PENDING',
      wechat_contract_id: null,
    });
    expect((await h.app.contractsRepository.findById(mine.id))?.state).toBe('SIGNED');
    const outcomes = (await h.app.inboxRepository.list())
      .filter((i) => i.envelope_id.startsWith('edu-fall-'))
      .map((i) => [i.envelope_id, i.outcome, i.contract_id])
      .sort();
    expect(outcomes).toEqual([
      ['edu-fall-1', 'applied', mine.id],
      ['edu-fall-2', 'unmatched', null],
    ]);
  });

  it('?reconcile=true asks WeChat at most once per contract within RECONCILE_USER_MIN_INTERVAL_SECONDS', async () => {
    const logs = new LogCapture();
    const throttled = await startHarness({
      sandboxLogs: logs,
      env: { RECONCILE_USER_MIN_INTERVAL_SECONDS: '30' },
    });
    try {
      const { token } = await throttled.login();
      const p = await presign(throttled, token, 'vip-autopay');
      const queries = () => sandboxRequests(logs, 'GET', '/v3/password-exempt-contract/contracts/service-id');
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => poll(throttled, token, p.contractId)),
      );
      expect(answers.every((a) => a.status === 200 && a.body.state === 'PENDING')).toBe(true);
      expect(queries()).toBe(1);
      for (let i = 0; i < 10; i++) await poll(throttled, token, p.contractId);
      expect(queries()).toBe(1);
      throttled.clock.advance(31);
      await poll(throttled, token, p.contractId);
      expect(queries()).toBe(2);
    } finally {
      await throttled.close();
    }
  });
});

describe('one time budget for the WeChat work of a user request (issue 12 #5)', () => {
  it('the default budget ends well inside the mini-program request timeout', () => {
    const { settings } = resolveSettings(testEnv('http://127.0.0.1:8701', { WECHATPAY_TIMEOUT_MS: '' }));
    expect(settings!.wechatpay.budgetMs).toBeLessThanOrEqual(MINI_PROGRAM_TIMEOUT_MS - 2_000);
    expect(settings!.wechatpay.timeoutMs).toBeLessThan(settings!.wechatpay.budgetMs);
  });

  it('WeChat hanging: presign and terminate answer 504 within the budget, retries included', async () => {
    const h = await startHarness({
      env: { WECHATPAY_BUDGET_MS: '1200', WECHATPAY_TIMEOUT_MS: '1000', WECHATPAY_MAX_ATTEMPTS: '3' },
    });
    try {
      const { token } = await h.login();
      const signed = await presign(h, token, 'vip-autopay');
      await h.control('POST', `/sessions/${signed.session}/confirm`);
      await eventually(async () =>
        (await h.call<ContractBody>('GET', `/v1/contracts/${signed.contractId}`, { token })).body.state ===
        'SIGNED'
          ? true
          : undefined,
      );
      await h.control('PUT', '/faults', { timeoutRate: 1, timeoutMs: 5000 });
      for (const [method, path, body] of [
        ['POST', '/v1/contracts/presign', { planKey: 'edu-monthly' }],
        ['POST', `/v1/contracts/${signed.contractId}/terminate`, undefined],
      ] as const) {
        const started = performance.now();
        const r = await h.call(method, path, { token, ...(body ? { body } : {}) });
        const elapsed = performance.now() - started;
        expect(r.status).toBe(504);
        expect(r.body).toMatchObject({ code: 'BFF_UPSTREAM_TIMEOUT' });
        expect(elapsed).toBeLessThan(1200 + 800);
      }
    } finally {
      await h.control('DELETE', '/faults');
      await h.close();
    }
  });
});
