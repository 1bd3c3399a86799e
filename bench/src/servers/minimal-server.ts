import { sign as cryptoSign, verify as cryptoVerify, type KeyObject, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { loadPrivateKey, loadPublicKey } from '@qianyue/wechatpay';
import Fastify from 'fastify';
import { Pool } from 'undici';
import { fixtureText } from '../fixtures.ts';
import { serveCommands } from '../support/child.ts';
import { MCH_ID } from '../support/upstream.ts';
import { createProbe } from './probe.ts';

/*
 * The baseline for row 3: a minimal Fastify route doing the same upstream work as the BFF's presign — one
 * RSA sign, one undici call to the pre-signed responder, one verify, parse — and nothing else (no auth,
 * no database, no logging). BENCH_CRYPTO=callback uses the callback form of crypto.sign/verify (libuv pool,
 * off the event loop) instead of the synchronous one.
 */
const upstream = process.env.BENCH_UPSTREAM as string;
const callback = process.env.BENCH_CRYPTO === 'callback';
const privateKey = loadPrivateKey(fixtureText('merchant/private-key.pem'));
const publicKey = loadPublicKey(fixtureText('platform/pubkey/public-key.pem'));
const serial = fixtureText('merchant/serial.txt').trim();
const pubId = fixtureText('platform/pubkey/id.txt').trim();
const signAsync = promisify(cryptoSign) as (a: string, d: Buffer, k: KeyObject) => Promise<Buffer>;
const verifyAsync = promisify(cryptoVerify) as (
  a: string,
  d: Buffer,
  k: KeyObject,
  s: Buffer,
) => Promise<boolean>;
const pool = new Pool(upstream, { connections: 16, keepAliveTimeout: 30_000 });
const urlPath = '/v3/edu-papay/contracts/presign';

const probe = createProbe();
const app = Fastify({ logger: false });
app.post('/v1/contracts/presign', async (request) => {
  const payload = JSON.stringify({ planKey: (request.body as { planKey: string }).planKey, openid: 'o' });
  const ts = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(16).toString('hex');
  const msg = Buffer.from(`POST\n${urlPath}\n${ts}\n${nonce}\n${payload}\n`);
  const sig = (
    callback ? await signAsync('sha256', msg, privateKey) : cryptoSign('sha256', msg, privateKey)
  ).toString('base64');
  const res = await pool.request({
    path: urlPath,
    method: 'POST',
    headers: {
      authorization: `WECHATPAY2-SHA256-RSA2048 mchid="${MCH_ID}",nonce_str="${nonce}",signature="${sig}",timestamp="${ts}",serial_no="${serial}"`,
      'content-type': 'application/json',
      'wechatpay-serial': pubId,
    },
    body: payload,
  });
  const text = await res.body.text();
  const h = res.headers;
  const m = Buffer.from(`${h['wechatpay-timestamp']}\n${h['wechatpay-nonce']}\n${text}\n`);
  const s = Buffer.from(String(h['wechatpay-signature']), 'base64');
  const ok = callback
    ? await verifyAsync('sha256', m, publicKey, s)
    : cryptoVerify('sha256', m, publicKey, s);
  if (!ok) throw new Error('bad answer signature');
  return { token: (JSON.parse(text) as { presign_token: string }).presign_token };
});
await app.listen({ port: 0, host: '127.0.0.1' });
const { port } = app.server.address() as { port: number };
serveCommands(
  { reset: probe.reset, read: probe.read, memory: probe.memory },
  { url: `http://127.0.0.1:${port}` },
);
process.on('SIGTERM', () => {
  void app.close().finally(() => process.exit(0));
});
