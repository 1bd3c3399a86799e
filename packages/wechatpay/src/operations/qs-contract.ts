import { type Static, Type } from '@sinclair/typebox';
import { DateTime, enc, type Operation, str } from './common.ts';
import { OutContractCode, ServiceId } from './qs-pre-entrust-sign.ts';

/**
 * contract_state: `SIGNED` is documented, the rest of the enum is UNCONFIRMED (contract-apis.md §2.3),
 * so it stays a string. Known values are listed for readers, not enforced.
 */
export const QS_CONTRACT_STATES = ['SIGNED', 'TERMINATED'] as const;

export const QsContractTerminateInfo = Type.Object({
  contract_termination_mode: Type.String({ minLength: 1 }),
  contract_terminated_time: Type.Optional(DateTime),
  contract_termination_remark: Type.Optional(Type.String({ maxLength: 256 })),
});

/** GET …/service-id/{service_id}/out-contract-code/{out_contract_code} answer. Answers may gain fields. */
export const QsContract = Type.Object({
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
  contract_terminate_info: Type.Optional(QsContractTerminateInfo),
});
export type QsContract = Static<typeof QsContract>;

/** Path parameters of query/terminate, for the sandbox's route validation. */
export const QsContractParams = Type.Object(
  { service_id: ServiceId, out_contract_code: OutContractCode },
  { additionalProperties: false },
);
export type QsContractParams = Static<typeof QsContractParams>;

export const QsTerminateRequest = Type.Object(
  { contract_termination_remark: str(256) },
  { additionalProperties: false },
);
export type QsTerminateRequest = Static<typeof QsTerminateRequest>;

export const QsTerminateResponse = Type.Object({
  mchid: str(32),
  service_id: ServiceId,
  out_contract_code: OutContractCode,
});
export type QsTerminateResponse = Static<typeof QsTerminateResponse>;

const base = '/v3/password-exempt-contract/contracts/service-id';

export const qsQueryByOutContractCodeOperation: Operation<[serviceId: number, outContractCode: string]> = {
  method: 'GET',
  route: `${base}/:service_id/out-contract-code/:out_contract_code`,
  path: (serviceId, code) => `${base}/${enc(String(serviceId))}/out-contract-code/${enc(code)}`,
};

export const qsTerminateOperation: Operation<[serviceId: number, outContractCode: string]> = {
  method: 'POST',
  route: `${base}/:service_id/out-contract-code/:out_contract_code/terminate`,
  path: (serviceId, code) => `${base}/${enc(String(serviceId))}/out-contract-code/${enc(code)}/terminate`,
};
