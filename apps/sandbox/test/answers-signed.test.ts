import { X509Certificate } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  call,
  control,
  decrypt,
  EDU_PRESIGN,
  eduPresignBody,
  fixture,
  QS_PRESIGN,
  qsPresignBody,
  type Running,
  startSandbox,
  verifyAnswer,
} from './helpers.ts';

describe('every APIv3 answer is signed with the platform key', () => {
  let sb: Running | undefined;
  afterEach(async () => {
    await sb?.close();
    sb = undefined;
  });

  it('public-key mode (default): signs 200 answers with PUB_KEY_ID_… and a 32-hex lower-case nonce', async () => {
    sb = await startSandbox();
    const a = await call(sb.url, { method: 'POST', path: EDU_PRESIGN, body: eduPresignBody() });
    expect(a.status).toBe(200);
    expect(verifyAnswer(a.headers, a.text)).toBe(fixture.publicKeyId);
    expect(a.headers.get('wechatpay-nonce')).toMatch(/^[0-9a-f]{32}$/);
    expect(a.headers.get('wechatpay-signature-type')).toBe('WECHATPAY2-SHA256-RSA2048');
    expect(a.headers.get('request-id')).toBeTruthy();
  });

  it('signs a 204 answer over the empty body', async () => {
    sb = await startSandbox();
    const p = await call(sb.url, { method: 'POST', path: EDU_PRESIGN, body: eduPresignBody() });
    const confirmed = await control(sb.url, 'POST', `/sessions/${p.json.presign_token}/confirm`);
    const del = await call(sb.url, {
      method: 'DELETE',
      path: `/v3/edu-papay/contracts/${confirmed.json.contractId}`,
    });
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    verifyAnswer(del.headers, '');
  });

  it('signs 4xx answers too, and leaves them unsigned when signErrorAnswers is off', async () => {
    sb = await startSandbox();
    const bad = await call(sb.url, { method: 'POST', path: EDU_PRESIGN, body: eduPresignBody({ x: 1 }) });
    expect(bad.status).toBe(400);
    verifyAnswer(bad.headers, bad.text);
    await sb.close();
    sb = await startSandbox({ signErrorAnswers: false });
    const unsigned = await call(sb.url, {
      method: 'POST',
      path: EDU_PRESIGN,
      body: eduPresignBody({ x: 1 }),
    });
    expect(unsigned.status).toBe(400);
    expect(unsigned.headers.get('wechatpay-signature')).toBeNull();
    expect(unsigned.headers.get('request-id')).toBeTruthy();
  });

  it('certificate mode: signs with the platform certificate serial', async () => {
    sb = await startSandbox({ platform: { mode: 'certificate' } });
    const a = await call(sb.url, { method: 'POST', path: QS_PRESIGN, body: qsPresignBody() });
    expect(a.status).toBe(200);
    expect(verifyAnswer(a.headers, a.text)).toBe(fixture.platformSerial);
  });

  it('migrating mode: the request Wechatpay-Serial picks the signing key, the certificate otherwise', async () => {
    sb = await startSandbox({ platform: { mode: 'migrating' } });
    const withId = await call(sb.url, {
      method: 'POST',
      path: EDU_PRESIGN,
      body: eduPresignBody(),
      extraHeaders: { 'wechatpay-serial': fixture.publicKeyId },
    });
    expect(verifyAnswer(withId.headers, withId.text)).toBe(fixture.publicKeyId);
    const without = await call(sb.url, { method: 'GET', path: '/v3/certificates' });
    expect(verifyAnswer(without.headers, without.text)).toBe(fixture.platformSerial);
  });

  it('GET /v3/certificates serves the platform certificate encrypted with the APIv3 key', async () => {
    sb = await startSandbox({ platform: { mode: 'certificate' } });
    const a = await call(sb.url, { method: 'GET', path: '/v3/certificates' });
    expect(a.status).toBe(200);
    const [entry] = a.json.data;
    expect(entry.serial_no).toBe(fixture.platformSerial);
    expect(entry.encrypt_certificate.associated_data).toBe('certificate');
    expect(entry.encrypt_certificate.algorithm).toBe('AEAD_AES_256_GCM');
    expect(entry.encrypt_certificate.nonce).toMatch(/^[0-9A-Za-z]{12}$/);
    const pem = decrypt(entry.encrypt_certificate);
    expect(pem).toBe(fixture.platformCertPem);
    expect(new X509Certificate(pem).serialNumber).toBe(fixture.platformSerial);
    expect(entry.effective_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
    // Bootstrap: the answer verifies with the very certificate it carries.
    verifyAnswer(a.headers, a.text);
  });

  it('GET /v3/certificates in public-key mode answers an error (no platform certificate)', async () => {
    sb = await startSandbox();
    const a = await call(sb.url, { method: 'GET', path: '/v3/certificates' });
    expect(a.status).toBe(404);
    verifyAnswer(a.headers, a.text);
  });

  it('the answer signature covers the exact bytes sent (Chinese text included)', async () => {
    sb = await startSandbox();
    const a = await call(sb.url, {
      method: 'POST',
      path: EDU_PRESIGN,
      body: eduPresignBody({ plan_id: '999' }),
    });
    expect(a.status).toBe(403);
    expect(a.text).toMatch(/[\u4e00-\u9fff]/);
    verifyAnswer(a.headers, a.text);
  });
});
