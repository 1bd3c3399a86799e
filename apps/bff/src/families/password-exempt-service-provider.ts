import type { PeServiceProviderPlan } from '../config.ts';
import type { FamilyDeps } from './family.ts';
import { createPasswordExemptFamily } from './password-exempt.ts';

/**
 * Password-exempt as a service provider (`…/service-provider/…`, PE-SP): `sp_appid`, `sub_mchid`, `sub_appid`,
 * and the user as `sp_openid` (under sp_appid) or `sub_openid` (under sub_appid). Whether one of the two is
 * required is UNCONFIRMED (U1); exactly one is sent.
 */
export const createPasswordExemptServiceProvider = (plan: PeServiceProviderPlan, d: FamilyDeps) =>
  createPasswordExemptFamily(plan, d, {
    subMchId: plan.subMchId,
    subAppId: plan.subAppId,
    presign: (row, common, deadline) =>
      d.call('password-exempt.presign.service-provider', deadline, () =>
        d.client.passwordExempt.presign.serviceProvider({
          sp_appid: plan.appId,
          sub_mchid: plan.subMchId,
          sub_appid: plan.subAppId,
          ...(plan.openidUnder === 'sub_appid' ? { sub_openid: row.openid } : { sp_openid: row.openid }),
          ...common,
        }),
      ),
  });
