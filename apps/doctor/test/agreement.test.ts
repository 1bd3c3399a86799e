import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BffConfigError, loadConfig } from '../src/bff.ts';
import { CHECKS, type CheckResult, runDoctor } from '../src/index.ts';
import { fixture, fixtureText, goodEnv, migratedPglite, PLANS } from './helpers.ts';

/*
 * One resolver, two readers: over the same environments, the BFF's loadConfig (start or refuse, naming the
 * first problem's variable) and the doctor (ok, or every problem with its fix) must say the same. The signed
 * call is left out (it is about the network, not the configuration; test/checks/signed-call.test.ts); every
 * other check runs, over a real migrated PGlite directory. A few rows are the doctor being stricter on purpose
 * (what the BFF accepts but cannot work with): they are listed as such, and the test holds them to it.
 * The table is printed and written to test-artifacts/doctor-agreement.md.
 */

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const CONFIG_CHECKS = CHECKS.filter((c) => c.id !== 'signed-call');

let db: Awaited<ReturnType<typeof migratedPglite>>;
beforeAll(async () => {
  db = await migratedPglite();
});
afterAll(() => db?.remove());

const APIV3 = fixtureText('apiv3-key.txt').trim();
const PLATFORM_SERIAL = fixtureText('platform/serial.txt').trim();
const MERCHANT_SERIAL = fixtureText('merchant/serial.txt').trim();
const production = {
  WECHATPAY_MODE: 'production',
  NOTIFY_BASE_URL: 'https://pay.example.com/qianyue',
  WECHATPAY_SANDBOX_URL: '',
};
const plans = (extra: object[]) => JSON.stringify([...PLANS, ...extra]);

interface Row {
  env: string;
  change: Record<string, string>;
  drop?: string[];
  /** The BFF starts (undefined) or refuses naming this variable first. */
  refuses?: string;
  /** Set when the doctor is stricter than the BFF on purpose: why. */
  stricter?: string;
}

const rows: Row[] = [
  { env: 'valid, sandbox mode', change: {} },
  { env: 'valid, production mode with the WeChat Pay public key', change: production },
  {
    env: 'valid, production mode with platform certificates',
    change: { ...production, WECHATPAY_PLATFORM_CERT_PATH: fixture('platform/cert.pem') },
    drop: ['WECHATPAY_PUBLIC_KEY_PATH', 'WECHATPAY_PUBLIC_KEY_ID'],
  },
  {
    env: 'public key and platform certificates together (migrating)',
    change: { ...production, WECHATPAY_PLATFORM_CERT_PATH: fixture('platform/cert.pem') },
  },
  {
    env: "WECHATPAY_SANDBOX_KEYS_PATH='' and every key in the environment",
    change: { WECHATPAY_SANDBOX_KEYS_PATH: '' },
  },
  {
    env: "WECHATPAY_SANDBOX_KEYS_PATH='' and no merchant number: no file fills it",
    change: { WECHATPAY_SANDBOX_KEYS_PATH: '' },
    drop: ['WECHATPAY_MCH_ID'],
    refuses: 'WECHATPAY_MCH_ID',
  },
  {
    env: 'WECHATPAY_PUBLIC_KEY_ID with a typo (PUB_KEY_lD_…)',
    change: { WECHATPAY_PUBLIC_KEY_ID: fixtureText('platform/pubkey/id.txt').trim().replace('_ID_', '_lD_') },
    refuses: 'WECHATPAY_PUBLIC_KEY_ID',
  },
  {
    env: 'WECHATPAY_PUBLIC_KEY_ID a certificate serial',
    change: { WECHATPAY_PUBLIC_KEY_ID: PLATFORM_SERIAL },
    refuses: 'WECHATPAY_PUBLIC_KEY_ID',
  },
  {
    env: 'merchant serial with leading zeros',
    change: { WECHATPAY_MERCHANT_SERIAL_NO: `00${MERCHANT_SERIAL}` },
  },
  {
    env: 'merchant serial = platform serial with leading zeros',
    change: {
      WECHATPAY_MERCHANT_SERIAL_NO: `00${PLATFORM_SERIAL}`,
      WECHATPAY_PLATFORM_CERT_PATH: fixture('platform/cert.pem'),
    },
    drop: ['WECHATPAY_MERCHANT_CERT_PATH'],
    refuses: 'WECHATPAY_MERCHANT_SERIAL_NO',
  },
  {
    env: 'merchant serial = the PUB_KEY_ID',
    change: { WECHATPAY_MERCHANT_SERIAL_NO: fixtureText('platform/pubkey/id.txt').trim() },
    drop: ['WECHATPAY_MERCHANT_CERT_PATH'],
    refuses: 'WECHATPAY_MERCHANT_SERIAL_NO',
  },
  { env: 'merchant number of 5 digits', change: { WECHATPAY_MCH_ID: '12345' }, refuses: 'WECHATPAY_MCH_ID' },
  {
    env: 'X_PATH beats X: good APIV3_KEY_PATH, bad APIV3_KEY',
    change: { WECHATPAY_APIV3_KEY: APIV3.slice(0, 31) },
  },
  {
    env: 'X_PATH beats X: bad APIV3_KEY_PATH, good APIV3_KEY',
    change: { WECHATPAY_APIV3_KEY_PATH: fixture('merchant/serial.txt'), WECHATPAY_APIV3_KEY: APIV3 },
    refuses: 'WECHATPAY_APIV3_KEY_PATH',
  },
  {
    env: 'PLANS_PATH beats PLANS',
    change: { PLANS_PATH: writeScratch('plans.json', JSON.stringify(PLANS)), PLANS: 'not json' },
  },
  { env: 'production without PLANS', change: production, drop: ['PLANS'], refuses: 'PLANS' },
  { env: 'PLANS not JSON', change: { PLANS: '[{' }, refuses: 'PLANS' },
  {
    env: 'a password-exempt service-provider plan without a sub-merchant',
    change: {
      PLANS: plans([
        { planKey: 'pe-sp', family: 'password-exempt', mode: 'service-provider', serviceId: 7, name: 'SP' },
      ]),
    },
    drop: ['WECHATPAY_SUB_MCHID', 'WECHAT_SUB_APP_ID'],
    refuses: 'PLANS',
  },
  {
    env: 'an edu plan with billing terms; a direct password-exempt plan',
    change: {
      PLANS: plans([
        {
          planKey: 'edu-billed',
          family: 'edu-papay',
          mode: 'direct',
          planId: '101164396123311332',
          name: '月付',
          billing: { amount: 9900, currency: 'CNY', dayOfMonth: 5, description: '月费', noticeLeadDays: 1 },
        },
        { planKey: 'pe-direct', family: 'password-exempt', mode: 'direct', serviceId: 8, name: '免密' },
      ]),
    },
  },
  {
    env: 'billing terms on a password-exempt plan',
    change: {
      PLANS: plans([
        {
          planKey: 'pe-billed',
          family: 'password-exempt',
          mode: 'qs',
          serviceId: 9,
          name: 'x',
          billing: { amount: 1, currency: 'CNY', dayOfMonth: 1, description: 'x', noticeLeadDays: 1 },
        },
      ]),
    },
    refuses: 'PLANS',
  },
  { env: 'TRUST_PROXY=everyone', change: { TRUST_PROXY: 'everyone' }, refuses: 'TRUST_PROXY' },
  {
    env: 'TRUST_PROXY=true in production',
    change: { ...production, TRUST_PROXY: 'true' },
    refuses: 'TRUST_PROXY',
  },
  { env: 'TRUST_PROXY=1 in production', change: { ...production, TRUST_PROXY: '1' } },
  { env: "BFF_PORT='' (empty is unset: the default port)", change: { BFF_PORT: '' } },
  { env: 'BFF_PORT=eighty', change: { BFF_PORT: 'eighty' }, refuses: 'BFF_PORT' },
  { env: 'EDU_PARTNER_MODE (retired)', change: { EDU_PARTNER_MODE: 'true' }, refuses: 'EDU_PARTNER_MODE' },
  {
    env: 'a public key as the merchant private key',
    change: { WECHATPAY_PRIVATE_KEY_PATH: fixture('merchant/public-key.pem') },
    refuses: 'WECHATPAY_PRIVATE_KEY_PATH',
  },
  {
    env: 'production, http notify URL with a query string',
    change: { ...production, NOTIFY_BASE_URL: 'http://pay.example.com/?a=1' },
    refuses: 'NOTIFY_BASE_URL',
  },
  { env: 'console token of 9 characters', change: { ADMIN_TOKEN: 'too-short' }, refuses: 'ADMIN_TOKEN' },
  {
    env: 'two problems: bad merchant number and TRUST_PROXY',
    change: { WECHATPAY_MCH_ID: '12345', TRUST_PROXY: 'everyone' },
    refuses: 'TRUST_PROXY',
  },
  // The doctor is stricter on purpose: the BFF starts, but would not work (or not safely).
  {
    env: 'the merchant private key as the WeChat Pay public key',
    change: { WECHATPAY_PUBLIC_KEY_PATH: fixture('merchant/private-key.pem') },
    stricter: 'wechatpay-public-key: the BFF derives a public key from it; no WeChat Pay answer would verify',
  },
  {
    env: 'production, notify URL on an IP address',
    change: { ...production, NOTIFY_BASE_URL: 'https://10.0.0.5' },
    stricter: 'notify-url: WeChat Pay cannot reach a private address',
  },
  {
    env: 'production on PGlite in memory',
    change: { ...production, DATABASE_URL: 'memory://' },
    stricter: 'database: every restart would lose all contracts',
  },
];

function writeScratch(name: string, content: string): string {
  const dir = path.join(REPO, 'test-artifacts', 'doctor-agreement-files');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

async function bffVerdict(env: Record<string, string>): Promise<string | undefined> {
  try {
    await loadConfig(env);
    return undefined;
  } catch (err) {
    if (err instanceof BffConfigError) return err.variable;
    throw err;
  }
}

const lines: string[] = [];
const cell = (s: string) => s.replace(/\|/g, '\\|');

describe('the BFF and the doctor agree on every environment', () => {
  it.each(rows)('$env', async (row) => {
    const env = { ...goodEnv('http://127.0.0.1:9', db.dir), ...row.change };
    for (const k of row.drop ?? []) delete env[k];
    const bff = await bffVerdict(env);
    const { report } = await runDoctor(env, { checks: CONFIG_CHECKS, timeoutMs: 5_000 });
    const failed: CheckResult[] = report.checks.filter((c) => c.status === 'fail');
    // Named by the doctor's own checks (bff-config only repeats what loadConfig says).
    const named = failed
      .filter((c) => c.id !== 'bff-config')
      .flatMap((c) => (c.variable ?? '').split(', ').filter(Boolean));

    expect(bff).toBe(row.refuses);
    // One resolver: the doctor's list of problems starts with the one the BFF stops at.
    expect(report.problems[0]?.variable).toBe(bff);
    if (row.stricter) {
      // The BFF starts; the doctor names the one check that knows better.
      expect(report.ok).toBe(false);
      expect(failed.map((c) => c.id)).toEqual([row.stricter.split(':')[0]]);
    } else {
      expect(report.ok, JSON.stringify(failed)).toBe(bff === undefined);
      // The doctor's report names the variable the BFF stops at, on a failing line, with a fix.
      if (bff) {
        expect(named.some((v) => v.startsWith(bff))).toBe(true);
        expect(failed.every((c) => c.fix)).toBe(true);
      }
    }
    const doctorSays = report.ok
      ? 'ok'
      : `not ok — ${failed.map((c) => `${c.id} [${c.variable ?? ''}]`).join('; ')}`;
    const agree = row.stricter ? `no, on purpose: ${row.stricter}` : 'yes';
    const listed = report.problems.length
      ? `${report.problems.length}: ${report.problems.map((p) => p.variable).join(', ')}`
      : 'none';
    lines.push(
      `| ${cell(row.env)} | ${bff ? `refuses: ${bff}` : 'starts'} | ${cell(listed)} | ${cell(doctorSays)} | ${cell(agree)} |`,
    );
  });

  afterAll(() => {
    const table = [
      '# BFF vs doctor: one configuration resolver',
      '',
      'Written by apps/doctor/test/agreement.test.ts. BFF = `loadConfig` (stops at the first problem, naming its',
      'variable); doctor = every check but the signed call, over a migrated PGlite directory (every failing check with',
      'the variables it names).',
      '',
      '| environment | BFF | problems the doctor lists (the first is where the BFF stops) | failing checks [variables] | agree |',
      '|---|---|---|---|---|',
      ...lines,
      '',
    ].join('\n');
    console.log(`\n${table}`);
    mkdirSync(path.join(REPO, 'test-artifacts'), { recursive: true });
    writeFileSync(path.join(REPO, 'test-artifacts', 'doctor-agreement.md'), table);
  });
});
