import type { PeDirectPlan } from '../config.ts';
import type { FamilyDeps } from './family.ts';
import { createPasswordExemptFamily } from './password-exempt.ts';

/** Password-exempt, direct merchant (`…/normal/…`, PE-N): `appid` + `openid`, both required. */
export const createPasswordExemptDirect = (plan: PeDirectPlan, d: FamilyDeps) =>
  createPasswordExemptFamily(plan, d, {
    presign: (row, common, deadline) =>
      d.call('password-exempt.presign.normal', deadline, () =>
        d.client.passwordExempt.presign.normal({ appid: plan.appId, openid: row.openid, ...common }),
      ),
  });
