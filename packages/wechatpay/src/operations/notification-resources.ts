import { type Static, Type } from '@sinclair/typebox';
import { DateTime } from './common.ts';
import { EduContractInformation } from './edu-papay-contract.ts';
import { QsContractTerminateInfo } from './qs-contract.ts';

/**
 * Decrypted `resource` of edu-papay ENTRUST.SIGNING / ENTRUST.RELEASE (contract-apis.md §1.6).
 * sp_mchid is documented by one source only, so it is optional here.
 */
export const EduContractResource = Type.Object({
  sp_mchid: Type.Optional(Type.String()),
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
 * Decrypted resource of the password-exempt contract events. Schema UNCONFIRMED (contract-apis.md §2.5):
 * modelled on the 委托代扣 analogue with service_id instead of plan_id; re-query for authoritative state.
 */
export const QsContractResource = Type.Object({
  mchid: Type.Optional(Type.String()),
  sp_mchid: Type.Optional(Type.String()),
  sub_mchid: Type.Optional(Type.String()),
  appid: Type.Optional(Type.String()),
  sub_appid: Type.Optional(Type.String()),
  openid: Type.Optional(Type.String()),
  sub_openid: Type.Optional(Type.String()),
  service_id: Type.Optional(Type.Integer()),
  contract_id: Type.Optional(Type.String()),
  out_contract_code: Type.String(),
  contract_display_account: Type.Optional(Type.String()),
  contract_state: Type.String(),
  contract_signed_time: Type.Optional(DateTime),
  contract_expired_time: Type.Optional(DateTime),
  contract_terminate_info: Type.Optional(QsContractTerminateInfo),
});
export type QsContractResource = Static<typeof QsContractResource>;
