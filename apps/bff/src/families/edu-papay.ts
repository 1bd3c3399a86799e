import type { ContractEvent, EduContract, EduQueryByIdQuery } from '@qianyue/wechatpay';
import type { EduPlan } from '../config.ts';
import { apiErrorOf, isNotFound } from '../contracts/wechat-call.ts';
import { ContractNotTerminableError } from '../errors.ts';
import {
  type ContractFamily,
  type FamilyDeps,
  type FamilyEvent,
  type Observed,
  parseTime,
} from './family.ts';

type EduEvent = FamilyEvent<'edu-papay'>;

/** The sub-merchant fields a mode adds to every edu call that takes them (terminate takes none). */
export interface EduModeFields {
  sub_mchid?: string;
  sub_appid?: string;
}

/** A valid first-debit date: the first day from tomorrow (China time) whose day-of-month is 1–28. */
export function periodStartDate(nowSeconds: number): string {
  const china = new Date((nowSeconds + 8 * 3600) * 1000);
  const d = new Date(Date.UTC(china.getUTCFullYear(), china.getUTCMonth(), china.getUTCDate() + 1));
  if (d.getUTCDate() > 28) d.setUTCMonth(d.getUTCMonth() + 1, 1);
  return d.toISOString().slice(0, 10);
}

const empty = (v: string | undefined) => v === undefined || v === '';

/**
 * Edu-papay (教育续费通): one path per operation for every mode; a mode only adds its sub-merchant fields
 * (`modeFields`) and says whether a payload's sub-merchant fields may be present (`subMchId`). The user is
 * always `openid` under `appid`: WeChat requires it on the pre-sign and the by-user query.
 */
export function createEduFamily(
  plan: EduPlan,
  d: FamilyDeps,
  modeFields: EduModeFields,
): ContractFamily<EduEvent> {
  const { config, client, call } = d;
  const ids = { appid: plan.appId, ...modeFields };
  const terminatedCodes = config.eduTerminatedApiCodes;
  const notFoundCodes = config.notFoundApiCodes['edu-papay'];

  const observe = (c: EduContract | undefined, at: Date): Observed => {
    const info = c?.contract_information;
    if (!info) return { state: 'NONE' };
    const signedAt = parseTime(info.create_time, at);
    if (info.contract_status === 'DELETE')
      return { state: 'TERMINATED', wechatContractId: info.contract_id, signedAt, terminatedAt: at };
    return { state: 'SIGNED', wechatContractId: info.contract_id, signedAt };
  };

  return {
    plan,
    async presign(row, deadline) {
      const answer = await call('edu-papay.presign', deadline, () =>
        client.eduPapay.presign({
          ...ids,
          openid: row.openid,
          plan_id: plan.planId,
          user_id: row.display_account,
          period_start_date: row.period_start_date ?? periodStartDate(Math.floor(d.now().getTime() / 1000)),
          trade_scene: 'EDUCATION_PERIOD',
        }),
      );
      return {
        token: answer.presign_token,
        navigate: {
          appId: config.sign.eduAppId,
          path: config.sign.eduPath,
          extraData: { presign_token: answer.presign_token },
        },
        ttlSeconds: config.presign.eduTtlSeconds,
      };
    },

    async queryState(row, deadline) {
      const at = d.now();
      if (row.wechat_contract_id) {
        const query: EduQueryByIdQuery = ids;
        const id = row.wechat_contract_id;
        try {
          return observe(
            await call('edu-papay.query-by-id', deadline, () => client.eduPapay.queryById(id, query)),
            at,
          );
        } catch (err) {
          // TERMINATED is final: only WeChat's own (signed, verified) word may put a contract there.
          const api = apiErrorOf(err);
          if (api?.verified && api.apiCode && terminatedCodes.includes(api.apiCode))
            return { state: 'TERMINATED', wechatContractId: id, signedAt: null, terminatedAt: at };
          throw err;
        }
      }
      try {
        const list = await call('edu-papay.query-by-user', deadline, () =>
          client.eduPapay.queryByUser(row.openid, { ...ids, plan_id: plan.planId, contract_status: 'ADD' }),
        );
        const signed = list.data?.find(
          (c) =>
            c.contract_information.contract_status === 'ADD' && (!c.plan_id || c.plan_id === plan.planId),
        );
        return observe(signed, at);
      } catch (err) {
        // "Never signed" is an error code on this API (not an empty list): configurable, UNCONFIRMED.
        if (isNotFound(err, notFoundCodes)) return { state: 'NONE' };
        throw err;
      }
    },

    async terminate(row, deadline) {
      const id = row.wechat_contract_id;
      if (!id) throw new ContractNotTerminableError(row.state);
      await call('edu-papay.terminate', deadline, () => client.eduPapay.terminate(id));
    },

    accepts: (event: ContractEvent): event is EduEvent => event.family === 'edu-papay',

    isOurs(event) {
      const r = event.resource;
      // Both namings of the owner, each checked when present (SKIT names it mchid, the doc sp_mchid).
      for (const owner of [r.sp_mchid, r.mchid])
        if (!empty(owner) && owner !== config.wechatpay.mchId) return false;
      if (r.appid !== plan.appId) return false;
      if (!empty(r.plan_id) && r.plan_id !== plan.planId) return false;
      // Direct mode: sub_* are absent or empty. Service provider: when named, they must be ours.
      if (!empty(r.sub_mchid) && r.sub_mchid !== modeFields.sub_mchid) return false;
      if (!empty(r.sub_appid) && modeFields.sub_appid && r.sub_appid !== modeFields.sub_appid) return false;
      return true;
    },

    contractKey: (event) => event.resource.contract_information.contract_id,

    // Matched by contract id or by plan + user, the payload must name the contract's own user.
    names: (event, row) => event.resource.openid === row.openid,
    owner: (event) => ({ openid: event.resource.openid ?? null, unnamedMayMatch: false }),

    lookup: (event) => ({
      wechatContractId: event.resource.contract_information.contract_id,
      ...(event.resource.openid ? { user: event.resource.openid } : {}),
    }),

    transitionFor(event, received) {
      const eventTime = parseTime(event.envelope.create_time, received);
      const info = event.resource.contract_information;
      const signedAt = parseTime(info.create_time, eventTime);
      return event.kind === 'signed'
        ? { to: 'SIGNED', eventTime, wechatContractId: info.contract_id, signedAt, terminatedAt: null }
        : {
            to: 'TERMINATED',
            eventTime,
            wechatContractId: info.contract_id,
            signedAt,
            terminatedAt: eventTime,
          };
    },
  };
}
