import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PGLITE_LOCK_FILE } from '../src/bff.ts';
import type { DoctorReport } from '../src/index.ts';
import { closedPort, goodEnv, migratedPglite, type RunningSandbox, startSandbox } from './helpers.ts';

/*
 * PGlite is one process's database. Real processes here: a BFF started from its server.ts holds an embedded
 * PGlite directory; the doctor CLI, run beside it, must check the database through that BFF's /readyz and
 * never open the directory; a second BFF must refuse the directory; after the BFF is killed (-9) its lock is
 * stale, which the doctor says, and a new BFF starts on the same data.
 */

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

let sandbox: RunningSandbox;
let db: Awaited<ReturnType<typeof migratedPglite>>;
const children: ChildProcess[] = [];

beforeAll(async () => {
  sandbox = await startSandbox();
  db = await migratedPglite();
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await sandbox?.close();
  db?.remove();
});

function spawnTsx(script: string, args: string[], env: Record<string, string>) {
  // node itself with tsx's loader (not the tsx wrapper), so the child's pid is the BFF's own.
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return { child, output: () => output, exited };
}

/** A BFF process on `env`, ready (its /readyz answers 200) or rejected with what it printed. */
async function startBff(env: Record<string, string>) {
  const bff = spawnTsx('apps/bff/src/server.ts', [], { ...env, LOG_LEVEL: 'warn' });
  for (let i = 0; i < 300 && bff.child.exitCode === null; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${env.BFF_PORT}/readyz`)).ok) return bff;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`BFF did not become ready:\n${bff.output()}`);
}

async function doctor(env: Record<string, string>) {
  const run = spawnTsx('apps/doctor/src/cli.ts', ['--json'], env);
  const code = await run.exited;
  const report = JSON.parse(run.output()) as DoctorReport;
  return { code, database: report.checks.find((c) => c.id === 'database')! };
}

const lockHolder = () => {
  const file = path.join(db.dir, PGLITE_LOCK_FILE);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { pid: number }).pid : undefined;
};

describe('an embedded PGlite directory used by a running BFF', () => {
  it('is checked through the BFF, refused to a second BFF, and a crash leaves a stale lock the doctor names', async () => {
    const env = goodEnv(sandbox.url, db.dir, { BFF_PORT: String(await closedPort()) });
    const bff = await startBff(env);
    const bffPid = bff.child.pid!;
    expect(lockHolder()).toBe(bffPid);

    // 1. The doctor beside the running BFF: through /readyz, the directory is not opened a second time.
    const beside = await doctor(env);
    expect(beside.code).toBe(0);
    expect(beside.database.status).toBe('pass');
    expect(beside.database.detail).toContain(
      `in use by process ${bffPid}, the running BFF; not opened a second time`,
    );
    expect(beside.database.detail).toContain('/readyz reports its database ready');
    expect(lockHolder()).toBe(bffPid);
    expect((await fetch(`http://127.0.0.1:${env.BFF_PORT}/readyz`)).status).toBe(200);

    // 2. A second BFF on the same directory refuses to start and says who holds it.
    const second = spawnTsx('apps/bff/src/server.ts', [], { ...env, BFF_PORT: String(await closedPort()) });
    expect(await second.exited).not.toBe(0);
    expect(second.output()).toContain(`is in use by process ${bffPid}`);
    expect(lockHolder()).toBe(bffPid);

    // 3. The doctor pointed at the wrong port: the holder is named, the directory still not opened.
    const wrongPort = await doctor({ ...env, BFF_PORT: String(await closedPort()) });
    expect(wrongPort.code).toBe(1);
    expect(wrongPort.database.status).toBe('fail');
    expect(wrongPort.database.detail).toContain(`in use by process ${bffPid}, and no ready BFF at`);
    expect(lockHolder()).toBe(bffPid);

    // 4. The BFF dies without closing: its lock stays, stale; the doctor says so and opens the database.
    bff.child.kill('SIGKILL');
    await bff.exited;
    expect(lockHolder()).toBe(bffPid);
    const after = await doctor(env);
    expect(after.database.status).toBe('pass');
    expect(after.database.detail).toContain(
      `its lock was left by process ${bffPid}, which is no longer running (it stopped without closing the database) and was replaced`,
    );
    expect(lockHolder()).toBeUndefined();

    // 5. A new BFF starts on the same data and holds it again; on a clean stop it gives the directory back.
    const again = await startBff(env);
    expect(lockHolder()).toBe(again.child.pid);
    again.child.kill('SIGTERM');
    await again.exited;
    expect(lockHolder()).toBeUndefined();
  }, 180_000);
});
