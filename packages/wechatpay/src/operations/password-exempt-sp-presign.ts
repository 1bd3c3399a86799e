import { type Static, Type } from '@sinclair/typebox';
import { str } from './common.ts';
import {
  passwordExemptPresignAnswer,
  passwordExemptPresignCommon,
  passwordExemptPresignOperation,
} from './password-exempt-fields.ts';

/**
 * POST /v3/password-exempt-contract/contracts/service-provider/pre-entrust-sign/mini-program (PE-SP,
 * contract-apis-next.md §2.2). Required: sp_appid, sub_mchid, sub_appid + the common fields. Naming trap:
 * the SP's own ids are `sp_appid`/`sp_openid`, not `appid`/`openid`.
 *
 * UNCONFIRMED (U1): whether one of sp_openid/sub_openid is required. The docs mark both optional, so the
 * schema does too (as loose as the docs); `checkServiceProviderOpenidRule` is the inferred one-of rule
 * (as in QS and the 委托代扣 partner pre-sign) for validators that want it.
 * UNCONFIRMED (U2): SP field lengths are not published; the QS/normal lengths are used.
 */
export const ServiceProviderPreEntrustSignRequest = Type.Object(
  {
    sp_appid: str(32),
    sub_mchid: str(32),
    sub_appid: str(32),
    sp_openid: Type.Optional(str(128)),
    sub_openid: Type.Optional(str(128)),
    ...passwordExemptPresignCommon,
  },
  { additionalProperties: false },
);
export type ServiceProviderPreEntrustSignRequest = Static<typeof ServiceProviderPreEntrustSignRequest>;

/** The inferred (U1) one-of rule: at least one of sp_openid / sub_openid. */
export function checkServiceProviderOpenidRule(body: object): boolean {
  const b = body as { sp_openid?: unknown; sub_openid?: unknown };
  return typeof b.sp_openid === 'string' || typeof b.sub_openid === 'string';
}

/** The SP answer echoes `sub_mchid` besides the common fields (OA required list, SKIT sample). */
export const ServiceProviderPreEntrustSignResponse = Type.Object({
  ...passwordExemptPresignAnswer,
  sub_mchid: Type.String({ minLength: 1, maxLength: 32 }),
});
export type ServiceProviderPreEntrustSignResponse = Static<typeof ServiceProviderPreEntrustSignResponse>;

export const serviceProviderPreEntrustSignOperation = passwordExemptPresignOperation('service-provider');
