import { sign as cryptoSign, verify as cryptoVerify, type KeyObject, randomBytes } from 'node:crypto';
import type { Pool } from 'undici';
import { MCH_ID } from './upstream.ts';

/** How the baseline signs: synchronously on the event loop, or (rsa-pool bench) on libuv's pool. */
export type RawSign = (message: Buffer) => Buffer | Promise<Buffer>;
export const syncSign =
  (privateKey: KeyObject): RawSign =>
  (message) =>
    cryptoSign('sha256', message, privateKey);

/**
 * The baseline of the outbound benches: one edu-papay presign with bare undici and raw node:crypto — the
 * request signed, the answer's signature verified, the token read — and nothing else.
 */
export function rawPresignCall(o: {
  pool: Pool;
  publicKey: KeyObject;
  merchantSerial: string;
  pubId: string;
  body: object;
}): (sign: RawSign) => Promise<string> {
  const urlPath = '/v3/edu-papay/contracts/presign';
  return async (sign) => {
    const payload = JSON.stringify(o.body);
    const ts = String(Math.floor(Date.now() / 1000));
    const nonce = randomBytes(16).toString('hex');
    const sig = (await sign(Buffer.from(`POST\n${urlPath}\n${ts}\n${nonce}\n${payload}\n`))).toString(
      'base64',
    );
    const res = await o.pool.request({
      path: urlPath,
      method: 'POST',
      headers: {
        authorization: `WECHATPAY2-SHA256-RSA2048 mchid="${MCH_ID}",nonce_str="${nonce}",signature="${sig}",timestamp="${ts}",serial_no="${o.merchantSerial}"`,
        accept: 'application/json',
        'content-type': 'application/json',
        'wechatpay-serial': o.pubId,
      },
      body: payload,
    });
    const text = await res.body.text();
    const h = res.headers;
    const m = `${h['wechatpay-timestamp']}\n${h['wechatpay-nonce']}\n${text}\n`;
    const answerSig = Buffer.from(String(h['wechatpay-signature']), 'base64');
    if (!cryptoVerify('sha256', Buffer.from(m), o.publicKey, answerSig))
      throw new Error('bad answer signature');
    return (JSON.parse(text) as { presign_token: string }).presign_token;
  };
}
