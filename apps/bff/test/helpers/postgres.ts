import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

/*
 * A throwaway PostgreSQL 15 cluster for the tests (initdb + pg_ctl, as in bench/src/support/postgres.ts): initdb into a temp
 * dir as user `postgres` (PostgreSQL refuses root), start it on a free loopback port, stop it by its own pid.
 */

const BIN_DIRS = ['/usr/lib/postgresql/15/bin', ...(process.env.PATH ?? '').split(':')];

function findBin(name: string): string | undefined {
  for (const dir of BIN_DIRS) {
    const p = path.join(dir, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

export function postgresBinaries(): { initdb: string; pgCtl: string } | undefined {
  const initdb = findBin('initdb');
  const pgCtl = findBin('pg_ctl');
  return initdb && pgCtl ? { initdb, pgCtl } : undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface TestPostgres {
  /** URL of the `postgres` database (admin). */
  adminUrl: string;
  /** Creates a fresh, empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** The postmaster's pid (from its own postmaster.pid). */
  pid(): number;
  /** Stops the server (`pg_ctl stop -m fast` as postgres), keeping its data: an outage. */
  halt(): void;
  /** Starts the halted server again on the same port and data directory. */
  restart(): void;
  stop(): Promise<void>;
}

export async function startPostgres(): Promise<TestPostgres> {
  const bins = postgresBinaries();
  if (!bins) throw new Error('PostgreSQL binaries (initdb, pg_ctl) not found');
  const work = mkdtempSync(path.join(tmpdir(), 'qianyue-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(work, Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), 0);
  const run = (file: string, args: string[]) => {
    if (asRoot) {
      const cmd = [file, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
      execFileSync('su', ['postgres', '-s', '/bin/sh', '-c', cmd], { stdio: 'pipe' });
    } else {
      execFileSync(file, args, { stdio: 'pipe' });
    }
  };
  const data = path.join(work, 'data');
  run(bins.initdb, ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const port = await freePort();
  const start = () =>
    run(bins.pgCtl, [
      '-D',
      data,
      '-l',
      path.join(work, 'log'),
      '-o',
      `-p ${port} -c listen_addresses=127.0.0.1 -k ${work} -c fsync=off`,
      '-w',
      'start',
    ]);
  start();
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    adminUrl,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`create database "${name.replace(/"/g, '')}"`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    pid: () => Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]),
    halt() {
      run(bins.pgCtl, ['-D', data, '-m', 'fast', '-w', 'stop']);
    },
    restart: start,
    async stop() {
      try {
        const pid = Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
        if (pid > 0) process.kill(pid, 'SIGINT');
        // Wait (bounded) for the postmaster to exit before removing its directory.
        for (let i = 0; i < 200 && existsSync(path.join(data, 'postmaster.pid')); i++) {
          await new Promise((r) => setTimeout(r, 25));
        }
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    },
  };
}
