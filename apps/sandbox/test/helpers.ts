import { execFileSync } from 'node:child_process';
import {
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildSandbox } from '../src/app.ts';
import { fixturesDir, type SandboxConfigOverrides, testSandboxConfig } from '../testing/index.ts';

/*
 * Test-side crypto is plain node:crypto on purpose: the sandbox is judged by an independent implementation
 * and by the shared openssl fixtures, never by its own code.
 */

export const FIX = fixturesDir();
const read = (p: string) => readFileSync(path.join(FIX, p), 'utf8');

export const fixture = {
  mchId: '1900000109',
  merchantSerial: read('merchant/serial.txt').trim(),
  merchantKey: createPrivateKey(read('merchant/private-key.pem')),
  platformSerial: read('platform/serial.txt').trim(),
  platformCertPem: read('platform/cert.pem'),
  platformCertKey: createPublicKey(read('platform/cert.pem')),
  publicKeyId: read('platform/pubkey/id.txt').trim(),
  publicKey: createPublicKey(read('platform/pubkey/public-key.pem')),
  apiV3Key: read('apiv3-key.txt').trim(),
  json: (p: string) => JSON.parse(read(p)),
};

export const IDS = {
  appId: 'wxd678efh567hg6787',
  subMchId: '1900000209',
  subAppId: 'wx8888888888888888',
  planId: '101164396123311331',
  serviceId: 12535,
};

export interface Running {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

export async function startSandbox(
  overrides: SandboxConfigOverrides = {},
  deps: { clock?: { now(): number } } = {},
): Promise<Running> {
  const app = await buildSandbox(testSandboxConfig(overrides), deps);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

export interface SignOptions {
  method: string;
  path: string;
  body?: string;
  mchid?: string;
  serial?: string;
  key?: KeyObject;
  timestamp?: number | string;
  nonce?: string;
  /** Sign this instead of `body` (to send different bytes than were signed). */
  signedBody?: string;
  /** Sign this path instead of `path`. */
  signedPath?: string;
  extraHeaders?: Record<string, string>;
}

export function authorization(o: SignOptions): string {
  const ts = String(o.timestamp ?? nowSeconds());
  const nonce = o.nonce ?? randomBytes(16).toString('hex').toUpperCase();
  const message = `${o.method}\n${o.signedPath ?? o.path}\n${ts}\n${nonce}\n${o.signedBody ?? o.body ?? ''}\n`;
  const signature = sign('sha256', Buffer.from(message, 'utf8'), o.key ?? fixture.merchantKey).toString(
    'base64',
  );
  return `WECHATPAY2-SHA256-RSA2048 mchid="${o.mchid ?? fixture.mchId}",nonce_str="${nonce}",signature="${signature}",timestamp="${ts}",serial_no="${o.serial ?? fixture.merchantSerial}"`;
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: answers are asserted field by field in tests
  json: any;
}

export async function call(
  base: string,
  o: SignOptions & { authorization?: string | null },
): Promise<Answer> {
  const headers: Record<string, string> = {
    accept: 'application/json',
    'user-agent': 'sandbox-test',
    ...o.extraHeaders,
  };
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  const auth = o.authorization === undefined ? authorization(o) : o.authorization;
  if (auth !== null) headers.authorization = auth;
  const res = await fetch(base + o.path, { method: o.method, headers, body: o.body });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Throws unless the answer verifies with the fixture platform keys (by Wechatpay-Serial). */
export function verifyAnswer(headers: Headers | IncomingHttpHeaders, body: string): string {
  const get = (n: string) =>
    headers instanceof Headers ? (headers.get(n) ?? undefined) : (headers[n] as string | undefined);
  const ts = get('wechatpay-timestamp');
  const nonce = get('wechatpay-nonce');
  const sig = get('wechatpay-signature');
  const serial = get('wechatpay-serial');
  if (!ts || !nonce || !sig || !serial) throw new Error('missing Wechatpay-* header');
  const key =
    serial === fixture.publicKeyId
      ? fixture.publicKey
      : serial === fixture.platformSerial
        ? fixture.platformCertKey
        : undefined;
  if (!key) throw new Error(`unknown serial ${serial}`);
  const ok = verify(
    'sha256',
    Buffer.from(`${ts}\n${nonce}\n${body}\n`, 'utf8'),
    key,
    Buffer.from(sig, 'base64'),
  );
  if (!ok) throw new Error('bad signature');
  return serial;
}

export function decrypt(resource: { nonce: string; associated_data?: string; ciphertext: string }): string {
  const buf = Buffer.from(resource.ciphertext, 'base64');
  const d = createDecipheriv(
    'aes-256-gcm',
    Buffer.from(fixture.apiV3Key, 'utf8'),
    Buffer.from(resource.nonce),
  );
  d.setAuthTag(buf.subarray(buf.length - 16));
  d.setAAD(Buffer.from(resource.associated_data ?? '', 'utf8'));
  return Buffer.concat([d.update(buf.subarray(0, buf.length - 16)), d.final()]).toString('utf8');
}

// ---- a real local notification receiver --------------------------------------------------------------

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Resolves when `n` requests have been received in total. */
  waitFor(n: number): Promise<Received[]>;
  close(): Promise<void>;
}

/** Answers each request with the next status of `statuses` (the last one repeats). */
export async function startReceiver(statuses: number[] = [204], pathname = '/notify'): Promise<Receiver> {
  const received: Received[] = [];
  const waiters: Array<{ n: number; resolve: (r: Received[]) => void }> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const status = statuses[Math.min(received.length, statuses.length - 1)]!;
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
      res.statusCode = status;
      res.end(status >= 400 ? JSON.stringify({ code: 'FAIL', message: 'test' }) : undefined);
      for (const w of waiters.splice(0)) {
        if (received.length >= w.n) w.resolve(received.slice());
        else waiters.push(w);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${pathname}`,
    received,
    waitFor: (n) =>
      received.length >= n
        ? Promise.resolve(received.slice())
        : new Promise((resolve) => waiters.push({ n, resolve })),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

// ---- flows ---------------------------------------------------------------------------------------------

export const eduPresignBody = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    appid: IDS.appId,
    openid: 'oUser0000000000000000000001',
    plan_id: IDS.planId,
    user_id: '学员张三-0001',
    period_start_date: '2099-05-01',
    trade_scene: 'EDUCATION_PERIOD',
    ...over,
  });

export const qsPresignBody = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    appid: IDS.appId,
    sub_appid: IDS.subAppId,
    sub_mchid: IDS.subMchId,
    service_id: IDS.serviceId,
    out_contract_code: `QY${randomBytes(8).toString('hex')}`,
    notify_url: 'https://merchant.example.com/notify',
    contract_display_account: '张三的会员账户',
    openid: 'oUser0000000000000000000002',
    ...over,
  });

export const EDU_PRESIGN = '/v3/edu-papay/contracts/presign';
export const QS_PRESIGN = '/v3/password-exempt-contract/contracts/qs/pre-entrust-sign/mini-program';
export const qsPath = (serviceId: number | string, code: string) =>
  `/v3/password-exempt-contract/contracts/service-id/${serviceId}/out-contract-code/${code}`;

export async function control(base: string, method: string, p: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${base}/__sandbox${p}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined };
}

/** A clock the test moves by hand. */
export function manualClock(start: number) {
  const c = { t: start, now: () => c.t };
  return c;
}

// ---- extra platform certificates (rotation) -----------------------------------------------------------

export interface GeneratedCert {
  serial: string;
  certPem: string;
  privatePem: string;
  certPath: string;
  keyPath: string;
  publicKey: KeyObject;
}

/** A self-signed RSA-2048 certificate made by the openssl CLI (independent of the sandbox's code). */
export function makeCertificate(dir: string, serialHex: string, days = 365): GeneratedCert {
  const certPath = path.join(dir, `${serialHex}.cert.pem`);
  const keyPath = path.join(dir, `${serialHex}.key.pem`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      String(days),
    ].concat(['-subj', `/CN=TEST ONLY platform ${serialHex}`, '-set_serial', `0x${serialHex}`]),
    { stdio: 'ignore' },
  );
  const certPem = readFileSync(certPath, 'utf8');
  return {
    serial: serialHex.toUpperCase(),
    certPem,
    privatePem: readFileSync(keyPath, 'utf8'),
    certPath,
    keyPath,
    publicKey: createPublicKey(certPem),
  };
}

/** Throws unless the Wechatpay-* headers verify with `key`; returns the Wechatpay-Serial. */
export function verifyWith(headers: Headers | IncomingHttpHeaders, body: string, key: KeyObject): string {
  const get = (n: string) =>
    headers instanceof Headers ? (headers.get(n) ?? undefined) : (headers[n] as string | undefined);
  const [ts, nonce, sig, serial] = ['timestamp', 'nonce', 'signature', 'serial'].map((h) =>
    get(`wechatpay-${h}`),
  );
  if (!ts || !nonce || !sig || !serial) throw new Error('missing Wechatpay-* header');
  if (!verify('sha256', Buffer.from(`${ts}\n${nonce}\n${body}\n`, 'utf8'), key, Buffer.from(sig, 'base64')))
    throw new Error('bad signature');
  return serial;
}
