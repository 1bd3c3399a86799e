import {
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  sign as cryptoSign,
  verify as cryptoVerify,
  type KeyObject,
} from 'node:crypto';
import { createRequire } from 'node:module';
import {
  answerMessage,
  buildAuthorization,
  createNotificationParser,
  createRsaSigner,
  createRsaVerifier,
  createStaticKeyResolver,
  loadApiV3Key,
  loadPrivateKey,
  loadPublicKey,
  parseNotification,
  requestMessage,
  validateSignedMessage,
} from '@qianyue/wechatpay';
import { fixtureJson, fixtureText } from './fixtures.ts';
import type { Suite } from './harness.ts';

/*
 * Issue 3 benchmark: the protocol primitives. Baselines are raw node:crypto with KeyObjects parsed once
 * (the ceiling any wrapper can reach). The two third-party SDKs run the same inputs.
 */

const require = createRequire(import.meta.url);
// CommonJS packages, typed here only as far as the benchmark uses them.
const axiosPlugin = require('wechatpay-axios-plugin') as {
  Rsa: {
    from(pem: string, type?: string): KeyObject;
    sign(message: string, key: KeyObject): string;
    verify(message: string, signature: string, key: KeyObject): boolean;
  };
  Aes: { AesGcm: { decrypt(ciphertext: string, key: string, iv: string, aad?: string): string } };
  Formatter: {
    request(method: string, uri: string, ts: string, nonce: string, body?: string): string;
    response(ts: string, nonce: string, body?: string): string;
  };
};
const NodeV3Pay = require('wechatpay-node-v3') as {
  new (o: {
    appid: string;
    mchid: string;
    publicKey: Buffer;
    privateKey: Buffer;
    serial_no?: string;
    key?: string;
  }): {
    getSignature(method: string, nonce: string, ts: string, url: string, body: unknown): string;
    verifySign(p: {
      timestamp: string;
      nonce: string;
      body: string;
      serial: string;
      signature: string;
    }): Promise<boolean>;
    decipher_gcm(ciphertext: string, aad: string, nonce: string, key?: string): unknown;
  };
  certificates: Record<string, string | KeyObject>;
};

interface RequestCase {
  method: string;
  url: string;
  timestamp: string;
  nonce: string;
  body: string;
}
interface AnswerCase {
  headers: Record<string, string>;
  body: string;
  now: number;
}
interface NotificationFile {
  now: number;
  request: { headers: Record<string, string>; body: string };
}

function assert(cond: unknown, what: string): void {
  if (!cond) throw new Error(`benchmark self-check failed: ${what}`);
}

export function primitiveSuites(): Suite[] {
  const merchantPem = fixtureText('merchant/private-key.pem');
  const merchantCertPem = fixtureText('merchant/cert.pem');
  const signing = fixtureJson<{ mchid: string; serial_no: string; cases: RequestCase[] }>(
    'vectors/request-signing.json',
  );
  const req = signing.cases.find((c) => c.method === 'POST' && c.body.length > 0) as RequestCase;
  const message = requestMessage(req.method, req.url, req.timestamp, req.nonce, req.body);

  // --- signing ---
  const rawKey = createPrivateKey(merchantPem);
  const signer = createRsaSigner({
    mchId: signing.mchid,
    serialNo: signing.serial_no,
    privateKey: loadPrivateKey(merchantPem),
  });
  const axiosKey = axiosPlugin.Rsa.from(merchantPem);
  const nodeV3 = new NodeV3Pay({
    appid: 'wx0000000000000000',
    mchid: signing.mchid,
    publicKey: Buffer.from(merchantCertPem),
    privateKey: Buffer.from(merchantPem),
    serial_no: signing.serial_no,
  });
  const clock = { now: () => Number(req.timestamp) };
  const nonce = () => req.nonce;
  let sink = 0; // keeps results alive so nothing is optimised away

  const rawSig = cryptoSign('sha256', Buffer.from(message, 'utf8'), rawKey).toString('base64');
  assert(signer.sign(message) === rawSig, 'our signature equals raw');
  assert(axiosPlugin.Rsa.sign(message, axiosKey) === rawSig, 'axios-plugin signature equals raw');
  assert(
    nodeV3.getSignature(req.method, req.nonce, req.timestamp, req.url, req.body) === rawSig,
    'node-v3 equals raw',
  );

  const sign: Suite = {
    name: 'sign (merchant request, RSA-2048 SHA-256)',
    baseline: 'raw crypto.sign (KeyObject reused)',
    batch: 60,
    variants: [
      {
        name: 'raw crypto.sign (KeyObject reused)',
        run: (n) => {
          for (let i = 0; i < n; i++)
            sink += cryptoSign('sha256', Buffer.from(message, 'utf8'), rawKey).toString('base64').length;
        },
      },
      {
        name: '@qianyue/wechatpay signer.sign',
        run: (n) => {
          for (let i = 0; i < n; i++) sink += signer.sign(message).length;
        },
      },
      {
        name: '@qianyue/wechatpay buildAuthorization (message+sign+header)',
        run: (n) => {
          for (let i = 0; i < n; i++) {
            sink += buildAuthorization({
              signer,
              method: req.method,
              pathWithQuery: req.url,
              body: req.body,
              clock,
              nonce,
            }).authorization.length;
          }
        },
      },
      {
        name: 'wechatpay-axios-plugin Rsa.sign(Formatter.request)',
        run: (n) => {
          for (let i = 0; i < n; i++) {
            const m = axiosPlugin.Formatter.request(req.method, req.url, req.timestamp, req.nonce, req.body);
            sink += axiosPlugin.Rsa.sign(m, axiosKey).length;
          }
        },
      },
      {
        name: 'wechatpay-node-v3 getSignature (PEM Buffer)',
        run: (n) => {
          for (let i = 0; i < n; i++)
            sink += nodeV3.getSignature(req.method, req.nonce, req.timestamp, req.url, req.body).length;
        },
      },
    ],
  };

  // --- verifying ---
  const answers = fixtureJson<{
    keys: Record<string, string>;
    cases: Array<AnswerCase & { id: string; expect: string }>;
  }>('vectors/answer-verification.json');
  const ans = answers.cases.find((c) => c.expect === 'valid' && c.body.length > 0) as AnswerCase;
  const serial = ans.headers['Wechatpay-Serial'] as string;
  const signature = ans.headers['Wechatpay-Signature'] as string;
  const ts = ans.headers['Wechatpay-Timestamp'] as string;
  const nonceHdr = ans.headers['Wechatpay-Nonce'] as string;
  const keyPem = fixtureText(answers.keys[serial] as string);
  const rawPub = createPublicKey(keyPem);
  const resolver = createStaticKeyResolver({
    keys: Object.fromEntries(
      Object.entries(answers.keys).map(([s, rel]) => [s, loadPublicKey(fixtureText(rel))]),
    ),
  });
  const verifier = createRsaVerifier(resolver);
  const verifyClock = { now: () => ans.now };
  const axiosPub = axiosPlugin.Rsa.from(keyPem, 'public');
  NodeV3Pay.certificates[serial] = keyPem; // pre-seeded so it never fetches over the network
  const answerMsg = answerMessage(ts, nonceHdr, ans.body);

  assert(
    cryptoVerify('sha256', Buffer.from(answerMsg), rawPub, Buffer.from(signature, 'base64')),
    'raw verify',
  );
  assert(axiosPlugin.Rsa.verify(answerMsg, signature, axiosPub), 'axios-plugin verify');

  const verify: Suite = {
    name: 'verify (answer, RSA-2048 SHA-256)',
    baseline: 'raw crypto.verify (KeyObject reused)',
    batch: 600,
    variants: [
      {
        name: 'raw crypto.verify (KeyObject reused)',
        run: (n) => {
          for (let i = 0; i < n; i++) {
            const m = `${ts}\n${nonceHdr}\n${ans.body}\n`;
            if (cryptoVerify('sha256', Buffer.from(m, 'utf8'), rawPub, Buffer.from(signature, 'base64')))
              sink++;
          }
        },
      },
      {
        name: '@qianyue/wechatpay verifier.verify',
        run: (n) => {
          for (let i = 0; i < n; i++) {
            verifier.verify(serial, answerMessage(ts, nonceHdr, ans.body), signature);
            sink++;
          }
        },
      },
      {
        name: '@qianyue/wechatpay validateSignedMessage (headers+skew+verify)',
        run: (n) => {
          for (let i = 0; i < n; i++)
            sink += validateSignedMessage(ans.headers, ans.body, { verifier, clock: verifyClock }).timestamp;
        },
      },
      {
        name: 'wechatpay-axios-plugin Rsa.verify(Formatter.response)',
        run: (n) => {
          for (let i = 0; i < n; i++) {
            if (
              axiosPlugin.Rsa.verify(
                axiosPlugin.Formatter.response(ts, nonceHdr, ans.body),
                signature,
                axiosPub,
              )
            )
              sink++;
          }
        },
      },
      {
        name: 'wechatpay-node-v3 verifySign (async, PEM string)',
        run: async (n) => {
          for (let i = 0; i < n; i++) {
            if (
              await nodeV3.verifySign({ timestamp: ts, nonce: nonceHdr, body: ans.body, serial, signature })
            )
              sink++;
          }
        },
      },
    ],
  };

  // --- notification parse: verify + decrypt + JSON ---
  const note = fixtureJson<NotificationFile>('vectors/notifications/edu-papay-signed.json');
  const apiV3Text = fixtureText('apiv3-key.txt');
  const apiV3Key = loadApiV3Key(apiV3Text);
  const nh = note.request.headers;
  const nSerial = nh['Wechatpay-Serial'] as string;
  const nSig = nh['Wechatpay-Signature'] as string;
  const nTs = nh['Wechatpay-Timestamp'] as string;
  const nNonce = nh['Wechatpay-Nonce'] as string;
  const nKey = resolver.resolve(nSerial) as KeyObject;
  const nKeyPem = fixtureText(answers.keys[nSerial] as string);
  const nAxiosKey = axiosPlugin.Rsa.from(nKeyPem, 'public');
  NodeV3Pay.certificates[nSerial] = nKeyPem;
  const noteClock = { now: () => note.now };
  const expected = parseNotification(
    { headers: nh, body: note.request.body },
    { verifier, apiV3Key, clock: noteClock },
  ).plaintext;
  // What a server does (the BFF's notification routes): one parser, its resource schemas compiled once.
  const parser = createNotificationParser({ verifier, apiV3Key, clock: noteClock });
  assert(parser.parse({ headers: nh, body: note.request.body }).plaintext === expected, 'parser plaintext');

  const rawNotification = (): string => {
    const m = `${nTs}\n${nNonce}\n${note.request.body}\n`;
    if (!cryptoVerify('sha256', Buffer.from(m, 'utf8'), nKey, Buffer.from(nSig, 'base64')))
      throw new Error('bad');
    const env = JSON.parse(note.request.body) as {
      resource: { ciphertext: string; nonce: string; associated_data: string };
    };
    const data = Buffer.from(env.resource.ciphertext, 'base64');
    const d = createDecipheriv('aes-256-gcm', apiV3Key, Buffer.from(env.resource.nonce), {
      authTagLength: 16,
    });
    d.setAuthTag(data.subarray(data.length - 16));
    d.setAAD(Buffer.from(env.resource.associated_data));
    const text = Buffer.concat([d.update(data.subarray(0, data.length - 16)), d.final()]).toString('utf8');
    JSON.parse(text);
    return text;
  };
  assert(rawNotification() === expected, 'raw notification plaintext');

  const notification: Suite = {
    name: 'notification parse (verify + AES-256-GCM decrypt + JSON)',
    baseline: 'raw crypto.verify + decipher + JSON.parse',
    batch: 400,
    variants: [
      {
        name: 'raw crypto.verify + decipher + JSON.parse',
        run: (n) => {
          for (let i = 0; i < n; i++) sink += rawNotification().length;
        },
      },
      {
        name: '@qianyue/wechatpay createNotificationParser → parse (built once)',
        run: (n) => {
          for (let i = 0; i < n; i++)
            sink += parser.parse({ headers: nh, body: note.request.body }).plaintext.length;
        },
      },
      {
        name: '@qianyue/wechatpay parseNotification (one-off, schema interpreted)',
        run: (n) => {
          for (let i = 0; i < n; i++) {
            sink += parseNotification(
              { headers: nh, body: note.request.body },
              { verifier, apiV3Key, clock: noteClock },
            ).plaintext.length;
          }
        },
      },
      {
        name: 'wechatpay-axios-plugin Rsa.verify + AesGcm.decrypt',
        run: (n) => {
          for (let i = 0; i < n; i++) {
            const ok = axiosPlugin.Rsa.verify(
              axiosPlugin.Formatter.response(nTs, nNonce, note.request.body),
              nSig,
              nAxiosKey,
            );
            if (!ok) throw new Error('bad');
            const env = JSON.parse(note.request.body) as {
              resource: { ciphertext: string; nonce: string; associated_data: string };
            };
            const text = axiosPlugin.Aes.AesGcm.decrypt(
              env.resource.ciphertext,
              apiV3Text,
              env.resource.nonce,
              env.resource.associated_data,
            );
            sink += (JSON.parse(text) as object) ? text.length : 0;
          }
        },
      },
      {
        name: 'wechatpay-node-v3 verifySign + decipher_gcm (no tag check)',
        run: async (n) => {
          for (let i = 0; i < n; i++) {
            const ok = await nodeV3.verifySign({
              timestamp: nTs,
              nonce: nNonce,
              body: note.request.body,
              serial: nSerial,
              signature: nSig,
            });
            if (!ok) throw new Error('bad');
            const env = JSON.parse(note.request.body) as {
              resource: { ciphertext: string; nonce: string; associated_data: string };
            };
            sink += nodeV3.decipher_gcm(
              env.resource.ciphertext,
              env.resource.associated_data,
              env.resource.nonce,
              apiV3Text,
            )
              ? 1
              : 0;
          }
        },
      },
    ],
  };

  // Expose the sink so the JIT cannot prove the work unused.
  (globalThis as { __benchSink?: () => number }).__benchSink = () => sink;
  return [sign, verify, notification];
}
