import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, Migrator, PostgresDialect } from 'kysely';
import pg from 'pg';
import { DatabaseInUseError } from '../errors.ts';
import type { Database } from './database.ts';
import { migrationProvider } from './migrations/index.ts';
import { createPgliteDialect } from './pglite-dialect.ts';
import { acquirePgliteLock, type PgliteLock } from './pglite-lock.ts';
import { createStatementNames, preparingClient } from './prepared-statements.ts';

export const DEFAULT_PGLITE_DIR = '.data/pglite';

export type DatabaseKind = 'postgres' | 'pglite';

export function databaseKind(url: string): DatabaseKind {
  return /^postgres(ql)?:\/\//.test(url) ? 'postgres' : 'pglite';
}

/**
 * `DATABASE_URL`: `postgres://…` → PostgreSQL through `pg`; empty → embedded PGlite in `.data/pglite`;
 * `memory://` → PGlite in memory (tests); any other value → a PGlite data directory, which this process then
 * holds (pglite-lock.ts): a second process opening it gets `DatabaseInUseError` instead of a corrupted database.
 */
export function createDatabase(url: string, o: { preparedStatements?: boolean } = {}): Kysely<Database> {
  if (databaseKind(url) === 'postgres') {
    const pool = new pg.Pool({
      connectionString: url,
      max: 10,
      connectionTimeoutMillis: 5_000,
      // DATABASE_PREPARED_STATEMENTS=false for a pooler that cannot keep them (PgBouncer in transaction mode
      // before 1.21); see prepared-statements.ts for which statements are prepared and why that is safe.
      ...(o.preparedStatements === false ? {} : { Client: preparingClient(createStatementNames()) }),
    });
    // An idle client losing its server must not crash the process; the next query reports the problem.
    pool.on('error', () => {});
    return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }
  const dataDir = url === '' ? DEFAULT_PGLITE_DIR : url;
  if (dataDir.startsWith('memory://')) {
    return new Kysely<Database>({ dialect: createPgliteDialect({ pglite: () => new PGlite(dataDir) }) });
  }
  mkdirSync(dataDir, { recursive: true });
  // Taken when the directory is first opened and given back after PGlite has closed it (pglite-lock.ts).
  let lock: PgliteLock | undefined;
  const open = async () => {
    lock = acquirePgliteLock(dataDir);
    try {
      const pglite = new PGlite(dataDir);
      await pglite.waitReady;
      return pglite;
    } catch (err) {
      // Kysely never destroys a driver whose init failed: give the directory back here.
      lock.release();
      throw err;
    }
  };
  return new Kysely<Database>({
    dialect: createPgliteDialect({ pglite: open, onClosed: () => lock?.release() }),
  });
}

/** Runs pending migrations. Kysely's Postgres adapter takes an advisory lock, so replicas can start together. */
export async function migrateToLatest(db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error instanceof DatabaseInUseError) throw error;
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed`, { cause: error });
  }
}

/** Errors that mean "the database is not there" (connection refused, closed, shutting down), not a bug. */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'].includes(code)) return true;
    // SQLSTATE classes 08 (connection), 53 (resources), 57P (operator intervention / shutdown).
    if (/^(08|53|57P)/.test(code)) return true;
  }
  return /PGlite is closed|Connection terminated|driver has already been destroyed|not initialised/i.test(
    err.message,
  );
}
