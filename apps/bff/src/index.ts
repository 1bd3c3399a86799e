export { type AppDeps, buildApp } from './app.ts';
export {
  type AppConfig,
  type BillingTerms,
  type ConfigProblem,
  DEFAULT_SANDBOX_KEYS_PATH,
  EnvSchema,
  loadConfig,
  type PlanConfig,
  type PlanMode,
  resolveSettings,
  type SandboxKeys,
} from './config.ts';
// For `@qianyue/doctor`: open the database the BFF would, and know which migrations it expects.
export { createDatabase, databaseKind, migrateToLatest } from './db/create-database.ts';
export { migrationProvider } from './db/migrations/index.ts';
export * from './errors.ts';
