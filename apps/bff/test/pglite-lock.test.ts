import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../src/db/create-database.ts';
import { acquirePgliteLock, inspectPgliteLock, PGLITE_LOCK_FILE } from '../src/db/pglite-lock.ts';
import { DatabaseInUseError } from '../src/errors.ts';

/* The lock that keeps a second process off an embedded PGlite directory (the two-process test is in apps/doctor). */

const dirs: string[] = [];
const fresh = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'qianyue-lock-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A pid no process has (counting down from the top of the pid space). */
function deadPid(): number {
  for (let pid = 4_194_000; pid > 1000; pid--) {
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as { code?: string }).code === 'ESRCH') return pid;
    }
  }
  throw new Error('no free pid');
}
const write = (dir: string, content: string) => writeFileSync(path.join(dir, PGLITE_LOCK_FILE), content);
const holder = (pid: number, host = hostname()) =>
  JSON.stringify({ pid, host, since: '2026-11-30T00:00:00Z' });

describe('inspectPgliteLock', () => {
  it.each([
    { name: 'no lock file', content: undefined, state: 'free' },
    { name: 'a live process on this host', content: () => holder(process.pid), state: 'held' },
    { name: 'a process that is gone', content: () => holder(deadPid()), state: 'stale' },
    {
      name: 'a process on another host (cannot be checked)',
      content: () => holder(deadPid(), 'elsewhere'),
      state: 'held',
    },
    { name: 'a file that is not a lock', content: () => 'garbage', state: 'stale' },
  ])('$name → $state', ({ content, state }) => {
    const dir = fresh();
    if (content) write(dir, content());
    expect(inspectPgliteLock(dir).state).toBe(state);
  });
});

describe('acquirePgliteLock', () => {
  it('takes a free directory, names this process, and gives it back', () => {
    const dir = fresh();
    const lock = acquirePgliteLock(dir);
    expect(JSON.parse(readFileSync(path.join(dir, PGLITE_LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    expect(() => acquirePgliteLock(dir)).toThrow(DatabaseInUseError);
    lock.release();
    expect(inspectPgliteLock(dir).state).toBe('free');
  });

  it('refuses a directory a live process holds, naming it, and leaves its lock alone', () => {
    const dir = fresh();
    write(dir, holder(1));
    const err = (() => {
      try {
        acquirePgliteLock(dir);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(DatabaseInUseError);
    expect((err as DatabaseInUseError).pid).toBe(1);
    expect((err as Error).message).toContain('in use by process 1');
    expect(JSON.parse(readFileSync(path.join(dir, PGLITE_LOCK_FILE), 'utf8')).pid).toBe(1);
  });

  it('replaces a stale lock and says whose it was', () => {
    const dir = fresh();
    const dead = deadPid();
    write(dir, holder(dead));
    const lock = acquirePgliteLock(dir);
    expect(lock.replaced?.pid).toBe(dead);
    lock.release();
  });

  it('release leaves a lock that is no longer this one alone', () => {
    const dir = fresh();
    const lock = acquirePgliteLock(dir);
    write(dir, holder(1));
    lock.release();
    expect(inspectPgliteLock(dir).state).toBe('held');
  });
});

describe('createDatabase on a PGlite directory', () => {
  it('holds it while open: a second database on it fails with DatabaseInUseError; closed, it is free', async () => {
    const dir = fresh();
    const a = createDatabase(dir);
    await a.selectNoFrom((eb) => eb.val(1).as('one')).execute();
    const b = createDatabase(dir);
    await expect(b.selectNoFrom((eb) => eb.val(1).as('one')).execute()).rejects.toBeInstanceOf(
      DatabaseInUseError,
    );
    await b.destroy();
    await a.destroy();
    expect(inspectPgliteLock(dir).state).toBe('free');
  }, 60_000);
});
