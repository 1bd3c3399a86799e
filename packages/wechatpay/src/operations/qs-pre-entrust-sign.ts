import { type Static, Type } from '@sinclair/typebox';
import { type Operation, str } from './common.ts';

/** Merchant contract number: ASCII letters and digits only, never reusable (contract-apis.md §2.1). */
export const OUT_CONTRACT_CODE_PATTERN = '^[0-9A-Za-z]{1,32}$';
export const OutContractCode = Type.String({
  minLength: 1,
  maxLength: 32,
  pattern: OUT_CONTRACT_CODE_PATTERN,
});

/** Password-exempt service template id: a JSON integer, not a string. */
export const ServiceId = Type.Integer({ minimum: 1 });

/** HTTPS, ≤256 chars, no query string and no fragment (WeChat appends nothing and accepts none). */
export const NotifyUrl = Type.String({ minLength: 9, maxLength: 256, pattern: '^https://[^\\s?#]+$' });

const qsPreEntrustSignObject = Type.Object(
  {
    appid: str(32),
    sub_appid: str(32),
    sub_mchid: str(32),
    service_id: ServiceId,
    out_contract_code: OutContractCode,
    notify_url: NotifyUrl,
    contract_display_account: str(32),
    openid: Type.Optional(str(128)),
    sub_openid: Type.Optional(str(128)),
  },
  {
    additionalProperties: false,
    // 二选一必填: at least one of openid / sub_openid (both are accepted).
    anyOf: [{ required: ['openid'] }, { required: ['sub_openid'] }],
  },
);

/**
 * POST /v3/password-exempt-contract/contracts/qs/pre-entrust-sign/mini-program.
 * The one-of rule is the schema's `anyOf` (Ajv/Fastify enforce it); TypeBox's own Value.Check ignores
 * unknown keywords, so use `checkQsOpenidRule` too when validating with TypeBox alone.
 */
export const QsPreEntrustSignRequest = qsPreEntrustSignObject;
export type QsPreEntrustSignRequest = Static<typeof qsPreEntrustSignObject> &
  ({ openid: string } | { sub_openid: string });

/** The openid/sub_openid one-of rule on its own, for validators that skip `anyOf` at object level. */
export function checkQsOpenidRule(body: object): boolean {
  const b = body as { openid?: unknown; sub_openid?: unknown };
  return typeof b.openid === 'string' || typeof b.sub_openid === 'string';
}

export const QsPreEntrustSignResponse = Type.Object({
  pre_entrustweb_id: str(128),
  mchid: str(32),
  service_id: ServiceId,
  out_contract_code: OutContractCode,
  sign_mp_appid: Type.String({ minLength: 1 }),
  sign_mp_path: Type.String({ minLength: 1 }),
});
export type QsPreEntrustSignResponse = Static<typeof QsPreEntrustSignResponse>;

export const qsPreEntrustSignOperation: Operation<[]> = {
  method: 'POST',
  route: '/v3/password-exempt-contract/contracts/qs/pre-entrust-sign/mini-program',
  path: () => '/v3/password-exempt-contract/contracts/qs/pre-entrust-sign/mini-program',
};
