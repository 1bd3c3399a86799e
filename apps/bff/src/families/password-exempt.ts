import {
  type ContractEvent,
  type PasswordExemptContract,
  type PasswordExemptOwner,
  passwordExemptOwner,
} from '@qianyue/wechatpay';
import type { PePlan } from '../config.ts';
import { isNotFound } from '../contracts/wechat-call.ts';
import type { ContractRow } from '../db/database.ts';
import {
  type ContractFamily,
  type FamilyDeps,
  type FamilyEvent,
  type Observed,
  type PresignResult,
  parseTime,
} from './family.ts';

type PeEvent = FamilyEvent<'password-exempt'>;

/** The fields every pre-sign mode sends besides its merchant and user ids. */
export interface PeCommonFields {
  service_id: number;
  out_contract_code: string;
  notify_url: string;
  contract_display_account: string;
}

/** What the pre-sign of every mode answers (the SP answer adds sub_mchid, unused here). */
interface PeAnswer {
  pre_entrustweb_id: string;
  sign_mp_appid: string;
  sign_mp_path: string;
}

export interface PeMode {
  /** The mode's pre-sign: its own path and id fields around the common ones. */
  presign(row: ContractRow, common: PeCommonFields, deadline: number): Promise<PeAnswer>;
  /** The sub-merchant a payload may name (direct mode: none, so a named one is foreign). */
  subMchId?: string;
  subAppId?: string;
}

const differs = (named: string | undefined, ours: string | undefined) =>
  named !== undefined && named !== ours;
/** Direct-mode payloads may carry sub_* as empty strings: those say nothing. */
const present = (v: string | undefined) => (v === '' ? undefined : v);

/**
 * Password-exempt (免密支付): the pre-sign differs per mode (`mode`), query and terminate share one path keyed by
 * service_id + out_contract_code. The notification schema is UNCONFIRMED (U12): its owner fields are read under
 * both namings and only compared when present — a genuine payload is never refused for a field it does not carry,
 * and one naming another merchant, app, sub-merchant or service is never accepted.
 */
export function createPasswordExemptFamily(
  plan: PePlan,
  d: FamilyDeps,
  mode: PeMode,
): ContractFamily<PeEvent> {
  const { config, client, call } = d;
  const notFoundCodes = config.notFoundApiCodes['password-exempt'];
  /** The user under this plan's identity field (openid/sp_openid, or sub_openid). */
  const userOf = (o: PasswordExemptOwner) => (plan.openidUnder === 'sub_appid' ? o.subOpenid : o.openid);

  const observe = (c: PasswordExemptContract, at: Date): Observed => {
    const signedAt = parseTime(c.contract_signed_time, at);
    if (c.contract_terminate_info || config.peTerminatedStates.includes(c.contract_state)) {
      const terminatedAt = parseTime(c.contract_terminate_info?.contract_terminated_time, at);
      return { state: 'TERMINATED', wechatContractId: c.contract_id, signedAt, terminatedAt };
    }
    if (c.contract_state === 'SIGNED') return { state: 'SIGNED', wechatContractId: c.contract_id, signedAt };
    return { state: 'OTHER' };
  };

  return {
    plan,
    async presign(row, deadline): Promise<PresignResult> {
      const answer = await mode.presign(
        row,
        {
          service_id: plan.serviceId,
          out_contract_code: row.out_contract_code,
          notify_url: `${config.notifyBaseUrl}${plan.notifyPath}`,
          contract_display_account: row.display_account,
        },
        deadline,
      );
      return {
        token: answer.pre_entrustweb_id,
        navigate: {
          appId: answer.sign_mp_appid,
          path: answer.sign_mp_path,
          extraData: { [config.sign.qsExtraDataKey]: answer.pre_entrustweb_id },
        },
        ttlSeconds: config.presign.qsTtlSeconds,
      };
    },

    async queryState(row, deadline) {
      const at = d.now();
      try {
        const c = await call('password-exempt.query', deadline, () =>
          client.passwordExempt.queryByOutContractCode(plan.serviceId, row.out_contract_code),
        );
        return observe(c, at);
      } catch (err) {
        // The answer before the user signs is UNCONFIRMED (U6): the codes are configurable.
        if (isNotFound(err, notFoundCodes)) return { state: 'NONE' };
        throw err;
      }
    },

    async terminate(row, deadline) {
      await call('password-exempt.terminate', deadline, () =>
        client.passwordExempt.terminate(plan.serviceId, row.out_contract_code, {
          contract_termination_remark: '用户在小程序内申请解约',
        }),
      );
    },

    accepts: (event: ContractEvent): event is PeEvent => event.family === 'password-exempt',

    isOurs(event) {
      const r = event.resource;
      // Every owner field the payload carries, under either naming, must be ours (folding the two namings
      // first would let a foreign sp_mchid hide behind our mchid).
      return !(
        differs(present(r.mchid), config.wechatpay.mchId) ||
        differs(present(r.sp_mchid), config.wechatpay.mchId) ||
        differs(present(r.appid), plan.appId) ||
        differs(present(r.sp_appid), plan.appId) ||
        differs(present(r.sub_mchid), mode.subMchId) ||
        differs(present(r.sub_appid), mode.subAppId) ||
        (r.service_id !== undefined && r.service_id !== plan.serviceId)
      );
    },

    contractKey: (event) => event.resource.out_contract_code,

    names(event, row) {
      const user = userOf(passwordExemptOwner(event.resource));
      return (
        event.resource.out_contract_code === row.out_contract_code &&
        (user === undefined || user === row.openid)
      );
    },

    owner: (event) => ({
      openid: userOf(passwordExemptOwner(event.resource)) ?? null,
      unnamedMayMatch: true,
    }),

    lookup: (event) => ({ outContractCode: event.resource.out_contract_code }),

    transitionFor(event, received) {
      const eventTime = parseTime(event.envelope.create_time, received);
      const r = event.resource;
      const wechatContractId = r.contract_id ?? null;
      const signedAt = parseTime(r.contract_signed_time, eventTime);
      if (event.kind === 'signed')
        return { to: 'SIGNED', eventTime, wechatContractId, signedAt, terminatedAt: null };
      const at = parseTime(r.contract_terminate_info?.contract_terminated_time, eventTime);
      return { to: 'TERMINATED', eventTime: at, wechatContractId, signedAt, terminatedAt: at };
    },
  };
}
