import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CheckResult, formatJson, formatText, runDoctor } from '../src/index.ts';
import {
  closedPort,
  fixture,
  fixtureText,
  goodEnv,
  migratedPglite,
  type RunningSandbox,
  secretNeedles,
  startSandbox,
} from './helpers.ts';

let sandbox: RunningSandbox;
let db: Awaited<ReturnType<typeof migratedPglite>>;
const scratch = mkdtempSync(path.join(tmpdir(), 'qianyue-doctor-'));
const writeScratch = (name: string, content: string) => {
  const file = path.join(scratch, name);
  writeFileSync(file, content, { mode: 0o600 });
  return file;
};

beforeAll(async () => {
  sandbox = await startSandbox();
  db = await migratedPglite();
});
afterAll(async () => {
  await sandbox?.close();
  db?.remove();
});

/** Doctor over the good environment with `extra` applied (memory database unless the test is about it). */
async function doctor(extra: Record<string, string> = {}, o: { realDb?: boolean; drop?: string[] } = {}) {
  const env = goodEnv(sandbox.url, o.realDb ? db.dir : 'memory://', extra);
  for (const k of o.drop ?? []) delete env[k];
  const run = await runDoctor(env);
  const byId = (id: string): CheckResult => {
    const c = run.report.checks.find((x) => x.id === id);
    if (!c) throw new Error(`no check ${id}`);
    return c;
  };
  const failed = run.report.checks.filter((c) => c.status === 'fail').map((c) => c.id);
  return { ...run, byId, failed, text: formatText(run.report), json: formatJson(run.report) };
}

function expectNoSecret(output: string, extra: string[] = []) {
  for (const needle of secretNeedles(extra)) expect(output).not.toContain(needle);
}

describe('doctor against the sandbox', () => {
  it('passes every check for a correct configuration and a migrated database', async () => {
    const r = await doctor({}, { realDb: true });
    expect(r.failed).toEqual([]);
    expect(r.report.ok).toBe(true);
    expect(r.report.checks.filter((c) => c.status === 'warn')).toEqual([]);
    expect(r.byId('merchant-certificate').status).toBe('pass');
    expect(r.byId('database').detail).toMatch(/migrations applied/);
    expect(r.byId('signed-call').status).toBe('pass');
    expect(r.byId('signed-call').detail).toContain('answer signature verified with PUB_KEY_ID_');
    expect(r.text).toMatch(/^✔ APIv3 key \[WECHATPAY_APIV3_KEY_PATH\]: 32 bytes$/m);
    expect(r.text).toContain('OK: every check passed');
    expectNoSecret(r.text);
    expectNoSecret(r.json);
  });

  it('also passes while migrating: public key and platform certificate configured together', async () => {
    const r = await doctor({ WECHATPAY_PLATFORM_CERT_PATH: fixture('platform/cert.pem') });
    expect(r.failed).toEqual([]);
    expect(r.byId('platform-certificates').status).toBe('pass');
    expect(r.byId('platform-certificates').detail).toContain(fixtureText('platform/serial.txt').trim());
  });

  it('catches a 31-byte APIv3 key, names the variable and still runs the other checks', async () => {
    const file = writeScratch('apiv3-31.txt', `${fixtureText('apiv3-key.txt').trim().slice(0, 31)}\n`);
    const r = await doctor({ WECHATPAY_APIV3_KEY_PATH: file });
    const c = r.byId('apiv3-key');
    expect(c.status).toBe('fail');
    expect(c.variable).toBe('WECHATPAY_APIV3_KEY_PATH');
    // The doctor's words, then the BFF resolver's about the same variable.
    expect(c.detail).toBe(
      'is 31 bytes; it must be exactly 32 (the BFF: WECHATPAY_APIV3_KEY_PATH must be exactly 32 bytes)',
    );
    expect(c.fix).toMatch(/32-character APIv3 key/);
    // Independent checks: the broken key hides nothing else.
    expect(r.byId('signed-call').status).toBe('pass');
    expect(r.byId('merchant-private-key').status).toBe('pass');
    expect(r.byId('bff-config').variable).toBe('WECHATPAY_APIV3_KEY_PATH');
    expect(r.failed.sort()).toEqual(['apiv3-key', 'bff-config']);
    expect(r.report.ok).toBe(false);
    expectNoSecret(r.text, [fixtureText('apiv3-key.txt').trim().slice(0, 31)]);
  });

  it('catches a public key given as the merchant private key', async () => {
    const r = await doctor({ WECHATPAY_PRIVATE_KEY_PATH: fixture('merchant/public-key.pem') });
    const c = r.byId('merchant-private-key');
    expect(c.status).toBe('fail');
    expect(c.detail).toMatch(/^holds a PUBLIC key, not a private key \(the BFF: /);
    expect(c.fix).toContain('apiclient_key.pem');
    expect(c.fix).toContain('BEGIN PRIVATE KEY');
    expect(r.byId('signed-call').status).toBe('skip');
    expect(r.byId('signed-call').detail).toMatch(
      /^not run: it needs merchant-private-key \(Merchant API private key\), which failed: holds a PUBLIC key, not a private key/,
    );
    expect(r.byId('apiv3-key').status).toBe('pass');
    expect(r.byId('database').status).not.toBe('fail');
  });

  it('catches the merchant private key put where the WeChat Pay public key belongs', async () => {
    const r = await doctor({ WECHATPAY_PUBLIC_KEY_PATH: fixture('merchant/private-key.pem') });
    const c = r.byId('wechatpay-public-key');
    expect(c.status).toBe('fail');
    expect(c.detail).toBe('holds YOUR merchant private key, not the WeChat Pay public key');
    expect(c.fix).toContain('微信支付公钥');
    expectNoSecret(r.text);
  });

  it('catches a wrong merchant serial: the sandbox answers 401 SIGN_ERROR and doctor says which settings', async () => {
    const wrong = '7E57C0DE4D45524348414E540000000000000009';
    const r = await doctor(
      { WECHATPAY_MERCHANT_SERIAL_NO: wrong },
      { drop: ['WECHATPAY_MERCHANT_CERT_PATH'] },
    );
    const call = r.byId('signed-call');
    expect(call.status).toBe('fail');
    expect(call.detail).toContain('HTTP 401 SIGN_ERROR');
    expect(call.detail).toContain('the merchant key, serial or merchant number is wrong');
    expect(call.fix).toContain('WECHATPAY_MERCHANT_SERIAL_NO');
    expect(call.fix).toContain('openssl x509');
    expect(r.failed).toEqual(['signed-call']);

    // With the certificate given, the mismatch is also caught offline, next to the 401.
    const withCert = await doctor({ WECHATPAY_MERCHANT_SERIAL_NO: wrong });
    expect(withCert.byId('merchant-certificate').status).toBe('fail');
    expect(withCert.byId('merchant-certificate').detail).toContain("differs from the certificate's serial");
    expect(withCert.failed.sort()).toEqual(['merchant-certificate', 'signed-call']);
  });

  it('compares the merchant serial as the BFF sends it: a half-byte leading zero is a different serial', async () => {
    // "0" + an even-length serial is sent as "00…" (whole bytes), which WeChat does not know; stripping every
    // leading zero here would pass a serial the BFF then signs with and WeChat refuses.
    const serial = fixtureText('merchant/serial.txt').trim();
    const r = await doctor({ WECHATPAY_MERCHANT_SERIAL_NO: `0${serial}` });
    expect(r.byId('signed-call').status).toBe('fail');
    expect(r.byId('merchant-certificate').status).toBe('fail');
    expect(r.byId('merchant-certificate').detail).toContain("differs from the certificate's serial");

    const padded = await doctor({ WECHATPAY_MERCHANT_SERIAL_NO: `00${serial.toLowerCase()}` });
    expect(padded.byId('merchant-certificate').status).toBe('pass');
    expect(padded.byId('signed-call').status).toBe('pass');
    expect(padded.byId('merchant-serial').detail).toBe(serial);
  });

  it('catches a merchant serial confused with a WeChat Pay serial', async () => {
    const id = fixtureText('platform/pubkey/id.txt').trim();
    const a = await doctor({ WECHATPAY_MERCHANT_SERIAL_NO: id });
    expect(a.byId('merchant-serial').status).toBe('fail');
    expect(a.byId('merchant-serial').detail).toContain('WeChat Pay public key id');
    expect(a.byId('merchant-serial').fix).toContain('WECHATPAY_PUBLIC_KEY_ID');

    const b = await doctor({
      WECHATPAY_MERCHANT_SERIAL_NO: fixtureText('platform/serial.txt').trim(),
      WECHATPAY_PLATFORM_CERT_PATH: fixture('platform/cert.pem'),
    });
    expect(b.byId('merchant-serial').status).toBe('fail');
    expect(b.byId('merchant-serial').detail).toContain('platform certificate');
  });

  it('catches a PUB_KEY_ID typo, and the signed call shows the id WeChat Pay really uses', async () => {
    const id = fixtureText('platform/pubkey/id.txt').trim();
    const typo = id.replace('PUB_KEY_ID_', 'PUB_KEY_lD_');
    const r = await doctor({ WECHATPAY_PUBLIC_KEY_ID: typo });
    const c = r.byId('public-key-id');
    expect(c.status).toBe('fail');
    expect(c.detail).toContain('PUB_KEY_ID_ followed by digits');
    expect(c.fix).toContain('微信支付公钥');
    const call = r.byId('signed-call');
    expect(call.status).toBe('fail');
    expect(call.detail).toContain(`signed the answer with ${id}, which is not configured`);
    expect(call.fix).toContain(`WECHATPAY_PUBLIC_KEY_ID=${id}`);
    expect(r.byId('bff-config').variable).toBe('WECHATPAY_PUBLIC_KEY_ID');
  });

  it('catches an http notify URL (and a query string) in production mode', async () => {
    const r = await doctor({
      WECHATPAY_MODE: 'production',
      WECHATPAY_BASE_URL: sandbox.url, // never the real WeChat Pay from a test
      NOTIFY_BASE_URL: 'http://pay.example.com/qianyue?tenant=1',
    });
    const c = r.byId('notify-url');
    expect(c.status).toBe('fail');
    expect(c.detail).toContain('uses http, not https');
    expect(c.detail).toContain('has a query string');
    expect(c.fix).toContain('https');
    expect(c.fix).toContain('no query string');

    const ip = await doctor({
      WECHATPAY_MODE: 'production',
      WECHATPAY_BASE_URL: sandbox.url,
      NOTIFY_BASE_URL: 'https://10.0.0.5',
    });
    expect(ip.byId('notify-url').detail).toContain('does not name a public domain');

    // The same http URL is fine for the sandbox.
    const dev = await doctor({ NOTIFY_BASE_URL: 'http://127.0.0.1:8700' });
    expect(dev.byId('notify-url').status).toBe('pass');
  });

  it('catches an unreachable database without printing its password', async () => {
    const password = 'TESTONLYdbPassw0rd-never-printed';
    const port = await closedPort();
    const r = await doctor({ DATABASE_URL: `postgres://qianyue:${password}@127.0.0.1:${port}/qianyue` });
    const c = r.byId('database');
    expect(c.status).toBe('fail');
    expect(c.detail).toBe(`postgres://qianyue:***@127.0.0.1:${port}/qianyue: connection refused`);
    expect(c.fix).toContain('PostgreSQL is running');
    expect(r.text).not.toContain(password);
    expect(r.json).not.toContain(password);
  });

  it('catches a database the migrations have not reached', async () => {
    const fresh = mkdtempSync(path.join(tmpdir(), 'qianyue-doctor-nodb-'));
    const r = await doctor({ DATABASE_URL: fresh });
    expect(r.byId('database').status).toBe('fail');
    expect(r.byId('database').fix).toContain('start the BFF once');
  });

  it('catches a wrong WeChat Pay public key: the answer signature does not verify', async () => {
    // The platform CERTIFICATE key is a real WeChat Pay-shaped key, just not the one the sandbox signs with.
    const r = await doctor({ WECHATPAY_PUBLIC_KEY_PATH: fixture('platform/public-key.pem') });
    expect(r.byId('wechatpay-public-key').status).toBe('pass'); // it IS a public key…
    const call = r.byId('signed-call');
    expect(call.status).toBe('fail'); // …but not WeChat Pay's
    expect(call.detail).toContain('does NOT verify with the configured WeChat Pay key');
    expect(call.fix).toContain('WECHATPAY_PUBLIC_KEY_PATH');
    expect(r.failed).toEqual(['signed-call']);
  });

  it('checks the console credential without creating anything', async () => {
    const missing = path.join(scratch, 'admin-token-missing.txt');
    // Loading writes no file any more (the demo script makes the token): a missing file is a problem for both.
    const sandboxMode = await doctor({ ADMIN_TOKEN_PATH: missing });
    expect(sandboxMode.byId('admin-token').status).toBe('fail');
    expect(sandboxMode.byId('bff-config').variable).toBe('ADMIN_TOKEN_PATH');
    expect(existsSync(missing)).toBe(false); // doctor only reads
    const short = await doctor({ ADMIN_TOKEN: 'too-short' });
    expect(short.byId('admin-token')).toMatchObject({
      status: 'fail',
      detail:
        'is 9 characters; at least 24 are required (the BFF: ADMIN_TOKEN must be at least 24 characters)',
    });
    expect(short.text).not.toContain('too-short');
    const off = await doctor();
    expect(off.byId('admin-token').status).toBe('skip');
  });

  it('reports an endpoint that cannot be reached', async () => {
    const port = await closedPort();
    const r = await doctor({ WECHATPAY_SANDBOX_URL: `http://127.0.0.1:${port}` });
    expect(r.byId('signed-call').status).toBe('fail');
    expect(r.byId('signed-call').detail).toContain('cannot connect');
  });

  it('never prints a secret, whatever is broken, in text or JSON', async () => {
    const apiV3 = fixtureText('apiv3-key.txt').trim();
    const variants: Record<string, string>[] = [
      {},
      { WECHATPAY_APIV3_KEY_PATH: '', WECHATPAY_APIV3_KEY: `${apiV3}X` },
      {
        WECHATPAY_PRIVATE_KEY_PATH: '',
        WECHATPAY_PRIVATE_KEY: fixtureText('merchant/private-key.pem').slice(0, 400),
      },
      { WECHATPAY_PUBLIC_KEY_PATH: fixture('platform/pubkey/private-key.pem') },
      { WECHATPAY_PLATFORM_CERT_PATH: fixture('platform/private-key.pem') },
      { WECHATPAY_APIV3_KEY_PATH: fixture('merchant/private-key.pem') },
      {
        WECHAT_APP_SECRET: '',
        SESSION_SECRET: 'short',
        WECHATPAY_MODE: 'production',
        WECHATPAY_BASE_URL: sandbox.url,
      },
      { BFF_PORT: 'not-a-port', SESSION_SECRET_PATH: fixture('merchant/private-key.pem') },
    ];
    for (const v of variants) {
      const r = await doctor(v);
      expectNoSecret(r.text, [`${apiV3}X`, 'short']);
      expectNoSecret(r.json, [`${apiV3}X`]);
    }
  });
});
