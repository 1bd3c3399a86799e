import type { EduDirectPlan } from '../config.ts';
import { createEduFamily } from './edu-papay.ts';
import type { FamilyDeps } from './family.ts';

/** Edu-papay, direct merchant: `appid` + `openid`; no sub-merchant field is sent or accepted. */
export const createEduDirect = (plan: EduDirectPlan, d: FamilyDeps) => createEduFamily(plan, d, {});
