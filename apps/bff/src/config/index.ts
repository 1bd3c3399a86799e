export { loggerOptions, REDACT_PATHS } from './logging.ts';
export {
  type BillingTerms,
  DEFAULT_PE_NOTIFY_PATH,
  type EduDirectPlan,
  type EduPlan,
  type EduServiceProviderPlan,
  type PeDirectPlan,
  type PePlan,
  type PeQsPlan,
  type PeServiceProviderPlan,
  type PlanConfig,
  PlanInputSchema,
  type PlanMode,
} from './plans.ts';
export { type ConfigProblem, ProblemList } from './problems.ts';
export { acceptSettings, DEFAULT_SANDBOX_KEYS_PATH, loadConfig, resolveSettings } from './resolve.ts';
export { EnvSchema, type RawEnv } from './schema.ts';
export type { AppConfig, SandboxKeys } from './settings.ts';
// For `@qianyue/doctor`: where a value comes from, by the same rules (it reads values to explain problems).
export {
  createSources,
  type Env,
  plainSource,
  readSandboxKeys,
  secretSource,
  withoutEmpty,
} from './sources.ts';
