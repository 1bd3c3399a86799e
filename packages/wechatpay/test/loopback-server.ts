import { createPrivateKey, createPublicKey, randomBytes, sign, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fixtureText, merchantSerial, platformSerial, publicKeyId } from './fixtures.ts';

/*
 * A stand-in for WeChat Pay on 127.0.0.1:0. It checks the merchant's signature and signs its answers
 * with node:crypto directly — deliberately NOT with the package under test — using the fixture keys.
 */

export const platformKey = createPrivateKey(fixtureText('platform/private-key.pem'));
export const pubKeyIdKey = createPrivateKey(fixtureText('platform/pubkey/private-key.pem'));
const merchantCert = createPublicKey(fixtureText('merchant/cert.pem'));

export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** The merchant signature checked here over the RECEIVED method, url and body bytes. */
  signatureValid: boolean;
  authorization: Record<string, string>;
  remotePort: number | undefined;
}

export interface Answer {
  status: number;
  body?: string;
  /** Sign with this key under this serial; `false` sends no Wechatpay-* headers. */
  sign?: false | { key?: 'platform' | 'pubkey'; serial?: string; timestampOffset?: number; tamper?: boolean };
  headers?: Record<string, string>;
  hang?: boolean;
  /** Send the headers, then the body one byte per `dripMs` (each gap short, the whole long). */
  dripMs?: number;
}

export function signAnswerHeaders(
  body: string,
  o: { key?: 'platform' | 'pubkey'; serial?: string; timestampOffset?: number; tamper?: boolean } = {},
): Record<string, string> {
  const timestamp = String(Math.floor(Date.now() / 1000) + (o.timestampOffset ?? 0));
  const nonce = randomBytes(16).toString('hex');
  const key = o.key === 'pubkey' ? pubKeyIdKey : platformKey;
  const signedBody = o.tamper ? `${body} ` : body;
  const signature = sign(
    'sha256',
    Buffer.from(`${timestamp}\n${nonce}\n${signedBody}\n`, 'utf8'),
    key,
  ).toString('base64');
  return {
    'Wechatpay-Timestamp': timestamp,
    'Wechatpay-Nonce': nonce,
    'Wechatpay-Signature': signature,
    'Wechatpay-Serial': o.serial ?? (o.key === 'pubkey' ? publicKeyId() : platformSerial()),
    'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048',
  };
}

function parseAuth(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of (header ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)) out[m[1]!] = m[2]!;
  return out;
}

export interface LoopbackServer {
  baseUrl: string;
  received: Received[];
  answer: (fn: (r: Received) => Answer) => void;
  close: () => Promise<void>;
}

export async function startLoopback(): Promise<LoopbackServer> {
  const received: Received[] = [];
  let handler: (r: Received) => Answer = () => ({ status: 500 });
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const auth = parseAuth(req.headers.authorization);
      const message = Buffer.concat([
        Buffer.from(`${req.method}\n${req.url}\n${auth.timestamp}\n${auth.nonce_str}\n`, 'utf8'),
        body,
        Buffer.from('\n'),
      ]);
      const signatureValid =
        (req.headers.authorization ?? '').startsWith('WECHATPAY2-SHA256-RSA2048 ') &&
        auth.serial_no === merchantSerial() &&
        verify('sha256', message, merchantCert, Buffer.from(auth.signature ?? '', 'base64'));
      const r: Received = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        signatureValid,
        authorization: auth,
        remotePort: req.socket.remotePort,
      };
      received.push(r);
      const a = handler(r);
      if (a.hang) return; // never answer: the client's deadline must fire
      const text = a.body ?? '';
      const headers: Record<string, string> = {
        'Request-ID': `TESTONLY-${received.length}`,
        ...(text ? { 'Content-Type': 'application/json' } : {}),
        ...(a.sign === false ? {} : signAnswerHeaders(text, a.sign ?? {})),
        ...a.headers,
      };
      res.writeHead(a.status, headers);
      if (a.dripMs === undefined) {
        res.end(text);
        return;
      }
      res.flushHeaders();
      let sent = 0;
      const timer = setInterval(() => {
        if (res.destroyed || sent >= text.length) {
          clearInterval(timer);
          if (!res.destroyed) res.end();
          return;
        }
        res.write(text[sent++] as string);
      }, a.dripMs);
      res.on('close', () => clearInterval(timer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    received,
    answer: (fn) => {
      handler = fn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
