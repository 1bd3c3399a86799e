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
import { rawPresignCall, syncSign } from './support/raw-call.ts';
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
  const signed = syncSign(privateKey);
  const raw = rawPresignCall({ pool, publicKey, merchantSerial, pubId, body });
  const rawCall = () => raw(signed);

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
