import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../src/index.ts';
import {
  fixtureText,
  goodEnv,
  migratedPglite,
  type RunningSandbox,
  secretNeedles,
  startSandbox,
} from './helpers.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const TSX = path.join(REPO, 'node_modules/.bin/tsx');

let sandbox: RunningSandbox;
let db: Awaited<ReturnType<typeof migratedPglite>>;
beforeAll(async () => {
  sandbox = await startSandbox();
  db = await migratedPglite();
});
afterAll(async () => {
  await sandbox?.close();
  db?.remove();
});

/** Runs the CLI exactly as the root `doctor` script does, as a real child process with only `env`. */
function cli(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(TSX, ['apps/doctor/src/cli.ts', ...args], {
      cwd: REPO,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('doctor CLI (child process)', () => {
  it('is the root package.json "doctor" script', () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8'));
    expect(pkg.scripts.doctor).toBe('tsx apps/doctor/src/cli.ts');
  });

  it('exits 0 with one ✔ line per check when everything is right', async () => {
    const r = await cli([], goodEnv(sandbox.url, db.dir));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => /^[✔✘!-] /.test(l));
    expect(lines.length).toBe(16);
    expect(lines.filter((l) => l.startsWith('✘'))).toEqual([]);
    expect(r.stdout).toContain('✔ Signed call to WeChat Pay, answer verified');
    for (const s of secretNeedles()) expect(r.stdout).not.toContain(s);
  });

  it('exits 1 and prints the fix under the failing line; --json is machine-readable', async () => {
    const env = goodEnv(sandbox.url, 'memory://', {
      WECHATPAY_APIV3_KEY_PATH: '',
      WECHATPAY_APIV3_KEY: fixtureText('apiv3-key.txt').trim().slice(0, 31),
    });
    const text = await cli([], env);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(
      /^✘ APIv3 key \[WECHATPAY_APIV3_KEY\]: is 31 bytes; it must be exactly 32 \(the BFF: WECHATPAY_APIV3_KEY must be exactly 32 bytes\)\n {4}fix: copy the 32-character/m,
    );
    expect(text.stdout).toContain('NOT READY');

    const json = await cli(['--json'], env);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as DoctorReport;
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => c.id === 'apiv3-key')).toMatchObject({
      status: 'fail',
      variable: 'WECHATPAY_APIV3_KEY',
    });
    for (const out of [text.stdout, json.stdout]) {
      for (const s of secretNeedles([fixtureText('apiv3-key.txt').trim().slice(0, 31)])) {
        expect(out).not.toContain(s);
      }
    }
  });

  it('exits 2 on an unknown argument', async () => {
    const r = await cli(['--frobnicate'], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown argument');
  });
});
