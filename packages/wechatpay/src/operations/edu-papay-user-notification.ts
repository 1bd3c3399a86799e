import { type Static, Type } from '@sinclair/typebox';
import { enc, type Operation, str } from './common.ts';

/**
 * POST /v3/edu-papay/user-notifications/{contract_id}/send — the pre-debit notice (发送扣款预通知), 204 and no
 * body. WeChat sends its own template message; the body carries no amount or date. A debit is allowed only
 * after a notice succeeded 1–3 calendar days before it (contract-apis.md §1.7; window details UNCONFIRMED).
 */
export const EduUserNotificationRequest = Type.Object(
  {
    appid: str(32),
    sub_mchid: Type.Optional(str(32)),
    sub_appid: Type.Optional(str(32)),
  },
  { additionalProperties: false },
);
export type EduUserNotificationRequest = Static<typeof EduUserNotificationRequest>;

export const eduSendUserNotificationOperation: Operation<[contractId: string]> = {
  method: 'POST',
  route: '/v3/edu-papay/user-notifications/:contract_id/send',
  path: (contractId) => `/v3/edu-papay/user-notifications/${enc(contractId)}/send`,
};
