import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  control,
  EDU_PRESIGN,
  eduPresignBody,
  QS_PRESIGN,
  qsPath,
  qsPresignBody,
  type Running,
  startSandbox,
  verifyAnswer,
} from './helpers.ts';

describe('request validation with the @qianyue/wechatpay schemas', () => {
  let sb: Running;
  beforeAll(async () => {
    sb = await startSandbox();
  });
  afterAll(() => sb.close());

  const post = async (path: string, body: string, status: number, code: string) => {
    const a = await call(sb.url, { method: 'POST', path, body });
    expect({ status: a.status, code: a.json?.code }).toEqual({ status, code });
    verifyAnswer(a.headers, a.text);
    return a;
  };

  it('an unknown body field → 400 PARAM_ERROR naming the field', async () => {
    const a = await post(EDU_PRESIGN, eduPresignBody({ surprise: 'x' }), 400, 'PARAM_ERROR');
    expect(a.json.detail.field).toBe('/surprise');
  });

  it('a missing required field → 400 PARAM_ERROR', async () => {
    const body = JSON.parse(eduPresignBody());
    delete body.user_id;
    await post(EDU_PRESIGN, JSON.stringify(body), 400, 'PARAM_ERROR');
  });

  it('a too-long field → 400 PARAM_ERROR', async () => {
    await post(EDU_PRESIGN, eduPresignBody({ user_id: 'u'.repeat(33) }), 400, 'PARAM_ERROR');
  });

  it('trade_scene other than EDUCATION_PERIOD → 400 PARAM_ERROR', async () => {
    await post(EDU_PRESIGN, eduPresignBody({ trade_scene: 'OTHER' }), 400, 'PARAM_ERROR');
  });

  it('period_start_date on day 29 → 400 INVALID_REQUEST (rule violation), a malformed date → PARAM_ERROR', async () => {
    await post(EDU_PRESIGN, eduPresignBody({ period_start_date: '2099-05-29' }), 400, 'INVALID_REQUEST');
    await post(EDU_PRESIGN, eduPresignBody({ period_start_date: '2099/05/01' }), 400, 'PARAM_ERROR');
  });

  it('period_start_date in the past → 400 INVALID_REQUEST', async () => {
    await post(EDU_PRESIGN, eduPresignBody({ period_start_date: '2001-05-01' }), 400, 'INVALID_REQUEST');
  });

  it('an unknown plan_id → 403 NO_AUTH; an appid not bound to the merchant → 400 PARAM_ERROR', async () => {
    await post(EDU_PRESIGN, eduPresignBody({ plan_id: '1234' }), 403, 'NO_AUTH');
    await post(EDU_PRESIGN, eduPresignBody({ appid: 'wx0000000000000000' }), 400, 'PARAM_ERROR');
  });

  it('a 4-byte UTF-8 character anywhere → 400', async () => {
    const a = await call(sb.url, {
      method: 'POST',
      path: EDU_PRESIGN,
      body: eduPresignBody({ user_id: '张三😀' }),
    });
    expect(a.status).toBe(400);
    expect(a.json.code).toBe('PARAM_ERROR');
  });

  it('a null value counts as absent', async () => {
    const ok = await call(sb.url, {
      method: 'POST',
      path: EDU_PRESIGN,
      body: eduPresignBody({ sub_appid: null }),
    });
    expect(ok.status).toBe(200);
    await post(EDU_PRESIGN, eduPresignBody({ user_id: null }), 400, 'PARAM_ERROR');
  });

  it('a body that is not JSON → 400 PARAM_ERROR', async () => {
    await post(EDU_PRESIGN, '{"appid":', 400, 'PARAM_ERROR');
  });

  it('QS: service_id as a string → PARAM_ERROR; unknown service_id → 403 NO_AUTH', async () => {
    await post(QS_PRESIGN, qsPresignBody({ service_id: '12535' }), 400, 'PARAM_ERROR');
    await post(QS_PRESIGN, qsPresignBody({ service_id: 99999 }), 403, 'NO_AUTH');
  });

  it('QS: out_contract_code with a non-alphanumeric character → PARAM_ERROR', async () => {
    await post(QS_PRESIGN, qsPresignBody({ out_contract_code: 'QY-2024' }), 400, 'PARAM_ERROR');
  });

  it('QS: neither openid nor sub_openid → PARAM_ERROR; sub_openid alone is accepted', async () => {
    const body = JSON.parse(qsPresignBody());
    delete body.openid;
    await post(QS_PRESIGN, JSON.stringify(body), 400, 'PARAM_ERROR');
    const ok = await call(sb.url, {
      method: 'POST',
      path: QS_PRESIGN,
      body: JSON.stringify({ ...body, sub_openid: 'oSub1' }),
    });
    expect(ok.status).toBe(200);
  });

  it('QS: a notify_url with a query string → PARAM_ERROR; an unbound sub_mchid → NO_AUTH', async () => {
    await post(QS_PRESIGN, qsPresignBody({ notify_url: 'https://m.example.com/n?x=1' }), 400, 'PARAM_ERROR');
    await post(QS_PRESIGN, qsPresignBody({ sub_mchid: '1999999999' }), 403, 'NO_AUTH');
  });

  it('QS: http:// notify URLs are accepted because allowInsecureNotifyUrl defaults to true', async () => {
    const a = await call(sb.url, {
      method: 'POST',
      path: QS_PRESIGN,
      body: qsPresignBody({ notify_url: 'http://127.0.0.1:9/notify' }),
    });
    expect(a.status).toBe(200);
  });

  it('QS: with allowInsecureNotifyUrl off an http:// notify URL is refused like on WeChat', async () => {
    const strict = await startSandbox({ notify: { allowInsecureNotifyUrl: false } });
    try {
      const a = await call(strict.url, {
        method: 'POST',
        path: QS_PRESIGN,
        body: qsPresignBody({ notify_url: 'http://127.0.0.1:9/notify' }),
      });
      expect(a.status).toBe(400);
      expect(a.json.code).toBe('PARAM_ERROR');
    } finally {
      await strict.close();
    }
  });

  it('query validation: edu query-by-id without appid → PARAM_ERROR; unknown query parameter → PARAM_ERROR', async () => {
    const a = await call(sb.url, { method: 'GET', path: '/v3/edu-papay/contracts/id/Wx1' });
    expect([a.status, a.json.code]).toEqual([400, 'PARAM_ERROR']);
    const b = await call(sb.url, {
      method: 'GET',
      path: '/v3/edu-papay/contracts/id/Wx1?appid=wxd678efh567hg6787&x=1',
    });
    expect([b.status, b.json.code]).toEqual([400, 'PARAM_ERROR']);
  });

  it('path validation: a non-integer service_id → PARAM_ERROR', async () => {
    const a = await call(sb.url, { method: 'GET', path: qsPath('abc', 'QY1') });
    expect([a.status, a.json.code]).toEqual([400, 'PARAM_ERROR']);
  });

  it('QS terminate: missing contract_termination_remark → PARAM_ERROR', async () => {
    const code = 'QYremark0001';
    const p = await call(sb.url, {
      method: 'POST',
      path: QS_PRESIGN,
      body: qsPresignBody({ out_contract_code: code }),
    });
    const confirmed = await control(sb.url, 'POST', `/sessions/${p.json.pre_entrustweb_id}/confirm`);
    expect(confirmed.status).toBe(200);
    const a = await call(sb.url, { method: 'POST', path: `${qsPath(12535, code)}/terminate`, body: '{}' });
    expect([a.status, a.json.code]).toEqual([400, 'PARAM_ERROR']);
  });
});
