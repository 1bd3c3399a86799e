import { type Static, Type } from '@sinclair/typebox';
import { type Operation, str } from './common.ts';

/*
 * Fields shared by every password-exempt (免密支付) pre-sign mode (contract-apis-next.md §2.2–2.3):
 * the merchant-side contract key, the service template, the notify URL and the name shown on the page.
 */

/** Merchant contract number: ASCII letters and digits only, never reusable (PE-N, PE-QS). */
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

/** The body fields every mode carries, whatever names its merchant and user ids have. */
export const passwordExemptPresignCommon = {
  service_id: ServiceId,
  out_contract_code: OutContractCode,
  notify_url: NotifyUrl,
  contract_display_account: str(32, { description: '签约用户的名称, shown on the signing page' }),
};

/** The answer of every mode; the service-provider answer adds `sub_mchid`. */
export const passwordExemptPresignAnswer = {
  pre_entrustweb_id: str(128),
  mchid: str(32),
  service_id: ServiceId,
  out_contract_code: OutContractCode,
  // Lengths of sign_mp_* are not documented (U2): any non-empty string.
  sign_mp_appid: Type.String({ minLength: 1 }),
  sign_mp_path: Type.String({ minLength: 1 }),
};

/** The answer of the normal and qs modes (no sub_mchid echo). */
export const PasswordExemptPresignResponse = Type.Object(passwordExemptPresignAnswer);
export type PasswordExemptPresignResponse = Static<typeof PasswordExemptPresignResponse>;

/** The pre-sign modes Qianyue serves (`ecommerce` is documented but out of scope). */
export const PASSWORD_EXEMPT_MODES = ['normal', 'service-provider', 'qs'] as const;
export type PasswordExemptMode = (typeof PASSWORD_EXEMPT_MODES)[number];

/** `…/contracts/{mode}/pre-entrust-sign/mini-program`: one path per mode, same shape. */
export const passwordExemptPresignPath = (mode: PasswordExemptMode): string =>
  `/v3/password-exempt-contract/contracts/${mode}/pre-entrust-sign/mini-program`;

/** A mode's pre-sign operation: a POST to its path, which has no parameters. */
export const passwordExemptPresignOperation = (mode: PasswordExemptMode): Operation<[]> => ({
  method: 'POST',
  route: passwordExemptPresignPath(mode),
  path: () => passwordExemptPresignPath(mode),
});
