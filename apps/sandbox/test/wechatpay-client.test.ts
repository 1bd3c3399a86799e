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

  it('QS: pre-entrust-sign → confirm → query → terminate', async () => {
    const code = `QYclient${Date.now()}`;
    const pre = await client.passwordExempt.preEntrustSignMiniProgram({
      appid: IDS.appId,
      sub_appid: IDS.subAppId,
      sub_mchid: IDS.subMchId,
      service_id: IDS.serviceId,
      out_contract_code: code,
      notify_url: rx.url,
      contract_display_account: '会员账户',
      openid: 'oClient2',
    });
    expect(pre.sign_mp_appid).toBe('wxbd687630cd02ce1d');
    await control(sb.url, 'POST', `/sessions/${pre.pre_entrustweb_id}/confirm`);
    const q = await client.passwordExempt.queryByOutContractCode(IDS.serviceId, code);
    expect(q.contract_state).toBe('SIGNED');
    const t = await client.passwordExempt.terminate(IDS.serviceId, code, {
      contract_termination_remark: '解约',
    });
    expect(t).toEqual({ mchid: fixture.mchId, service_id: IDS.serviceId, out_contract_code: code });
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
