import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { Migrator } from 'kysely';
import {
  createDatabase,
  DatabaseInUseError,
  DEFAULT_PGLITE_DIR,
  databaseKind,
  inspectPgliteLock,
  migrationProvider,
} from '../bff.ts';
import { askReadiness, localBffUrl } from '../bff-readiness.ts';
import { type DoctorContext, defineCheck, type Finding } from '../check.ts';
import { explainDatabaseError } from '../explain/database-error.ts';
import { describeDatabaseUrl } from '../sources.ts';
import { withTimeout } from '../timeout.ts';

const variable = 'DATABASE_URL';
type DatabaseFinding = Finding<undefined>;

/**
 * PGlite allows one process at a time, so a directory the BFF holds is never opened a second time: the
 * doctor asks that BFF's /readyz instead (the BFF migrates at start, so a ready BFF has a migrated database).
 */
async function throughRunningBff(
  ctx: DoctorContext,
  shown: string,
  holder: { pid?: number; host?: string },
): Promise<DatabaseFinding> {
  const raw = ctx.sources.raw;
  const url = localBffUrl(String(raw.BFF_HOST ?? '127.0.0.1'), Number(raw.BFF_PORT) || 8700);
  const elsewhere = holder.host && holder.host !== hostname() ? ` on ${holder.host}` : '';
  const who = `${holder.pid ? `process ${holder.pid}` : 'another process'}${elsewhere}`;
  const answer = await askReadiness(url, ctx.timeoutMs);
  if (answer.ready) {
    return {
      status: 'pass',
      variable,
      detail: `${shown}: in use by ${who}, the running BFF; not opened a second time (PGlite allows one process) — ${url}/readyz reports its database ready`,
    };
  }
  return {
    status: 'fail',
    variable,
    detail: `${shown}: in use by ${who}, and no ready BFF at ${url}/readyz: ${answer.why}; doctor does not open a PGlite directory another process holds`,
    fix: 'if that process is the BFF, give doctor the same BFF_HOST and BFF_PORT; otherwise stop it (PGlite allows one process at a time) and run doctor again',
  };
}

async function openAndCount(url: string, shown: string, ctx: DoctorContext, note: string) {
  const kind = databaseKind(url);
  const db = createDatabase(url);
  try {
    const migrations = await withTimeout(
      (async () => {
        await db.selectNoFrom((eb) => eb.val(1).as('one')).execute();
        return new Migrator({ db, provider: migrationProvider }).getMigrations();
      })(),
      ctx.timeoutMs,
    );
    const pending = migrations.filter((m) => !m.executedAt).map((m) => m.name);
    if (pending.length) {
      return {
        status: 'fail',
        variable,
        detail: `${shown}: reachable, but ${pending.length} migration(s) not applied: ${pending.join(', ')}${note}`,
        fix: 'start one BFF (it applies migrations at start-up under an advisory lock), then run doctor again',
      } satisfies DatabaseFinding;
    }
    return {
      status: 'pass',
      variable,
      detail: `${shown}: reachable, ${migrations.length} migrations applied${note}`,
    } satisfies DatabaseFinding;
  } catch (err) {
    // The BFF took the directory between our look at its lock and our open.
    if (err instanceof DatabaseInUseError) return throughRunningBff(ctx, shown, err);
    return {
      status: 'fail',
      variable,
      detail: `${shown}: ${explainDatabaseError(err, ctx.timeoutMs)}`,
      fix:
        kind === 'postgres'
          ? 'check host, port, user, password and database name in DATABASE_URL, that PostgreSQL is running, and that this host may connect (pg_hba.conf, security groups)'
          : 'check the permissions of this PGlite directory, and that no other program uses it',
    } satisfies DatabaseFinding;
  } finally {
    await db.destroy().catch(() => {});
  }
}

export const database = defineCheck({
  id: 'database',
  title: 'Database reachable and migrated',
  needs: [],
  uses: [],
  variables: ['DATABASE_URL'],
  async run(ctx): Promise<DatabaseFinding> {
    const url = String(ctx.sources.env.DATABASE_URL ?? '');
    const shown = describeDatabaseUrl(url);
    if (url.startsWith('memory://')) {
      return ctx.mode === 'production'
        ? {
            status: 'fail',
            variable,
            detail: `${shown}: every restart loses all contracts`,
            fix: 'set DATABASE_URL=postgres://user:password@host:5432/qianyue (docs/deploy.md)',
          }
        : {
            status: 'warn',
            variable,
            detail: `${shown}: nothing persists; the BFF migrates it at start`,
            fix: 'use a directory or postgres:// URL to keep data',
          };
    }
    let note = '';
    if (databaseKind(url) === 'pglite') {
      const dir = path.resolve(url || DEFAULT_PGLITE_DIR);
      if (!existsSync(path.join(dir, 'PG_VERSION'))) {
        return {
          status: 'fail',
          variable,
          detail: `no PGlite database in ${dir}`,
          fix: 'start the BFF once from the same working directory (it creates and migrates the database), or set DATABASE_URL to the directory it uses',
        };
      }
      const lock = inspectPgliteLock(dir);
      if (lock.state === 'held') return throughRunningBff(ctx, shown, lock.holder);
      if (lock.state === 'stale') {
        note = `; its lock was left by ${lock.holder ? `process ${lock.holder.pid}, which is no longer running` : 'a process that wrote no pid'} (it stopped without closing the database) and was replaced`;
      }
    }
    return openAndCount(url, shown, ctx, note);
  },
});
