/*
 * Everything the doctor takes from the BFF, in one place: the doctor must read configuration exactly as the
 * BFF does (same variables, same defaults, same key loaders, same database opener and migration list).
 * TEMPORARY: relative imports until @qianyue/bff's index exports these names.
 */
export { DEFAULT_SANDBOX_KEYS_PATH, EnvSchema, loadConfig } from '../../bff/src/config.ts';
export { createDatabase, databaseKind, migrateToLatest } from '../../bff/src/db/create-database.ts';
export { migrationProvider } from '../../bff/src/db/migrations/index.ts';
export { BffConfigError } from '../../bff/src/errors.ts';
