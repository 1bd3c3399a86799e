import type { Sources } from './sources.ts';

// The sandbox's seeded edu plan, used when neither PLANS nor the dev-keys file names one.
const SANDBOX_EDU_PLAN_ID = '101164396123311331';

/** Which edu plan or password-exempt service the signed call queries (a read that changes nothing). */
export function planTargets(src: Sources): { eduPlanId?: string; serviceId?: number } {
  const text = src.env.PLANS;
  let plans: unknown;
  if (text) {
    try {
      plans = JSON.parse(text);
    } catch {}
  }
  if (Array.isArray(plans)) {
    const edu = plans.find((p) => p?.family === 'edu-papay' && typeof p.planId === 'string');
    const qs = plans.find((p) => p?.family === 'password-exempt' && Number.isInteger(p.serviceId));
    return { ...(edu ? { eduPlanId: edu.planId } : {}), ...(qs ? { serviceId: qs.serviceId } : {}) };
  }
  const k = src.keysFile.data;
  return {
    eduPlanId: k.eduPlans?.[0] ?? SANDBOX_EDU_PLAN_ID,
    ...(k.qsServices?.[0] ? { serviceId: k.qsServices[0] } : {}),
  };
}
