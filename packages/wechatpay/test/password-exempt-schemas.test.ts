import { Value } from '@sinclair/typebox/value';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import {
  checkQsOpenidRule,
  checkServiceProviderOpenidRule,
  EduContractResource,
  EduPresignRequest,
  NormalPreEntrustSignRequest,
  NormalPreEntrustSignResponse,
  normalPreEntrustSignOperation,
  PASSWORD_EXEMPT_RESOURCE_OWNER_FIELDS,
  PasswordExemptContract,
  PasswordExemptContractParams,
  PasswordExemptContractResource,
  PasswordExemptTerminateRequest,
  PasswordExemptTerminateResponse,
  passwordExemptOwner,
  passwordExemptQueryOperation,
  passwordExemptTerminateOperation,
  QsPreEntrustSignRequest,
  QsPreEntrustSignResponse,
  qsPreEntrustSignOperation,
  ServiceProviderPreEntrustSignRequest,
  ServiceProviderPreEntrustSignResponse,
  serviceProviderPreEntrustSignOperation,
} from '../src/index.ts';

// Ajv configured like a Fastify server that reports unknown fields instead of stripping them.
const ajv = new Ajv({ allErrors: true, removeAdditional: false, coerceTypes: false, strict: false });
const valid = (schema: object, data: unknown) => ajv.validate(schema, data);
const without = (o: Record<string, unknown>, k: string) => {
  const { [k]: _drop, ...rest } = o;
  return rest;
};

// The documented example values (contract-apis-next.md §2.2 "Example" column, PE-N / PE-SP / PE-QS).
const common = {
  service_id: 12535,
  out_contract_code: 'wxwtdk20200910100000',
  notify_url: 'https://yourapp.com/notify',
  contract_display_account: '微信代扣用户A',
};
const normal = { appid: 'wxd678efh567hg6787', openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o', ...common };
const sp = {
  sp_appid: 'wxd678efh567hg6787',
  sub_mchid: '1900000109',
  sub_appid: 'wxd678efh567hg6787',
  sp_openid: 'oYobu0MVnQfWpSMOYJz2AHPG_gQw',
  sub_openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
  ...common,
};
const qsWithSubOpenid = {
  appid: 'wxd678efh567hg6787',
  sub_appid: 'wx8888888888888888',
  sub_mchid: '1900000109',
  sub_openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
  ...common,
};
// §2.3 answer examples.
const answer = {
  pre_entrustweb_id: '5778aadY9nltAsZzXixCkFIGYnV2V',
  mchid: '1900000109',
  service_id: 12535,
  out_contract_code: 'wxwtdk20200910100000',
  sign_mp_appid: 'wxbd687630cd02ce1d',
  sign_mp_path: 'pages/PwdExemptContract/index',
};

const commonViolations: Array<[string, Record<string, unknown>]> = [
  ['service_id as a string', { service_id: '12535' }],
  ['service_id 0', { service_id: 0 }],
  ['out_contract_code with a dash', { out_contract_code: 'QY-1' }],
  ['out_contract_code longer than 32', { out_contract_code: 'A'.repeat(33) }],
  ['http notify_url', { notify_url: 'http://yourapp.com/notify' }],
  ['notify_url with a query', { notify_url: 'https://yourapp.com/notify?a=1' }],
  ['notify_url longer than 256', { notify_url: `https://m.example.com/${'a'.repeat(240)}` }],
  ['contract_display_account longer than 32', { contract_display_account: '账'.repeat(33) }],
  ['empty contract_display_account', { contract_display_account: '' }],
  ['an unknown field', { plan_id: '1' }],
];

describe('password-exempt normal (direct merchant) pre-sign', () => {
  it('accepts the documented body (Ajv and TypeBox agree) and posts to the normal path', () => {
    expect(valid(NormalPreEntrustSignRequest, normal)).toBe(true);
    expect(Value.Check(NormalPreEntrustSignRequest, normal)).toBe(true);
    expect(normalPreEntrustSignOperation.path()).toBe(
      '/v3/password-exempt-contract/contracts/normal/pre-entrust-sign/mini-program',
    );
    expect(valid(NormalPreEntrustSignResponse, answer)).toBe(true);
  });

  it.each(['appid', 'openid', 'service_id', 'out_contract_code', 'notify_url', 'contract_display_account'])(
    'requires %s (every field is 必填 on PE-N)',
    (field) => expect(valid(NormalPreEntrustSignRequest, without(normal, field))).toBe(false),
  );

  it.each([
    ...commonViolations,
    ['appid longer than 32', { appid: 'w'.repeat(33) }],
    ['openid longer than 128', { openid: 'o'.repeat(129) }],
    ['the QS sub_appid', { sub_appid: 'wx8888888888888888' }],
    ['the SP name sp_openid', { sp_openid: 'oX' }],
  ])('rejects %s', (_name, patch) => {
    const body = { ...normal, ...patch };
    expect(valid(NormalPreEntrustSignRequest, body)).toBe(false);
    expect(Value.Check(NormalPreEntrustSignRequest, body)).toBe(false);
  });
});

describe('password-exempt service-provider pre-sign', () => {
  it('accepts the documented body with sp_openid, sub_openid, or both', () => {
    for (const body of [sp, without(sp, 'sub_openid'), without(sp, 'sp_openid')]) {
      expect(valid(ServiceProviderPreEntrustSignRequest, body)).toBe(true);
      expect(Value.Check(ServiceProviderPreEntrustSignRequest, body)).toBe(true);
      expect(checkServiceProviderOpenidRule(body)).toBe(true);
    }
    expect(serviceProviderPreEntrustSignOperation.path()).toBe(
      '/v3/password-exempt-contract/contracts/service-provider/pre-entrust-sign/mini-program',
    );
  });

  it('leaves the UNCONFIRMED one-of rule (U1) to checkServiceProviderOpenidRule, as loose as the docs', () => {
    const neither = without(without(sp, 'sp_openid'), 'sub_openid');
    expect(valid(ServiceProviderPreEntrustSignRequest, neither)).toBe(true);
    expect(checkServiceProviderOpenidRule(neither)).toBe(false);
  });

  it.each(['sp_appid', 'sub_mchid', 'sub_appid', 'service_id', 'out_contract_code', 'notify_url'])(
    'requires %s',
    (field) => expect(valid(ServiceProviderPreEntrustSignRequest, without(sp, field))).toBe(false),
  );

  it.each([
    ...commonViolations,
    ['the direct-mode name appid', { appid: 'wxd678efh567hg6787' }],
    ['the direct-mode name openid', { openid: 'oX' }],
    ['sub_mchid longer than 32', { sub_mchid: '1'.repeat(33) }],
  ])('rejects %s', (_name, patch) => {
    expect(valid(ServiceProviderPreEntrustSignRequest, { ...sp, ...patch })).toBe(false);
  });

  it('its answer echoes sub_mchid (required), unlike the normal and qs answers', () => {
    const spAnswer = { ...answer, sub_mchid: '1900000109' };
    expect(valid(ServiceProviderPreEntrustSignResponse, spAnswer)).toBe(true);
    expect(valid(ServiceProviderPreEntrustSignResponse, answer)).toBe(false);
    expect(Value.Check(ServiceProviderPreEntrustSignResponse, spAnswer)).toBe(true);
  });
});

describe('password-exempt qs pre-sign with the sub-merchant mini-program', () => {
  it('accepts sub_appid + sub_openid without openid (the mini-program is the sub-merchant’s)', () => {
    expect(valid(QsPreEntrustSignRequest, qsWithSubOpenid)).toBe(true);
    expect(checkQsOpenidRule(qsWithSubOpenid)).toBe(true);
    expect(qsPreEntrustSignOperation.path()).toBe(
      '/v3/password-exempt-contract/contracts/qs/pre-entrust-sign/mini-program',
    );
    expect(valid(QsPreEntrustSignResponse, answer)).toBe(true);
  });

  it('rejects neither openid nor sub_openid, and a sub_openid over 128', () => {
    expect(valid(QsPreEntrustSignRequest, without(qsWithSubOpenid, 'sub_openid'))).toBe(false);
    expect(checkQsOpenidRule(without(qsWithSubOpenid, 'sub_openid'))).toBe(false);
    expect(valid(QsPreEntrustSignRequest, { ...qsWithSubOpenid, sub_openid: 'o'.repeat(129) })).toBe(false);
  });
});

describe('edu-papay pre-sign as a service provider', () => {
  it('accepts sub_mchid + sub_appid + sub_openid beside appid + openid (EDU-P partner)', () => {
    const body = {
      appid: 'wxd678efh567hg6787',
      sub_mchid: '1900000109',
      sub_appid: 'wx8888888888888888',
      openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
      sub_openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
      plan_id: '101164396123311331',
      user_id: 'QY000123',
      period_start_date: '2025-08-28',
      trade_scene: 'EDUCATION_PERIOD',
    };
    expect(valid(EduPresignRequest, body)).toBe(true);
    expect(valid(EduPresignRequest, { ...body, sub_appid: 'w'.repeat(33) })).toBe(false);
    expect(valid(EduPresignRequest, { ...body, sub_openid: 'o'.repeat(129) })).toBe(false);
    expect(valid(EduPresignRequest, { ...body, sub_mchid: '' })).toBe(false);
  });
});

describe('shared query / terminate (every mode, one path)', () => {
  it('keeps one path for all modes, with path parameters only', () => {
    expect(passwordExemptQueryOperation.path(12535, 'wxwtdk20200910100000')).toBe(
      '/v3/password-exempt-contract/contracts/service-id/12535/out-contract-code/wxwtdk20200910100000',
    );
    expect(passwordExemptTerminateOperation.path(12535, 'A1')).toBe(
      '/v3/password-exempt-contract/contracts/service-id/12535/out-contract-code/A1/terminate',
    );
    expect(valid(PasswordExemptContractParams, { service_id: 12535, out_contract_code: 'A1' })).toBe(true);
    expect(valid(PasswordExemptContractParams, { service_id: '12535', out_contract_code: 'A1' })).toBe(false);
  });

  it('accepts the documented contract object and terminate bodies (§2.8–2.9)', () => {
    const contract = {
      mchid: '1900000109',
      contract_id: '123124412412423431',
      appid: 'wxd678efh567hg6787',
      openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
      service_id: 12535,
      out_contract_code: 'wxwtdk20200910100000',
      contract_display_account: '微信代扣用户A',
      contract_state: 'SIGNED',
      contract_signed_time: '2020-09-10T13:29:35+08:00',
      contract_terminate_info: {
        contract_termination_mode: 'USER_TERMINATE',
        contract_terminated_time: '2020-10-10T13:29:35+08:00',
        contract_termination_remark: '用户解约',
      },
    };
    expect(valid(PasswordExemptContract, contract)).toBe(true);
    expect(valid(PasswordExemptContract, without(contract, 'contract_id'))).toBe(false);
    expect(valid(PasswordExemptTerminateRequest, { contract_termination_remark: '用户解约' })).toBe(true);
    expect(valid(PasswordExemptTerminateRequest, { contract_termination_remark: 'x'.repeat(257) })).toBe(
      false,
    );
    expect(
      valid(PasswordExemptTerminateResponse, {
        mchid: '1900000109',
        service_id: 12535,
        out_contract_code: 'wxwtdk20200910100000',
      }),
    ).toBe(true);
  });
});

describe('notification resources', () => {
  it('password-exempt: accepts either naming and requires only out_contract_code', () => {
    const direct = { mchid: '1900000109', appid: 'wxA', openid: 'oA', out_contract_code: 'A1' };
    const partner = {
      sp_mchid: '1900000109',
      sp_appid: 'wxSP',
      sub_mchid: '1900000209',
      sub_appid: 'wxSUB',
      sub_openid: 'oSUB',
      out_contract_code: 'A1',
      contract_state: 'SIGNED',
    };
    expect(Value.Check(PasswordExemptContractResource, direct)).toBe(true);
    expect(Value.Check(PasswordExemptContractResource, partner)).toBe(true);
    expect(Value.Check(PasswordExemptContractResource, { out_contract_code: 'A1' })).toBe(true);
    expect(Value.Check(PasswordExemptContractResource, { mchid: '1900000109' })).toBe(false);
    expect(Value.Check(PasswordExemptContractResource, { out_contract_code: 'A1', service_id: '1' })).toBe(
      false,
    );
  });

  it('passwordExemptOwner folds the sp_* naming into one owner and treats empty as absent', () => {
    expect(
      passwordExemptOwner({
        sp_mchid: '1900000109',
        sp_appid: 'wxSP',
        sp_openid: '',
        sub_mchid: '1900000209',
        sub_appid: 'wxSUB',
        sub_openid: 'oSUB',
        out_contract_code: 'A1',
      }),
    ).toEqual({
      mchid: '1900000109',
      appid: 'wxSP',
      subMchid: '1900000209',
      subAppid: 'wxSUB',
      subOpenid: 'oSUB',
    });
    expect(passwordExemptOwner({ out_contract_code: 'A1' })).toEqual({});
  });

  it('names, per mode, which owner fields the notification is assumed to carry', () => {
    expect(PASSWORD_EXEMPT_RESOURCE_OWNER_FIELDS.normal).toEqual(['mchid', 'appid', 'openid']);
    expect(PASSWORD_EXEMPT_RESOURCE_OWNER_FIELDS['service-provider']).toContain('sp_mchid');
    expect(PASSWORD_EXEMPT_RESOURCE_OWNER_FIELDS.qs).toContain('sub_openid');
  });

  it('edu: the SP resource (sub_mchid, sub_appid, sub_openid) and the direct one both pass', () => {
    const info = { contract_id: 'C1', contract_status: 'ADD', create_time: '2020-03-26T10:43:39+08:00' };
    const direct = {
      sp_mchid: '1900000109',
      appid: 'wxA',
      openid: 'oA',
      plan_id: '1',
      contract_information: info,
    };
    const partner = { ...direct, sub_mchid: '1900000209', sub_appid: 'wxSUB', sub_openid: 'oSUB' };
    expect(Value.Check(EduContractResource, direct)).toBe(true);
    expect(Value.Check(EduContractResource, partner)).toBe(true);
    expect(Value.Check(EduContractResource, { ...direct, plan_id: 1 })).toBe(false);
    expect(
      Value.Check(EduContractResource, {
        ...direct,
        contract_information: { ...info, contract_status: 'X' },
      }),
    ).toBe(false);
  });
});
