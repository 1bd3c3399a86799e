/*
 * Everything the doctor takes from the BFF, in one place: the doctor reads configuration through the BFF's
 * own resolver (same variables, same rules, same problems), and opens the database the way the BFF does.
 */

export type { AppConfig, ConfigProblem, PgliteLockState, PlanConfig, SandboxKeys } from '@qianyue/bff';
export {
  acceptSettings,
  BffConfigError,
  createDatabase,
  createSources,
  DatabaseInUseError,
  DEFAULT_PGLITE_DIR,
  databaseKind,
  EnvSchema,
  inspectPgliteLock,
  loadConfig,
  migrateToLatest,
  migrationProvider,
  PGLITE_LOCK_FILE,
  ProblemList,
  plainSource,
  readSandboxKeys,
  resolveSettings,
  secretSource,
  withoutEmpty,
} from '@qianyue/bff';
