import type { RequestOptions } from './client.ts';
import type { Operation } from './operations/common.ts';
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

/** The method and concrete path of `op` for `params`: what every request below starts from. */
export const at = <P extends unknown[]>(op: Operation<P>, ...params: P) => ({
  method: op.method,
  path: op.path(...params),
});

export function operationMethods(
  call: Call,
  request: Request,
): { eduPapay: EduPapayMethods; passwordExempt: PasswordExemptMethods } {
  const qs: PasswordExemptMethods['presign']['qs'] = (body) =>
    call({ ...at(qsPreEntrustSignOperation), body });
  return {
    eduPapay: {
      presign: (body) => call({ ...at(eduPresignOperation), body }),
      queryById: (contractId, q) => call({ ...at(eduQueryByIdOperation, contractId), query: q }),
      queryByUser: (openid, q) => call({ ...at(eduQueryByUserOperation, openid), query: q }),
      terminate: async (contractId) => {
        await request(at(eduTerminateOperation, contractId));
      },
    },
    passwordExempt: {
      presign: {
        normal: (body) => call({ ...at(normalPreEntrustSignOperation), body }),
        serviceProvider: (body) => call({ ...at(serviceProviderPreEntrustSignOperation), body }),
        qs,
      },
      preEntrustSignMiniProgram: qs,
      queryByOutContractCode: (serviceId, code) => call(at(passwordExemptQueryOperation, serviceId, code)),
      terminate: (serviceId, code, body) =>
        call({ ...at(passwordExemptTerminateOperation, serviceId, code), body }),
    },
  };
}
