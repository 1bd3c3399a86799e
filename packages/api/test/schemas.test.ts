import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ErrorBody, LoginBody, PresignBody, PresignReply, routes } from '../src/index.ts';

// ajv-formats is CommonJS: under NodeNext its default import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule) as unknown as (a: Ajv) => Ajv;

// Same AJV settings as Fastify's default validator (removeAdditional off here so unknown fields show).
const ajv = addFormats(new Ajv({ allErrors: true, coerceTypes: false, useDefaults: true }));

describe('login body', () => {
  const check = ajv.compile(LoginBody);
  it('accepts a wx.login code', () => expect(check({ code: '0a3Xk2000abcd' })).toBe(true));
  it('rejects an openid smuggled beside the code', () =>
    expect(check({ code: 'abc', openid: 'o-someone-else' })).toBe(false));
  it('rejects an empty code and a code with spaces', () => {
    expect(check({ code: '' })).toBe(false);
    expect(check({ code: 'a b' })).toBe(false);
  });
});

describe('presign', () => {
  it('requires a plan key of lower-case words', () => {
    const check = ajv.compile(PresignBody);
    expect(check({ planKey: 'edu-monthly' })).toBe(true);
    expect(check({ planKey: 'Edu Monthly' })).toBe(false);
    expect(check({})).toBe(false);
  });
  it('reply carries a navigate target of string extraData', () => {
    const check = ajv.compile(PresignReply);
    const ok = {
      contractId: 'c1',
      navigate: { appId: 'wx7a985467cbd06913', path: 'pages/index/index', extraData: { presign_token: 't' } },
      expiresAt: '2026-01-01T00:00:00Z',
      reused: false,
    };
    expect(check(ok)).toBe(true);
    expect(check({ ...ok, navigate: { ...ok.navigate, extraData: { presign_token: 1 } } })).toBe(false);
  });
});

describe('error catalogue', () => {
  it('every code is BFF_- or CONSOLE_-prefixed SCREAMING_SNAKE with a 4xx/5xx status', () => {
    for (const [code, status] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^(BFF|CONSOLE)_[A-Z0-9_]+$/);
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(600);
    }
  });
  it('error body needs code and message', () => {
    const check = ajv.compile(ErrorBody);
    expect(check({ code: 'BFF_PLAN_NOT_FOUND', message: 'No such plan' })).toBe(true);
    expect(check({ code: 'BFF_PLAN_NOT_FOUND' })).toBe(false);
  });
  it('route urls are unique and versioned', () => {
    const keys = Object.values(routes).map((r) => `${r.method} ${r.url}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const r of Object.values(routes)) expect(r.url).toMatch(/^\/(v1\/|healthz|readyz)/);
  });
});
