import { type Static, Type } from '@sinclair/typebox';
import { str } from './common.ts';
import {
  PasswordExemptPresignResponse,
  passwordExemptPresignCommon,
  passwordExemptPresignOperation,
} from './password-exempt-fields.ts';

const qsPreEntrustSignObject = Type.Object(
  {
    appid: str(32),
    sub_appid: str(32),
    sub_mchid: str(32),
    // openid is the user under `appid` (the institution's), sub_openid the user under `sub_appid`.
    openid: Type.Optional(str(128)),
    sub_openid: Type.Optional(str(128)),
    ...passwordExemptPresignCommon,
  },
  {
    additionalProperties: false,
    // 二选一必填: at least one of openid / sub_openid. Both at once is UNCONFIRMED (U3): the published
    // examples send both, so it is accepted.
    anyOf: [{ required: ['openid'] }, { required: ['sub_openid'] }],
  },
);

/**
 * POST /v3/password-exempt-contract/contracts/qs/pre-entrust-sign/mini-program (PE-QS).
 * The one-of rule is the schema's `anyOf` (Ajv/Fastify enforce it); TypeBox's own Value.Check ignores
 * unknown keywords, so use `checkQsOpenidRule` too when validating with TypeBox alone.
 */
export const QsPreEntrustSignRequest = qsPreEntrustSignObject;
type QsBase = Omit<Static<typeof qsPreEntrustSignObject>, 'openid' | 'sub_openid'>;
/** The static type carries the one-of rule: the mini-program is the institution's, or the sub-merchant's. */
export type QsPreEntrustSignRequest = QsBase &
  ({ openid: string; sub_openid?: string } | { openid?: string; sub_openid: string });

/** The openid/sub_openid one-of rule on its own, for validators that skip `anyOf` at object level. */
export function checkQsOpenidRule(body: object): boolean {
  const b = body as { openid?: unknown; sub_openid?: unknown };
  return typeof b.openid === 'string' || typeof b.sub_openid === 'string';
}

/** The QS answer does not echo sub_mchid (unlike the service-provider answer). */
export const QsPreEntrustSignResponse = PasswordExemptPresignResponse;
export type QsPreEntrustSignResponse = Static<typeof QsPreEntrustSignResponse>;

export const qsPreEntrustSignOperation = passwordExemptPresignOperation('qs');
