import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SignatureInvalidError, type WechatPayClient } from '../src/index.ts';
import { startLoopbackClient } from './loopback-client.ts';
import type { LoopbackServer } from './loopback-server.ts';

let server: LoopbackServer;
let client: WechatPayClient;
beforeAll(async () => {
  ({ server, client } = await startLoopbackClient());
});
afterAll(async () => {
  await client.close();
  await server.close();
});
beforeEach(() => {
  server.received.length = 0;
});

const common = {
  service_id: 12535,
  out_contract_code: 'wxwtdk20200910100000',
  notify_url: 'https://yourapp.com/notify',
  contract_display_account: '微信代扣用户A',
};
const answer = {
  pre_entrustweb_id: '5778aadY9nltAsZzXixCkFIGYnV2V',
  mchid: '1900000109',
  service_id: 12535,
  out_contract_code: 'wxwtdk20200910100000',
  sign_mp_appid: 'wxbd687630cd02ce1d',
  sign_mp_path: 'pages/PwdExemptContract/index',
};

describe('password-exempt pre-sign per mode over loopback', () => {
  it('normal: posts the exact signed bytes to the normal path and returns the verified answer', async () => {
    const body = { appid: 'wxd678efh567hg6787', openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o', ...common };
    server.answer(() => ({ status: 200, body: JSON.stringify(answer) }));
    expect(await client.passwordExempt.presign.normal(body)).toEqual(answer);
    const r = server.received[0]!;
    expect(r.method).toBe('POST');
    expect(r.url).toBe('/v3/password-exempt-contract/contracts/normal/pre-entrust-sign/mini-program');
    expect(r.signatureValid).toBe(true);
    expect(r.body.toString('utf8')).toBe(JSON.stringify(body));
    expect(r.headers['content-type']).toBe('application/json');
  });

  it('service-provider: sp_* / sub_* names go out as given and the answer keeps sub_mchid', async () => {
    const body = {
      sp_appid: 'wxd678efh567hg6787',
      sub_mchid: '1900000109',
      sub_appid: 'wx8888888888888888',
      sub_openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
      ...common,
    };
    server.answer(() => ({ status: 200, body: JSON.stringify({ ...answer, sub_mchid: '1900000109' }) }));
    const out = await client.passwordExempt.presign.serviceProvider(body);
    expect(out.sub_mchid).toBe('1900000109');
    const r = server.received[0]!;
    expect(r.url).toBe(
      '/v3/password-exempt-contract/contracts/service-provider/pre-entrust-sign/mini-program',
    );
    expect(r.signatureValid).toBe(true);
    expect(JSON.parse(r.body.toString('utf8'))).toEqual(body);
  });

  it('qs: sub_appid + sub_openid only, to the qs path', async () => {
    const body = {
      appid: 'wxd678efh567hg6787',
      sub_appid: 'wx8888888888888888',
      sub_mchid: '1900000109',
      sub_openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
      ...common,
    };
    server.answer(() => ({ status: 200, body: JSON.stringify(answer) }));
    await client.passwordExempt.presign.qs(body);
    expect(server.received[0]!.url).toBe(
      '/v3/password-exempt-contract/contracts/qs/pre-entrust-sign/mini-program',
    );
    expect(server.received[0]!.body.toString('utf8')).not.toContain('"openid"');
  });

  it('refuses a tampered answer from any mode (answers are verified, not trusted)', async () => {
    server.answer(() => ({ status: 200, body: JSON.stringify(answer), sign: { tamper: true } }));
    await expect(
      client.passwordExempt.presign.normal({ appid: 'wxA', openid: 'oA', ...common }),
    ).rejects.toBeInstanceOf(SignatureInvalidError);
  });
});
