import type { EduServiceProviderPlan } from '../config.ts';
import { createEduFamily } from './edu-papay.ts';
import type { FamilyDeps } from './family.ts';

/**
 * Edu-papay as a service provider (普通服务商): `sub_mchid` on every call but terminate, `sub_appid` when the
 * plan names the sub-merchant's AppID (contract-apis-next.md §4). The user stays `openid` under the SP's
 * `appid` (required by the pre-sign); whether WeChat accepts a pre-sign without `sub_mchid` is UNCONFIRMED (U15),
 * so the resolver requires one.
 */
export const createEduServiceProvider = (plan: EduServiceProviderPlan, d: FamilyDeps) =>
  createEduFamily(plan, d, {
    sub_mchid: plan.subMchId,
    ...(plan.subAppId ? { sub_appid: plan.subAppId } : {}),
  });
