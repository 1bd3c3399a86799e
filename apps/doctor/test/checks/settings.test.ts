import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { adminToken } from '../../src/checks/admin-token.ts';
import { environment } from '../../src/checks/environment.ts';
import { notifyUrl } from '../../src/checks/notify-url.ts';
import { sandboxKeysFile } from '../../src/checks/sandbox-keys-file.ts';
import type { Check } from '../../src/index.ts';
import { type Expected, expectResult, runSome, scratchFile } from './support.ts';

interface Row extends Expected {
  name: string;
  env: Record<string, string>;
  drop?: string[];
}

const production = { WECHATPAY_MODE: 'production' };

function table(check: Check, rows: Row[]) {
  describe(check.id, () => {
    it.each(rows)('$name', async (row) => {
      const result = await runSome([check], row.env, row.drop ? { drop: row.drop } : {});
      expectResult(result(check.id), row);
    });
  });
}

table(environment, [
  { name: 'a valid environment', env: {}, status: 'pass', detail: 'valid (WECHATPAY_MODE=sandbox)' },
  {
    name: 'a port that is not a number, and a bad boolean: both named',
    env: { BFF_PORT: 'eighty', TRUST_PROXY: 'maybe' },
    status: 'fail',
    detail: /^BFF_PORT: .+; TRUST_PROXY: .+$/,
    variable: 'BFF_PORT, TRUST_PROXY',
    fix: 'docs/configuration.md',
  },
  {
    name: 'an unknown mode',
    env: { WECHATPAY_MODE: 'staging' },
    status: 'fail',
    detail: /^WECHATPAY_MODE: /,
    variable: 'WECHATPAY_MODE',
  },
]);

table(sandboxKeysFile, [
  {
    name: 'a readable file',
    env: { WECHATPAY_SANDBOX_KEYS_PATH: scratchFile('keys-good.json', '{"mchId":"1900000109"}') },
    status: 'pass',
    detail: /^read .+keys-good\.json \(1 setting\(s\)\)$/,
    variable: 'WECHATPAY_SANDBOX_KEYS_PATH',
  },
  {
    name: 'not set: no file (never a default one)',
    env: {},
    status: 'skip',
    detail: 'not set; keys come from the environment alone',
  },
  {
    name: 'set to empty: no file',
    env: { WECHATPAY_SANDBOX_KEYS_PATH: '' },
    status: 'skip',
    detail: 'not set; keys come from the environment alone',
  },
  {
    name: 'a file that does not exist',
    env: { WECHATPAY_SANDBOX_KEYS_PATH: '/nonexistent/sandbox-merchant.json' },
    status: 'fail',
    detail: 'WECHATPAY_SANDBOX_KEYS_PATH: names a file that cannot be read',
    fix: 'check the path',
  },
  {
    name: 'not JSON',
    env: { WECHATPAY_SANDBOX_KEYS_PATH: scratchFile('keys-bad.json', '{not json') },
    status: 'fail',
    detail: 'WECHATPAY_SANDBOX_KEYS_PATH: is not a JSON object',
    fix: 'start the sandbox once',
  },
  { name: 'production', env: production, status: 'skip', detail: 'production mode: not used' },
]);

table(notifyUrl, [
  {
    name: 'an https URL with a path',
    env: { NOTIFY_BASE_URL: 'https://pay.example.com/qianyue/' },
    status: 'pass',
    detail:
      'https://pay.example.com/qianyue/v1/notify/{edu-papay,password-exempt} (sandbox mode: http allowed)',
  },
  {
    name: 'sandbox default from BFF_PORT',
    env: { BFF_PORT: '8800' },
    drop: ['NOTIFY_BASE_URL'],
    status: 'pass',
    detail: 'http://127.0.0.1:8800/v1/notify/{edu-papay,password-exempt} (sandbox mode: http allowed)',
  },
  {
    name: 'production: http and a query string',
    env: { ...production, NOTIFY_BASE_URL: 'http://pay.example.com/q?tenant=1' },
    status: 'fail',
    detail:
      'http://pay.example.com/q has a query string (WeChat Pay drops or rejects it); uses http, not https',
    bff: 'NOTIFY_BASE_URL must be an https URL without a query string',
    fix: 'no query string',
  },
  {
    name: 'production: an IP address',
    env: { ...production, NOTIFY_BASE_URL: 'https://10.0.0.5' },
    status: 'fail',
    detail: 'https://10.0.0.5 does not name a public domain',
  },
  {
    name: 'production: a .internal host',
    env: { ...production, NOTIFY_BASE_URL: 'https://bff.corp.internal' },
    status: 'fail',
    detail: 'https://bff.corp.internal does not name a public domain',
  },
  {
    name: 'production: not set',
    env: production,
    drop: ['NOTIFY_BASE_URL'],
    status: 'fail',
    detail: 'not set (required in production)',
    bff: 'NOTIFY_BASE_URL is required',
  },
  {
    name: 'credentials and a fragment',
    env: { NOTIFY_BASE_URL: 'https://user:pw@pay.example.com/#top' },
    status: 'fail',
    detail: 'https://pay.example.com has a fragment; carries credentials',
  },
  {
    name: 'not a URL',
    env: { NOTIFY_BASE_URL: 'pay.example.com' },
    status: 'fail',
    detail: 'is not a URL',
    bff: 'NOTIFY_BASE_URL must be an http(s) URL without a query string',
  },
  {
    name: 'too long for WeChat Pay',
    env: { NOTIFY_BASE_URL: `https://pay.example.com/${'a'.repeat(220)}` },
    status: 'fail',
    detail: /the notify URL would be 270 characters \(max 256\)$/,
  },
  {
    name: 'production: a proper URL',
    env: { ...production, NOTIFY_BASE_URL: 'https://pay.example.com' },
    status: 'pass',
    detail: 'https://pay.example.com/v1/notify/{edu-papay,password-exempt}',
  },
]);

const missingToken = path.join(path.dirname(scratchFile('placeholder', '')), 'admin-token-missing.txt');
table(adminToken, [
  {
    name: 'not set: console off',
    env: {},
    status: 'skip',
    detail: 'not set: the operations console is disabled',
  },
  {
    name: 'a long token',
    env: { ADMIN_TOKEN: 'TESTONLY-admin-token-0123456789' },
    status: 'pass',
    detail: 'console enabled at /admin/',
    variable: 'ADMIN_TOKEN',
  },
  {
    name: 'too short',
    env: { ADMIN_TOKEN: 'too-short' },
    status: 'fail',
    detail: 'is 9 characters; at least 24 are required',
    bff: 'ADMIN_TOKEN must be at least 24 characters',
    fix: 'openssl rand',
  },
  {
    name: 'a missing file: the BFF generates none',
    env: { ADMIN_TOKEN_PATH: missingToken },
    status: 'fail',
    detail: 'names a file that does not exist',
    bff: 'ADMIN_TOKEN_PATH names a file that cannot be read',
    variable: 'ADMIN_TOKEN_PATH',
    fix: 'openssl rand',
  },
  {
    name: 'production: a file others can read',
    env: {
      ...production,
      ADMIN_TOKEN_PATH: scratchFile('token.txt', 'TESTONLY-admin-token-0123456789\n', 0o604),
    },
    status: 'warn',
    detail: 'console enabled at /admin/; file mode 604 lets other users read it',
  },
  {
    name: 'staff tokens: each person named',
    env: {
      ADMIN_STAFF_TOKENS:
        'Zhao Lei TESTONLY-zhao-console-token-0000001\nWang Li TESTONLY-wang-console-token-0000002',
    },
    status: 'pass',
    detail: 'console enabled at /admin/; staff tokens: Zhao Lei, Wang Li',
    variable: 'ADMIN_STAFF_TOKENS',
  },
  {
    name: 'staff tokens: a short token is named by its line, the BFF refuses it too',
    env: { ADMIN_STAFF_TOKENS: 'Zhao Lei TESTONLY-zhao-console-token-0000001\nWang Li short' },
    status: 'fail',
    detail: 'line 2: the token must be at least 24 characters',
    bff: 'ADMIN_STAFF_TOKENS line 2: the token must be at least 24 characters',
    variable: 'ADMIN_STAFF_TOKENS',
    fix: 'one line per person',
  },
]);

describe('admin-token only reads', () => {
  it('never creates the missing file', async () => {
    await runSome([adminToken], { ADMIN_TOKEN_PATH: missingToken });
    expect(existsSync(missingToken)).toBe(false);
  });
});
