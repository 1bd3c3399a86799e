import type { PasswordExemptContractParams, PasswordExemptTerminateRequest } from '@qianyue/wechatpay';
import type { FastifyInstance } from 'fastify';
import type { SandboxContext } from '../context.ts';
import { invalidRequest, noAuth, WechatAnswerError } from '../errors.ts';
import { passwordExemptAnswer } from '../resources.ts';
import { terminateContract } from '../signing.ts';
import { type QsContract, qsKey } from '../state.ts';

const base = '/password-exempt-contract/contracts';

/**
 * Query and terminate by out_contract_code: ONE path for every mode (§2.7–2.8), scoped by the caller's
 * merchant number + service_id + out_contract_code (U10: no sub_mchid on these calls).
 */
export function passwordExemptRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const { state, validators: v, config } = ctx;

  type Params = { service_id: string; out_contract_code: string };
  const find = (mchId: string, services: number[], params: Params): QsContract => {
    const p = v.check<PasswordExemptContractParams>('PasswordExemptContractParams', { ...params }, 'path');
    if (!services.includes(p.service_id)) throw noAuth('商户号未开通此免密支付服务的权限');
    const id = state.qsByCode.get(qsKey(mchId, p.service_id, p.out_contract_code));
    const c = id ? state.contracts.get(id) : undefined;
    // Before the user signed (only a pre-sign exists) the real code is UNCONFIRMED (U6): configurable.
    if (c?.kind !== 'qs') {
      throw new WechatAnswerError(404, config.rules.notFoundCodes.passwordExemptNotSigned, '签约关系不存在');
    }
    return c;
  };

  app.get<{ Params: Params }>(
    `${base}/service-id/:service_id/out-contract-code/:out_contract_code`,
    async (req) => {
      const m = req.merchant!;
      return passwordExemptAnswer(find(m.mchId, m.services, req.params));
    },
  );

  app.post<{ Params: Params }>(
    `${base}/service-id/:service_id/out-contract-code/:out_contract_code/terminate`,
    async (req) => {
      const m = req.merchant!;
      const c = find(m.mchId, m.services, req.params);
      const body = v.check<PasswordExemptTerminateRequest>(
        'PasswordExemptTerminateRequest',
        req.jsonBody,
        'body',
      );
      if (c.state === 'TERMINATED') throw invalidRequest('签约关系已解除');
      terminateContract(ctx, c, 'MCH_API_TERMINATE', body.contract_termination_remark);
      return { mchid: m.mchId, service_id: c.serviceId, out_contract_code: c.outContractCode };
    },
  );
}
