import {
  checkServiceProviderOpenidRule,
  type NormalPreEntrustSignRequest,
  type PasswordExemptMode,
  type QsPreEntrustSignRequest,
  type ServiceProviderPreEntrustSignRequest,
} from '@qianyue/wechatpay';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { MerchantConfig } from '../config.ts';
import type { SandboxContext } from '../context.ts';
import { invalidRequest, noAuth, paramError } from '../errors.ts';
import { checkMerchantAppid, checkOpenidPair, checkSubOpenid } from '../identities.ts';
import { type QsSession, qsKey } from '../state.ts';

const presignPath = (mode: PasswordExemptMode) =>
  `/password-exempt-contract/contracts/${mode}/pre-entrust-sign/mini-program`;

/** The ids of one mode's body, under neutral names (what the session and the rules need). */
interface PresignIds {
  appid: string;
  appField: string;
  openid: string | undefined;
  openidField: string;
  subMchid: string | undefined;
  subAppid: string | undefined;
  subOpenid: string | undefined;
}

type CommonBody = {
  service_id: number;
  out_contract_code: string;
  notify_url: string;
  contract_display_account: string;
};

/**
 * POST …/{normal|service-provider|qs}/pre-entrust-sign/mini-program (contract-apis-next.md §2.2–2.4). Each
 * mode validates with its own schema from @qianyue/wechatpay, then the same rules apply to its ids: the
 * AppID is the merchant's, the sub-merchant is authorised, every openid belongs to the AppID it is paired
 * with, the service is open and the out_contract_code was never used.
 */
export function passwordExemptPresignRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const { state, validators: v, config, clock } = ctx;
  // With allowInsecureNotifyUrl the same schemas are used with notify_url's pattern widened to http(s).
  const schema = (name: string) => (config.notify.allowInsecureNotifyUrl ? `${name}Insecure` : name);

  function presign(req: FastifyRequest, mode: PasswordExemptMode, body: CommonBody, ids: PresignIds) {
    const m = req.merchant!;
    if (!(m.passwordExemptModes ?? ['normal', 'service-provider', 'qs']).includes(mode)) {
      throw noAuth('商户暂无权限使用此功能');
    }
    checkIds(ctx, m, ids);
    if (!m.services.includes(body.service_id)) throw noAuth('商户号未开通此免密支付服务的权限');
    // out_contract_code is never reusable once a contract was signed with it (also after termination).
    if (state.qsByCode.has(qsKey(m.mchId, body.service_id, body.out_contract_code))) {
      throw invalidRequest('商户签约协议号已被使用，不能重复使用', {
        field: '/out_contract_code',
        location: 'body',
      });
    }
    const now = clock.now();
    const session: QsSession = {
      kind: 'qs',
      mode,
      token: state.newToken('qs'),
      mchId: m.mchId,
      appid: ids.appid,
      serviceId: body.service_id,
      outContractCode: body.out_contract_code,
      notifyUrl: body.notify_url,
      displayAccount: body.contract_display_account,
      createdAt: now,
      expiresAt: now + config.presignTtlSeconds,
      status: 'PENDING',
      ...(ids.subMchid ? { subMchid: ids.subMchid } : {}),
      ...(ids.subAppid ? { subAppid: ids.subAppid } : {}),
      ...(ids.openid ? { openid: ids.openid } : {}),
      ...(ids.subOpenid ? { subOpenid: ids.subOpenid } : {}),
    };
    state.addSession(session, now);
    return {
      pre_entrustweb_id: session.token,
      mchid: m.mchId,
      service_id: body.service_id,
      out_contract_code: body.out_contract_code,
      sign_mp_appid: config.signMiniProgram.qsAppId,
      sign_mp_path: config.signMiniProgram.qsPath,
    };
  }

  app.post(presignPath('normal'), async (req) => {
    const b = v.check<NormalPreEntrustSignRequest>(
      schema('NormalPreEntrustSignRequest'),
      req.jsonBody,
      'body',
    );
    return presign(req, 'normal', b, {
      appid: b.appid,
      appField: 'appid',
      openid: b.openid,
      openidField: 'openid',
      subMchid: undefined,
      subAppid: undefined,
      subOpenid: undefined,
    });
  });

  app.post(presignPath('service-provider'), async (req) => {
    const b = v.check<ServiceProviderPreEntrustSignRequest>(
      schema('ServiceProviderPreEntrustSignRequest'),
      req.jsonBody,
      'body',
    );
    if (config.rules.spRequireOpenid && !checkServiceProviderOpenidRule(b)) {
      throw paramError('sp_openid 与 sub_openid 必须二选一填写', {
        field: '/sub_openid',
        location: 'body',
        issue: 'one of required (UNCONFIRMED rule U1)',
      });
    }
    const answer = presign(req, 'service-provider', b, {
      appid: b.sp_appid,
      appField: 'sp_appid',
      openid: b.sp_openid,
      openidField: 'sp_openid',
      subMchid: b.sub_mchid,
      subAppid: b.sub_appid,
      subOpenid: b.sub_openid,
    });
    // Only the service-provider answer echoes sub_mchid (§2.3).
    return { ...answer, sub_mchid: b.sub_mchid };
  });

  app.post(presignPath('qs'), async (req) => {
    const b = v.check<QsPreEntrustSignRequest>(schema('QsPreEntrustSignRequest'), req.jsonBody, 'body');
    return presign(req, 'qs', b, {
      appid: b.appid,
      appField: 'appid',
      openid: b.openid,
      openidField: 'openid',
      subMchid: b.sub_mchid,
      subAppid: b.sub_appid,
      subOpenid: b.sub_openid,
    });
  });
}

/** The id rules every mode shares; messages are WeChat's (or modelled on them, see errors.ts). */
function checkIds(ctx: SandboxContext, m: MerchantConfig, ids: PresignIds): void {
  checkMerchantAppid(m, ids.appid, ids.appField);
  if (ids.subMchid !== undefined && !m.subMchIds.includes(ids.subMchid)) {
    throw noAuth('服务商与子商户没有授权关系');
  }
  if (ids.subAppid !== undefined && m.subAppIds.length > 0 && !m.subAppIds.includes(ids.subAppid)) {
    throw paramError('sub_appid和sub_mchid不匹配', { field: '/sub_appid', location: 'body' });
  }
  if (ids.openid !== undefined) {
    checkOpenidPair(ctx, {
      appid: ids.appid,
      openid: ids.openid,
      appField: ids.appField,
      openidField: ids.openidField,
    });
  }
  if (ids.subOpenid !== undefined) checkSubOpenid(ctx, ids.subAppid, ids.subOpenid);
}
