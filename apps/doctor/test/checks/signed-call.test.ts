import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { merchantId } from '../../src/checks/merchant-id.ts';
import { merchantPrivateKey } from '../../src/checks/merchant-private-key.ts';
import { merchantSerial } from '../../src/checks/merchant-serial.ts';
import { plans } from '../../src/checks/plans.ts';
import { platformCertificates } from '../../src/checks/platform-certificates.ts';
import { publicKeyId } from '../../src/checks/public-key-id.ts';
import { signedCall } from '../../src/checks/signed-call.ts';
import { wechatpayPublicKey } from '../../src/checks/wechatpay-public-key.ts';
import { closedPort, goodEnv, PLANS, type RunningSandbox, startSandbox } from '../helpers.ts';
import { clockAt, type Expected, expectResult, fixture, fixtureText, runSome } from './support.ts';

/*
 * The signed call against the real sandbox (and, for "not WeChat Pay", a plain HTTP server that signs nothing):
 * each row changes the good environment and states the whole finding.
 */

const CHECKS = [
  merchantId,
  merchantPrivateKey,
  merchantSerial,
  wechatpayPublicKey,
  publicKeyId,
  platformCertificates,
  plans,
  signedCall,
];
const PUB_KEY_ID = fixtureText('platform/pubkey/id.txt').trim();

let sandbox: RunningSandbox;
let plain: Server;
let plainUrl: string;
beforeAll(async () => {
  sandbox = await startSandbox();
  plain = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
  plainUrl = `http://127.0.0.1:${(plain.address() as { port: number }).port}`;
});
afterAll(async () => {
  await sandbox?.close();
  await new Promise((r) => plain?.close(r));
});

interface Row extends Expected {
  name: string;
  env: () => Promise<Record<string, string>> | Record<string, string>;
  drop?: string[];
  at?: string;
}

const rows: Row[] = [
  {
    name: 'the right keys: a verified answer',
    env: () => ({}),
    status: 'pass',
    detail:
      /: GET \/v3\/edu-papay\/user\/\{throwaway openid\}\/contracts answered 2xx; answer signature verified with PUB_KEY_ID_\d+$/,
    variable: 'WECHATPAY_SANDBOX_URL',
  },
  {
    name: 'only password-exempt plans: a throwaway contract code, a verified 404',
    env: () => ({ PLANS: JSON.stringify(PLANS.filter((p) => p.family === 'password-exempt')) }),
    status: 'pass',
    detail:
      /out-contract-code\/\{throwaway code\} answered HTTP 404 .*\(expected for a throwaway user\); answer signature verified with PUB_KEY_ID_/,
  },
  {
    name: 'a serial WeChat Pay does not know for this key: 401 SIGN_ERROR',
    env: () => ({ WECHATPAY_MERCHANT_SERIAL_NO: '7E57C0DE4D45524348414E540000000000000009' }),
    drop: ['WECHATPAY_MERCHANT_CERT_PATH'],
    status: 'fail',
    detail:
      /refused our request signature \(HTTP 401 SIGN_ERROR\): the merchant key, serial or merchant number is wrong/,
    fix: 'openssl x509',
  },
  {
    name: 'a public key that is not the one WeChat Pay signs with',
    env: () => ({ WECHATPAY_PUBLIC_KEY_PATH: fixture('platform/public-key.pem') }),
    status: 'fail',
    detail: /the answer's signature does NOT verify with the configured WeChat Pay key/,
    fix: 'WECHATPAY_PUBLIC_KEY_PATH',
  },
  {
    name: 'a PUB_KEY_ID typo: the call names the id WeChat Pay uses',
    env: () => ({ WECHATPAY_PUBLIC_KEY_ID: PUB_KEY_ID.replace('_ID_', '_lD_') }),
    status: 'fail',
    detail: new RegExp(`WeChat Pay signed the answer with ${PUB_KEY_ID}, which is not configured$`),
    fix: `WECHATPAY_PUBLIC_KEY_ID=${PUB_KEY_ID}`,
  },
  {
    name: 'platform certificates only, while WeChat Pay signs with its public key',
    env: () => ({ WECHATPAY_PLATFORM_CERT_PATH: fixture('platform/cert.pem') }),
    drop: ['WECHATPAY_PUBLIC_KEY_PATH', 'WECHATPAY_PUBLIC_KEY_ID'],
    status: 'fail',
    detail: new RegExp(`WeChat Pay signed the answer with ${PUB_KEY_ID}, which is not configured$`),
    fix: 'with the matching public key',
  },
  {
    name: "this host's clock an hour ahead",
    env: () => ({}),
    at: new Date(Date.now() + 3_600_000).toISOString(),
    status: 'fail',
    // The answer is an hour "old" to this host: its timestamp is refused, and the gap is named.
    detail: /: this host's clock is -3\d{3} s away from WeChat Pay's$/,
    fix: 'time synchronisation',
  },
  {
    name: 'an endpoint that signs nothing: not WeChat Pay',
    env: () => ({ WECHATPAY_SANDBOX_URL: plainUrl }),
    status: 'fail',
    detail: /the answer carries no WeChat Pay signature — this endpoint is not WeChat Pay/,
    fix: 'outbound proxies',
  },
  {
    name: 'nothing listening',
    env: async () => ({ WECHATPAY_SANDBOX_URL: `http://127.0.0.1:${await closedPort()}` }),
    status: 'fail',
    detail: /: cannot connect$/,
    fix: 'is the sandbox running at WECHATPAY_SANDBOX_URL?',
  },
  {
    name: 'no WeChat Pay key at all: not run',
    env: () => ({}),
    drop: ['WECHATPAY_PUBLIC_KEY_PATH', 'WECHATPAY_PUBLIC_KEY_ID'],
    status: 'skip',
    detail:
      'not run: it needs a working WeChat Pay public key or platform certificate (see the failures above)',
  },
];

describe('signed-call', () => {
  it.each(rows)('$name', async (row) => {
    const env = { ...goodEnv(sandbox.url, 'memory://'), ...(await row.env()) };
    const result = await runSome(
      CHECKS,
      {},
      {
        env,
        ...(row.drop ? { drop: row.drop } : {}),
        ...(row.at ? { clock: clockAt(row.at) } : {}),
        timeoutMs: 3_000,
      },
    );
    expectResult(result('signed-call'), row);
  });

  it('is skipped when a need failed, naming it', async () => {
    const result = await runSome(
      CHECKS,
      { WECHATPAY_MCH_ID: '12345' },
      { env: goodEnv(sandbox.url, 'memory://') },
    );
    expectResult(result('signed-call'), {
      status: 'skip',
      detail:
        'not run: it needs merchant-id (Merchant number), which failed: WECHATPAY_MCH_ID: is not a merchant number (8–12 digits)',
    });
  });
});
