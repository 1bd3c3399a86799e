import { afterEach, describe, expect, it } from 'vitest';
import { eventually, type Harness, startHarness } from './helpers/harness.ts';

/*
 * Background jobs: expired-session cleanup and the contract reconciler, driven through app.background with the
 * injected clock (the timers only call the same functions).
 */

describe('expired sessions cleanup', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const count = async (hh: Harness) =>
    Number(
      (
        await hh.app.db
          .selectFrom('sessions')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('deletes expired sessions only, in bounded batches per pass', async () => {
    h = await startHarness({ env: { SESSION_CLEANUP_BATCH: '1' } });
    for (let i = 0; i < 12; i++) await h.login();
    h.clock.advance(h.config.session.ttlSeconds + 1);
    const fresh = await h.login();
    expect(await count(h)).toBe(13);
    // Batch of 1, at most 10 batches per pass: 10 now, the remaining 2 at the next pass.
    expect(await h.app.background.sweepSessions()).toBe(10);
    expect(await h.app.background.sweepSessions()).toBe(2);
    expect(await h.app.background.sweepSessions()).toBe(0);
    expect(await count(h)).toBe(1);
    // The live session still works.
    expect((await h.call('GET', '/v1/contracts', { token: fresh.token })).status).toBe(200);
    const metrics = await h.call<string>('GET', '/metrics');
    expect(metrics.body).toMatch(/bff_sessions_deleted_total 12/);
  });

  it('runs on its own timer when an interval is set, and stops with the app', async () => {
    h = await startHarness({ env: { SESSION_CLEANUP_INTERVAL_SECONDS: '1' } });
    await h.login();
    h.clock.advance(h.config.session.ttlSeconds + 1);
    const hh = h;
    await eventually(async () => ((await count(hh)) === 0 ? true : undefined), 400);
    await h.close(); // the timer is cleared: close resolves and nothing runs afterwards
    h = undefined;
  });
});

describe('background reconciler (lost notifications)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  const DEAD = 'http://127.0.0.1:9';

  async function signEdu(hh: Harness) {
    const { token } = await hh.login();
    const p = await hh.call<{ contractId: string; navigate: { extraData: Record<string, string> } }>(
      'POST',
      '/v1/contracts/presign',
      { token, body: { planKey: 'edu-monthly' } },
    );
    await hh.control('POST', `/sessions/${p.body.navigate.extraData.presign_token}/confirm`);
    await eventually(async () => {
      const row = await hh.app.contractsRepository.findById(p.body.contractId);
      return row?.state === 'SIGNED' ? row : undefined;
    });
    return p.body.contractId;
  }

  it('edu: a user termination whose RELEASE notification was lost → TERMINATED at the next due pass', async () => {
    h = await startHarness();
    const id = await signEdu(h);
    const row = (await h.app.contractsRepository.findById(id))!;
    // Every delivery of the RELEASE notification fails (WeChat's retries go nowhere).
    for (const m of h.sandboxConfig.merchants) m.eduNotifyUrl = `${DEAD}/v1/notify/edu-papay`;
    const t = await h.control('POST', `/contracts/${row.wechat_contract_id}/user-terminate`);
    expect(t.status).toBe(200);

    // Signed just now: not due yet.
    const early = await h.app.background.reconciler.runOnce();
    expect(early.checked).not.toContain(id);
    expect((await h.app.contractsRepository.findById(id))?.state).toBe('SIGNED');

    h.clock.advance(h.config.background.reconcile.signedAfterSeconds + 1);
    const pass = await h.app.background.reconciler.runOnce();
    expect(pass.checked).toContain(id);
    const after = await h.app.contractsRepository.findById(id);
    expect(after?.state).toBe('TERMINATED');
    expect(after?.last_reconciled_at).not.toBeNull();
    // Checked now: not picked again in the next pass; TERMINATED is never picked at all.
    expect((await h.app.background.reconciler.runOnce()).checked).not.toContain(id);
    h.clock.advance(h.config.background.reconcile.signedAfterSeconds + 1);
    expect((await h.app.background.reconciler.runOnce()).checked).not.toContain(id);

    const metrics = await h.call<string>('GET', '/metrics');
    expect(metrics.body).toMatch(
      /bff_reconciliations_total\{trigger="background",from="SIGNED",outcome="terminated"\} 1/,
    );
  });

  it('edu: an UNSIGNED "not found" answer never terminates a contract; WeChat\'s signed one does', async () => {
    h = await startHarness();
    const id = await signEdu(h);
    const row = (await h.app.contractsRepository.findById(id))!;
    for (const m of h.sandboxConfig.merchants) m.eduNotifyUrl = `${DEAD}/v1/notify/edu-papay`;
    expect((await h.control('POST', `/contracts/${row.wechat_contract_id}/user-terminate`)).status).toBe(200);
    // Something between us and WeChat answers the query with an unsigned 404 RESOURCE_NOT_EXISTS.
    expect((await h.control('PUT', '/faults', { unsignedErrorRate: 1 })).status).toBeLessThan(300);
    h.clock.advance(h.config.background.reconcile.signedAfterSeconds + 1);
    expect((await h.app.background.reconciler.runOnce()).checked).toContain(id);
    expect((await h.app.contractsRepository.findById(id))?.state).toBe('SIGNED');

    await h.control('DELETE', '/faults');
    h.clock.advance(h.config.background.reconcile.signedAfterSeconds + 1);
    expect((await h.app.background.reconciler.runOnce()).checked).toContain(id);
    expect((await h.app.contractsRepository.findById(id))?.state).toBe('TERMINATED');
  });

  it('edu: a RELEASE dropped on its first delivery and a pass before the retry still ends TERMINATED once', async () => {
    h = await startHarness({ sandbox: { notify: { timeScale: 1 } } });
    const id = await signEdu(h);
    const row = (await h.app.contractsRepository.findById(id))!;
    // The first delivery is dropped; WeChat's retry would come 15 s later (real time scale).
    await h.control('PUT', '/faults', { notify: { dropFirstRate: 1 } });
    await h.control('POST', `/contracts/${row.wechat_contract_id}/user-terminate`);
    h.clock.advance(h.config.background.reconcile.signedAfterSeconds + 1);
    await h.app.background.reconciler.runOnce();
    expect((await h.app.contractsRepository.findById(id))?.state).toBe('TERMINATED');
    await h.control('DELETE', '/faults');
  });

  it('password-exempt: sign AND terminate notifications lost → stale PENDING → SIGNED → TERMINATED', async () => {
    h = await startHarness();
    h.config.notifyBaseUrl = DEAD; // the notify_url sent with the pre-entrust-sign leads nowhere
    const { token } = await h.login();
    const p = await h.call<{ contractId: string; navigate: { extraData: Record<string, string> } }>(
      'POST',
      '/v1/contracts/presign',
      { token, body: { planKey: 'vip-autopay' } },
    );
    expect(p.status).toBe(200);
    const id = p.body.contractId;
    await h.control('POST', `/sessions/${p.body.navigate.extraData.pre_entrustweb_id}/confirm`);

    expect((await h.app.background.reconciler.runOnce()).checked).not.toContain(id); // presign too recent
    h.clock.advance(h.config.background.reconcile.pendingAfterSeconds + 1);
    expect((await h.app.background.reconciler.runOnce()).checked).toContain(id);
    const signed = (await h.app.contractsRepository.findById(id))!;
    expect(signed.state).toBe('SIGNED');

    await h.control('POST', `/contracts/${signed.wechat_contract_id}/user-terminate`);
    h.clock.advance(h.config.background.reconcile.signedAfterSeconds + 1);
    expect((await h.app.background.reconciler.runOnce()).checked).toContain(id);
    expect((await h.app.contractsRepository.findById(id))?.state).toBe('TERMINATED');
    const mine = await h.call<{ state: string }>('GET', `/v1/contracts/${id}`, {
      token: (await h.login()).token,
    });
    expect(mine.status).toBe(404); // another user's view; the owner's session expired with the clock
  });

  it('a failing WeChat query counts as an error and leaves the contract for a later pass', async () => {
    h = await startHarness();
    const id = await signEdu(h);
    await h.control('PUT', '/faults', {
      routes: { 'GET /v3/edu-papay/contracts/id/:contract_id': { systemErrorRate: 1 } },
    });
    h.clock.advance(h.config.background.reconcile.signedAfterSeconds + 1);
    const pass = await h.app.background.reconciler.runOnce();
    expect(pass.checked).toContain(id);
    expect(pass.errors).toBeGreaterThanOrEqual(1);
    expect((await h.app.contractsRepository.findById(id))?.state).toBe('SIGNED');
    await h.control('DELETE', '/faults');
    const metrics = await h.call<string>('GET', '/metrics');
    expect(metrics.body).toMatch(
      /bff_reconciliations_total\{trigger="background",from="SIGNED",outcome="error"\}/,
    );
  });
});
