import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AnswerFormatError,
  ApiError,
  ClockSkewError,
  ConfigError,
  certificateInfo,
  createCertificateStore,
  createRsaSigner,
  createRsaVerifier,
  createStaticKeyResolver,
  createWechatPayClient,
  downloadCertificates,
  isRetryable,
  loadApiV3Key,
  loadPrivateKey,
  loadPublicKey,
  MissingHeaderError,
  RequestFormatError,
  SignatureInvalidError,
  TransportError,
  UnknownSerialError,
  type WechatPayClient,
} from '../src/index.ts';
import {
  apiV3KeyText,
  type CertificatesAnswerFile,
  fixedClock,
  fixtureJson,
  fixtureText,
  merchantSerial,
  platformSerial,
  publicKeyId,
} from './fixtures.ts';
import { type LoopbackServer, startLoopback } from './loopback-server.ts';

const signer = createRsaSigner({
  mchId: '1900000109',
  serialNo: merchantSerial(),
  privateKey: loadPrivateKey(fixtureText('merchant/private-key.pem')),
});
const resolver = createStaticKeyResolver({
  keys: {
    [platformSerial()]: loadPublicKey(fixtureText('platform/cert.pem')),
    [publicKeyId()]: loadPublicKey(fixtureText('platform/pubkey/public-key.pem')),
  },
});
const verifier = createRsaVerifier(resolver);

let server: LoopbackServer;
let client: WechatPayClient;

beforeAll(async () => {
  server = await startLoopback();
  client = createWechatPayClient({ baseUrl: server.baseUrl, signer, verifier, resolver, timeoutMs: 10_000 });
});
afterAll(async () => {
  await client.close();
  await server.close();
});
beforeEach(() => {
  server.received.length = 0;
});

const json = (v: unknown) => JSON.stringify(v);

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

const presignBody = {
  appid: 'wxd678efh567hg6787',
  openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
  plan_id: '101164396123311331',
  user_id: '张三的账户',
  period_start_date: '2025-08-28',
  trade_scene: 'EDUCATION_PERIOD' as const,
};

describe('client against a signing loopback server', () => {
  it('presign: sends the exact signed bytes, Wechatpay-Serial and JSON headers, and returns the verified answer', async () => {
    server.answer(() => ({ status: 200, body: json({ presign_token: 'TOKEN123' }) }));
    const out = await client.eduPapay.presign(presignBody);
    expect(out).toEqual({ presign_token: 'TOKEN123' });
    const r = server.received[0]!;
    expect(r.method).toBe('POST');
    expect(r.url).toBe('/v3/edu-papay/contracts/presign');
    // The server verified the merchant signature over the bytes it actually received.
    expect(r.signatureValid).toBe(true);
    expect(r.body.toString('utf8')).toBe(JSON.stringify(presignBody));
    expect(r.headers['wechatpay-serial']).toBe(publicKeyId());
    expect(r.headers.accept).toBe('application/json');
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['user-agent']).toMatch(/^qianyue\/\S+ \(node\/\d/);
    expect(r.authorization.mchid).toBe('1900000109');
    expect(r.authorization.nonce_str).toMatch(/^[0-9A-Za-z]{32}$/);
  });

  it('accepts answers signed by either the platform certificate or the public key (migration)', async () => {
    server.answer(() => ({ status: 200, body: json({ presign_token: 'A' }), sign: { key: 'platform' } }));
    await expect(client.eduPapay.presign(presignBody)).resolves.toEqual({ presign_token: 'A' });
    server.answer(() => ({ status: 200, body: json({ presign_token: 'B' }), sign: { key: 'pubkey' } }));
    await expect(client.eduPapay.presign(presignBody)).resolves.toEqual({ presign_token: 'B' });
  });

  it('edu query by id and by user: encoded path + query are signed exactly as sent', async () => {
    const contract = {
      sp_mchid: '1900000109',
      appid: 'wxd678efh567hg6787',
      contract_information: {
        contract_id: 'C1',
        contract_status: 'ADD',
        create_time: '2024-05-01T10:04:58+08:00',
      },
    };
    server.answer(() => ({ status: 200, body: json(contract) }));
    await expect(
      client.eduPapay.queryById('C/1 x', { appid: 'wx1', sub_mchid: '1900000209' }),
    ).resolves.toEqual(contract);
    server.answer(() => ({
      status: 200,
      body: json({ data: [contract], total_count: 1, offset: 0, limit: 20 }),
    }));
    await client.eduPapay.queryByUser('o+id/用户', { appid: 'wx1', plan_id: '1', offset: 0, limit: 20 });
    const [byId, byUser] = server.received;
    expect(byId!.url).toBe('/v3/edu-papay/contracts/id/C%2F1%20x?appid=wx1&sub_mchid=1900000209');
    expect(byUser!.url).toBe(
      `/v3/edu-papay/user/${encodeURIComponent('o+id/用户')}/contracts?appid=wx1&plan_id=1&offset=0&limit=20`,
    );
    expect(byId!.signatureValid && byUser!.signatureValid).toBe(true);
    expect(byId!.headers['content-type']).toBeUndefined();
    expect(byId!.body.length).toBe(0);
  });

  it('edu terminate: DELETE answered by a signed 204 resolves', async () => {
    server.answer(() => ({ status: 204 }));
    await expect(client.eduPapay.terminate('Wx1546')).resolves.toBeUndefined();
    expect(server.received[0]!.method).toBe('DELETE');
    expect(server.received[0]!.url).toBe('/v3/edu-papay/contracts/Wx1546');
    expect(server.received[0]!.signatureValid).toBe(true);
    // No Content-Type without a body (Fastify answers 400 to an empty JSON body), but the serial is sent.
    expect(server.received[0]!.headers['content-type']).toBeUndefined();
    expect(server.received[0]!.headers['wechatpay-serial']).toBe(publicKeyId());
  });

  it('password-exempt pre-sign, query and terminate hit the documented paths', async () => {
    const pre = {
      appid: 'wxd678efh567hg6787',
      sub_appid: 'wx8888888888888888',
      sub_mchid: '1900000209',
      service_id: 12535,
      out_contract_code: 'QY20240501000002',
      notify_url: 'https://merchant.example.com/notify',
      contract_display_account: '张三（测试）',
      sub_openid: 'oXyZ',
    };
    server.answer(() => ({
      status: 200,
      body: json({
        pre_entrustweb_id: 'P1',
        mchid: '1900000109',
        service_id: 12535,
        out_contract_code: pre.out_contract_code,
        sign_mp_appid: 'wxbd687630cd02ce1d',
        sign_mp_path: 'pages/PwdExemptContract/index',
      }),
    }));
    const out = await client.passwordExempt.preEntrustSignMiniProgram(pre);
    expect(out.pre_entrustweb_id).toBe('P1');
    server.answer(() => ({ status: 200, body: json({ mchid: '1', contract_state: 'SIGNED' }) }));
    await client.passwordExempt.queryByOutContractCode(12535, 'QY1');
    server.answer(() => ({
      status: 200,
      body: json({ mchid: '1', service_id: 12535, out_contract_code: 'QY1' }),
    }));
    await client.passwordExempt.terminate(12535, 'QY1', { contract_termination_remark: '用户要求解约' });
    const [a, b, c] = server.received;
    expect(a!.url).toBe('/v3/password-exempt-contract/contracts/qs/pre-entrust-sign/mini-program');
    expect(b!.method).toBe('GET');
    expect(b!.url).toBe('/v3/password-exempt-contract/contracts/service-id/12535/out-contract-code/QY1');
    expect(c!.method).toBe('POST');
    expect(c!.url).toBe(
      '/v3/password-exempt-contract/contracts/service-id/12535/out-contract-code/QY1/terminate',
    );
    expect(c!.body.toString('utf8')).toBe('{"contract_termination_remark":"用户要求解约"}');
    expect(server.received.every((r) => r.signatureValid)).toBe(true);
  });

  it('reuses keep-alive connections instead of opening one per request', async () => {
    server.answer(() => ({ status: 200, body: json({ presign_token: 'K' }) }));
    for (let i = 0; i < 8; i++) await client.eduPapay.presign(presignBody);
    const ports = new Set(server.received.map((r) => r.remotePort));
    // undici's pool may alternate between two idle sockets, but never opens one per request.
    expect(ports.size).toBeLessThanOrEqual(2);
  });

  it('rejects a tampered answer with SignatureInvalidError', async () => {
    server.answer(() => ({ status: 200, body: json({ presign_token: 'T' }), sign: { tamper: true } }));
    const err = await rejection(client.eduPapay.presign(presignBody));
    expect(err).toBeInstanceOf(SignatureInvalidError);
    expect(err.message).not.toContain('presign_token');
    expect(isRetryable(err)).toBe(true);
  });

  it('rejects an answer whose Wechatpay-Serial is unknown with UnknownSerialError', async () => {
    server.answer(() => ({
      status: 200,
      body: json({ presign_token: 'S' }),
      sign: { serial: '7E57C0DE554E4B4E4F574E000000000000000003' },
    }));
    const err = await rejection(client.eduPapay.presign(presignBody));
    expect(err).toBeInstanceOf(UnknownSerialError);
    expect((err as UnknownSerialError).requestId).toMatch(/^TESTONLY-/);
  });

  it('rejects an answer signed by one key under the other key serial', async () => {
    server.answer(() => ({
      status: 200,
      body: json({ presign_token: 'S' }),
      sign: { key: 'platform', serial: publicKeyId() },
    }));
    await expect(client.eduPapay.presign(presignBody)).rejects.toBeInstanceOf(SignatureInvalidError);
  });

  it('rejects an answer with a stale timestamp with ClockSkewError', async () => {
    server.answer(() => ({
      status: 200,
      body: json({ presign_token: 'S' }),
      sign: { timestampOffset: -600 },
    }));
    await expect(client.eduPapay.presign(presignBody)).rejects.toBeInstanceOf(ClockSkewError);
  });

  it('never believes an unsigned 2xx answer', async () => {
    server.answer(() => ({ status: 200, body: json({ presign_token: 'U' }), sign: false }));
    await expect(client.eduPapay.presign(presignBody)).rejects.toBeInstanceOf(MissingHeaderError);
  });

  it('turns a signed WeChat error answer into ApiError with status, code, message, detail and Request-ID', async () => {
    const detail = { location: 'body', value: 'period_start_date' };
    server.answer(() => ({
      status: 400,
      body: json({ code: 'PARAM_ERROR', message: '参数错误', detail }),
      headers: { 'Request-ID': 'REQ-400' },
    }));
    const err = await rejection(client.eduPapay.presign(presignBody));
    expect(err).toBeInstanceOf(ApiError);
    const api = err as ApiError;
    expect(api.code).toBe('WECHATPAY_API_ERROR');
    expect(api.status).toBe(400);
    expect(api.apiCode).toBe('PARAM_ERROR');
    expect(api.apiMessage).toBe('参数错误');
    expect(api.detail).toEqual(detail);
    expect(api.requestId).toBe('REQ-400');
    expect(api.retryable).toBe(false);
    expect(api.verified).toBe(true);
    expect(api.message).not.toContain('参数错误');
  });

  it('accepts an unsigned error answer as ApiError (error answers need not be signed) and marks 5xx retryable', async () => {
    server.answer(() => ({
      status: 500,
      body: json({ code: 'SYSTEM_ERROR', message: 'busy' }),
      sign: false,
    }));
    const err = await rejection(client.eduPapay.presign(presignBody));
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).retryable).toBe(true);
    expect((err as ApiError).verified).toBe(false);
    expect(isRetryable(err)).toBe(true);
  });

  it('rejects a signed error answer whose signature fails with the verification error, not ApiError', async () => {
    server.answer(() => ({
      status: 400,
      body: json({ code: 'PARAM_ERROR', message: 'x' }),
      sign: { tamper: true },
    }));
    await expect(client.eduPapay.presign(presignBody)).rejects.toBeInstanceOf(SignatureInvalidError);
  });

  it('verifies before parsing: a tampered non-JSON answer is a signature error, not a JSON error', async () => {
    server.answer(() => ({ status: 200, body: '{not json', sign: { tamper: true } }));
    await expect(client.eduPapay.presign(presignBody)).rejects.toBeInstanceOf(SignatureInvalidError);
  });

  it('rejects a verified 2xx body that is not JSON with AnswerFormatError', async () => {
    server.answer(() => ({ status: 200, body: 'not json' }));
    await expect(client.eduPapay.presign(presignBody)).rejects.toBeInstanceOf(AnswerFormatError);
  });

  it('refuses to send 4-byte UTF-8 and sends nothing', async () => {
    const err = await rejection(client.eduPapay.presign({ ...presignBody, user_id: 'emoji 😀' }));
    expect(err).toBeInstanceOf(RequestFormatError);
    expect(server.received).toHaveLength(0);
  });

  it('turns a hanging server into TransportError WECHATPAY_TRANSPORT_TIMEOUT', async () => {
    server.answer(() => ({ status: 200, hang: true }));
    const fast = createWechatPayClient({
      baseUrl: server.baseUrl,
      signer,
      verifier,
      resolver,
      timeoutMs: 200,
    });
    try {
      const err = await rejection(fast.eduPapay.presign(presignBody));
      expect(err).toBeInstanceOf(TransportError);
      expect((err as TransportError).code).toBe('WECHATPAY_TRANSPORT_TIMEOUT');
      expect(err.cause).toBeDefined();
    } finally {
      await fast.close();
    }
  });

  it('keeps a whole-request deadline: a body dripping slower than timeoutMs in total is a timeout', async () => {
    // Every gap (60 ms) is far below the per-chunk body timeout; only the whole-call deadline can stop it.
    server.answer(() => ({
      status: 200,
      body: JSON.stringify({ presign_token: 'x'.repeat(60) }),
      dripMs: 60,
    }));
    const fast = createWechatPayClient({
      baseUrl: server.baseUrl,
      signer,
      verifier,
      resolver,
      timeoutMs: 400,
    });
    try {
      const started = Date.now();
      const err = await rejection(fast.eduPapay.presign(presignBody));
      expect(err).toBeInstanceOf(TransportError);
      expect((err as TransportError).code).toBe('WECHATPAY_TRANSPORT_TIMEOUT');
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await fast.close();
    }
  });

  it('turns a refused connection into TransportError WECHATPAY_TRANSPORT_FAILED', async () => {
    const dead = await startLoopback();
    const url = dead.baseUrl;
    await dead.close();
    const c = createWechatPayClient({ baseUrl: url, signer, verifier, resolver, timeoutMs: 10_000 });
    try {
      const err = await rejection(c.eduPapay.presign(presignBody));
      expect(err).toBeInstanceOf(TransportError);
      expect((err as TransportError).code).toBe('WECHATPAY_TRANSPORT_FAILED');
    } finally {
      await c.close();
    }
  });

  it('refuses a configuration whose merchant serial is among the verification keys', () => {
    const bad = createStaticKeyResolver({
      keys: { [merchantSerial()]: loadPublicKey(fixtureText('merchant/cert.pem')) },
    });
    expect(() => createWechatPayClient({ signer, verifier, resolver: bad })).toThrow(ConfigError);
  });
});

describe('platform certificate download over the client', () => {
  it('in certificate mode sends the newest platform serial as Wechatpay-Serial and verifies with the store', async () => {
    const store = createCertificateStore();
    store.add([certificateInfo(fixtureText('platform/cert.pem'))]);
    const c = createWechatPayClient({
      baseUrl: server.baseUrl,
      signer,
      verifier: createRsaVerifier(store),
      resolver: store,
      timeoutMs: 10_000,
    });
    try {
      server.answer(() => ({ status: 200, body: json({ presign_token: 'C' }), sign: { key: 'platform' } }));
      await expect(c.eduPapay.presign(presignBody)).resolves.toEqual({ presign_token: 'C' });
      expect(server.received.at(-1)!.headers['wechatpay-serial']).toBe(platformSerial());
      server.answer(() => ({ status: 200, body: json({ presign_token: 'D' }), sign: { key: 'pubkey' } }));
      await expect(c.eduPapay.presign(presignBody)).rejects.toBeInstanceOf(UnknownSerialError);
    } finally {
      await c.close();
    }
  });

  it('downloads, decrypts and verifies /v3/certificates with the certificate it carries', async () => {
    const file = fixtureJson<CertificatesAnswerFile>('vectors/certificates-answer.json');
    server.answer(() => ({ status: 200, body: file.body, sign: false, headers: file.headers }));
    const certs = await downloadCertificates(client, {
      apiV3Key: loadApiV3Key(apiV3KeyText()),
      clock: fixedClock(file.now),
    });
    expect(certs.map((c) => c.serialNo)).toEqual([file.expect.serial_no]);
    expect(certs[0]!.pem).toBe(file.expect.certificate_pem);
    expect(server.received[0]!.url).toBe('/v3/certificates');
    expect(server.received[0]!.signatureValid).toBe(true);
  });
});
