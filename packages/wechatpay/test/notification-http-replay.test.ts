import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Clock,
  createRsaVerifier,
  createStaticKeyResolver,
  loadApiV3Key,
  loadPublicKey,
  parseNotification,
  WechatPayError,
} from '../src/index.ts';
import {
  apiV3KeyText,
  FIXTURES_DIR,
  fixtureJson,
  fixtureText,
  type NotificationFile,
  platformSerial,
  publicKeyId,
} from './fixtures.ts';

/*
 * Replays each byte-exact `.http` notification over a raw socket to a real node:http server that hands
 * the raw body string to parseNotification — the way the BFF route will — and answers 204 or 4xx.
 */

const dir = path.join(FIXTURES_DIR, 'vectors/notifications');
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.http'))
  .map((f) => f.slice(0, -5))
  .sort();

const verifier = createRsaVerifier(
  createStaticKeyResolver({
    keys: {
      [platformSerial()]: loadPublicKey(fixtureText('platform/cert.pem')),
      [publicKeyId()]: loadPublicKey(fixtureText('platform/pubkey/public-key.pem')),
    },
  }),
);
const apiV3Key = loadApiV3Key(apiV3KeyText());

let now = 0;
const clock: Clock = { now: () => now };
const outcomes: Array<{ plaintext?: string; code?: string }> = [];
let server: Server;
let port = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const event = parseNotification(
          { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') },
          { verifier, apiV3Key, clock },
        );
        outcomes.push({ plaintext: event.plaintext });
        res.writeHead(204).end();
      } catch (err) {
        outcomes.push({ code: err instanceof WechatPayError ? err.code : 'UNEXPECTED' });
        res
          .writeHead(401, { 'content-type': 'application/json' })
          .end('{"code":"FAIL","message":"rejected"}');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function replay(raw: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(raw));
    let answer = '';
    socket.on('data', (d) => {
      answer += d.toString('latin1');
    });
    socket.on('end', () => resolve(Number(answer.split(' ')[1])));
    socket.on('error', reject);
  });
}

describe('raw .http notification replay over loopback', () => {
  it('finds a .http file for each notification vector', () => {
    expect(names.length).toBeGreaterThanOrEqual(6);
  });

  for (const name of names) {
    const n = fixtureJson<NotificationFile>(`vectors/notifications/${name}.json`);
    const ok = n.expect.signature === 'valid' && n.expect.timestamp === 'fresh' && n.expect.decrypt === 'ok';
    it(`${name}: ${ok ? 'accepted with 204 and the exact plaintext' : 'rejected with 401'}`, async () => {
      now = n.now;
      // Connection: close so the server ends the socket after answering.
      const raw = Buffer.from(
        readFileSync(path.join(dir, `${name}.http`), 'latin1').replace(
          '\r\n\r\n',
          '\r\nConnection: close\r\n\r\n',
        ),
        'latin1',
      );
      const before = outcomes.length;
      const status = await replay(raw);
      const outcome = outcomes[before];
      if (ok) {
        expect(status).toBe(204);
        expect(outcome?.plaintext).toBe(n.expect.plaintext_raw);
      } else {
        expect(status).toBe(401);
        expect(outcome?.code).toMatch(/^WECHATPAY_(SIGNATURE_INVALID|CLOCK_SKEW|DECRYPT_FAILED)$/);
      }
    });
  }
});
