import type { QsPreEntrustSignRequest, QsTerminateRequest } from '@qianyue/wechatpay';
import type { FastifyInstance } from 'fastify';
import type { SandboxContext } from '../context.ts';
import { invalidRequest, noAuth, notFound, paramError } from '../errors.ts';
import { qsResource, terminateContract } from '../signing.ts';
import { type QsContract, type QsSession, qsKey } from '../state.ts';

const base = '/password-exempt-contract/contracts';

export function passwordExemptRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const { state, validators: v, config, clock } = ctx;

  app.post(`${base}/qs/pre-entrust-sign/mini-program`, async (req) => {
    // With allowInsecureNotifyUrl the same schema is used with notify_url's pattern widened to http(s).
    const schema = config.notify.allowInsecureNotifyUrl
      ? 'QsPreEntrustSignRequestInsecure'
      : 'QsPreEntrustSignRequest';
    const body = v.check<QsPreEntrustSignRequest>(schema, req.jsonBody, 'body');
    const m = req.merchant!;
    if (!m.appIds.includes(body.appid)) {
      throw paramError('appid和mch_id不匹配', { field: '/appid', location: 'body' });
    }
    if (!m.subMchIds.includes(body.sub_mchid)) throw noAuth('机构与子商户没有授权关系');
    if (m.subAppIds.length > 0 && !m.subAppIds.includes(body.sub_appid)) {
      throw paramError('sub_appid和sub_mchid不匹配', { field: '/sub_appid', location: 'body' });
    }
    if (!m.services.includes(body.service_id)) throw noAuth('商户号未开通此免密支付服务的权限');
    // out_contract_code is never reusable once a contract was signed with it (also after termination).
    if (state.qsByCode.has(qsKey(m.mchId, body.service_id, body.out_contract_code))) {
      throw invalidRequest('商户签约协议号已被使用，不能重复使用', {
        field: '/out_contract_code',
        location: 'body',
      });
    }
    const now = clock.now();
    const token = state.newToken('qs');
    const session: QsSession = {
      kind: 'qs',
      token,
      mchId: m.mchId,
      appid: body.appid,
      subAppid: body.sub_appid,
      subMchid: body.sub_mchid,
      serviceId: body.service_id,
      outContractCode: body.out_contract_code,
      notifyUrl: body.notify_url,
      displayAccount: body.contract_display_account,
      createdAt: now,
      expiresAt: now + config.presignTtlSeconds,
      status: 'PENDING',
      ...('openid' in body && body.openid ? { openid: body.openid } : {}),
      ...('sub_openid' in body && body.sub_openid ? { subOpenid: body.sub_openid } : {}),
    };
    state.addSession(session, now);
    return {
      pre_entrustweb_id: token,
      mchid: m.mchId,
      service_id: body.service_id,
      out_contract_code: body.out_contract_code,
      sign_mp_appid: config.signMiniProgram.qsAppId,
      sign_mp_path: config.signMiniProgram.qsPath,
    };
  });

  type Params = { service_id: string; out_contract_code: string };
  const find = (mchId: string, services: number[], params: Params): QsContract => {
    const p = v.check<{ service_id: number; out_contract_code: string }>(
      'QsContractParams',
      { ...params },
      'path',
    );
    if (!services.includes(p.service_id)) throw noAuth('商户号未开通此免密支付服务的权限');
    const id = state.qsByCode.get(qsKey(mchId, p.service_id, p.out_contract_code));
    const c = id ? state.contracts.get(id) : undefined;
    // Before the user signed (only a pre-sign exists) the real answer is UNCONFIRMED; 404 is assumed.
    if (c?.kind !== 'qs') throw notFound('签约关系不存在');
    return c;
  };

  app.get<{ Params: Params }>(
    `${base}/service-id/:service_id/out-contract-code/:out_contract_code`,
    async (req) => {
      const m = req.merchant!;
      const c = find(m.mchId, m.services, req.params);
      const r = qsResource(c);
      const { sub_mchid: _sub, ...answer } = r;
      return answer;
    },
  );

  app.post<{ Params: Params }>(
    `${base}/service-id/:service_id/out-contract-code/:out_contract_code/terminate`,
    async (req) => {
      const m = req.merchant!;
      const c = find(m.mchId, m.services, req.params);
      const body = v.check<QsTerminateRequest>('QsTerminateRequest', req.jsonBody, 'body');
      if (c.state === 'TERMINATED') throw invalidRequest('签约关系已解除');
      terminateContract(ctx, c, 'MCH_API_TERMINATE', body.contract_termination_remark);
      return { mchid: m.mchId, service_id: c.serviceId, out_contract_code: c.outContractCode };
    },
  );
}
