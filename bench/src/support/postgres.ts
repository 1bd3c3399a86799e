import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
}

export function startPostgres(port = 55_000 + Math.floor(Math.random() * 900)): Postgres | undefined {
  if (process.env.DATABASE_URL?.startsWith('postgres')) {
    return { url: process.env.DATABASE_URL, stop: () => {} };
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
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
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
