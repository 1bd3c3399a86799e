import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_IDS } from '../testing/index.ts';
import {
  call,
  control,
  decrypt,
  EDU_PRESIGN,
  eduPresignBody,
  IDS,
  qsPath,
  type Receiver,
  type Running,
  startReceiver,
  startSandbox,
  verifyAnswer,
} from './helpers.ts';

/*
 * Every signing mode end to end against the sandbox over HTTP: login in the right mini-program, pre-sign
 * with that mode's ids, the wrong AppID/openid pairing refused as WeChat would, the signing page's confirm,
 * the notification with the owner fields of that mode, query and terminate on the one shared path.
 */

const SUB_SECRET = TEST_IDS.subAppSecret;
const PE = '/v3/password-exempt-contract/contracts';
const presignPath = (mode: string) => `${PE}/${mode}/pre-entrust-sign/mini-program`;

let sb: Running;
let rx: Receiver;
let seq = 0;

beforeAll(async () => {
  rx = await startReceiver([204]);
  sb = await startSandbox({ merchant: { eduNotifyUrl: rx.url, subAppIds: [IDS.subAppId] } });
});
afterAll(async () => {
  await sb.close();
  await rx.close();
});

/** wx.login in mini-program `appId` for `user`, exchanged through jscode2session like the BFF does. */
async function login(appId: string, user: string): Promise<string> {
  const minted = (await control(sb.url, 'POST', '/login-code', { appId, user })).json;
  const secret = appId === IDS.subAppId ? SUB_SECRET : TEST_IDS.appSecret;
  const q = new URLSearchParams({
    appid: appId,
    secret,
    js_code: minted.code,
    grant_type: 'authorization_code',
  });
  const session = (await (await fetch(`${sb.url}/sns/jscode2session?${q}`)).json()) as { openid?: string };
  expect(session.openid).toBe(minted.openid);
  return session.openid as string;
}

/** POSTs `body` as JSON to that mode's pre-sign path of `on` (the shared sandbox unless another is given). */
const presign = (mode: string, body: object, on: Running = sb) =>
  call(on.url, { method: 'POST', path: presignPath(mode), body: JSON.stringify(body) });

const common = () => ({
  service_id: IDS.serviceId,
  out_contract_code: `QYM${++seq}${Date.now()}`,
  notify_url: rx.url,
  contract_display_account: '会员 0001',
});

/** Confirms on the simulated signing page's API and returns the decrypted notification resource. */
async function confirmAndReadNotification(token: string) {
  const before = rx.received.length;
  const confirmed = await control(sb.url, 'POST', `/sessions/${token}/confirm`);
  expect(confirmed.status).toBe(200);
  const got = (await rx.waitFor(before + 1))[before]!;
  verifyAnswer(got.headers, got.body);
  const envelope = JSON.parse(got.body);
  return {
    contractId: confirmed.json.contractId as string,
    envelope,
    resource: JSON.parse(decrypt(envelope.resource)),
  };
}

describe('one person, one openid per mini-program', () => {
  it('the same user has different openids under the merchant and the sub-merchant mini-program; both log in', async () => {
    const own = await login(IDS.appId, 'alice');
    const sub = await login(IDS.subAppId, 'alice');
    expect(own).not.toBe(sub);
    expect(await login(IDS.appId, 'alice')).toBe(own); // deterministic
    expect(own).toMatch(/^o[0-9A-Za-z_-]{27}$/);
  });

  it('jscode2session refuses a mini-program it does not know and a wrong secret of a known one', async () => {
    const minted = (await control(sb.url, 'POST', '/login-code', { appId: IDS.subAppId })).json;
    const ask = async (appid: string, secret: string) =>
      (
        await fetch(
          `${sb.url}/sns/jscode2session?${new URLSearchParams({ appid, secret, js_code: minted.code, grant_type: 'authorization_code' })}`,
        )
      ).json() as Promise<{ errcode?: number }>;
    expect((await ask(IDS.subAppId, 'wrong')).errcode).toBe(40125);
    expect((await ask('wx0000000000000000', SUB_SECRET)).errcode).toBe(40013);
    expect((await control(sb.url, 'POST', '/login-code', { appId: 'wx0000000000000000' })).status).toBe(400);
  });
});

describe('password-exempt normal (direct merchant)', () => {
  it('appid + openid of that appid: signed, notified with mchid/appid/openid, queried and terminated', async () => {
    const openid = await login(IDS.appId, 'bob');
    const body = { appid: IDS.appId, openid, ...common() };
    const pre = await presign('normal', body);
    expect(pre.status).toBe(200);
    verifyAnswer(pre.headers, pre.text);
    expect(pre.json).toMatchObject({
      mchid: '1900000109',
      service_id: IDS.serviceId,
      out_contract_code: body.out_contract_code,
    });
    expect(pre.json.sub_mchid).toBeUndefined();
    const { resource, envelope } = await confirmAndReadNotification(pre.json.pre_entrustweb_id);
    expect(envelope.event_type).toBe('ENTRUST.SIGN');
    expect(resource).toMatchObject({
      mchid: '1900000109',
      appid: IDS.appId,
      openid,
      out_contract_code: body.out_contract_code,
      contract_state: 'SIGNED',
    });
    expect(resource.sub_mchid).toBeUndefined();
    expect(resource.sp_mchid).toBeUndefined();
    const q = await call(sb.url, { method: 'GET', path: qsPath(IDS.serviceId, body.out_contract_code) });
    expect(q.json).toMatchObject({ appid: IDS.appId, openid, contract_state: 'SIGNED' });
    const t = await call(sb.url, {
      method: 'POST',
      path: `${qsPath(IDS.serviceId, body.out_contract_code)}/terminate`,
      body: JSON.stringify({ contract_termination_remark: '用户解约' }),
    });
    expect(t.json).toEqual({
      mchid: '1900000109',
      service_id: IDS.serviceId,
      out_contract_code: body.out_contract_code,
    });
    const after = await call(sb.url, { method: 'GET', path: qsPath(IDS.serviceId, body.out_contract_code) });
    expect(after.json.contract_state).toBe('TERMINATED');
    expect(after.json.contract_terminate_info.contract_termination_mode).toBe('MCH_API_TERMINATE');
  });

  it('an openid of the sub-merchant mini-program under appid → 400 PARAM_ERROR appid和openid不匹配', async () => {
    const openid = await login(IDS.subAppId, 'bob');
    const a = await presign('normal', { appid: IDS.appId, openid, ...common() });
    expect([a.status, a.json.code, a.json.message]).toEqual([400, 'PARAM_ERROR', 'appid和openid不匹配']);
  });

  it('the QS body on the normal path is refused (sub_* are not fields of this mode)', async () => {
    const openid = await login(IDS.appId, 'bob');
    const a = await presign('normal', { appid: IDS.appId, openid, sub_mchid: IDS.subMchId, ...common() });
    expect([a.status, a.json.code]).toEqual([400, 'PARAM_ERROR']);
  });
});

describe('password-exempt service provider', () => {
  it('sp_appid + sub_appid with sub_openid from the sub-merchant mini-program: answer and notification carry sub_mchid', async () => {
    const subOpenid = await login(IDS.subAppId, 'carol');
    const body = {
      sp_appid: IDS.appId,
      sub_mchid: IDS.subMchId,
      sub_appid: IDS.subAppId,
      sub_openid: subOpenid,
      ...common(),
    };
    const pre = await presign('service-provider', body);
    expect(pre.status).toBe(200);
    expect(pre.json.sub_mchid).toBe(IDS.subMchId);
    const { resource } = await confirmAndReadNotification(pre.json.pre_entrustweb_id);
    expect(resource).toMatchObject({
      sp_mchid: '1900000109',
      sp_appid: IDS.appId,
      sub_mchid: IDS.subMchId,
      sub_appid: IDS.subAppId,
      sub_openid: subOpenid,
      out_contract_code: body.out_contract_code,
    });
    expect(resource.mchid).toBeUndefined();
    expect(resource.sp_openid).toBeUndefined();
    // The query answer has one naming for all modes; its openid is the same person under the SP's appid.
    const q = await call(sb.url, { method: 'GET', path: qsPath(IDS.serviceId, body.out_contract_code) });
    expect(q.json).toMatchObject({
      mchid: '1900000109',
      appid: IDS.appId,
      openid: await login(IDS.appId, 'carol'),
      sub_openid: subOpenid,
    });
    expect(q.json.sub_mchid).toBeUndefined();
    const t = await call(sb.url, {
      method: 'POST',
      path: `${qsPath(IDS.serviceId, body.out_contract_code)}/terminate`,
      body: JSON.stringify({ contract_termination_remark: '用户解约' }),
    });
    expect(t.status).toBe(200);
  });

  it('a sub_openid of the SP mini-program → 400 PARAM_ERROR sub_appid和sub_openid不匹配', async () => {
    const wrong = await login(IDS.appId, 'carol');
    const a = await presign('service-provider', {
      sp_appid: IDS.appId,
      sub_mchid: IDS.subMchId,
      sub_appid: IDS.subAppId,
      sub_openid: wrong,
      ...common(),
    });
    expect([a.status, a.json.code, a.json.message]).toEqual([
      400,
      'PARAM_ERROR',
      'sub_appid和sub_openid不匹配',
    ]);
  });

  it('neither sp_openid nor sub_openid → 400 PARAM_ERROR (inferred rule U1, switchable)', async () => {
    const a = await presign('service-provider', {
      sp_appid: IDS.appId,
      sub_mchid: IDS.subMchId,
      sub_appid: IDS.subAppId,
      ...common(),
    });
    expect([a.status, a.json.code]).toEqual([400, 'PARAM_ERROR']);
  });

  it('the direct-mode names appid/openid on the SP path → 400 PARAM_ERROR', async () => {
    const openid = await login(IDS.appId, 'carol');
    const a = await presign('service-provider', {
      appid: IDS.appId,
      openid,
      sub_mchid: IDS.subMchId,
      sub_appid: IDS.subAppId,
      ...common(),
    });
    expect([a.status, a.json.code]).toEqual([400, 'PARAM_ERROR']);
  });
});

describe('password-exempt qs (institution)', () => {
  it('sub_appid + sub_openid only (the sub-merchant mini-program): notified with sub_openid, no openid sent', async () => {
    const subOpenid = await login(IDS.subAppId, 'dave');
    const body = {
      appid: IDS.appId,
      sub_appid: IDS.subAppId,
      sub_mchid: IDS.subMchId,
      sub_openid: subOpenid,
      ...common(),
    };
    const pre = await presign('qs', body);
    expect(pre.status).toBe(200);
    expect(pre.json.sub_mchid).toBeUndefined();
    const { resource } = await confirmAndReadNotification(pre.json.pre_entrustweb_id);
    expect(resource).toMatchObject({
      mchid: '1900000109',
      appid: IDS.appId,
      sub_appid: IDS.subAppId,
      sub_openid: subOpenid,
    });
    expect(resource.openid).toBeUndefined();
    const q = await call(sb.url, { method: 'GET', path: qsPath(IDS.serviceId, body.out_contract_code) });
    expect(q.json.openid).toBe(await login(IDS.appId, 'dave'));
    expect(q.json.sub_openid).toBe(subOpenid);
  });

  it('openid under appid (the institution mini-program) still works, and the QS openid of the sub mini-program is refused', async () => {
    const own = await login(IDS.appId, 'erin');
    const ok = await presign('qs', {
      appid: IDS.appId,
      sub_appid: IDS.subAppId,
      sub_mchid: IDS.subMchId,
      openid: own,
      ...common(),
    });
    expect(ok.status).toBe(200);
    const sub = await login(IDS.subAppId, 'erin');
    const bad = await presign('qs', {
      appid: IDS.appId,
      sub_appid: IDS.subAppId,
      sub_mchid: IDS.subMchId,
      openid: sub,
      ...common(),
    });
    expect([bad.status, bad.json.message]).toEqual([400, 'appid和openid不匹配']);
  });

  it('query before the user signs → 404 RESOURCE_NOT_EXISTS (the documented-by-default error)', async () => {
    const own = await login(IDS.appId, 'frank');
    const body = {
      appid: IDS.appId,
      sub_appid: IDS.subAppId,
      sub_mchid: IDS.subMchId,
      openid: own,
      ...common(),
    };
    await presign('qs', body);
    const q = await call(sb.url, { method: 'GET', path: qsPath(IDS.serviceId, body.out_contract_code) });
    expect([q.status, q.json.code]).toEqual([404, 'RESOURCE_NOT_EXISTS']);
  });
});

describe('edu-papay as a service provider with the sub-merchant mini-program', () => {
  it('sub_mchid + sub_appid + sub_openid: signed, notified with the sub fields, queried by id, terminated', async () => {
    const openid = await login(IDS.appId, 'gina');
    const subOpenid = await login(IDS.subAppId, 'gina');
    const pre = await call(sb.url, {
      method: 'POST',
      path: EDU_PRESIGN,
      body: eduPresignBody({
        openid,
        sub_mchid: IDS.subMchId,
        sub_appid: IDS.subAppId,
        sub_openid: subOpenid,
      }),
    });
    expect(pre.status).toBe(200);
    const { resource, contractId, envelope } = await confirmAndReadNotification(pre.json.presign_token);
    expect(envelope.event_type).toBe('ENTRUST.SIGNING');
    expect(resource).toMatchObject({
      sp_mchid: '1900000109',
      appid: IDS.appId,
      openid,
      sub_mchid: IDS.subMchId,
      sub_appid: IDS.subAppId,
      sub_openid: subOpenid,
    });
    const q = await call(sb.url, {
      method: 'GET',
      path: `/v3/edu-papay/contracts/id/${contractId}?appid=${IDS.appId}&sub_mchid=${IDS.subMchId}&sub_appid=${IDS.subAppId}`,
    });
    expect(q.json.contract_information.contract_status).toBe('ADD');
    const t = await call(sb.url, { method: 'DELETE', path: `/v3/edu-papay/contracts/${contractId}` });
    expect(t.status).toBe(204);
    const gone = await call(sb.url, {
      method: 'GET',
      path: `/v3/edu-papay/contracts/id/${contractId}?appid=${IDS.appId}`,
    });
    expect([gone.status, gone.json.code]).toEqual([404, 'RESOURCE_NOT_EXISTS']);
  });

  it('openid from the sub mini-program sent as openid → 400 appid和openid不匹配 (unless eduOpenidOwner allows it)', async () => {
    const subOpenid = await login(IDS.subAppId, 'hank');
    const body = eduPresignBody({
      openid: subOpenid,
      sub_mchid: IDS.subMchId,
      sub_appid: IDS.subAppId,
      sub_openid: subOpenid,
    });
    const a = await call(sb.url, { method: 'POST', path: EDU_PRESIGN, body });
    expect([a.status, a.json.message]).toEqual([400, 'appid和openid不匹配']);
    const lenient = await startSandbox({ rules: { eduOpenidOwner: 'appid-or-sub-appid' } });
    try {
      const minted = (
        await control(lenient.url, 'POST', '/login-code', { appId: IDS.subAppId, user: 'hank' })
      ).json;
      const b = eduPresignBody({
        openid: minted.openid,
        sub_mchid: IDS.subMchId,
        sub_appid: IDS.subAppId,
        sub_openid: minted.openid,
      });
      expect((await call(lenient.url, { method: 'POST', path: EDU_PRESIGN, body: b })).status).toBe(200);
    } finally {
      await lenient.close();
    }
  });

  it('sub_openid without sub_appid → 400 PARAM_ERROR', async () => {
    const openid = await login(IDS.appId, 'ivy');
    const a = await call(sb.url, {
      method: 'POST',
      path: EDU_PRESIGN,
      body: eduPresignBody({ openid, sub_mchid: IDS.subMchId, sub_openid: 'oX' }),
    });
    expect([a.status, a.json.code]).toEqual([400, 'PARAM_ERROR']);
  });
});

describe('merchant roles and unknown openids', () => {
  it('a merchant not entitled to a mode gets 403 NO_AUTH on that path', async () => {
    const s = await startSandbox({ merchant: { passwordExemptModes: ['qs'] } });
    try {
      const a = await presign(
        'normal',
        { appid: IDS.appId, openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o', ...common() },
        s,
      );
      expect([a.status, a.json.code]).toEqual([403, 'NO_AUTH']);
    } finally {
      await s.close();
    }
  });

  it('unknownOpenids=reject refuses an openid the sandbox never issued; the default accepts documented examples', async () => {
    const body = JSON.stringify({ appid: IDS.appId, openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o', ...common() });
    expect((await call(sb.url, { method: 'POST', path: presignPath('normal'), body })).status).toBe(200);
    const s = await startSandbox({ rules: { unknownOpenids: 'reject' } });
    try {
      const a = await call(s.url, { method: 'POST', path: presignPath('normal'), body });
      expect([a.status, a.json.message]).toEqual([400, 'appid和openid不匹配']);
    } finally {
      await s.close();
    }
  });
});
