import { type Static, Type } from '@sinclair/typebox';
import { DateTime } from './common.ts';
import { EduContractInformation } from './edu-papay-contract.ts';
import { PasswordExemptTerminateInfo } from './password-exempt-contract.ts';
import type { PasswordExemptMode } from './password-exempt-fields.ts';

/**
 * Decrypted `resource` of edu-papay ENTRUST.SIGNING / ENTRUST.RELEASE (contract-apis.md §1.6,
 * contract-apis-next.md §4). Direct mode: sub_* absent or empty. Service-provider mode: sub_mchid, and
 * sub_appid + sub_openid when the mini-program is the sub-merchant's. sp_mchid is documented by one source
 * only (SKIT's debit model names the owner `mchid`), so both are optional: read `sp_mchid ?? mchid`.
 */
export const EduContractResource = Type.Object({
  sp_mchid: Type.Optional(Type.String()),
  mchid: Type.Optional(Type.String()),
  sub_mchid: Type.Optional(Type.String()),
  appid: Type.String(),
  sub_appid: Type.Optional(Type.String()),
  openid: Type.Optional(Type.String()),
  sub_openid: Type.Optional(Type.String()),
  plan_id: Type.Optional(Type.String()),
  contract_information: EduContractInformation,
});
export type EduContractResource = Static<typeof EduContractResource>;

/**
 * Decrypted resource of the password-exempt contract events, for every mode. Schema UNCONFIRMED
 * (contract-apis-next.md §3, U12): modelled on the query answer (§2.9) and on the 委托代扣 partner naming.
 * A genuine payload may carry either naming, so every owner field is optional (never refuse a genuine
 * notification for a field it does not carry: WeChat would retry it for 24 h). Only out_contract_code is
 * required: without it the notification names no contract. Re-query for the authoritative state.
 */
export const PasswordExemptContractResource = Type.Object({
  mchid: Type.Optional(Type.String()),
  sp_mchid: Type.Optional(Type.String()),
  sub_mchid: Type.Optional(Type.String()),
  appid: Type.Optional(Type.String()),
  sp_appid: Type.Optional(Type.String()),
  sub_appid: Type.Optional(Type.String()),
  openid: Type.Optional(Type.String()),
  sp_openid: Type.Optional(Type.String()),
  sub_openid: Type.Optional(Type.String()),
  service_id: Type.Optional(Type.Integer()),
  contract_id: Type.Optional(Type.String()),
  out_contract_code: Type.String({ minLength: 1 }),
  contract_display_account: Type.Optional(Type.String()),
  contract_state: Type.Optional(Type.String()),
  contract_signed_time: Type.Optional(DateTime),
  contract_expired_time: Type.Optional(DateTime),
  contract_terminate_info: Type.Optional(PasswordExemptTerminateInfo),
});
export type PasswordExemptContractResource = Static<typeof PasswordExemptContractResource>;

/** The owner of a password-exempt resource read under both namings (absent = the payload did not say). */
export interface PasswordExemptOwner {
  /** `mchid` (query naming) or `sp_mchid` (partner naming): the caller's merchant number. */
  mchid?: string;
  subMchid?: string;
  /** `appid` or `sp_appid`: the caller's AppID. */
  appid?: string;
  subAppid?: string;
  /** `openid` or `sp_openid`: the user under `appid`. */
  openid?: string;
  subOpenid?: string;
}

const present = (...vs: Array<string | undefined>): string | undefined =>
  vs.find((v) => v !== undefined && v !== '');

/** Folds the two namings into one owner; empty strings count as absent (direct-mode sub_* are empty). */
export function passwordExemptOwner(r: PasswordExemptContractResource): PasswordExemptOwner {
  const o: PasswordExemptOwner = {};
  const set = (k: keyof PasswordExemptOwner, v: string | undefined) => {
    if (v !== undefined) o[k] = v;
  };
  set('mchid', present(r.mchid, r.sp_mchid));
  set('subMchid', present(r.sub_mchid));
  set('appid', present(r.appid, r.sp_appid));
  set('subAppid', present(r.sub_appid));
  set('openid', present(r.openid, r.sp_openid));
  set('subOpenid', present(r.sub_openid));
  return o;
}

/**
 * The owner fields each mode's notification is ASSUMED to carry (U12; what the sandbox sends): normal and
 * qs use the query answer's naming, service-provider the 委托代扣 partner naming. A reader must not require
 * them (see PasswordExemptContractResource); they say what may be compared when present.
 */
export const PASSWORD_EXEMPT_RESOURCE_OWNER_FIELDS: Readonly<
  Record<PasswordExemptMode, readonly (keyof PasswordExemptContractResource)[]>
> = Object.freeze({
  normal: ['mchid', 'appid', 'openid'],
  'service-provider': ['sp_mchid', 'sub_mchid', 'sp_appid', 'sub_appid', 'sp_openid', 'sub_openid'],
  // sub_mchid is a "maybe" for qs (contract-apis-next.md §3); the sandbox sends it.
  qs: ['mchid', 'sub_mchid', 'appid', 'sub_appid', 'openid', 'sub_openid'],
});
