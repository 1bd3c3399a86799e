import { describe } from 'vitest';
import { postgresBinaries } from '../../apps/bff/test/helpers/postgres.ts';

export { startPostgres, type TestPostgres } from '../../apps/bff/test/helpers/postgres.ts';

export const pgAvailable = postgresBinaries() !== undefined;

/** describe on a machine with PostgreSQL (always in CI: a missing binary fails there); loud skip elsewhere. */
export function pgDescribe(name: string): typeof describe | typeof describe.skip {
  if (pgAvailable || process.env.CI) return describe;
  console.warn(
    `\n!!! PostgreSQL binaries (initdb/pg_ctl) not found: SKIPPING reliability scenario "${name}". Install postgresql-15 to run it. !!!\n`,
  );
  return describe.skip;
}
