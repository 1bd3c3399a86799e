export type { Check, CheckId, DoctorContext, Facts, Finding } from './check.ts';
export { CHECKS } from './checks/index.ts';
export { createContext, type DoctorOptions, type DoctorRun, runDoctor } from './doctor.ts';
export { CheckOrderError, DoctorUsageError } from './errors.ts';
export {
  type CheckResult,
  type CheckStatus,
  type DoctorReport,
  formatJson,
  formatText,
  scrub,
} from './report.ts';
export { orderByNeeds, runChecks } from './runner.ts';
export { describeDatabaseUrl, type Env, resolveSources, type Sources } from './sources.ts';
