import type { PlanConfig } from '../config.ts';
import { createEduDirect } from './edu-papay-direct.ts';
import { createEduServiceProvider } from './edu-papay-service-provider.ts';
import type { ContractFamily, FamilyDeps } from './family.ts';
import { createPasswordExemptDirect } from './password-exempt-direct.ts';
import { createPasswordExemptQs } from './password-exempt-qs.ts';
import { createPasswordExemptServiceProvider } from './password-exempt-service-provider.ts';

export type { ContractFamily, FamilyDeps, KnownEvent, Observed, Transition } from './family.ts';

/** The module that serves a plan: one per product and mode. */
export function familyFor(plan: PlanConfig, d: FamilyDeps): ContractFamily {
  if (plan.family === 'edu-papay') {
    return plan.mode === 'direct' ? createEduDirect(plan, d) : createEduServiceProvider(plan, d);
  }
  switch (plan.mode) {
    case 'direct':
      return createPasswordExemptDirect(plan, d);
    case 'service-provider':
      return createPasswordExemptServiceProvider(plan, d);
    case 'qs':
      return createPasswordExemptQs(plan, d);
  }
}
