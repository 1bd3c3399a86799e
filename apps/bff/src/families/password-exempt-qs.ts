import type { QsPreEntrustSignRequest } from '@qianyue/wechatpay';
import type { PeQsPlan } from '../config.ts';
import type { ContractRow } from '../db/database.ts';
import type { FamilyDeps } from './family.ts';
import { createPasswordExemptFamily, type PeCommonFields } from './password-exempt.ts';

/**
 * Password-exempt, institution (`…/qs/…`, PE-QS): `appid`, `sub_appid`, `sub_mchid`, and the user as `openid`
 * (under the institution's appid) or `sub_openid` (under the sub-merchant's mini-program, where the flow
 * usually starts). One of the two is required; only the one the plan signs under is sent (both: U3).
 */
export const createPasswordExemptQs = (plan: PeQsPlan, d: FamilyDeps) => {
  const body = (row: ContractRow, common: PeCommonFields): QsPreEntrustSignRequest => {
    const ids = { appid: plan.appId, sub_appid: plan.subAppId, sub_mchid: plan.subMchId, ...common };
    return plan.openidUnder === 'sub_appid'
      ? { ...ids, sub_openid: row.openid }
      : { ...ids, openid: row.openid };
  };
  return createPasswordExemptFamily(plan, d, {
    subMchId: plan.subMchId,
    subAppId: plan.subAppId,
    presign: (row, common, deadline) =>
      d.call('password-exempt.presign.qs', deadline, () =>
        d.client.passwordExempt.presign.qs(body(row, common)),
      ),
  });
};
