import { type Static, Type } from '@sinclair/typebox';
import { str } from './common.ts';
import {
  PasswordExemptPresignResponse,
  passwordExemptPresignCommon,
  passwordExemptPresignOperation,
} from './password-exempt-fields.ts';

/**
 * POST /v3/password-exempt-contract/contracts/normal/pre-entrust-sign/mini-program (PE-N,
 * contract-apis-next.md §2.2): a direct merchant; `appid` is its own AppID and `openid` (required) the user's
 * openid under it. Every field is 必填 on that page.
 */
export const NormalPreEntrustSignRequest = Type.Object(
  {
    appid: str(32),
    openid: str(128),
    ...passwordExemptPresignCommon,
  },
  { additionalProperties: false },
);
export type NormalPreEntrustSignRequest = Static<typeof NormalPreEntrustSignRequest>;

export const NormalPreEntrustSignResponse = PasswordExemptPresignResponse;
export type NormalPreEntrustSignResponse = Static<typeof NormalPreEntrustSignResponse>;

export const normalPreEntrustSignOperation = passwordExemptPresignOperation('normal');
