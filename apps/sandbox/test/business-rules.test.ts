import { afterEach, describe, expect, it } from 'vitest';
import {
  call,
  control,
  EDU_PRESIGN,
  eduPresignBody,
  IDS,
  manualClock,
  nowSeconds,
  QS_PRESIGN,
  qsPath,
  qsPresignBody,
  type Running,
  startSandbox,
} from './helpers.ts';

describe('business rules', () => {
  let sb: Running | undefined;
  afterEach(async () => {
    await sb?.close();
    sb = undefined;
  });

  const eduSign = async (s: Running, openid: string) => {
    const p = await call(s.url, { method: 'POST', path: EDU_PRESIGN, body: eduPresignBody({ openid }) });
    expect(p.status).toBe(200);
    const c = await control(s.url, 'POST', `/sessions/${p.json.presign_token}/confirm`);
    expect(c.status).toBe(200);
    return c.json.contractId as string;
  };

  it('edu: one valid contract per user and plan — presign refused with INVALID_REQUEST while one is ADD', async () => {
    sb = await startSandbox();
    await eduSign(sb, 'oDup1');
    const again = await call(sb.url, {
      method: 'POST',
      path: EDU_PRESIGN,
      body: eduPresignBody({ openid: 'oDup1' }),
    });
    expect([again.status, again.json.code]).toEqual([400, 'INVALID_REQUEST']);
  });

  it('edu: two sessions opened before signing — the second confirm is refused (409 CONTRACT_EXISTS)', async () => {
    sb = await startSandbox();
    const a = await call(sb.url, {
      method: 'POST',
      path: EDU_PRESIGN,
      body: eduPresignBody({ openid: 'oTwo' }),
    });
    const b = await call(sb.url, {
      method: 'POST',
      path: EDU_PRESIGN,
      body: eduPresignBody({ openid: 'oTwo' }),
    });
    expect((await control(sb.url, 'POST', `/sessions/${a.json.presign_token}/confirm`)).status).toBe(200);
    const second = await control(sb.url, 'POST', `/sessions/${b.json.presign_token}/confirm`);
    expect([second.status, second.json.code]).toEqual([409, 'SANDBOX_CONTRACT_EXISTS']);
  });

  it('edu: after termination the user may sign the plan again', async () => {
    sb = await startSandbox();
    const id = await eduSign(sb, 'oAgain');
    expect((await call(sb.url, { method: 'DELETE', path: `/v3/edu-papay/contracts/${id}` })).status).toBe(
      204,
    );
    const id2 = await eduSign(sb, 'oAgain');
    expect(id2).not.toBe(id);
  });

  it('edu: query by id returns the contract; a terminated one → 404; a second DELETE → 400', async () => {
    sb = await startSandbox();
    const id = await eduSign(sb, 'oQuery');
    const q = await call(sb.url, {
      method: 'GET',
      path: `/v3/edu-papay/contracts/id/${id}?appid=${IDS.appId}`,
    });
    expect(q.status).toBe(200);
    expect(q.json).toMatchObject({
      sp_mchid: '1900000109',
      appid: IDS.appId,
      openid: 'oQuery',
      plan_id: IDS.planId,
      contract_information: { contract_id: id, contract_status: 'ADD' },
    });
    expect(q.json.contract_information.create_time).toMatch(/\+08:00$/);
    await call(sb.url, { method: 'DELETE', path: `/v3/edu-papay/contracts/${id}` });
    const gone = await call(sb.url, {
      method: 'GET',
      path: `/v3/edu-papay/contracts/id/${id}?appid=${IDS.appId}`,
    });
    expect([gone.status, gone.json.code]).toEqual([404, 'RESOURCE_NOT_EXISTS']);
    const twice = await call(sb.url, { method: 'DELETE', path: `/v3/edu-papay/contracts/${id}` });
    expect([twice.status, twice.json.code]).toEqual([400, 'INVALID_REQUEST']);
  });

  it('edu: query by user lists ADD by default and DELETE on request, with paging fields', async () => {
    sb = await startSandbox();
    const id = await eduSign(sb, 'oList');
    const base = `/v3/edu-papay/user/oList/contracts?appid=${IDS.appId}&plan_id=${IDS.planId}`;
    const added = await call(sb.url, { method: 'GET', path: base });
    expect(added.json).toMatchObject({ total_count: 1, offset: 0, limit: 20 });
    expect(added.json.data[0].contract_information.contract_id).toBe(id);
    await call(sb.url, { method: 'DELETE', path: `/v3/edu-papay/contracts/${id}` });
    const deleted = await call(sb.url, { method: 'GET', path: `${base}&contract_status=DELETE&limit=5` });
    expect(deleted.json).toMatchObject({ total_count: 1, limit: 5 });
    // No valid contract left: the doc's "明确错误码", by default 404 NOT_FOUND.
    const none = await call(sb.url, { method: 'GET', path: base });
    expect([none.status, none.json.code]).toEqual([404, 'NOT_FOUND']);
  });

  it('edu: query by user without contracts → the documented error by default; codes and the old empty list are settable', async () => {
    const path = `/v3/edu-papay/user/oNobody/contracts?appid=${IDS.appId}&plan_id=${IDS.planId}`;
    sb = await startSandbox();
    const a = await call(sb.url, { method: 'GET', path });
    expect([a.status, a.json.code]).toEqual([404, 'NOT_FOUND']);
    await sb.close();
    sb = await startSandbox({ rules: { notFoundCodes: { eduNoContract: 'CONTRACT_NOT_EXIST' } } });
    const b = await call(sb.url, { method: 'GET', path });
    expect([b.status, b.json.code]).toEqual([404, 'CONTRACT_NOT_EXIST']);
    await sb.close();
    sb = await startSandbox({ rules: { userWithoutContracts: 'empty' } });
    const c = await call(sb.url, { method: 'GET', path });
    expect([c.status, c.json]).toEqual([200, { total_count: 0, offset: 0, limit: 20 }]);
  });

  it("edu: another merchant's contract id is not found", async () => {
    sb = await startSandbox();
    const a = await call(sb.url, {
      method: 'GET',
      path: `/v3/edu-papay/contracts/id/Wx000?appid=${IDS.appId}`,
    });
    expect([a.status, a.json.code]).toEqual([404, 'RESOURCE_NOT_EXISTS']);
  });

  it('QS: out_contract_code is never reusable — not after signing, not after termination', async () => {
    sb = await startSandbox();
    const code = 'QYreuse0001';
    const p = await call(sb.url, {
      method: 'POST',
      path: QS_PRESIGN,
      body: qsPresignBody({ out_contract_code: code }),
    });
    expect(p.json).toMatchObject({
      mchid: '1900000109',
      service_id: IDS.serviceId,
      out_contract_code: code,
      sign_mp_appid: 'wxbd687630cd02ce1d',
      sign_mp_path: 'pages/PwdExemptContract/index',
    });
    // Before signing, a retry with the same code is fine (idempotent retry after a 5xx).
    const retry = await call(sb.url, {
      method: 'POST',
      path: QS_PRESIGN,
      body: qsPresignBody({ out_contract_code: code }),
    });
    expect(retry.status).toBe(200);
    expect((await control(sb.url, 'POST', `/sessions/${p.json.pre_entrustweb_id}/confirm`)).status).toBe(200);
    const reuse = await call(sb.url, {
      method: 'POST',
      path: QS_PRESIGN,
      body: qsPresignBody({ out_contract_code: code }),
    });
    expect([reuse.status, reuse.json.code]).toEqual([400, 'INVALID_REQUEST']);
    // The older session can no longer be signed either.
    const late = await control(sb.url, 'POST', `/sessions/${retry.json.pre_entrustweb_id}/confirm`);
    expect(late.status).toBe(409);
    const t = await call(sb.url, {
      method: 'POST',
      path: `${qsPath(IDS.serviceId, code)}/terminate`,
      body: JSON.stringify({ contract_termination_remark: '用户申请解约' }),
    });
    expect(t.json).toEqual({ mchid: '1900000109', service_id: IDS.serviceId, out_contract_code: code });
    const afterTerminate = await call(sb.url, {
      method: 'POST',
      path: QS_PRESIGN,
      body: qsPresignBody({ out_contract_code: code }),
    });
    expect([afterTerminate.status, afterTerminate.json.code]).toEqual([400, 'INVALID_REQUEST']);
  });

  it('QS: query by out_contract_code — 404 before signing, SIGNED after, TERMINATED with info after terminate', async () => {
    sb = await startSandbox();
    const code = 'QYquery0001';
    const p = await call(sb.url, {
      method: 'POST',
      path: QS_PRESIGN,
      body: qsPresignBody({ out_contract_code: code }),
    });
    const before = await call(sb.url, { method: 'GET', path: qsPath(IDS.serviceId, code) });
    expect([before.status, before.json.code]).toEqual([404, 'RESOURCE_NOT_EXISTS']);
    await control(sb.url, 'POST', `/sessions/${p.json.pre_entrustweb_id}/confirm`);
    const signed = await call(sb.url, { method: 'GET', path: qsPath(IDS.serviceId, code) });
    expect(signed.json).toMatchObject({
      mchid: '1900000109',
      appid: IDS.appId,
      sub_appid: IDS.subAppId,
      service_id: IDS.serviceId,
      out_contract_code: code,
      contract_display_account: '张三的会员账户',
      contract_state: 'SIGNED',
    });
    expect(signed.json.contract_id).toMatch(/^Wx\d+$/);
    await call(sb.url, {
      method: 'POST',
      path: `${qsPath(IDS.serviceId, code)}/terminate`,
      body: JSON.stringify({ contract_termination_remark: 'bye' }),
    });
    const terminated = await call(sb.url, { method: 'GET', path: qsPath(IDS.serviceId, code) });
    expect(terminated.json.contract_state).toBe('TERMINATED');
    expect(terminated.json.contract_terminate_info).toMatchObject({
      contract_termination_mode: 'MCH_API_TERMINATE',
      contract_termination_remark: 'bye',
    });
    const twice = await call(sb.url, {
      method: 'POST',
      path: `${qsPath(IDS.serviceId, code)}/terminate`,
      body: JSON.stringify({ contract_termination_remark: 'again' }),
    });
    expect([twice.status, twice.json.code]).toEqual([400, 'INVALID_REQUEST']);
  });

  it('QS: query for a service the merchant lacks → 403 NO_AUTH', async () => {
    sb = await startSandbox();
    const a = await call(sb.url, { method: 'GET', path: qsPath(777, 'QY1') });
    expect([a.status, a.json.code]).toEqual([403, 'NO_AUTH']);
  });

  it('sessions expire after presignTtlSeconds (injected clock): confirm → 410, the page view says EXPIRED', async () => {
    const clock = manualClock(nowSeconds());
    sb = await startSandbox({ presignTtlSeconds: 7200 }, { clock });
    const p = await call(sb.url, {
      method: 'POST',
      path: EDU_PRESIGN,
      body: eduPresignBody({ openid: 'oLate' }),
      timestamp: clock.t,
    });
    clock.t += 7200;
    expect((await control(sb.url, 'GET', `/sessions/${p.json.presign_token}`)).json.status).toBe('PENDING');
    clock.t += 1;
    expect((await control(sb.url, 'GET', `/sessions/${p.json.presign_token}`)).json.status).toBe('EXPIRED');
    const late = await control(sb.url, 'POST', `/sessions/${p.json.presign_token}/confirm`);
    expect([late.status, late.json.code]).toEqual([410, 'SANDBOX_SESSION_EXPIRED']);
  });

  it('the control clock offset moves sandbox time (requests signed with real time then go stale)', async () => {
    sb = await startSandbox();
    const moved = await control(sb.url, 'POST', '/clock', { offsetSeconds: 3600 });
    expect(moved.json.offsetSeconds).toBe(3600);
    const stale = await call(sb.url, { method: 'POST', path: EDU_PRESIGN, body: eduPresignBody() });
    expect(stale.status).toBe(401);
  });

  it('cancel closes the session; confirming it afterwards → 409', async () => {
    sb = await startSandbox();
    const p = await call(sb.url, {
      method: 'POST',
      path: EDU_PRESIGN,
      body: eduPresignBody({ openid: 'oCancel' }),
    });
    expect((await control(sb.url, 'POST', `/sessions/${p.json.presign_token}/cancel`)).json).toEqual({
      result: 'CANCEL',
    });
    const c = await control(sb.url, 'POST', `/sessions/${p.json.presign_token}/confirm`);
    expect([c.status, c.json.code]).toEqual([409, 'SANDBOX_SESSION_CLOSED']);
    const unknown = await control(sb.url, 'POST', '/sessions/nope/confirm');
    expect(unknown.status).toBe(404);
  });
});
