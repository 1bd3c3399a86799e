import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/*
 * A throwaway PostgreSQL cluster : initdb + pg_ctl as user `postgres` in a temp dir,
 * on a loopback port. Returns undefined (the caller prints a note and skips) when the binaries are absent or
 * it cannot start. Stopped by its own postmaster pid only.
 */
export interface Postgres {
  url: string;
  stop(): void;
  /**
   * CPU seconds (user + system) the cluster has used so far: the postmaster, its live children (backends) and
   * its reaped ones. Undefined for an external DATABASE_URL or without /proc.
   */
  cpuSeconds(): number | undefined;
}

/** utime + stime (+ reaped children's) of one process from /proc/<pid>/stat, in clock ticks, and its parent. */
function procTimes(pid: number): { ppid: number; ticks: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces, hence the last ')'): state is field 3.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) };
  } catch {
    return undefined;
  }
}

export function startPostgres(port = 55_000 + Math.floor(Math.random() * 900)): Postgres | undefined {
  if (process.env.DATABASE_URL?.startsWith('postgres')) {
    return { url: process.env.DATABASE_URL, stop: () => {}, cpuSeconds: () => undefined };
  }
  const has = spawnSync('sh', ['-c', 'command -v initdb && command -v pg_ctl'], { encoding: 'utf8' });
  if (has.status !== 0) return undefined;
  const work = mkdtempSync(path.join(os.tmpdir(), 'qianyue-bench-pg-'));
  chmodSync(work, 0o777);
  const asPg = (cmd: string) => {
    const root = process.getuid?.() === 0;
    execFileSync(root ? 'su' : 'sh', root ? ['postgres', '-s', '/bin/sh', '-c', cmd] : ['-c', cmd], {
      stdio: 'ignore',
    });
  };
  try {
    asPg(`initdb -D ${work}/data -A trust -U postgres >/dev/null`);
    asPg(
      `pg_ctl -D ${work}/data -l ${work}/log -o "-p ${port} -c listen_addresses=127.0.0.1 -k ${work}" -w start`,
    );
  } catch {
    rmSync(work, { recursive: true, force: true });
    return undefined;
  }
  const ticksPerSecond = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    cpuSeconds() {
      try {
        const postmaster = Number(readFileSync(`${work}/data/postmaster.pid`, 'utf8').split('\n')[0]);
        let ticks = 0;
        for (const entry of readdirSync('/proc')) {
          const pid = Number(entry);
          if (!Number.isInteger(pid) || pid <= 0) continue;
          const t = procTimes(pid);
          // Reaped children's time is in the postmaster's cutime/cstime, which procTimes includes.
          if (t && (pid === postmaster || t.ppid === postmaster)) ticks += t.ticks;
        }
        return ticks / ticksPerSecond;
      } catch {
        return undefined;
      }
    },
    stop() {
      try {
        const pid = Number(readFileSync(`${work}/data/postmaster.pid`, 'utf8').split('\n')[0]);
        process.kill(pid, 'SIGINT');
        for (let i = 0; i < 100; i++) {
          try {
            process.kill(pid, 0);
            execFileSync('sleep', ['0.1']);
          } catch {
            break;
          }
        }
      } catch {}
      rmSync(work, { recursive: true, force: true });
    },
  };
}
