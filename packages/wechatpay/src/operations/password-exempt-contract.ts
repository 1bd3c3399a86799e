import { type Static, Type } from '@sinclair/typebox';
import { DateTime, enc, type Operation, str } from './common.ts';
import { OutContractCode, ServiceId } from './password-exempt-fields.ts';

/*
 * Query and terminate by out_contract_code: ONE path for every password-exempt mode (direct, service
 * provider, QS, e-commerce), path parameters only, no sub_mchid (PE-Q, PE-T; contract-apis-next.md §2.7–2.9).
 */

/**
 * contract_state: `SIGNED` is documented, the rest of the enum is UNCONFIRMED (U7), so it stays a string.
 * Known values (the 委托代扣 v3 enum) are listed for readers, not enforced.
 */
export const PASSWORD_EXEMPT_CONTRACT_STATES = [
  'SIGNED',
  'TERMINATED',
  'SIGN_FAILED',
  'TO_BE_RENEWED',
  'TERMINATE_PENDING',
] as const;

export const PasswordExemptTerminateInfo = Type.Object({
  // Only `USER_TERMINATE` is documented (U8): kept raw.
  contract_termination_mode: Type.String({ minLength: 1 }),
  contract_terminated_time: Type.Optional(DateTime),
  contract_termination_remark: Type.Optional(Type.String({ maxLength: 256 })),
});
export type PasswordExemptTerminateInfo = Static<typeof PasswordExemptTerminateInfo>;

/**
 * The contract object (§2.9). openid is string(64) in the answer (the pre-sign allows 128; 128 is kept so an
 * id we were allowed to send is never refused on the way back). No sp_* or sub_mchid field in any mode.
 * Answers may gain fields, so extra properties are allowed.
 */
export const PasswordExemptContract = Type.Object({
  mchid: str(32),
  contract_id: str(32),
  appid: str(32),
  openid: Type.String({ maxLength: 128 }),
  sub_appid: Type.Optional(Type.String({ maxLength: 32 })),
  sub_openid: Type.Optional(Type.String({ maxLength: 128 })),
  service_id: ServiceId,
  out_contract_code: OutContractCode,
  contract_display_account: Type.Optional(Type.String({ maxLength: 32 })),
  contract_state: Type.String({ minLength: 1 }),
  contract_signed_time: DateTime,
  contract_terminate_info: Type.Optional(PasswordExemptTerminateInfo),
});
export type PasswordExemptContract = Static<typeof PasswordExemptContract>;

/** Path parameters of query/terminate, for the sandbox's route validation. */
export const PasswordExemptContractParams = Type.Object(
  { service_id: ServiceId, out_contract_code: OutContractCode },
  { additionalProperties: false },
);
export type PasswordExemptContractParams = Static<typeof PasswordExemptContractParams>;

export const PasswordExemptTerminateRequest = Type.Object(
  { contract_termination_remark: str(256) },
  { additionalProperties: false },
);
export type PasswordExemptTerminateRequest = Static<typeof PasswordExemptTerminateRequest>;

export const PasswordExemptTerminateResponse = Type.Object({
  mchid: str(32),
  service_id: ServiceId,
  out_contract_code: OutContractCode,
});
export type PasswordExemptTerminateResponse = Static<typeof PasswordExemptTerminateResponse>;

const base = '/v3/password-exempt-contract/contracts/service-id';

export const passwordExemptQueryOperation: Operation<[serviceId: number, outContractCode: string]> = {
  method: 'GET',
  route: `${base}/:service_id/out-contract-code/:out_contract_code`,
  path: (serviceId, code) => `${base}/${enc(String(serviceId))}/out-contract-code/${enc(code)}`,
};

export const passwordExemptTerminateOperation: Operation<[serviceId: number, outContractCode: string]> = {
  method: 'POST',
  route: `${base}/:service_id/out-contract-code/:out_contract_code/terminate`,
  path: (serviceId, code) => `${base}/${enc(String(serviceId))}/out-contract-code/${enc(code)}/terminate`,
};
