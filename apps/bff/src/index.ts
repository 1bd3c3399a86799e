export { type AppDeps, buildApp } from './app.ts';
export {
  type AppConfig,
  acceptSettings,
  type BillingTerms,
  type ConfigProblem,
  createSources,
  DEFAULT_SANDBOX_KEYS_PATH,
  EnvSchema,
  loadConfig,
  type PlanConfig,
  type PlanMode,
  ProblemList,
  plainSource,
  readSandboxKeys,
  resolveSettings,
  type SandboxKeys,
  secretSource,
  withoutEmpty,
} from './config.ts';
// For `@qianyue/doctor`: open the database the BFF would, and know which migrations it expects.
export {
  createDatabase,
  DEFAULT_PGLITE_DIR,
  databaseKind,
  migrateToLatest,
} from './db/create-database.ts';
export { migrationProvider } from './db/migrations/index.ts';
export { inspectPgliteLock, PGLITE_LOCK_FILE, type PgliteLockState } from './db/pglite-lock.ts';
export * from './errors.ts';
