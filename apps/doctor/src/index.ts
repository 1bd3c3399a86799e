export { type DoctorOptions, type DoctorRun, runDoctor } from './doctor.ts';
export { DoctorUsageError } from './errors.ts';
export {
  type CheckResult,
  type CheckStatus,
  type DoctorReport,
  formatJson,
  formatText,
  scrub,
} from './report.ts';
export { describeDatabaseUrl, type Env, resolveSources, type Sources } from './sources.ts';
