import { type Static, Type } from '@sinclair/typebox';
import { type Operation, str } from './common.ts';

/**
 * POST /v3/edu-papay/contracts/presign (contract-apis.md §1.1). Same path for direct merchants and
 * service providers; SP mode adds sub_mchid / sub_appid / sub_openid.
 */
export const EduPresignRequest = Type.Object(
  {
    appid: str(32),
    sub_mchid: Type.Optional(str(32)),
    sub_appid: Type.Optional(str(32)),
    openid: str(128),
    sub_openid: Type.Optional(str(128)),
    plan_id: str(32),
    user_id: str(32, { description: 'merchant-side account, shown on the signing page' }),
    // Day of month 1–28 only: debits recur monthly and must exist in every month.
    period_start_date: Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|1\\d|2[0-8])$' }),
    trade_scene: Type.Literal('EDUCATION_PERIOD'),
  },
  { additionalProperties: false },
);
export type EduPresignRequest = Static<typeof EduPresignRequest>;

/** presign_token length is opaque: the doc says 32, its own example is 42 characters. */
export const EduPresignResponse = Type.Object({ presign_token: Type.String({ minLength: 1 }) });
export type EduPresignResponse = Static<typeof EduPresignResponse>;

export const eduPresignOperation: Operation<[]> = {
  method: 'POST',
  route: '/v3/edu-papay/contracts/presign',
  path: () => '/v3/edu-papay/contracts/presign',
};
