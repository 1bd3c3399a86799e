import { sign as cryptoSign, verify as cryptoVerify, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import {
  createRsaSigner,
  createRsaVerifier,
  createStaticKeyResolver,
  createWechatPayClient,
  type EduPresignRequest,
  loadPrivateKey,
  loadPublicKey,
} from '@qianyue/wechatpay';
import { Pool } from 'undici';
import { fixtureText } from './fixtures.ts';
import type { Suite } from './harness.ts';
import { startChild } from './support/child.ts';
import { APP_ID, MCH_ID, PLAN_ID } from './support/upstream.ts';

/*
 * Issue 8 row 2: one whole outbound call — sign, send over undici (keep-alive) to a loopback responder whose
 * answers are pre-signed, verify the answer, parse it. The responder runs in a child process, so the CPU time
 * the harness measures is the client side only. Baseline: a bare undici Pool + raw crypto.sign/verify with
 * KeyObjects parsed once — the least any correct client must do.
 */

const require = createRequire(import.meta.url);
type AxiosChain = { post(body: unknown): Promise<{ data: { presign_token: string } }> };
const { Wechatpay } = require('wechatpay-axios-plugin') as {
  Wechatpay: new (o: {
    mchid: string;
    serial: string;
    privateKey: string;
    certs: Record<string, string>;
    baseURL: string;
  }) => { v3: Record<string, Record<string, Record<string, AxiosChain>>> };
};

export async function outboundSuites(): Promise<{ suites: Suite[]; teardown: () => Promise<void> }> {
  const responder = await startChild('responder.ts');
  const base = responder.ready.url as string;
  const merchantPem = fixtureText('merchant/private-key.pem');
  const merchantSerial = fixtureText('merchant/serial.txt').trim();
  const pubId = fixtureText('platform/pubkey/id.txt').trim();
  const pubPem = fixtureText('platform/pubkey/public-key.pem');
  const privateKey = loadPrivateKey(merchantPem);
  const publicKey = loadPublicKey(pubPem);

  const signer = createRsaSigner({ mchId: MCH_ID, serialNo: merchantSerial, privateKey });
  const resolver = createStaticKeyResolver({ keys: { [pubId]: publicKey } });
  const client = createWechatPayClient({
    baseUrl: base,
    signer,
    verifier: createRsaVerifier(resolver),
    resolver,
  });
  const body: EduPresignRequest = {
    appid: APP_ID,
    openid: 'oBench000000000000000000000',
    plan_id: PLAN_ID,
    user_id: 'QYbench0000000000',
    period_start_date: '2030-01-02',
    trade_scene: 'EDUCATION_PERIOD',
  };

  // --- baseline: bare undici + raw node:crypto ---
  const pool = new Pool(base, { connections: 16, keepAliveTimeout: 30_000 });
  const urlPath = '/v3/edu-papay/contracts/presign';
  const rawCall = async (): Promise<string> => {
    const payload = JSON.stringify(body);
    const ts = String(Math.floor(Date.now() / 1000));
    const nonce = randomBytes(16).toString('hex');
    const sig = cryptoSign(
      'sha256',
      Buffer.from(`POST\n${urlPath}\n${ts}\n${nonce}\n${payload}\n`),
      privateKey,
    ).toString('base64');
    const res = await pool.request({
      path: urlPath,
      method: 'POST',
      headers: {
        authorization: `WECHATPAY2-SHA256-RSA2048 mchid="${MCH_ID}",nonce_str="${nonce}",signature="${sig}",timestamp="${ts}",serial_no="${merchantSerial}"`,
        accept: 'application/json',
        'content-type': 'application/json',
        'wechatpay-serial': pubId,
      },
      body: payload,
    });
    const text = await res.body.text();
    const h = res.headers;
    const m = `${h['wechatpay-timestamp']}\n${h['wechatpay-nonce']}\n${text}\n`;
    if (
      !cryptoVerify(
        'sha256',
        Buffer.from(m),
        publicKey,
        Buffer.from(String(h['wechatpay-signature']), 'base64'),
      )
    )
      throw new Error('bad answer signature');
    return (JSON.parse(text) as { presign_token: string }).presign_token;
  };

  const axiosPay = new Wechatpay({
    mchid: MCH_ID,
    serial: merchantSerial,
    privateKey: merchantPem,
    certs: { [pubId]: pubPem },
    baseURL: `${base}/`,
  });
  const axiosPresign = (axiosPay.v3['edu-papay'] as Record<string, Record<string, AxiosChain>>).contracts
    ?.presign as AxiosChain;

  // Self-checks: every variant gets the same token back.
  const expected = await rawCall();
  if ((await client.eduPapay.presign(body)).presign_token !== expected)
    throw new Error('client token differs');
  if ((await axiosPresign.post(body)).data.presign_token !== expected) throw new Error('axios token differs');

  let sink = 0;
  const suite: Suite = {
    name: 'outbound call (sign + undici/loopback + verify + parse), client CPU per call',
    baseline: 'bare undici Pool + raw crypto.sign/verify',
    batch: 40,
    variants: [
      {
        name: 'bare undici Pool + raw crypto.sign/verify',
        run: async (n) => {
          for (let i = 0; i < n; i++) sink += (await rawCall()).length;
        },
      },
      {
        name: '@qianyue/wechatpay client.eduPapay.presign',
        run: async (n) => {
          for (let i = 0; i < n; i++) sink += (await client.eduPapay.presign(body)).presign_token.length;
        },
      },
      {
        name: 'wechatpay-axios-plugin v3.edu-papay.contracts.presign.post',
        run: async (n) => {
          for (let i = 0; i < n; i++) sink += (await axiosPresign.post(body)).data.presign_token.length;
        },
      },
    ],
  };
  (globalThis as { __benchSink2?: () => number }).__benchSink2 = () => sink;
  return {
    suites: [suite],
    teardown: async () => {
      await client.close();
      await pool.close();
      await responder.stop();
    },
  };
}
