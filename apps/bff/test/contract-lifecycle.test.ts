import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type Harness, startHarness } from './helpers/harness.ts';

interface Presign {
  contractId: string;
  navigate: { appId: string; path: string; extraData: Record<string, string> };
}
interface ContractView {
  contractId: string;
  state: string;
  confirming: boolean;
  signedAt?: string;
  terminatedAt?: string;
}

describe('contract lifecycle end to end (BFF ↔ sandbox)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  const presign = async (token: string, planKey: string) => {
    const res = await h.call<Presign>('POST', '/v1/contracts/presign', { token, body: { planKey } });
    expect(res.status).toBe(200);
    const sessionToken = Object.values(res.body.navigate.extraData)[0]!;
    return { ...res.body, sessionToken };
  };
  const get = (token: string, id: string, reconcile = false) =>
    h.call<ContractView>('GET', `/v1/contracts/${id}${reconcile ? '?reconcile=true' : ''}`, { token });
  const until = (token: string, id: string, state: string) =>
    eventually(async () => {
      const r = await get(token, id);
      return r.body.state === state ? r.body : undefined;
    });

  for (const planKey of ['edu-monthly', 'vip-autopay']) {
    it(`${planKey}: user confirms in the sandbox → notification → SIGNED; then 409 on a new presign`, async () => {
      const { token } = await h.login();
      const p = await presign(token, planKey);
      expect((await get(token, p.contractId)).body).toMatchObject({ state: 'PENDING', confirming: true });
      const confirm = await h.control('POST', `/sessions/${p.sessionToken}/confirm`);
      expect(confirm.status).toBe(200);
      const signed = await until(token, p.contractId, 'SIGNED');
      expect(signed.confirming).toBe(false);
      expect(signed.signedAt).toBeDefined();
      const again = await h.call('POST', '/v1/contracts/presign', { token, body: { planKey } });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ code: 'BFF_ALREADY_SIGNED' });
      const inbox = await h.app.inboxRepository.list();
      expect(inbox.filter((n) => n.contract_id === p.contractId && n.outcome === 'applied')).toHaveLength(1);
    });

    it(`${planKey}: terminate through the WeChat API → TERMINATED; a late SIGN does not resurrect it`, async () => {
      const { token } = await h.login();
      const p = await presign(token, planKey);
      await h.control('POST', `/sessions/${p.sessionToken}/confirm`);
      await until(token, p.contractId, 'SIGNED');
      const t = await h.call<ContractView>('POST', `/v1/contracts/${p.contractId}/terminate`, { token });
      expect(t.status).toBe(200);
      expect(t.body.state).toBe('TERMINATED');
      expect(t.body.terminatedAt).toBeDefined();
      const sandboxView = await h.control<{ data: Array<{ contractId: string; terminationMode?: string }> }>(
        'GET',
        '/contracts',
      );
      const row = await h.app.contractsRepository.findById(p.contractId);
      expect(
        sandboxView.body.data.find((c) => c.contractId === row?.wechat_contract_id)?.terminationMode,
      ).toBe('MCH_API_TERMINATE');
      // The state machine refuses to go back, whatever arrives later.
      expect(
        await h.app.contractsRepository.transition(p.contractId, 'SIGNED', { eventTime: new Date() }),
      ).toBe(false);
      expect((await get(token, p.contractId)).body.state).toBe('TERMINATED');
      // A second tap (issue 12 #10): the same answer for both products — 200 with the terminated contract.
      const again = await h.call('POST', `/v1/contracts/${p.contractId}/terminate`, { token });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ state: 'TERMINATED', terminatedAt: t.body.terminatedAt });
      // After termination the plan can be signed again.
      expect((await h.call('POST', '/v1/contracts/presign', { token, body: { planKey } })).status).toBe(200);
    });

    it(`${planKey}: abandon (cancel) → stays PENDING; reconcile after the TTL → EXPIRED`, async () => {
      const { token, openid } = await h.login();
      const p = await presign(token, planKey);
      await h.control('POST', `/sessions/${p.sessionToken}/cancel`);
      expect((await get(token, p.contractId, true)).body.state).toBe('PENDING');
      h.clock.advance(7200 + 1);
      try {
        // The 2 h session token ran out as well: the user logs in again (same openid).
        const again = await h.login(openid);
        const r = await get(again.token, p.contractId, true);
        expect(r.status).toBe(200);
        expect(r.body).toMatchObject({ state: 'EXPIRED', confirming: false });
      } finally {
        h.clock.advance(-(7200 + 1));
      }
    });

    it(`${planKey}: a lost notification is recovered by reconcile (query)`, async () => {
      const { token } = await h.login();
      await h.control('PUT', '/faults', { notify: { dropFirstRate: 1 } });
      try {
        const p = await presign(token, planKey);
        await h.control('POST', `/sessions/${p.sessionToken}/confirm`);
        const r = await get(token, p.contractId, true);
        expect(r.body.state).toBe('SIGNED');
      } finally {
        await h.control('DELETE', '/faults');
      }
    });
  }

  it('a user cannot see or terminate another user’s contract', async () => {
    const alice = await h.login();
    const bob = await h.login();
    const p = await presign(alice.token, 'vip-autopay');
    await h.control('POST', `/sessions/${p.sessionToken}/confirm`);
    await until(alice.token, p.contractId, 'SIGNED');
    expect((await get(bob.token, p.contractId)).status).toBe(404);
    const t = await h.call('POST', `/v1/contracts/${p.contractId}/terminate`, { token: bob.token });
    expect(t.status).toBe(404);
    expect(
      (await h.call<{ contracts: unknown[] }>('GET', '/v1/contracts', { token: bob.token })).body.contracts,
    ).toEqual([]);
    expect((await get(alice.token, p.contractId)).body.state).toBe('SIGNED');
  });

  it('a user-initiated termination in WeChat arrives as a notification → TERMINATED', async () => {
    const { token } = await h.login();
    const p = await presign(token, 'edu-monthly');
    await h.control('POST', `/sessions/${p.sessionToken}/confirm`);
    await until(token, p.contractId, 'SIGNED');
    const row = await h.app.contractsRepository.findById(p.contractId);
    const ut = await h.control('POST', `/contracts/${row?.wechat_contract_id}/user-terminate`);
    expect(ut.status).toBe(200);
    await until(token, p.contractId, 'TERMINATED');
  });

  it('terminate while WeChat fails → 503 and the contract stays SIGNED', async () => {
    const { token } = await h.login();
    const p = await presign(token, 'vip-autopay');
    await h.control('POST', `/sessions/${p.sessionToken}/confirm`);
    await until(token, p.contractId, 'SIGNED');
    await h.control('PUT', '/faults', { systemErrorRate: 1 });
    try {
      const t = await h.call('POST', `/v1/contracts/${p.contractId}/terminate`, { token });
      expect(t.status).toBe(503);
      expect(t.body).toMatchObject({ code: 'BFF_UPSTREAM_UNAVAILABLE' });
    } finally {
      await h.control('DELETE', '/faults');
    }
    expect((await get(token, p.contractId)).body.state).toBe('SIGNED');
  });

  it('lists only my contracts, newest first', async () => {
    const { token } = await h.login();
    const a = await presign(token, 'edu-monthly');
    const b = await presign(token, 'vip-autopay');
    const list = await h.call<{ contracts: ContractView[] }>('GET', '/v1/contracts', { token });
    expect(list.body.contracts.map((c) => c.contractId).sort()).toEqual([a.contractId, b.contractId].sort());
  });
});
