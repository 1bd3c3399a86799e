import type { EduPresignRequest, EduQueryByIdQuery, EduQueryByUserQuery } from '@qianyue/wechatpay';
import type { FastifyInstance } from 'fastify';
import type { SandboxContext } from '../context.ts';
import { invalidRequest, noAuth, notFound, paramError, WechatAnswerError } from '../errors.ts';
import { checkMerchantAppid, checkOpenidPair, checkSubOpenid } from '../identities.ts';
import { eduResource } from '../resources.ts';
import { terminateContract } from '../signing.ts';
import type { EduContract, EduSession } from '../state.ts';
import { eduKey } from '../state.ts';

/** Today's date in China (UTC+8) as YYYY-MM-DD. */
const todayCst = (now: number) => new Date((now + 8 * 3600) * 1000).toISOString().slice(0, 10);

export function eduPapayRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const { state, validators: v, config, clock } = ctx;

  app.post('/edu-papay/contracts/presign', async (req) => {
    const body = v.check<EduPresignRequest>('EduPresignRequest', req.jsonBody, 'body');
    const m = req.merchant!;
    checkMerchantAppid(m, body.appid);
    if (body.sub_mchid !== undefined && !m.subMchIds.includes(body.sub_mchid)) {
      throw noAuth('服务商与子商户没有授权关系');
    }
    if (body.sub_appid !== undefined && m.subAppIds.length > 0 && !m.subAppIds.includes(body.sub_appid)) {
      throw paramError('sub_appid和sub_mchid不匹配', { field: '/sub_appid', location: 'body' });
    }
    checkEduOpenids(body);
    if (!m.plans.includes(body.plan_id)) throw noAuth('商户号未开通此签约模板的权限');
    const now = clock.now();
    if (config.rules.rejectPastPeriodStart && body.period_start_date < todayCst(now)) {
      throw invalidRequest('扣费开始日期不能早于当前日期', { field: '/period_start_date', location: 'body' });
    }
    if (state.activeEduContract(m.mchId, body.appid, body.openid, body.plan_id)) {
      throw invalidRequest('用户已签约该模板，同一模板下每个用户只能有一个有效签约');
    }
    const token = state.newToken('edu');
    const session: EduSession = {
      kind: 'edu',
      token,
      mchId: m.mchId,
      appid: body.appid,
      openid: body.openid,
      planId: body.plan_id,
      userId: body.user_id,
      periodStartDate: body.period_start_date,
      createdAt: now,
      expiresAt: now + config.presignTtlSeconds,
      status: 'PENDING',
      ...(body.sub_mchid ? { subMchid: body.sub_mchid } : {}),
      ...(body.sub_appid ? { subAppid: body.sub_appid } : {}),
      ...(body.sub_openid ? { subOpenid: body.sub_openid } : {}),
    };
    state.addSession(session, now);
    return { presign_token: token };
  });

  /** openid belongs to appid (or, when allowed, to sub_appid); sub_openid to sub_appid. */
  function checkEduOpenids(body: EduPresignRequest): void {
    const subOwnsOpenid =
      config.rules.eduOpenidOwner === 'appid-or-sub-appid' &&
      body.sub_appid !== undefined &&
      state.identities.ownerOf(body.openid)?.appid === body.sub_appid;
    if (!subOwnsOpenid) {
      checkOpenidPair(ctx, {
        appid: body.appid,
        openid: body.openid,
        appField: 'appid',
        openidField: 'openid',
      });
    }
    if (body.sub_openid !== undefined) checkSubOpenid(ctx, body.sub_appid, body.sub_openid);
  }

  /** The merchant's own edu contract, or undefined (another merchant's contract is as good as absent). */
  const ownContract = (mchId: string, contractId: string, q?: { appid: string; sub_mchid?: string }) => {
    const c = state.contracts.get(contractId);
    if (c?.kind !== 'edu' || c.mchId !== mchId) return undefined;
    if (q && (c.appid !== q.appid || (q.sub_mchid !== undefined && q.sub_mchid !== (c.subMchid ?? '')))) {
      return undefined;
    }
    return c;
  };

  app.get<{ Params: { contract_id: string } }>('/edu-papay/contracts/id/:contract_id', async (req) => {
    v.check('EduContractIdParams', { ...req.params }, 'path');
    const q = v.check<EduQueryByIdQuery>('EduQueryByIdQuery', { ...(req.query as object) }, 'query');
    const c = ownContract(req.merchant!.mchId, req.params.contract_id, q);
    if (!c) throw notFound('签约关系不存在');
    // A terminated contract is not returned: "an explicit error code", UNCONFIRMED which (§1.3): configurable.
    if (c.status === 'DELETE') {
      throw new WechatAnswerError(404, config.rules.notFoundCodes.eduTerminated, '签约关系已解除');
    }
    return eduResource(c);
  });

  app.get<{ Params: { openid: string } }>('/edu-papay/user/:openid/contracts', async (req) => {
    v.check('EduUserParams', { ...req.params }, 'path');
    const q = v.check<EduQueryByUserQuery>('EduQueryByUserQuery', { ...(req.query as object) }, 'query');
    const m = req.merchant!;
    if (!m.appIds.includes(q.appid))
      throw paramError('appid和mch_id不匹配', { field: 'appid', location: 'query' });
    if (!m.plans.includes(q.plan_id)) throw noAuth('商户号未开通此签约模板的权限');
    const status = q.contract_status ?? 'ADD';
    const offset = q.offset ?? 0;
    const limit = q.limit ?? 20;
    const ids = state.eduByUserPlan.get(eduKey(m.mchId, q.appid, req.params.openid, q.plan_id)) ?? [];
    const all = ids
      .map((id) => state.contracts.get(id) as EduContract)
      .filter(
        (c) => c.status === status && (q.sub_mchid === undefined || q.sub_mchid === (c.subMchid ?? '')),
      );
    if (all.length === 0 && config.rules.userWithoutContracts === 'not-found') {
      throw new WechatAnswerError(
        404,
        config.rules.notFoundCodes.eduNoContract,
        '用户在该模板下没有签约关系',
      );
    }
    const page = all.slice(offset, offset + limit).map(eduResource);
    return { ...(page.length ? { data: page } : {}), total_count: all.length, offset, limit };
  });

  app.delete<{ Params: { contract_id: string } }>('/edu-papay/contracts/:contract_id', async (req, reply) => {
    v.check('EduContractIdParams', { ...req.params }, 'path');
    const c = ownContract(req.merchant!.mchId, req.params.contract_id);
    if (!c) throw notFound('签约关系不存在');
    if (c.status === 'DELETE') throw invalidRequest('签约关系已解除');
    terminateContract(ctx, c, 'MCH_API_TERMINATE');
    return reply.code(204).send();
  });
}
