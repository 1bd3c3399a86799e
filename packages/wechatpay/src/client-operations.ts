import type { RequestOptions } from './client.ts';
import {
  type EduContract,
  type EduContractList,
  type EduQueryByIdQuery,
  type EduQueryByUserQuery,
  eduQueryByIdOperation,
  eduQueryByUserOperation,
  eduTerminateOperation,
} from './operations/edu-papay-contract.ts';
import {
  type EduPresignRequest,
  type EduPresignResponse,
  eduPresignOperation,
} from './operations/edu-papay-presign.ts';
import {
  type PasswordExemptContract,
  type PasswordExemptTerminateRequest,
  type PasswordExemptTerminateResponse,
  passwordExemptQueryOperation,
  passwordExemptTerminateOperation,
} from './operations/password-exempt-contract.ts';
import {
  type NormalPreEntrustSignRequest,
  type NormalPreEntrustSignResponse,
  normalPreEntrustSignOperation,
} from './operations/password-exempt-normal-presign.ts';
import {
  type ServiceProviderPreEntrustSignRequest,
  type ServiceProviderPreEntrustSignResponse,
  serviceProviderPreEntrustSignOperation,
} from './operations/password-exempt-sp-presign.ts';
import {
  type QsPreEntrustSignRequest,
  type QsPreEntrustSignResponse,
  qsPreEntrustSignOperation,
} from './operations/qs-pre-entrust-sign.ts';

/*
 * The typed method per operation, one thin line each: the path and method come from the operation file, the
 * bytes are signed and the answer verified by the client's `request`.
 */

export interface EduPapayMethods {
  presign(body: EduPresignRequest): Promise<EduPresignResponse>;
  queryById(contractId: string, q: EduQueryByIdQuery): Promise<EduContract>;
  queryByUser(openid: string, q: EduQueryByUserQuery): Promise<EduContractList>;
  terminate(contractId: string): Promise<void>;
}

export interface PasswordExemptMethods {
  /** Mini-program pre-sign, one method per mode (each its own path and body). */
  presign: {
    normal(body: NormalPreEntrustSignRequest): Promise<NormalPreEntrustSignResponse>;
    serviceProvider(
      body: ServiceProviderPreEntrustSignRequest,
    ): Promise<ServiceProviderPreEntrustSignResponse>;
    qs(body: QsPreEntrustSignRequest): Promise<QsPreEntrustSignResponse>;
  };
  /** @deprecated the QS pre-sign under its first name; use `presign.qs`. */
  preEntrustSignMiniProgram(body: QsPreEntrustSignRequest): Promise<QsPreEntrustSignResponse>;
  /** Query by out_contract_code: the same path for every mode. */
  queryByOutContractCode(serviceId: number, outContractCode: string): Promise<PasswordExemptContract>;
  /** Terminate by out_contract_code: the same path for every mode. */
  terminate(
    serviceId: number,
    outContractCode: string,
    body: PasswordExemptTerminateRequest,
  ): Promise<PasswordExemptTerminateResponse>;
}

type Call = <T>(r: RequestOptions) => Promise<T>;
type Request = <T>(r: RequestOptions) => Promise<{ status: number; data: T; requestId?: string }>;

export function operationMethods(
  call: Call,
  request: Request,
): { eduPapay: EduPapayMethods; passwordExempt: PasswordExemptMethods } {
  return {
    eduPapay: {
      presign: (body) => call({ method: eduPresignOperation.method, path: eduPresignOperation.path(), body }),
      queryById: (contractId, q) =>
        call({
          method: eduQueryByIdOperation.method,
          path: eduQueryByIdOperation.path(contractId),
          query: q,
        }),
      queryByUser: (openid, q) =>
        call({
          method: eduQueryByUserOperation.method,
          path: eduQueryByUserOperation.path(openid),
          query: q,
        }),
      terminate: async (contractId) => {
        await request({ method: eduTerminateOperation.method, path: eduTerminateOperation.path(contractId) });
      },
    },
    passwordExempt: {
      presign: {
        normal: (body) =>
          call({
            method: normalPreEntrustSignOperation.method,
            path: normalPreEntrustSignOperation.path(),
            body,
          }),
        serviceProvider: (body) =>
          call({
            method: serviceProviderPreEntrustSignOperation.method,
            path: serviceProviderPreEntrustSignOperation.path(),
            body,
          }),
        qs: (body) =>
          call({ method: qsPreEntrustSignOperation.method, path: qsPreEntrustSignOperation.path(), body }),
      },
      preEntrustSignMiniProgram: (body) =>
        call({ method: qsPreEntrustSignOperation.method, path: qsPreEntrustSignOperation.path(), body }),
      queryByOutContractCode: (serviceId, code) =>
        call({
          method: passwordExemptQueryOperation.method,
          path: passwordExemptQueryOperation.path(serviceId, code),
        }),
      terminate: (serviceId, code, body) =>
        call({
          method: passwordExemptTerminateOperation.method,
          path: passwordExemptTerminateOperation.path(serviceId, code),
          body,
        }),
    },
  };
}
