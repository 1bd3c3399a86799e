import { TEST_IDS } from '@qianyue/sandbox/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type Harness, startHarness } from './helpers/harness.ts';
import { claimsAndMembersOf } from './helpers/presign.ts';

/*
 * Every signing mode end to end over real HTTP against the real sandbox: login in the mini-program the mode
 * signs from → plans → presign → the user confirms on the sandbox's signing page → WeChat's notification →
 * SIGNED → terminate → TERMINATED. The sandbox gives a user a different openid per AppID, as WeChat does, so a
 * mode wired to the wrong AppID/openid fails there the way it would for real.
 */

const base = { name: 'Plan', description: 'signing-mode test' };
const edu = { ...base, family: 'edu-papay', planId: TEST_IDS.planId };
const pe = { ...base, family: 'password-exempt', serviceId: TEST_IDS.serviceId };
const PLANS = [
  { ...edu, planKey: 'edu-direct', mode: 'direct' },
  { ...edu, planKey: 'edu-sp', mode: 'service-provider', subAppId: TEST_IDS.subAppId },
  { ...pe, planKey: 'pe-direct', mode: 'direct', notifyPath: '/v1/notify/pe-direct' },
  { ...pe, planKey: 'pe-sp', mode: 'service-provider' },
  { ...pe, planKey: 'pe-sp-sub', mode: 'service-provider', openidUnder: 'sub_appid' },
  { ...pe, planKey: 'pe-qs', mode: 'qs' },
  { ...pe, planKey: 'pe-qs-sub', mode: 'qs', openidUnder: 'sub_appid', accountTemplate: '会员{member}' },
];

/** [planKey, the mini-program the user signs from, the identity field WeChat must see, the presign fields] */
const MODES: Array<[string, string, string, string[]]> = [
  ['edu-direct', TEST_IDS.appId, 'openid', ['appid', 'openid']],
  ['edu-sp', TEST_IDS.appId, 'openid', ['appid', 'sub_mchid', 'sub_appid', 'openid']],
  ['pe-direct', TEST_IDS.appId, 'openid', ['appid', 'openid']],
  ['pe-sp', TEST_IDS.appId, 'sp_openid', ['sp_appid', 'sub_mchid', 'sub_appid', 'sp_openid']],
  ['pe-sp-sub', TEST_IDS.subAppId, 'sub_openid', ['sp_appid', 'sub_mchid', 'sub_appid', 'sub_openid']],
  ['pe-qs', TEST_IDS.appId, 'openid', ['appid', 'sub_mchid', 'sub_appid', 'openid']],
  ['pe-qs-sub', TEST_IDS.subAppId, 'sub_openid', ['appid', 'sub_mchid', 'sub_appid', 'sub_openid']],
];

interface ContractBody {
  state: string;
  displayAccount: string;
  terminatedAt?: string;
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    sandbox: { merchant: { subAppIds: [TEST_IDS.subAppId] } },
    env: { PLANS: JSON.stringify(PLANS) },
  });
});
afterAll(async () => h?.close());

describe('every signing mode end to end (BFF ↔ sandbox over HTTP)', () => {
  it.each(MODES)(
    '%s: login in %s → presign → confirm → SIGNED → terminate → TERMINATED',
    async (planKey, appId, idField) => {
      const { token, openid } = await h.login(undefined, { appId });
      const plans = await h.call<{ plans: Array<{ planKey: string; state: string }> }>('GET', '/v1/plans', {
        token,
      });
      // A plan is offered in the mini-program it signs from, and nowhere else.
      const offered = plans.body.plans.map((p) => p.planKey);
      expect(offered).toContain(planKey);
      expect(offered.every((k) => MODES.find((m) => m[0] === k)?.[1] === appId)).toBe(true);

      const p = await h.call<{ contractId: string; navigate: { extraData: Record<string, string> } }>(
        'POST',
        '/v1/contracts/presign',
        { token, body: { planKey } },
      );
      expect(p.status).toBe(200);
      const session = Object.values(p.body.navigate.extraData)[0]!;
      const page = await h.control<Record<string, unknown>>('GET', `/sessions/${session}`);
      expect(page.status).toBe(200);
      expect(await h.control('POST', `/sessions/${session}/confirm`)).toMatchObject({ status: 200 });

      const signed = await eventually(async () => {
        const r = await h.call<ContractBody>('GET', `/v1/contracts/${p.body.contractId}`, { token });
        return r.body.state === 'SIGNED' ? r.body : undefined;
      });
      // The member number rendered through the plan's template, as WeChat's signing page shows it.
      expect(signed.displayAccount).toMatch(planKey === 'pe-qs-sub' ? /^会员\d{6}$/ : /^M\d{6}$/);
      const row = await h.app.contractsRepository.findById(p.body.contractId);
      expect(row?.openid).toBe(openid);
      const wechat = await h.control<Record<string, unknown>>('GET', `/contracts/${row?.wechat_contract_id}`);
      expect(wechat.status).toBe(200);
      // WeChat holds the contract under the identity field this mode sends, with our user's openid in it.
      const view = JSON.stringify(wechat.body);
      expect(view).toContain(openid);
      expect(idField === 'openid' || view.includes(TEST_IDS.subAppId)).toBe(true);

      const t = await h.call<ContractBody>('POST', `/v1/contracts/${p.body.contractId}/terminate`, { token });
      expect(t.status).toBe(200);
      expect(t.body.state).toBe('TERMINATED');
      // Double tap: the same answer.
      const again = await h.call<ContractBody>('POST', `/v1/contracts/${p.body.contractId}/terminate`, {
        token,
      });
      expect(again.status).toBe(200);
      expect(again.body.terminatedAt).toBe(t.body.terminatedAt);
    },
  );

  it('a plan of one mini-program is not offered to, nor presignable by, a user of another', async () => {
    const { token, openid } = await h.login(undefined, { appId: TEST_IDS.subAppId });
    const r = await h.call('POST', '/v1/contracts/presign', { token, body: { planKey: 'pe-qs' } });
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ code: 'BFF_PLAN_NOT_FOUND' });
    // Refused before anything is written: no claim, and no member number under either mini-program.
    expect(await claimsAndMembersOf(h, openid)).toEqual([[], []]);
  });

  it('the old wiring (the sub-merchant mini-program user sent as `openid` under appid) is refused by WeChat', async () => {
    // A user of the sub-merchant's mini-program, and a session that claims the institution's AppID for them:
    // exactly what the BFF used to send for QS (always `openid` under `appid`).
    const minted = await h.control<{ openid: string }>('POST', '/login-code', { appId: TEST_IDS.subAppId });
    const session = await h.app.sessions.issue(minted.body.openid, 'TESTONLY-session-key', TEST_IDS.appId);
    const r = await h.call('POST', '/v1/contracts/presign', {
      token: session.token,
      body: { planKey: 'pe-qs' },
    });
    expect(r.status).toBe(502);
    expect(r.body).toMatchObject({ code: 'BFF_UPSTREAM_REJECTED' });
    expect(String((r.body as { message: string }).message)).toContain('PARAM_ERROR');
    // Nothing was left behind: the next (correct) tap starts clean.
    expect(await h.app.contractsRepository.listForOwner(minted.body.openid)).toEqual([]);
  });

  it('a plan wired to an AppID the merchant does not hold is refused by WeChat', async () => {
    const wrong = await startHarness({
      sandbox: { merchant: { subAppIds: [TEST_IDS.subAppId] } },
      env: {
        PLANS: JSON.stringify([{ ...pe, planKey: 'pe-wrong', mode: 'direct', appId: TEST_IDS.subAppId }]),
      },
    });
    try {
      const { token } = await wrong.login(undefined, { appId: TEST_IDS.subAppId });
      const r = await wrong.call('POST', '/v1/contracts/presign', { token, body: { planKey: 'pe-wrong' } });
      expect(r.status).toBe(502);
      expect(r.body).toMatchObject({ code: 'BFF_UPSTREAM_REJECTED' });
    } finally {
      await wrong.close();
    }
  });
});
