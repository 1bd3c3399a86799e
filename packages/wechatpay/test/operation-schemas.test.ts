import { Value } from '@sinclair/typebox/value';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import {
  checkQsOpenidRule,
  EduContract,
  EduContractList,
  EduPresignRequest,
  EduQueryByIdQuery,
  EduQueryByUserQuery,
  eduQueryByIdOperation,
  eduQueryByUserOperation,
  eduTerminateOperation,
  hasFourByteChars,
  QsContract,
  QsContractParams,
  QsPreEntrustSignRequest,
  QsTerminateRequest,
  qsQueryByOutContractCodeOperation,
  qsTerminateOperation,
} from '../src/index.ts';

// Ajv configured like a Fastify server that reports unknown fields instead of stripping them.
const ajv = new Ajv({ allErrors: true, removeAdditional: false, coerceTypes: false, strict: false });
const valid = (schema: object, data: unknown) => ajv.validate(schema, data);

const edu = {
  appid: 'wxd678efh567hg6787',
  openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
  plan_id: '101164396123311331',
  user_id: 'user-1',
  period_start_date: '2025-08-28',
  trade_scene: 'EDUCATION_PERIOD',
};

const qs = {
  appid: 'wxd678efh567hg6787',
  sub_appid: 'wx8888888888888888',
  sub_mchid: '1900000209',
  service_id: 12535,
  out_contract_code: 'QY20240501000002',
  notify_url: 'https://merchant.example.com/wechatpay/notify',
  contract_display_account: '张三',
  openid: 'oUpF8u',
};

describe('EduPresignRequest', () => {
  it('accepts a documented direct-merchant and SP body (Ajv and TypeBox agree)', () => {
    const sp = { ...edu, sub_mchid: '1900000209', sub_appid: 'wx8888888888888888', sub_openid: 'oX' };
    for (const body of [edu, sp]) {
      expect(valid(EduPresignRequest, body)).toBe(true);
      expect(Value.Check(EduPresignRequest, body)).toBe(true);
    }
  });

  it.each([
    ['day 29', { period_start_date: '2025-08-29' }],
    ['day 31', { period_start_date: '2025-01-31' }],
    ['day 00', { period_start_date: '2025-01-00' }],
    ['month 13', { period_start_date: '2025-13-01' }],
    ['a date-time', { period_start_date: '2025-08-01T00:00:00+08:00' }],
    ['another trade_scene', { trade_scene: 'OTHER' }],
    ['appid longer than 32', { appid: 'w'.repeat(33) }],
    ['user_id longer than 32', { user_id: 'u'.repeat(33) }],
    ['openid longer than 128', { openid: 'o'.repeat(129) }],
    ['empty plan_id', { plan_id: '' }],
    ['an unknown field', { extra: 1 }],
  ])('rejects %s', (_name, patch) => {
    const body = { ...edu, ...patch };
    expect(valid(EduPresignRequest, body)).toBe(false);
    expect(Value.Check(EduPresignRequest, body)).toBe(false);
  });

  it.each(['openid', 'plan_id', 'user_id', 'period_start_date', 'trade_scene', 'appid'])(
    'requires %s',
    (field) => {
      const body: Record<string, unknown> = { ...edu };
      delete body[field];
      expect(valid(EduPresignRequest, body)).toBe(false);
    },
  );

  it('accepts days 01 through 28', () => {
    for (let d = 1; d <= 28; d++) {
      expect(
        valid(EduPresignRequest, { ...edu, period_start_date: `2025-02-${String(d).padStart(2, '0')}` }),
      ).toBe(true);
    }
  });
});

describe('QsPreEntrustSignRequest', () => {
  it('accepts openid only, sub_openid only, and both', () => {
    const { openid: _o, ...none } = qs;
    for (const body of [qs, { ...none, sub_openid: 'oX' }, { ...qs, sub_openid: 'oX' }]) {
      expect(valid(QsPreEntrustSignRequest, body)).toBe(true);
      expect(checkQsOpenidRule(body)).toBe(true);
    }
  });

  it('rejects a body with neither openid nor sub_openid', () => {
    const { openid: _o, ...none } = qs;
    expect(valid(QsPreEntrustSignRequest, none)).toBe(false);
    expect(checkQsOpenidRule(none)).toBe(false);
  });

  it.each([
    ['out_contract_code with a dash', { out_contract_code: 'QY-1' }],
    ['out_contract_code with an underscore', { out_contract_code: 'QY_1' }],
    ['out_contract_code longer than 32', { out_contract_code: 'A'.repeat(33) }],
    ['empty out_contract_code', { out_contract_code: '' }],
    ['service_id as a string', { service_id: '12535' }],
    ['fractional service_id', { service_id: 1.5 }],
    ['http notify_url', { notify_url: 'http://merchant.example.com/notify' }],
    ['notify_url with a query', { notify_url: 'https://merchant.example.com/notify?a=1' }],
    ['notify_url longer than 256', { notify_url: `https://m.example.com/${'a'.repeat(240)}` }],
    ['contract_display_account longer than 32', { contract_display_account: '账'.repeat(33) }],
    ['missing sub_mchid', { sub_mchid: undefined }],
    ['an unknown field', { plan_id: '1' }],
  ])('rejects %s', (_name, patch) => {
    const body = JSON.parse(JSON.stringify({ ...qs, ...patch }));
    expect(valid(QsPreEntrustSignRequest, body)).toBe(false);
  });

  it('accepts out_contract_code of exactly 32 letters and digits', () => {
    expect(valid(QsPreEntrustSignRequest, { ...qs, out_contract_code: 'aZ09'.repeat(8) })).toBe(true);
  });
});

describe('query, params and terminate schemas', () => {
  it('EduQueryByUserQuery enforces contract_status, integer paging and no unknown keys', () => {
    expect(
      valid(EduQueryByUserQuery, {
        appid: 'wx1',
        plan_id: '1',
        contract_status: 'DELETE',
        offset: 0,
        limit: 20,
      }),
    ).toBe(true);
    expect(valid(EduQueryByUserQuery, { appid: 'wx1', plan_id: '1', contract_status: 'SIGNED' })).toBe(false);
    expect(valid(EduQueryByUserQuery, { appid: 'wx1', plan_id: '1', offset: -1 })).toBe(false);
    expect(valid(EduQueryByUserQuery, { appid: 'wx1' })).toBe(false);
    expect(valid(EduQueryByIdQuery, { appid: 'wx1', foo: 'x' })).toBe(false);
  });

  it('QsContractParams and QsTerminateRequest carry the documented constraints', () => {
    expect(valid(QsContractParams, { service_id: 12535, out_contract_code: 'QY1' })).toBe(true);
    expect(valid(QsContractParams, { service_id: 12535, out_contract_code: 'QY-1' })).toBe(false);
    expect(valid(QsTerminateRequest, { contract_termination_remark: '解约' })).toBe(true);
    expect(valid(QsTerminateRequest, { contract_termination_remark: 'x'.repeat(257) })).toBe(false);
    expect(valid(QsTerminateRequest, {})).toBe(false);
  });
});

describe('schemas share one validator instance', () => {
  it('every exported schema compiles in the same Ajv (no clashing $id, as in one Fastify app)', () => {
    const one = new Ajv({ strict: false });
    const all = [
      EduPresignRequest,
      EduQueryByIdQuery,
      EduQueryByUserQuery,
      QsContractParams,
      QsPreEntrustSignRequest,
      QsTerminateRequest,
      EduContract,
      EduContractList,
      QsContract,
    ];
    for (const schema of all) expect(() => one.compile(schema)).not.toThrow();
    for (const schema of all) expect(() => one.compile(schema)).not.toThrow();
  });
});

describe('operation descriptors', () => {
  it('percent-encode every path parameter', () => {
    expect(eduQueryByIdOperation.path('a/b c')).toBe('/v3/edu-papay/contracts/id/a%2Fb%20c');
    expect(eduQueryByUserOperation.path('o?x')).toBe('/v3/edu-papay/user/o%3Fx/contracts');
    expect(eduTerminateOperation.path('../x')).toBe('/v3/edu-papay/contracts/..%2Fx');
    expect(qsQueryByOutContractCodeOperation.path(1, 'QY1')).toBe(
      '/v3/password-exempt-contract/contracts/service-id/1/out-contract-code/QY1',
    );
    expect(qsTerminateOperation.method).toBe('POST');
    expect(eduTerminateOperation.method).toBe('DELETE');
  });

  it('routes are the path templates with :params', () => {
    expect(eduQueryByIdOperation.route).toBe('/v3/edu-papay/contracts/id/:contract_id');
    expect(qsTerminateOperation.route).toBe(
      '/v3/password-exempt-contract/contracts/service-id/:service_id/out-contract-code/:out_contract_code/terminate',
    );
  });
});

describe('hasFourByteChars', () => {
  it('flags emoji and CJK extension B but not BMP Chinese or full-width punctuation', () => {
    expect(hasFourByteChars('😀')).toBe(true);
    expect(hasFourByteChars('𠀀')).toBe(true);
    expect(hasFourByteChars('张三的会员账户（测试）')).toBe(false);
    expect(hasFourByteChars('')).toBe(false);
  });
});
