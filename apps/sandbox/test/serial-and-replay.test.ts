import { constants, publicEncrypt } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  call,
  control,
  EDU_PRESIGN,
  eduPresignBody,
  fixture,
  IDS,
  manualClock,
  nowSeconds,
  type Running,
  startSandbox as startWith,
  verifyAnswer,
} from './helpers.ts';

/** These tests need a signed 200 GET: the user-contracts query keeps its empty-list answer here. */
const startSandbox: typeof startWith = (o = {}, deps) =>
  startWith({ ...o, rules: { userWithoutContracts: 'empty', ...o.rules } }, deps);

const userContracts = (openid: string) =>
  `/v3/edu-papay/user/${openid}/contracts?appid=${IDS.appId}&plan_id=${IDS.planId}`;

describe('Wechatpay-Serial on requests and sensitive-field encryption (spec §1.5, §7.9)', () => {
  let sb: Running | undefined;
  afterEach(async () => {
    await sb?.close();
    sb = undefined;
  });

  it('a Wechatpay-Serial naming no key the sandbox holds → signed 400 PARAM_ERROR (code UNCONFIRMED)', async () => {
    sb = await startSandbox();
    const a = await call(sb.url, {
      method: 'POST',
      path: EDU_PRESIGN,
      body: eduPresignBody(),
      extraHeaders: { 'wechatpay-serial': 'PUB_KEY_ID_0000000000000000000000000000' },
    });
    expect([a.status, a.json.code]).toEqual([400, 'PARAM_ERROR']);
    expect(a.json.detail).toMatchObject({ field: 'Wechatpay-Serial', location: 'header' });
    expect(a.text).not.toContain('PUB_KEY_ID_0000');
    verifyAnswer(a.headers, a.text);
    expect(sb.app.sandbox.state.sessions.size).toBe(0);
  });

  it('a held serial (public-key id or platform certificate) is accepted, and so is no header at all', async () => {
    sb = await startSandbox();
    for (const serial of [fixture.publicKeyId, fixture.platformSerial, undefined]) {
      const a = await call(sb.url, {
        method: 'GET',
        path: userContracts('oSerialOk'),
        ...(serial ? { extraHeaders: { 'wechatpay-serial': serial } } : {}),
      });
      expect(a.status).toBe(200);
    }
  });

  it('the signature check comes first: a badly signed request with an unknown serial gets 401', async () => {
    sb = await startSandbox();
    const a = await call(sb.url, {
      method: 'GET',
      path: userContracts('oOrder'),
      signedPath: '/v3/other',
      extraHeaders: { 'wechatpay-serial': 'NOT_A_SERIAL' },
    });
    expect([a.status, a.json.code]).toEqual([401, 'SIGN_ERROR']);
  });

  it('checkWechatpaySerial off → the header is ignored', async () => {
    sb = await startSandbox({ checkWechatpaySerial: false });
    const a = await call(sb.url, {
      method: 'GET',
      path: userContracts('oNoCheck'),
      extraHeaders: { 'wechatpay-serial': 'NOT_A_SERIAL' },
    });
    expect(a.status).toBe(200);
  });

  it('an RSA-OAEP(SHA-1) field encrypted to the WeChat Pay public key decrypts with the key its serial names', async () => {
    sb = await startSandbox();
    const field = '张三 13800138000';
    const oaep = (hash: string) =>
      publicEncrypt(
        { key: fixture.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash },
        Buffer.from(field, 'utf8'),
      ).toString('base64');
    const ok = await control(sb.url, 'POST', '/sensitive/decrypt', {
      serial: fixture.publicKeyId,
      ciphertext: oaep('sha1'),
    });
    expect(ok.status).toBe(200);
    expect(ok.json.plaintext).toBe(field);
    // OAEP with SHA-256 is not what WeChat Pay uses: it does not decrypt.
    const sha256 = await control(sb.url, 'POST', '/sensitive/decrypt', {
      serial: fixture.publicKeyId,
      ciphertext: oaep('sha256'),
    });
    expect(sha256.status).toBe(400);
    // The wrong key (the platform certificate's) cannot decrypt it either.
    const wrongKey = await control(sb.url, 'POST', '/sensitive/decrypt', {
      serial: fixture.platformSerial,
      ciphertext: oaep('sha1'),
    });
    expect(wrongKey.status).toBe(400);
    const unknown = await control(sb.url, 'POST', '/sensitive/decrypt', {
      serial: 'NOPE',
      ciphertext: 'AA==',
    });
    expect(unknown.status).toBe(404);
  });
});

describe('nonce replay (UNCONFIRMED on the real gateway; off by default)', () => {
  let sb: Running | undefined;
  afterEach(async () => {
    await sb?.close();
    sb = undefined;
  });

  it('off by default: the same signed request twice is accepted twice', async () => {
    sb = await startSandbox();
    const o = {
      method: 'GET',
      path: userContracts('oReplayOff'),
      nonce: 'REPLAYNONCE0000000000000000000001',
    };
    expect((await call(sb.url, o)).status).toBe(200);
    expect((await call(sb.url, o)).status).toBe(200);
  });

  it('rejectReplayedNonces → a reused nonce within the window is 401 SIGN_ERROR; a fresh one passes', async () => {
    sb = await startSandbox({ rejectReplayedNonces: true });
    const ts = nowSeconds();
    const o = {
      method: 'GET',
      path: userContracts('oReplay'),
      nonce: 'REPLAYNONCE0000000000000000000002',
      timestamp: ts,
    };
    expect((await call(sb.url, o)).status).toBe(200);
    const replay = await call(sb.url, o);
    expect([replay.status, replay.json.code, replay.json.detail.field]).toEqual([
      401,
      'SIGN_ERROR',
      'nonce_str',
    ]);
    verifyAnswer(replay.headers, replay.text);
    // Same nonce, other request (re-signed): still a reuse.
    const reuse = await call(sb.url, { ...o, path: userContracts('oReplay2') });
    expect(reuse.status).toBe(401);
    expect((await call(sb.url, { ...o, nonce: 'REPLAYNONCE0000000000000000000003' })).status).toBe(200);
  });

  it('a badly signed request does not burn the nonce', async () => {
    sb = await startSandbox({ rejectReplayedNonces: true });
    const o = { method: 'GET', path: userContracts('oBurn'), nonce: 'REPLAYNONCE0000000000000000000004' };
    expect((await call(sb.url, { ...o, signedPath: '/v3/x' })).status).toBe(401);
    expect((await call(sb.url, o)).status).toBe(200);
  });

  it('memory is bounded by the window: nonces older than the window are forgotten', async () => {
    const clock = manualClock(nowSeconds());
    sb = await startSandbox({ rejectReplayedNonces: true, clockSkewSeconds: 300 }, { clock });
    for (let i = 0; i < 5; i++) {
      const a = await call(sb.url, { method: 'GET', path: userContracts(`oWin${i}`), timestamp: clock.t });
      expect(a.status).toBe(200);
    }
    expect(sb.app.sandbox.nonces?.size()).toBe(5);
    clock.t += 301;
    const later = await call(sb.url, { method: 'GET', path: userContracts('oWinLater'), timestamp: clock.t });
    expect(later.status).toBe(200);
    expect(sb.app.sandbox.nonces?.size()).toBe(1);
  });
});
