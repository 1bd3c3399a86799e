import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TEST_IDS } from '@qianyue/sandbox/testing';
import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../src/index.ts';
import { fixtureText, PLANS, testEnv } from './helpers/harness.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'qianyue-resolve-'));
const base = () => testEnv('http://127.0.0.1:8701');
const PROD = {
  WECHATPAY_MODE: 'production',
  WECHATPAY_BASE_URL: 'https://api.example.com',
  WECHAT_API_BASE_URL: 'https://api.example.com',
  NOTIFY_BASE_URL: 'https://pay.example.com',
};
const SUB_APP_SECRET = 'TESTONLYsubAppSecret000000000000';
const plans = (...p: object[]) => JSON.stringify(p);
const edu = { planKey: 'edu', family: 'edu-papay', planId: TEST_IDS.planId, name: 'Edu' };
const pe = { planKey: 'pe', family: 'password-exempt', serviceId: TEST_IDS.serviceId, name: 'PE' };
const billing = { amount: 9900, currency: 'CNY', dayOfMonth: 5, description: '月费', noticeLeadDays: 2 };

const file = (text: string) => {
  const f = path.join(tmp(), 'v');
  writeFileSync(f, text);
  return f;
};

/** [title, environment changes, the variable of the first problem (or undefined = loads)] */
const CASES: Array<[string, Record<string, string | undefined>, string | undefined]> = [
  ['the fixture environment loads', {}, undefined],
  ['an empty value is unset: BFF_PORT= takes the default', { BFF_PORT: '' }, undefined],
  [
    'an empty value is unset: WECHATPAY_SANDBOX_KEYS_PATH= reads no file',
    { WECHATPAY_SANDBOX_KEYS_PATH: '' },
    undefined,
  ],
  ['an empty required value is missing', { WECHATPAY_MCH_ID: '' }, 'WECHATPAY_MCH_ID'],
  ['merchant number: 8–12 digits', { WECHATPAY_MCH_ID: '19000001O9' }, 'WECHATPAY_MCH_ID'],
  [
    'public key id: PUB_KEY_ID_ and its number',
    { WECHATPAY_PUBLIC_KEY_ID: 'PUB_KEY_ID_' },
    'WECHATPAY_PUBLIC_KEY_ID',
  ],
  [
    'public key id: the prefix is required',
    { WECHATPAY_PUBLIC_KEY_ID: '0114232134912410' },
    'WECHATPAY_PUBLIC_KEY_ID',
  ],
  [
    'a merchant serial that is a platform serial with leading zeros is still refused',
    { WECHATPAY_MERCHANT_SERIAL_NO: `00${fixtureText('platform/serial.txt').trim().toLowerCase()}` },
    'WECHATPAY_MERCHANT_SERIAL_NO',
  ],
  ['TRUST_PROXY=true in production is refused', { ...PROD, TRUST_PROXY: 'true' }, 'TRUST_PROXY'],
  [
    'TRUST_PROXY=true with NODE_ENV=production is refused',
    { NODE_ENV: 'production', TRUST_PROXY: 'true' },
    'TRUST_PROXY',
  ],
  ['TRUST_PROXY=true is allowed in the sandbox demo', { TRUST_PROXY: 'true' }, undefined],
  ['TRUST_PROXY: a hop count', { ...PROD, TRUST_PROXY: '1' }, undefined],
  ['TRUST_PROXY: addresses and CIDRs', { ...PROD, TRUST_PROXY: '10.0.0.0/8, 192.168.1.10,::1' }, undefined],
  ['TRUST_PROXY: anything else is refused', { TRUST_PROXY: 'yes please' }, 'TRUST_PROXY'],
  ['TRUST_PROXY: a CIDR prefix past 32 is refused', { TRUST_PROXY: '10.0.0.0/33' }, 'TRUST_PROXY'],
  ['EDU_PARTNER_MODE is retired (plans name their mode)', { EDU_PARTNER_MODE: 'true' }, 'EDU_PARTNER_MODE'],
  [
    'an unreadable ADMIN_TOKEN_PATH is a problem, and nothing is created',
    { ADMIN_TOKEN_PATH: '/nonexistent/dir/admin-token' },
    'ADMIN_TOKEN_PATH',
  ],
  [
    'NOTIFY_EVENT_TYPES must be {family, kind} entries',
    { NOTIFY_EVENT_TYPES: '{"X":{"family":"x"}}' },
    'NOTIFY_EVENT_TYPES',
  ],
  [
    'plans: every mode of both products',
    {
      WECHAT_MINI_PROGRAMS: JSON.stringify({ [TEST_IDS.subAppId]: SUB_APP_SECRET }),
      PLANS: plans(
        { ...edu, planKey: 'e1', mode: 'direct', billing },
        { ...edu, planKey: 'e2', mode: 'service-provider', subAppId: TEST_IDS.subAppId },
        { ...pe, planKey: 'p1', mode: 'direct' },
        { ...pe, planKey: 'p2', mode: 'service-provider', openidUnder: 'sub_appid' },
        { ...pe, planKey: 'p3', mode: 'qs' },
        { ...pe, planKey: 'p4', mode: 'qs', openidUnder: 'sub_appid' },
      ),
    },
    undefined,
  ],
  [
    'plans: billing terms on a password-exempt plan are refused',
    { PLANS: plans({ ...pe, mode: 'qs', billing }) },
    'PLANS',
  ],
  [
    'plans: billing day 29 is refused',
    { PLANS: plans({ ...edu, billing: { ...billing, dayOfMonth: 29 } }) },
    'PLANS',
  ],
  [
    'plans: billing in dollars is refused',
    { PLANS: plans({ ...edu, billing: { ...billing, currency: 'USD' } }) },
    'PLANS',
  ],
  [
    'plans: billing amount in yuan fractions is refused',
    { PLANS: plans({ ...edu, billing: { ...billing, amount: 99.5 } }) },
    'PLANS',
  ],
  ['plans: an unknown mode is refused', { PLANS: plans({ ...pe, mode: 'ecommerce' }) }, 'PLANS'],
  [
    'plans: service provider without a sub-merchant is refused',
    { WECHATPAY_SUB_MCHID: undefined, PLANS: plans({ ...edu, mode: 'service-provider' }) },
    'PLANS',
  ],
  [
    'plans: direct mode with sub-merchant ids is refused',
    { PLANS: plans({ ...pe, mode: 'direct', subMchId: TEST_IDS.subMchId }) },
    'PLANS',
  ],
  [
    "plans: a sub_appid login needs that mini-program's AppSecret",
    { WECHAT_MINI_PROGRAMS: undefined, PLANS: plans({ ...pe, mode: 'qs', openidUnder: 'sub_appid' }) },
    'WECHAT_MINI_PROGRAMS',
  ],
  [
    'plans: the account template must hold {member}',
    { PLANS: plans({ ...edu, accountTemplate: 'Fixed' }) },
    'PLANS',
  ],
];

describe('resolveSettings: one table, the rules every caller (BFF, doctor) shares', () => {
  it.each(CASES)('%s', (_title, change, variable) => {
    const env = { ...base(), ...change };
    const { settings, problems } = resolveSettings(env);
    if (variable === undefined) {
      expect(problems).toEqual([]);
      expect(settings).toBeDefined();
    } else {
      expect(settings).toBeUndefined();
      expect(problems[0]?.variable).toBe(variable);
      for (const p of problems) {
        expect(p.message.length).toBeGreaterThan(0);
        expect(p.fix.length).toBeGreaterThan(0);
      }
    }
    expect(existsSync('/nonexistent/dir')).toBe(false);
  });

  it('lists every problem, not only the first', () => {
    const { problems } = resolveSettings({
      ...base(),
      WECHATPAY_MCH_ID: 'abc',
      BFF_PORT: 'eighty',
      TRUST_PROXY: 'maybe',
      PLANS: plans({ ...pe, mode: 'qs', billing }),
    });
    expect(problems.map((p) => p.variable).sort()).toEqual([
      'BFF_PORT',
      'PLANS',
      'TRUST_PROXY',
      'WECHATPAY_MCH_ID',
    ]);
  });

  it('NAME_PATH beats NAME for every secret and for PLANS', () => {
    const { settings } = resolveSettings({
      ...base(),
      WECHAT_APP_SECRET: 'TESTONLY-from-the-variable',
      WECHAT_APP_SECRET_PATH: file('TESTONLY-from-the-file\n'),
      PLANS: '{broken',
      PLANS_PATH: file(JSON.stringify(PLANS.slice(0, 1))),
    });
    expect(settings?.wechat.appSecret).toBe('TESTONLY-from-the-file');
    expect(settings?.plans.map((p) => p.planKey)).toEqual(['edu-monthly']);
  });

  it('values: serials normalised, event types merged into the defaults, TRUST_PROXY typed, plans resolved', () => {
    const { settings } = resolveSettings({
      ...base(),
      ...PROD,
      TRUST_PROXY: '10.0.0.0/8,127.0.0.1',
      WECHATPAY_MERCHANT_SERIAL_NO: fixtureText('merchant/serial.txt').trim().toLowerCase(),
      NOTIFY_EVENT_TYPES: JSON.stringify({ 'PAPAY.SIGN': { family: 'password-exempt', kind: 'signed' } }),
      PLANS: plans(
        { ...pe, mode: 'service-provider', openidUnder: 'appid' },
        { ...edu, mode: 'direct', billing },
      ),
    });
    expect(settings?.wechatpay.merchantSerialNo).toBe(
      fixtureText('merchant/serial.txt').trim().toUpperCase(),
    );
    expect(settings?.trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(settings?.eventTypes['PAPAY.SIGN']).toEqual({ family: 'password-exempt', kind: 'signed' });
    expect(settings?.eventTypes['ENTRUST.SIGNING']).toEqual({ family: 'edu-papay', kind: 'signed' });
    expect(settings?.plans[0]).toMatchObject({
      mode: 'service-provider',
      appId: TEST_IDS.appId,
      subMchId: TEST_IDS.subMchId,
      subAppId: TEST_IDS.subAppId,
      loginAppId: TEST_IDS.appId,
      notifyPath: '/v1/notify/password-exempt',
    });
    expect(settings?.plans[1]).toMatchObject({ mode: 'direct', billing });
    expect(settings?.plans[1]).not.toHaveProperty('subMchId');
  });

  it('a sub_appid plan signs in the sub-merchant mini-program, whose secret comes from WECHAT_MINI_PROGRAMS', () => {
    const { settings } = resolveSettings({
      ...base(),
      WECHAT_MINI_PROGRAMS_PATH: file(JSON.stringify({ [TEST_IDS.subAppId]: SUB_APP_SECRET })),
      PLANS: plans({ ...pe, mode: 'qs', openidUnder: 'sub_appid' }),
    });
    expect(settings?.plans[0]?.loginAppId).toBe(TEST_IDS.subAppId);
    expect(settings?.wechat.miniPrograms).toEqual({
      [TEST_IDS.appId]: TEST_IDS.appSecret,
      [TEST_IDS.subAppId]: SUB_APP_SECRET,
    });
  });

  it('staff tokens: one "<name> <token>" per line; a bad line is named by number, never by its token', () => {
    const zhao = 'TESTONLY-zhao-console-token-000000000001';
    const wang = 'TESTONLY-wang-console-token-000000000002';
    const ok = resolveSettings({
      ...base(),
      ADMIN_TOKEN_PATH: undefined,
      ADMIN_STAFF_TOKENS: `# console staff\nZhao Lei ${zhao}\n\nwang.li@example.com  ${wang}\n`,
    });
    expect(ok.problems).toEqual([]);
    expect(ok.settings?.admin?.token).toBeUndefined();
    expect(ok.settings?.admin?.staff.map((m) => [m.name, m.token.toString()])).toEqual([
      ['Zhao Lei', zhao],
      ['wang.li@example.com', wang],
    ]);
    const bad = (text: string, extra: Record<string, string> = {}) =>
      resolveSettings({ ...base(), ADMIN_STAFF_TOKENS: text, ...extra }).problems.filter(
        (p) => p.variable === 'ADMIN_STAFF_TOKENS',
      );
    expect(bad(`Zhao ${zhao}\nshort-one abc`)[0]?.message).toBe(
      'line 2: the token must be at least 24 characters',
    );
    expect(bad(`Zhao ${zhao}\nZhao ${wang}`)[0]?.message).toBe('line 2: the name Zhao appears twice');
    expect(bad(`Zhao ${zhao}\nWang ${zhao}`)[0]?.message).toBe("line 2: the token is also another person's");
    expect(bad(`${zhao}`)[0]?.message).toBe('line 1 is not "<name> <token>"');
    expect(bad(`<b> ${zhao}`)[0]?.message).toContain('line 1: the name may hold');
    expect(bad('# nobody\n')[0]?.message).toBe('names no staff member');
    expect(bad(`Zhao ${zhao}`, { ADMIN_TOKEN_PATH: file(zhao) })[0]?.message).toBe(
      'gives a staff member the shared ADMIN_TOKEN',
    );
    const all = JSON.stringify([bad(`Zhao ${zhao}\nWang ${zhao}\nshort abc`), bad(zhao)]);
    expect(all).not.toContain(zhao);
    expect(all).not.toContain('abc');
  });

  it('loading writes no file: a missing admin token leaves the console off', () => {
    const dir = tmp();
    const { settings } = resolveSettings({ ...base(), ADMIN_TOKEN_PATH: undefined });
    expect(settings?.admin).toBeUndefined();
    resolveSettings({ ...base(), ADMIN_TOKEN_PATH: path.join(dir, 'admin-token') });
    expect(existsSync(path.join(dir, 'admin-token'))).toBe(false);
  });
});
