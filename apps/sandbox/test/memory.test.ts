import { afterEach, describe, expect, it } from 'vitest';
import {
  call,
  control,
  EDU_PRESIGN,
  eduPresignBody,
  manualClock,
  nowSeconds,
  type Receiver,
  type Running,
  startReceiver,
  startSandbox,
} from './helpers.ts';

describe('memory stays bounded: expired sessions and old records are pruned', () => {
  let sb: Running | undefined;
  let rx: Receiver | undefined;
  afterEach(async () => {
    await sb?.close();
    await rx?.close();
    sb = undefined;
    rx = undefined;
  });

  it('an expired presign session stays readable (EXPIRED) for sessionRetentionSeconds, then is dropped', async () => {
    const clock = manualClock(nowSeconds());
    sb = await startSandbox({ presignTtlSeconds: 60, sessionRetentionSeconds: 30 }, { clock });
    const presign = async (openid: string) =>
      (
        await call(sb!.url, {
          method: 'POST',
          path: EDU_PRESIGN,
          body: eduPresignBody({ openid }),
          timestamp: clock.t,
        })
      ).json.presign_token as string;
    const old = [await presign('oPrune1'), await presign('oPrune2')];
    clock.t += 61;
    expect((await control(sb.url, 'GET', `/sessions/${old[0]}`)).json.status).toBe('EXPIRED');
    await presign('oPrune3'); // within retention: nothing dropped yet
    expect(sb.app.sandbox.state.sessions.size).toBe(3);
    clock.t += 30;
    const fresh = await presign('oPrune4'); // old sessions are now past expiry + retention
    expect(sb.app.sandbox.state.sessions.size).toBe(2);
    for (const t of old) expect((await control(sb.url, 'GET', `/sessions/${t}`)).status).toBe(404);
    expect((await control(sb.url, 'GET', `/sessions/${fresh}`)).json.status).toBe('PENDING');
  });

  it('expired wx.login codes are pruned when new ones are minted', async () => {
    const clock = manualClock(nowSeconds());
    sb = await startSandbox({ miniProgram: { codeTtlSeconds: 300 } }, { clock });
    for (let i = 0; i < 3; i++) await control(sb.url, 'POST', '/login-code', {});
    expect(sb.app.sandbox.state.loginCodes.size).toBe(3);
    clock.t += 301;
    await control(sb.url, 'POST', '/login-code', {});
    expect(sb.app.sandbox.state.loginCodes.size).toBe(1);
  });

  it('finished notification records beyond notificationLogLimit and old deliveries are dropped; contracts stay', async () => {
    rx = await startReceiver([204]);
    sb = await startSandbox({
      merchant: { eduNotifyUrl: rx.url },
      notificationLogLimit: 2,
      deliveryLogLimit: 3,
    });
    const contractIds: string[] = [];
    for (let i = 0; i < 4; i++) {
      const p = await call(sb.url, {
        method: 'POST',
        path: EDU_PRESIGN,
        body: eduPresignBody({ openid: `oLog${i}` }),
      });
      const c = await control(sb.url, 'POST', `/sessions/${p.json.presign_token}/confirm`);
      contractIds.push(c.json.contractId);
      await rx.waitFor(i + 1);
      await expect
        .poll(
          async () =>
            (await control(sb!.url, 'GET', `/notifications?contractId=${c.json.contractId}`)).json.data[0]
              ?.status,
        )
        .toBe('delivered');
    }
    const notes = (await control(sb.url, 'GET', '/notifications')).json.data;
    expect(notes.map((n: { contractId: string }) => n.contractId)).toEqual(contractIds.slice(2));
    const deliveries = (await control(sb.url, 'GET', '/deliveries')).json.data;
    expect(deliveries.map((d: { contractId: string }) => d.contractId)).toEqual(contractIds.slice(1));
    expect((await control(sb.url, 'GET', '/contracts')).json.data).toHaveLength(4);
  });

  it('a notification still being retried is never pruned', async () => {
    rx = await startReceiver([500]);
    sb = await startSandbox({
      merchant: { eduNotifyUrl: rx.url },
      notificationLogLimit: 1,
      notify: { intervalsSeconds: [3600], timeScale: 1 },
    });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const p = await call(sb.url, {
        method: 'POST',
        path: EDU_PRESIGN,
        body: eduPresignBody({ openid: `oKeep${i}` }),
      });
      ids.push((await control(sb.url, 'POST', `/sessions/${p.json.presign_token}/confirm`)).json.contractId);
    }
    await rx.waitFor(3);
    const notes = (await control(sb.url, 'GET', '/notifications')).json.data;
    expect(notes.map((n: { contractId: string }) => n.contractId)).toEqual(ids);
  });
});
