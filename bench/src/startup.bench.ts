import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchBffEnv } from './support/bff-config.ts';
import { startPostgres } from './support/postgres.ts';

/*
 * Issue 15: start-up of the BFF, compiled deploy folder (`node server.js`) vs the workspace as staff ran it
 * before (`tsx src/server.ts` in apps/bff, i.e. `pnpm --filter @qianyue/bff start` without pnpm's own start).
 * Each start is a fresh process: wall time from spawn to the first 200 from GET /healthz (polled every 10 ms),
 * then the resident memory of the process tree (tsx runs the server in a child node) read at that moment.
 * Rounds interleave the two variants in rotating order on each database; the first round is a discarded
 * warm-up (it also migrates the databases, so later starts measure a restart against an existing schema).
 */

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MB = 1024 * 1024;

interface Start {
  ms: number;
  cpuMs: number;
  rssBytes: number;
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

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/**
 * Resident memory and CPU time (user + system) so far of `pid` and all its descendants, from /proc. CPU time is
 * the figure other load on a shared machine disturbs least; wall time is what an orchestrator waits.
 */
function treeUsage(pid: number): { rssBytes: number; cpuMs: number } {
  const stats = new Map<number, string[]>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      // Fields after "(comm) ": state, ppid, …, utime (index 11), stime (index 12).
      stats.set(Number(e), stat.slice(stat.lastIndexOf(')') + 2).split(' '));
    } catch {}
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, f] of stats) if (Number(f[1]) === tree[i]) tree.push(child);
  }
  let kb = 0;
  let ticks = 0;
  for (const p of tree) {
    const f = stats.get(p);
    ticks += Number(f?.[11] ?? 0) + Number(f?.[12] ?? 0);
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      kb += Number(m?.[1] ?? 0);
    } catch {}
  }
  return { rssBytes: kb * 1024, cpuMs: (ticks / TICKS_PER_SECOND) * 1000 };
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const done = new Promise<void>((r) => proc.once('exit', () => r()));
  proc.kill('SIGTERM');
  const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
  await done;
  clearTimeout(t);
}

/** One start: spawn, poll /healthz, read the tree's RSS, SIGTERM. */
async function measureStart(cmd: string[], cwd: string, env: Record<string, string>): Promise<Start> {
  const port = await freePort();
  const t0 = performance.now();
  const proc = spawn(cmd[0] as string, cmd.slice(1), {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, BFF_PORT: String(port) },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`${cmd.join(' ')} exited (${proc.exitCode})`);
      if (performance.now() - t0 > 120_000) throw new Error(`${cmd.join(' ')}: no /healthz in 120 s`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`);
        if (res.status === 200) break;
      } catch {}
      await new Promise((r) => setTimeout(r, 10));
    }
    const ms = performance.now() - t0;
    return { ms, ...treeUsage(proc.pid as number) };
  } finally {
    await stop(proc);
  }
}

function bytes(dir: string, skip: string[] = []): number {
  const st = lstatSync(dir);
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const e of readdirSync(dir)) if (!skip.includes(e)) total += bytes(path.join(dir, e));
  return total;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

export async function startupReport(o: { quick: boolean }): Promise<string> {
  const rounds = Number(process.env.BENCH_STARTUP_ROUNDS ?? (o.quick ? 2 : 7));
  const work = mkdtempSync(path.join(os.tmpdir(), 'qianyue-bench-startup-'));
  const dir = path.join(work, 'deploy');
  const pg = startPostgres();
  try {
    const b0 = performance.now();
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'scripts/build-deploy.mjs'), dir], {
      cwd: REPO_ROOT,
      stdio: 'ignore',
    });
    const buildSeconds = (performance.now() - b0) / 1000;

    const tsx = path.join(REPO_ROOT, 'node_modules/.bin/tsx');
    if (!existsSync(tsx)) throw new Error('tsx not installed at the repository root');
    const variants = [
      { name: 'compiled (`node server.js`)', cmd: [process.execPath, 'server.js'], cwd: dir },
      {
        name: 'tsx (`tsx src/server.ts`)',
        cmd: [tsx, 'src/server.ts'],
        cwd: path.join(REPO_ROOT, 'apps/bff'),
      },
    ];
    const databases: Array<{ label: string; url: (variant: number) => string }> = [
      // A data directory per variant (PGlite allows one process per directory): the warm-up round creates it.
      { label: 'PGlite (data directory)', url: (v) => path.join(work, `pglite-${v}`) },
    ];
    if (pg) databases.push({ label: 'PostgreSQL', url: () => pg.url });

    const rows: string[] = [];
    const ratioRows: string[] = [];
    for (const d of databases) {
      const results: Start[][] = variants.map(() => []);
      const timeRatios: number[] = [];
      const cpuRatios: number[] = [];
      const rssRatios: number[] = [];
      for (let r = 0; r <= rounds; r++) {
        const order = r % 2 === 0 ? [0, 1] : [1, 0];
        const got: Start[] = [];
        for (const v of order) {
          const variant = variants[v] as (typeof variants)[number];
          const env = {
            ...benchBffEnv({ upstream: 'http://127.0.0.1:9', databaseUrl: d.url(v) }),
            NODE_ENV: 'production',
            BFF_HOST: '127.0.0.1',
            RECONCILE_INTERVAL_SECONDS: '0',
          };
          got[v] = await measureStart(variant.cmd, variant.cwd, env);
        }
        if (r === 0) continue; // warm-up: page cache, migrations, PGlite's first initdb
        for (const [v, s] of got.entries()) results[v]?.push(s);
        const [c, t] = got as [Start, Start];
        timeRatios.push(c.ms / t.ms);
        cpuRatios.push(c.cpuMs / t.cpuMs);
        rssRatios.push(c.rssBytes / t.rssBytes);
      }
      variants.forEach((v, i) => {
        const xs = results[i] as Start[];
        const cell = (values: number[]) =>
          `${median(values).toFixed(0)} (${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)})`;
        rows.push(
          `| ${d.label} | ${v.name} | ${cell(xs.map((s) => s.ms))} | ${cell(xs.map((s) => s.cpuMs))} | ${cell(xs.map((s) => s.rssBytes / MB))} |`,
        );
      });
      const ratio = (values: number[]) =>
        `${median(values).toFixed(2)}× (${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)})`;
      ratioRows.push(`| ${d.label} | ${ratio(timeRatios)} | ${ratio(cpuRatios)} | ${ratio(rssRatios)} |`);
    }

    const code = bytes(dir, ['node_modules']) / MB;
    const whole = bytes(dir) / MB;
    return [
      '### BFF start-up: compiled deploy folder vs tsx from the workspace',
      '',
      `${rounds} measured rounds after one warm-up round, the two variants interleaved in rotating order. Time: wall clock from spawn to the first 200 from \`GET /healthz\` (polled every 10 ms); CPU: user + system time the process tree had used by then (less disturbed by other load on a shared machine); RSS: resident memory of the process tree at that moment (the tsx CLI runs the server in a child node process; both are counted). Each start migrates nothing (the warm-up did) and is stopped with SIGTERM.`,
      '',
      '| database | variant | to /healthz, ms wall: median (min–max) | CPU ms to /healthz | RSS after start, MB |',
      '|---|---|---:|---:|---:|',
      ...rows,
      '',
      '| database | compiled ÷ tsx: wall time to /healthz (median of per-round ratios, min–max) | CPU time | RSS |',
      '|---|---:|---:|---:|',
      ...ratioRows,
      ...(pg
        ? []
        : [
            '',
            '- PostgreSQL rows skipped: no throwaway cluster could be started (initdb/pg_ctl missing or failing).',
          ]),
      '',
      `- Artifact (\`pnpm run build:deploy <dir>\`, built in ${buildSeconds.toFixed(1)} s here, production dependencies installed from the local pnpm store): ${code.toFixed(2)} MB of compiled code, launchers, manifest, lockfile and Dockerfile; ${whole.toFixed(1)} MB with \`node_modules\`.`,
    ].join('\n');
  } finally {
    pg?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
