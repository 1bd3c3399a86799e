import { afterEach, describe, expect, it } from 'vitest';
import {
  call,
  control,
  decrypt,
  EDU_PRESIGN,
  eduPresignBody,
  fixture,
  IDS,
  QS_PRESIGN,
  qsPath,
  qsPresignBody,
  type Receiver,
  type Running,
  startReceiver,
  startSandbox,
  verifyAnswer,
} from './helpers.ts';

describe('notifications: confirm → signed, encrypted delivery to a real receiver', () => {
  let sb: Running | undefined;
  let rx: Receiver | undefined;
  afterEach(async () => {
    await sb?.close();
    await rx?.close();
    sb = undefined;
    rx = undefined;
  });

  const eduPresign = async (s: Running, openid: string) =>
    (await call(s.url, { method: 'POST', path: EDU_PRESIGN, body: eduPresignBody({ openid }) })).json
      .presign_token as string;

  it('edu: ENTRUST.SIGNING reaches the per-merchant notify URL, verifies and decrypts with the fixture keys', async () => {
    rx = await startReceiver([204]);
    sb = await startSandbox({ merchant: { eduNotifyUrl: rx.url } });
    const token = await eduPresign(sb, 'oNotify1');
    const confirmed = await control(sb.url, 'POST', `/sessions/${token}/confirm`);
    expect(confirmed.json.extraData).toEqual({
      return_code: 'SUCCESS',
      contract_id: confirmed.json.contractId,
    });
    const [got] = await rx.waitFor(1);
    expect(got!.headers['content-type']).toBe('application/json');
    expect(got!.headers['request-id']).toBeTruthy();
    expect(got!.headers['wechatpay-signature-type']).toBe('WECHATPAY2-SHA256-RSA2048');
    expect(got!.headers['wechatpay-nonce']).toMatch(/^[0-9a-f]{32}$/);
    expect(verifyAnswer(got!.headers, got!.body)).toBe(fixture.publicKeyId);
    const env = JSON.parse(got!.body);
    expect(env).toMatchObject({
      id: confirmed.json.notificationId,
      event_type: 'ENTRUST.SIGNING',
      resource_type: 'encrypt-resource',
      resource: { algorithm: 'AEAD_AES_256_GCM', original_type: 'contract' },
    });
    expect(env.create_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
    expect(env.resource.nonce).toMatch(/^[0-9A-Za-z]{12}$/);
    const plain = JSON.parse(decrypt(env.resource));
    expect(plain).toEqual({
      sp_mchid: '1900000109',
      appid: IDS.appId,
      openid: 'oNotify1',
      plan_id: IDS.planId,
      contract_information: {
        contract_id: confirmed.json.contractId,
        contract_status: 'ADD',
        create_time: expect.stringMatching(/\+08:00$/),
      },
    });
  });

  it('edu: the resource has the same keys as the shared fixture notification', async () => {
    rx = await startReceiver([204]);
    sb = await startSandbox({ merchant: { eduNotifyUrl: rx.url } });
    const p = await call(sb.url, {
      method: 'POST',
      path: EDU_PRESIGN,
      body: eduPresignBody({
        openid: 'oShape',
        sub_mchid: IDS.subMchId,
        sub_appid: IDS.subAppId,
        sub_openid: 'oSub',
      }),
    });
    await control(sb.url, 'POST', `/sessions/${p.json.presign_token}/confirm`);
    const [got] = await rx.waitFor(1);
    const ours = JSON.parse(decrypt(JSON.parse(got!.body).resource));
    const theirs = fixture.json('vectors/notifications/edu-papay-signed.json').expect.plaintext;
    expect(Object.keys(ours).sort()).toEqual(Object.keys(theirs).sort());
    expect(Object.keys(ours.contract_information).sort()).toEqual(
      Object.keys(theirs.contract_information).sort(),
    );
  });

  it('certificate mode: notifications are signed with the platform certificate', async () => {
    rx = await startReceiver([204]);
    sb = await startSandbox({ merchant: { eduNotifyUrl: rx.url }, platform: { mode: 'certificate' } });
    await control(sb.url, 'POST', `/sessions/${await eduPresign(sb, 'oCert')}/confirm`);
    const [got] = await rx.waitFor(1);
    expect(verifyAnswer(got!.headers, got!.body)).toBe(fixture.platformSerial);
  });

  it("QS: ENTRUST.SIGN goes to the presign's notify_url with the fixture's QS resource shape", async () => {
    rx = await startReceiver([200]);
    sb = await startSandbox();
    const p = await call(sb.url, {
      method: 'POST',
      path: QS_PRESIGN,
      body: qsPresignBody({ notify_url: rx.url, out_contract_code: 'QYnotify1', sub_openid: 'oSubQs' }),
    });
    await control(sb.url, 'POST', `/sessions/${p.json.pre_entrustweb_id}/confirm`);
    const [got] = await rx.waitFor(1);
    verifyAnswer(got!.headers, got!.body);
    const env = JSON.parse(got!.body);
    expect(env.event_type).toBe('ENTRUST.SIGN');
    const plain = JSON.parse(decrypt(env.resource));
    expect(plain).toMatchObject({
      mchid: '1900000109',
      service_id: IDS.serviceId,
      out_contract_code: 'QYnotify1',
      contract_state: 'SIGNED',
      contract_display_account: '张三的会员账户',
    });
    const theirs = fixture.json('vectors/notifications/qs-contract-signed.json').expect.plaintext;
    expect(Object.keys(plain).sort()).toEqual(Object.keys(theirs).sort());
  });

  it('QS: merchant-API terminate sends ENTRUST.TERMINATE with contract_state TERMINATED', async () => {
    rx = await startReceiver([204]);
    sb = await startSandbox();
    const p = await call(sb.url, {
      method: 'POST',
      path: QS_PRESIGN,
      body: qsPresignBody({ notify_url: rx.url, out_contract_code: 'QYterm1' }),
    });
    await control(sb.url, 'POST', `/sessions/${p.json.pre_entrustweb_id}/confirm`);
    await call(sb.url, {
      method: 'POST',
      path: `${qsPath(IDS.serviceId, 'QYterm1')}/terminate`,
      body: JSON.stringify({ contract_termination_remark: '解约' }),
    });
    const [, second] = await rx.waitFor(2);
    const env = JSON.parse(second!.body);
    expect(env.event_type).toBe('ENTRUST.TERMINATE');
    const plain = JSON.parse(decrypt(env.resource));
    expect(plain.contract_state).toBe('TERMINATED');
    expect(plain.contract_terminate_info.contract_termination_mode).toBe('MCH_API_TERMINATE');
  });

  it('user-initiated termination (control API) sends ENTRUST.RELEASE with contract_status DELETE', async () => {
    rx = await startReceiver([204]);
    sb = await startSandbox({ merchant: { eduNotifyUrl: rx.url } });
    const c = await control(sb.url, 'POST', `/sessions/${await eduPresign(sb, 'oUserEnd')}/confirm`);
    const t = await control(sb.url, 'POST', `/contracts/${c.json.contractId}/user-terminate`);
    expect(t.json.result).toBe('TERMINATED');
    const [, second] = await rx.waitFor(2);
    const env = JSON.parse(second!.body);
    expect(env.event_type).toBe('ENTRUST.RELEASE');
    expect(JSON.parse(decrypt(env.resource)).contract_information.contract_status).toBe('DELETE');
    const again = await control(sb.url, 'POST', `/contracts/${c.json.contractId}/user-terminate`);
    expect(again.status).toBe(409);
  });

  it('merchant-API termination notifications can be switched off; event names are configurable', async () => {
    rx = await startReceiver([204]);
    sb = await startSandbox({
      merchant: { eduNotifyUrl: rx.url },
      notify: { notifyOnMerchantTerminate: false, eventTypes: { eduSigned: 'CUSTOM.SIGNED' } },
    });
    const c1 = await control(sb.url, 'POST', `/sessions/${await eduPresign(sb, 'oOff1')}/confirm`);
    await call(sb.url, { method: 'DELETE', path: `/v3/edu-papay/contracts/${c1.json.contractId}` });
    // A later event to the same receiver proves nothing was sent for the DELETE in between.
    await control(sb.url, 'POST', `/sessions/${await eduPresign(sb, 'oOff2')}/confirm`);
    const got = await rx.waitFor(2);
    expect(got.map((r) => JSON.parse(r.body).event_type)).toEqual(['CUSTOM.SIGNED', 'CUSTOM.SIGNED']);
    const deliveries = (await control(sb.url, 'GET', '/deliveries')).json.data;
    expect(
      deliveries.filter((d: { contractId: string }) => d.contractId === c1.json.contractId),
    ).toHaveLength(1);
  });

  it('cancel sends nothing', async () => {
    rx = await startReceiver([204]);
    sb = await startSandbox({ merchant: { eduNotifyUrl: rx.url } });
    const cancelled = await eduPresign(sb, 'oCancelled');
    expect((await control(sb.url, 'POST', `/sessions/${cancelled}/cancel`)).status).toBe(200);
    const signed = await control(sb.url, 'POST', `/sessions/${await eduPresign(sb, 'oSigned')}/confirm`);
    const got = await rx.waitFor(1);
    const [only] = (await control(sb.url, 'GET', '/notifications')).json.data;
    expect(JSON.parse(got[0]!.body).id).toBe(signed.json.notificationId);
    expect(only.contractId).toBe(signed.json.contractId);
    expect((await control(sb.url, 'GET', '/notifications')).json.data).toHaveLength(1);
  });

  it('retries on 500 until 204; the log shows the attempts; the envelope id and body stay the same', async () => {
    rx = await startReceiver([500, 500, 204]);
    sb = await startSandbox({ merchant: { eduNotifyUrl: rx.url } });
    const c = await control(sb.url, 'POST', `/sessions/${await eduPresign(sb, 'oRetry')}/confirm`);
    const got = await rx.waitFor(3);
    expect(new Set(got.map((r) => r.body)).size).toBe(1);
    expect(new Set(got.map((r) => r.headers['wechatpay-nonce'])).size).toBe(3); // fresh signature per send
    for (const r of got) verifyAnswer(r.headers, r.body);
    expect(JSON.parse(got[0]!.body).id).toBe(c.json.notificationId);
    await expect
      .poll(
        async () =>
          (await control(sb!.url, 'GET', `/notifications?contractId=${c.json.contractId}`)).json.data[0]
            .status,
      )
      .toBe('delivered');
    const log = (await control(sb.url, 'GET', `/deliveries?notificationId=${c.json.notificationId}`)).json
      .data;
    expect(
      log.map((d: { attempt: number; status: number; ok: boolean }) => [d.attempt, d.status, d.ok]),
    ).toEqual([
      [1, 500, false],
      [2, 500, false],
      [3, 204, true],
    ]);
  });

  it('gives up after the last interval of the schedule', async () => {
    rx = await startReceiver([503]);
    sb = await startSandbox({ merchant: { eduNotifyUrl: rx.url }, notify: { intervalsSeconds: [1, 1] } });
    const c = await control(sb.url, 'POST', `/sessions/${await eduPresign(sb, 'oGiveUp')}/confirm`);
    await rx.waitFor(3);
    await expect
      .poll(
        async () =>
          (await control(sb!.url, 'GET', `/notifications?contractId=${c.json.contractId}`)).json.data[0]
            .status,
      )
      .toBe('gave-up');
    expect(rx.received).toHaveLength(3);
  });

  it('a receiver that is down counts as a failure and is retried', async () => {
    rx = await startReceiver([204]);
    const url = rx.url;
    await rx.close();
    sb = await startSandbox({ merchant: { eduNotifyUrl: url }, notify: { intervalsSeconds: [1] } });
    const c = await control(sb.url, 'POST', `/sessions/${await eduPresign(sb, 'oDown')}/confirm`);
    await expect
      .poll(
        async () =>
          (await control(sb!.url, 'GET', `/notifications?contractId=${c.json.contractId}`)).json.data[0]
            .status,
      )
      .toBe('gave-up');
    const log = (await control(sb.url, 'GET', '/deliveries')).json.data;
    expect(log.map((d: { error?: string }) => d.error)).toEqual(['connection failed', 'connection failed']);
    rx = undefined;
  });

  it('closing the sandbox cancels pending retries', async () => {
    rx = await startReceiver([500]);
    sb = await startSandbox({ merchant: { eduNotifyUrl: rx.url }, notify: { timeScale: 1 } });
    await control(sb.url, 'POST', `/sessions/${await eduPresign(sb, 'oClose')}/confirm`);
    await rx.waitFor(1);
    await sb.close(); // a 15 s retry timer is pending; close must not wait for it
    sb = undefined;
    expect(rx.received).toHaveLength(1);
  });

  it('100 users signing at once each get exactly one delivered notification', async () => {
    rx = await startReceiver([204]);
    sb = await startSandbox({ merchant: { eduNotifyUrl: rx.url } });
    const s = sb;
    const users = Array.from({ length: 100 }, (_, i) => `oLoad${i}`);
    const results = await Promise.all(
      users.map(
        async (u) => (await control(s.url, 'POST', `/sessions/${await eduPresign(s, u)}/confirm`)).json,
      ),
    );
    const got = await rx.waitFor(100);
    const ids = got.map((r) => JSON.parse(r.body).id).sort();
    expect(ids).toEqual(results.map((r) => r.notificationId).sort());
    const openids = got.map((r) => JSON.parse(decrypt(JSON.parse(r.body).resource)).openid).sort();
    expect(openids).toEqual([...users].sort());
  });
});
