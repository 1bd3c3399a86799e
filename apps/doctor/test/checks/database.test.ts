import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type TestPostgres } from '../../../bff/test/helpers/postgres.ts';
import { createDatabase, migrateToLatest, PGLITE_LOCK_FILE } from '../../src/bff.ts';
import { database } from '../../src/checks/database.ts';
import { closedPort, migratedPglite } from '../helpers.ts';
import { type Expected, expectResult, runSome } from './support.ts';

/*
 * The database check over real databases: PGlite directories (migrated, empty, never created, held by a live
 * process, left locked by a dead one) and a throwaway PostgreSQL cluster. The check with a running BFF in
 * another process is in test/database-lock.test.ts.
 */

let pglite: Awaited<ReturnType<typeof migratedPglite>>;
let postgres: TestPostgres;
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'qianyue-doctor-dbcheck-'));
  dirs.push(d);
  return d;
};

/** A PGlite directory created but never migrated (what a crashed first start could leave). */
async function unmigratedPglite(): Promise<string> {
  const dir = tempDir();
  const db = createDatabase(dir);
  await db.selectNoFrom((eb) => eb.val(1).as('one')).execute();
  await db.destroy();
  return dir;
}

/** A dead pid: a short-lived child that has exited. */
function deadPid(): number {
  let pid = 99_999_999;
  for (; pid > 4_000_000; pid--) {
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as { code?: string }).code === 'ESRCH') return pid;
    }
  }
  return pid;
}

const writeLock = (dir: string, pid: number) =>
  writeFileSync(
    path.join(dir, PGLITE_LOCK_FILE),
    `${JSON.stringify({ pid, host: hostname(), since: '2026-11-30T00:00:00.000Z' })}\n`,
  );

beforeAll(async () => {
  pglite = await migratedPglite();
  postgres = await startPostgres();
}, 120_000);
afterAll(async () => {
  pglite?.remove();
  await postgres?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Row extends Expected {
  name: string;
  env: () => Promise<Record<string, string>> | Record<string, string>;
  after?: (env: Record<string, string>) => void;
}

const rows: Row[] = [
  {
    name: 'memory in sandbox mode: works, keeps nothing',
    env: () => ({ DATABASE_URL: 'memory://' }),
    status: 'warn',
    detail: 'PGlite in memory: nothing persists; the BFF migrates it at start',
  },
  {
    name: 'memory in production: fails',
    env: () => ({ DATABASE_URL: 'memory://', WECHATPAY_MODE: 'production' }),
    status: 'fail',
    detail: 'PGlite in memory: every restart loses all contracts',
    fix: 'postgres://',
  },
  {
    name: 'a migrated PGlite directory',
    env: () => ({ DATABASE_URL: pglite.dir }),
    status: 'pass',
    detail: /^embedded PGlite in .+: reachable, \d+ migrations applied$/,
    after: (env) => expect(readdirLock(env.DATABASE_URL!)).toBeUndefined(), // the doctor gave it back
  },
  {
    name: 'a directory that holds no database',
    env: () => ({ DATABASE_URL: tempDir() }),
    status: 'fail',
    detail: /^no PGlite database in /,
    fix: 'start the BFF once',
  },
  {
    name: 'a PGlite database the migrations have not reached',
    env: async () => ({ DATABASE_URL: await unmigratedPglite() }),
    status: 'fail',
    detail: /: reachable, but \d+ migration\(s\) not applied: 0001/,
    fix: 'start one BFF',
  },
  {
    name: 'a lock left by a process that is gone: replaced, said, and given back',
    env: async () => {
      const { dir } = await migratedPglite();
      dirs.push(dir);
      writeLock(dir, deadPid());
      return { DATABASE_URL: dir };
    },
    status: 'pass',
    detail:
      /: reachable, \d+ migrations applied; its lock was left by process \d+, which is no longer running \(it stopped without closing the database\) and was replaced$/,
    after: (env) => expect(readdirLock(env.DATABASE_URL!)).toBeUndefined(),
  },
  {
    name: 'a lock held by a live process with no BFF answering: not opened, said so',
    env: async () => ({ DATABASE_URL: pglite.dir, BFF_PORT: String(await closedPort()), __LOCK: 'self' }),
    status: 'fail',
    detail: new RegExp(
      `: in use by process ${process.pid}, and no ready BFF at http://127\\.0\\.0\\.1:\\d+/readyz: nothing answered \\(ECONNREFUSED\\); doctor does not open a PGlite directory another process holds$`,
    ),
    fix: 'BFF_HOST and BFF_PORT',
    // Untouched: still this process's lock.
    after: (env) => expect(readdirLock(env.DATABASE_URL!)?.pid).toBe(process.pid),
  },
  {
    name: 'PostgreSQL, migrated',
    env: async () => {
      const url = await postgres.createDatabase('doctor_migrated');
      const db = createDatabase(url);
      await migrateToLatest(db);
      await db.destroy();
      return { DATABASE_URL: url };
    },
    status: 'pass',
    detail: /^postgres:\/\/.+\/doctor_migrated: reachable, \d+ migrations applied$/,
  },
  {
    name: 'PostgreSQL, empty',
    env: async () => ({ DATABASE_URL: await postgres.createDatabase('doctor_empty') }),
    status: 'fail',
    detail: /doctor_empty: reachable, but \d+ migration\(s\) not applied/,
  },
  {
    name: 'PostgreSQL, a database that does not exist',
    env: () => ({ DATABASE_URL: postgres.adminUrl.replace(/\/postgres$/, '/doctor_missing') }),
    status: 'fail',
    detail: /doctor_missing: database does not exist$/,
    fix: 'pg_hba.conf',
  },
  {
    name: 'PostgreSQL refusing connections, password never shown',
    env: async () => ({
      DATABASE_URL: `postgres://qianyue:TESTONLY-db-password@127.0.0.1:${await closedPort()}/qianyue`,
    }),
    status: 'fail',
    detail: /^postgres:\/\/qianyue:\*\*\*@127\.0\.0\.1:\d+\/qianyue: connection refused$/,
  },
];

function readdirLock(dir: string): { pid: number } | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, PGLITE_LOCK_FILE), 'utf8'));
  } catch {
    return undefined;
  }
}

describe('database', () => {
  it.each(rows)('$name', async (row) => {
    const { __LOCK, ...env } = await row.env();
    if (__LOCK) writeLock(env.DATABASE_URL!, process.pid);
    try {
      const result = await runSome([database], env, { timeoutMs: 5_000 });
      expectResult(result('database'), row);
      row.after?.(env);
    } finally {
      if (__LOCK) rmSync(path.join(env.DATABASE_URL!, PGLITE_LOCK_FILE), { force: true });
    }
  });
});
