import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  ApiError,
  createRsaSigner,
  createRsaVerifier,
  createStaticKeyResolver,
  createWechatPayClient,
  type WechatPayClient,
} from '@qianyue/wechatpay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  control,
  FIX,
  fixture,
  IDS,
  type Receiver,
  type Running,
  startReceiver,
  startSandbox,
} from './helpers.ts';

describe('driven by @qianyue/wechatpay (the client the BFF uses)', () => {
  let sb: Running;
  let rx: Receiver;
  let client: WechatPayClient;
  beforeAll(async () => {
    rx = await startReceiver([204]);
    sb = await startSandbox({ merchant: { eduNotifyUrl: rx.url } });
    const resolver = createStaticKeyResolver({ keys: { [fixture.publicKeyId]: fixture.publicKey } });
    client = createWechatPayClient({
      baseUrl: sb.url,
      signer: createRsaSigner({
        mchId: fixture.mchId,
        serialNo: fixture.merchantSerial,
        privateKey: createPrivateKey(readFileSync(path.join(FIX, 'merchant/private-key.pem'))),
      }),
      verifier: createRsaVerifier(resolver),
      resolver,
    });
  });
  afterAll(async () => {
    await client.close();
    await sb.close();
    await rx.close();
  });

  it('edu: presign → confirm → query by id / by user → terminate', async () => {
    const { presign_token } = await client.eduPapay.presign({
      appid: IDS.appId,
      openid: 'oClient1',
      plan_id: IDS.planId,
      user_id: '学员-0001',
      period_start_date: '2099-01-28',
      trade_scene: 'EDUCATION_PERIOD',
    });
    const { contractId } = (await control(sb.url, 'POST', `/sessions/${presign_token}/confirm`)).json;
    const byId = await client.eduPapay.queryById(contractId, { appid: IDS.appId });
    expect(byId.contract_information).toMatchObject({ contract_id: contractId, contract_status: 'ADD' });
    const byUser = await client.eduPapay.queryByUser('oClient1', { appid: IDS.appId, plan_id: IDS.planId });
    expect(byUser.total_count).toBe(1);
    await client.eduPapay.terminate(contractId);
    await expect(client.eduPapay.queryById(contractId, { appid: IDS.appId })).rejects.toMatchObject({
      status: 404,
      apiCode: 'RESOURCE_NOT_EXISTS',
    });
  });

  /** The user's openid under `appId`, as jscode2session would give it. */
  const openidOf = async (appId: string, user: string) =>
    (await control(sb.url, 'POST', '/login-code', { appId, user })).json.openid as string;

  const confirmQueryTerminate = async (code: string, token: string) => {
    await control(sb.url, 'POST', `/sessions/${token}/confirm`);
    const q = await client.passwordExempt.queryByOutContractCode(IDS.serviceId, code);
    expect(q.contract_state).toBe('SIGNED');
    const t = await client.passwordExempt.terminate(IDS.serviceId, code, {
      contract_termination_remark: '解约',
    });
    expect(t).toEqual({ mchid: fixture.mchId, service_id: IDS.serviceId, out_contract_code: code });
    return q;
  };

  const common = (code: string) => ({
    service_id: IDS.serviceId,
    out_contract_code: code,
    notify_url: rx.url,
    contract_display_account: '会员账户',
  });

  it('QS with the sub-merchant mini-program (sub_openid): pre-sign → confirm → query → terminate', async () => {
    const code = `QYclient${Date.now()}`;
    const subOpenid = await openidOf(IDS.subAppId, 'client-qs');
    const pre = await client.passwordExempt.presign.qs({
      appid: IDS.appId,
      sub_appid: IDS.subAppId,
      sub_mchid: IDS.subMchId,
      sub_openid: subOpenid,
      ...common(code),
    });
    expect(pre.sign_mp_appid).toBe('wxbd687630cd02ce1d');
    const q = await confirmQueryTerminate(code, pre.pre_entrustweb_id);
    expect(q.sub_openid).toBe(subOpenid);
  });

  it('normal (direct merchant): pre-sign → confirm → query → terminate', async () => {
    const code = `QYnormal${Date.now()}`;
    const openid = await openidOf(IDS.appId, 'client-normal');
    const pre = await client.passwordExempt.presign.normal({ appid: IDS.appId, openid, ...common(code) });
    const q = await confirmQueryTerminate(code, pre.pre_entrustweb_id);
    expect(q.openid).toBe(openid);
  });

  it('service provider: the verified answer carries sub_mchid; query/terminate on the shared path', async () => {
    const code = `QYsp${Date.now()}`;
    const pre = await client.passwordExempt.presign.serviceProvider({
      sp_appid: IDS.appId,
      sub_mchid: IDS.subMchId,
      sub_appid: IDS.subAppId,
      sub_openid: await openidOf(IDS.subAppId, 'client-sp'),
      ...common(code),
    });
    expect(pre.sub_mchid).toBe(IDS.subMchId);
    await confirmQueryTerminate(code, pre.pre_entrustweb_id);
  });

  it('a mode wired to the wrong mini-program is a verified 400 PARAM_ERROR', async () => {
    await expect(
      client.passwordExempt.presign.normal({
        appid: IDS.appId,
        openid: await openidOf(IDS.subAppId, 'client-wrong'),
        ...common(`QYwrong${Date.now()}`),
      }),
    ).rejects.toMatchObject({
      status: 400,
      apiCode: 'PARAM_ERROR',
      apiMessage: 'appid和openid不匹配',
      verified: true,
    });
  });

  it('a business error reaches the client as a verified ApiError', async () => {
    const err = await client.eduPapay
      .presign({
        appid: IDS.appId,
        openid: 'oClient3',
        plan_id: '404',
        user_id: 'u',
        period_start_date: '2099-01-01',
        trade_scene: 'EDUCATION_PERIOD',
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 403, apiCode: 'NO_AUTH' });
  });

  it('a bad answer signature makes the client fail verification', async () => {
    await control(sb.url, 'PUT', '/faults', { badSignatureRate: 1 });
    try {
      await expect(
        client.passwordExempt.queryByOutContractCode(IDS.serviceId, 'QYnone'),
      ).rejects.toMatchObject({
        code: 'WECHATPAY_SIGNATURE_INVALID',
      });
    } finally {
      await control(sb.url, 'DELETE', '/faults');
    }
  });
});
