import { type Static, Type } from '@sinclair/typebox';
import { DateTime, enc, type Operation, str } from './common.ts';

/** `ADD` = signed, `DELETE` = terminated (the edu vocabulary; never mix with password-exempt's). */
export const EduContractStatus = Type.Union([Type.Literal('ADD'), Type.Literal('DELETE')]);
export type EduContractStatus = Static<typeof EduContractStatus>;

export const EduContractInformation = Type.Object({
  contract_id: str(32),
  contract_status: EduContractStatus,
  create_time: DateTime,
});

/**
 * The shared contract object of query-by-id, query-by-user and the ENTRUST.* notifications
 * (contract-apis.md §1.3, §1.6). Answers may gain fields, so extra properties are allowed here.
 */
export const EduContract = Type.Object({
  sp_mchid: str(32),
  appid: str(32),
  sub_mchid: Type.Optional(Type.String({ maxLength: 32 })),
  sub_appid: Type.Optional(Type.String({ maxLength: 32 })),
  openid: Type.Optional(Type.String({ maxLength: 128 })),
  sub_openid: Type.Optional(Type.String({ maxLength: 128 })),
  plan_id: Type.Optional(Type.String({ maxLength: 32 })),
  contract_information: EduContractInformation,
});
export type EduContract = Static<typeof EduContract>;

export const EduContractList = Type.Object({
  data: Type.Optional(Type.Array(EduContract)),
  total_count: Type.Integer({ minimum: 0 }),
  offset: Type.Integer({ minimum: 0 }),
  limit: Type.Integer({ minimum: 0 }),
});
export type EduContractList = Static<typeof EduContractList>;

/** Path parameters, for the sandbox's route validation. */
export const EduContractIdParams = Type.Object({ contract_id: str(32) }, { additionalProperties: false });
export type EduContractIdParams = Static<typeof EduContractIdParams>;
export const EduUserParams = Type.Object({ openid: str(128) }, { additionalProperties: false });
export type EduUserParams = Static<typeof EduUserParams>;

/** GET /v3/edu-papay/contracts/id/{contract_id} query string. */
export const EduQueryByIdQuery = Type.Object(
  {
    appid: str(32),
    sub_mchid: Type.Optional(str(32)),
    sub_appid: Type.Optional(str(32)),
  },
  { additionalProperties: false },
);
export type EduQueryByIdQuery = Static<typeof EduQueryByIdQuery>;

/** GET /v3/edu-papay/user/{openid}/contracts query string. */
export const EduQueryByUserQuery = Type.Object(
  {
    appid: str(32),
    plan_id: str(32),
    sub_mchid: Type.Optional(str(32)),
    sub_appid: Type.Optional(str(32)),
    sub_openid: Type.Optional(str(128)),
    contract_status: Type.Optional(EduContractStatus),
    offset: Type.Optional(Type.Integer({ minimum: 0 })),
    // Max page size is UNCONFIRMED; 1..100 keeps the sandbox honest without guessing WeChat's cap.
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  },
  { additionalProperties: false },
);
export type EduQueryByUserQuery = Static<typeof EduQueryByUserQuery>;

export const eduQueryByIdOperation: Operation<[contractId: string]> = {
  method: 'GET',
  route: '/v3/edu-papay/contracts/id/:contract_id',
  path: (contractId) => `/v3/edu-papay/contracts/id/${enc(contractId)}`,
};

export const eduQueryByUserOperation: Operation<[openid: string]> = {
  method: 'GET',
  route: '/v3/edu-papay/user/:openid/contracts',
  path: (openid) => `/v3/edu-papay/user/${enc(openid)}/contracts`,
};

/** DELETE /v3/edu-papay/contracts/{contract_id} → 204, no body. */
export const eduTerminateOperation: Operation<[contractId: string]> = {
  method: 'DELETE',
  route: '/v3/edu-papay/contracts/:contract_id',
  path: (contractId) => `/v3/edu-papay/contracts/${enc(contractId)}`,
};
