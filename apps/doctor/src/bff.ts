/*
 * Everything the doctor takes from the BFF, in one place: the doctor must read configuration exactly as the
 * BFF does (same variables, same defaults, same key loaders, same database opener and migration list).
 */

export type { PgliteLockState, SandboxKeys } from '@qianyue/bff';
export {
  BffConfigError,
  createDatabase,
  DatabaseInUseError,
  DEFAULT_PGLITE_DIR,
  DEFAULT_SANDBOX_KEYS_PATH,
  databaseKind,
  EnvSchema,
  inspectPgliteLock,
  loadConfig,
  migrateToLatest,
  migrationProvider,
  PGLITE_LOCK_FILE,
} from '@qianyue/bff';
