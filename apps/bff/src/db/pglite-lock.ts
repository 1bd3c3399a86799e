import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { DatabaseInUseError } from '../errors.ts';

/*
 * PGlite is one Postgres session inside one process, and it does not stop a second process from opening the
 * same directory (both then write the same files). Its own `postmaster.pid` carries a fixed fake pid (-42), so
 * it cannot tell a live holder from a crashed one. This lock can: `<dir>/qianyue.lock` names the pid and host
 * of the process that has the directory open; it is created atomically (link of a complete temporary file)
 * and removed on close. A lock whose process is gone (kill -9, power loss) is stale and is replaced.
 */

export const PGLITE_LOCK_FILE = 'qianyue.lock';

export interface PgliteLockHolder {
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  since: string;
}

export type PgliteLockState =
  | { state: 'free' }
  | { state: 'held'; holder: PgliteLockHolder }
  /** The named process is not running on this host (or the file is unreadable): safe to replace. */
  | { state: 'stale'; holder?: PgliteLockHolder };

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, it is just not ours to signal.
    return (err as { code?: string }).code === 'EPERM';
  }
}

function parseHolder(text: string): PgliteLockHolder | undefined {
  try {
    const v = JSON.parse(text) as Partial<PgliteLockHolder>;
    if (Number.isInteger(v.pid) && (v.pid as number) > 0 && typeof v.host === 'string') {
      return { pid: v.pid as number, host: v.host, since: String(v.since ?? '') };
    }
  } catch {}
  return undefined;
}

/** Who holds `dir`, without taking it. A holder on another host cannot be checked and counts as live. */
export function inspectPgliteLock(dir: string): PgliteLockState {
  let text: string;
  try {
    text = readFileSync(path.join(dir, PGLITE_LOCK_FILE), 'utf8');
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return { state: 'free' };
    throw err;
  }
  const holder = parseHolder(text);
  if (!holder) return { state: 'stale' };
  if (holder.host !== hostname() || isRunning(holder.pid)) return { state: 'held', holder };
  return { state: 'stale', holder };
}

export interface PgliteLock {
  /** A stale lock this acquisition replaced, for the caller to mention. */
  replaced?: PgliteLockHolder;
  release(): void;
}

/** Takes `dir` for this process or throws `DatabaseInUseError` naming the live holder. */
export function acquirePgliteLock(dir: string): PgliteLock {
  const file = path.join(dir, PGLITE_LOCK_FILE);
  const mine: PgliteLockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(temp, `${JSON.stringify(mine)}\n`, { mode: 0o644 });
  let replaced: PgliteLockHolder | undefined;
  try {
    // Two tries: the second after removing a stale lock. Losing the race to another process is "in use".
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        linkSync(temp, file);
        return {
          ...(replaced ? { replaced } : {}),
          release: () => releaseIfMine(file, mine),
        };
      } catch (err) {
        if ((err as { code?: string }).code !== 'EEXIST') throw err;
      }
      const seen = inspectPgliteLock(dir);
      if (seen.state === 'held') throw new DatabaseInUseError(dir, seen.holder.pid, seen.holder.host);
      if (seen.state === 'stale') {
        replaced = seen.holder;
        try {
          unlinkSync(file);
        } catch (err) {
          if ((err as { code?: string }).code !== 'ENOENT') throw err;
        }
      }
    }
    const now = inspectPgliteLock(dir);
    throw new DatabaseInUseError(dir, now.state === 'held' ? now.holder.pid : undefined);
  } finally {
    unlinkSync(temp);
  }
}

function releaseIfMine(file: string, mine: PgliteLockHolder): void {
  try {
    const holder = parseHolder(readFileSync(file, 'utf8'));
    if (holder?.pid === mine.pid && holder.since === mine.since) unlinkSync(file);
  } catch {}
}
