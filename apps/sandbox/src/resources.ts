import type { NotifyConfig } from './config.ts';
import { rfc3339Cst } from './platform-keys.ts';
import type { EduContract, QsContract } from './state.ts';

/*
 * What WeChat writes about a contract, built from the sandbox's own records (field names typed out here, not
 * taken from @qianyue/wechatpay, so the package is checked against an independent writer).
 */

/** Edu contract object: query answers and ENTRUST.* resources (contract-apis.md §1.3, §1.6). */
export function eduResource(c: EduContract) {
  return {
    sp_mchid: c.mchId,
    ...(c.subMchid ? { sub_mchid: c.subMchid } : {}),
    appid: c.appid,
    ...(c.subAppid ? { sub_appid: c.subAppid } : {}),
    openid: c.openid,
    ...(c.subOpenid ? { sub_openid: c.subOpenid } : {}),
    plan_id: c.planId,
    contract_information: {
      contract_id: c.contractId,
      contract_status: c.status,
      create_time: rfc3339Cst(c.signedAt),
    },
  };
}

function terminateInfo(c: QsContract) {
  return c.state === 'TERMINATED'
    ? {
        contract_terminate_info: {
          contract_termination_mode: c.terminationMode ?? 'USER_TERMINATE',
          contract_terminated_time: rfc3339Cst(c.terminatedAt ?? c.signedAt),
          ...(c.terminationRemark ? { contract_termination_remark: c.terminationRemark } : {}),
        },
      }
    : {};
}

/**
 * The password-exempt query answer (contract-apis-next.md §2.9), the same in every mode: mchid, appid and
 * openid are required, sub_appid/sub_openid optional; no sp_* and no sub_mchid field exists.
 */
export function passwordExemptAnswer(c: QsContract) {
  return {
    mchid: c.mchId,
    contract_id: c.contractId,
    appid: c.appid,
    openid: c.openid,
    ...(c.subAppid ? { sub_appid: c.subAppid } : {}),
    ...(c.subOpenid ? { sub_openid: c.subOpenid } : {}),
    service_id: c.serviceId,
    out_contract_code: c.outContractCode,
    contract_display_account: c.displayAccount,
    contract_state: c.state,
    contract_signed_time: rfc3339Cst(c.signedAt),
    ...terminateInfo(c),
  };
}

/**
 * The password-exempt notification resource (schema UNCONFIRMED, U12). 'per-mode' naming: normal carries
 * mchid/appid/openid; qs adds sub_mchid/sub_appid and the sub_openid (openid only when the pre-sign sent one);
 * service-provider uses the 委托代扣 partner names sp_mchid/sp_appid/sp_openid beside sub_*.
 */
export function passwordExemptNotifyResource(c: QsContract, naming: NotifyConfig['passwordExemptNaming']) {
  const contract = {
    service_id: c.serviceId,
    contract_id: c.contractId,
    out_contract_code: c.outContractCode,
    contract_display_account: c.displayAccount,
    contract_state: c.state,
    contract_signed_time: rfc3339Cst(c.signedAt),
    ...terminateInfo(c),
  };
  const sub = {
    ...(c.subMchid ? { sub_mchid: c.subMchid } : {}),
    ...(c.subAppid ? { sub_appid: c.subAppid } : {}),
    ...(c.subOpenid ? { sub_openid: c.subOpenid } : {}),
  };
  if (c.mode === 'service-provider' && naming === 'per-mode') {
    return {
      sp_mchid: c.mchId,
      sp_appid: c.appid,
      ...(c.openidSent ? { sp_openid: c.openid } : {}),
      ...sub,
      ...contract,
    };
  }
  return {
    mchid: c.mchId,
    appid: c.appid,
    ...(c.openidSent || naming === 'query' ? { openid: c.openid } : {}),
    ...sub,
    ...contract,
  };
}
