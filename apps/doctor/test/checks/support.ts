import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import {
  type Check,
  type CheckResult,
  createContext,
  type DoctorOptions,
  runChecks,
} from '../../src/index.ts';
import { fixture, fixtureText, goodEnv } from '../helpers.ts';

const scratch = mkdtempSync(path.join(tmpdir(), 'qianyue-doctor-checks-'));

/** A file in a scratch directory (mode 0600 unless given). */
export function scratchFile(name: string, content: string, mode = 0o600): string {
  const file = path.join(scratch, name);
  writeFileSync(file, content);
  chmodSync(file, mode);
  return file;
}

/** TEST-ONLY keys made on the spot, for the shapes the fixtures do not have. */
export const madeKeys = (() => {
  const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    rsa1024: scratchFile('rsa1024.pem', small.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string),
    encrypted: scratchFile(
      'encrypted.pem',
      other.privateKey.export({
        type: 'pkcs8',
        format: 'pem',
        cipher: 'aes-256-cbc',
        passphrase: 'TESTONLY-passphrase',
      }) as string,
    ),
    otherPrivate: scratchFile(
      'other-private.pem',
      other.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    ),
  };
})();

/** The good sandbox-mode environment (nothing listens at its sandbox URL: key checks make no call). */
export const baseEnv = (extra: Record<string, string> = {}) =>
  goodEnv('http://127.0.0.1:9', 'memory://', extra);

export { fixture, fixtureText };

/** Runs `checks` (a check and what it needs) over the good environment changed by `extra`. */
export async function runSome(
  checks: readonly Check[],
  extra: Record<string, string>,
  o: DoctorOptions & { drop?: string[]; env?: Record<string, string> } = {},
) {
  const env = { ...(o.env ?? baseEnv()), ...extra };
  for (const k of o.drop ?? []) delete env[k];
  const results = await runChecks(checks, createContext(env, o));
  return (id: string): CheckResult => {
    const r = results.find((x) => x.id === id);
    if (!r) throw new Error(`no result for ${id}`);
    return r;
  };
}

export interface Expected {
  status: CheckResult['status'];
  /** The whole detail, or a pattern it must match. */
  detail: string | RegExp;
  variable?: string;
  /** Text the fix must contain. */
  fix?: string;
  /** What the BFF's resolver says about the variable, after the doctor's own `detail`. */
  bff?: string;
}

export function expectResult(r: CheckResult, e: Expected) {
  if (process.env.DOCTOR_DUMP) console.log(`DUMP ${JSON.stringify([r.id, r.status, r.detail, r.variable])}`);
  expect(r.status, r.detail).toBe(e.status);
  // The doctor's own words, then what the BFF's resolver says about the same variable.
  if (e.bff !== undefined) expect(r.detail).toBe(`${e.detail} (the BFF: ${e.bff})`);
  else if (typeof e.detail === 'string') expect(r.detail).toBe(e.detail);
  else expect(r.detail).toMatch(e.detail);
  if (e.variable !== undefined) expect(r.variable).toBe(e.variable);
  if (e.fix !== undefined) expect(r.fix).toContain(e.fix);
  if (e.status === 'pass' || e.status === 'skip') expect(r.fix).toBeUndefined();
  else expect(r.fix).toBeTruthy();
}

/** A clock fixed at `iso` (the fixture certificates are valid until 2049-12-31). */
export const clockAt = (iso: string) => ({ now: () => Math.floor(Date.parse(iso) / 1000) });
