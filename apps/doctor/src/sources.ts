import { existsSync, readFileSync, statSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import { DEFAULT_SANDBOX_KEYS_PATH, EnvSchema, type SandboxKeys } from './bff.ts';

/*
 * Where each setting comes from, resolved with the BFF's rules (apps/bff/src/config.ts): `NAME_PATH` (a
 * file) wins over `NAME`; in sandbox mode the sandbox's dev-keys JSON fills what the environment leaves
 * out. Unlike the BFF's loader, nothing here throws: every problem is kept with the variable it belongs
 * to, so one broken setting never hides the others.
 */

export type Env = Record<string, string | undefined>;

export interface Setting {
  /** The variable the value came from (or would come from): what the report names. */
  variable: string;
  value?: string;
  /** Set when the variable is set but its file cannot be read. Never contains the value. */
  problem?: string;
  /** File the value was read from, if any. */
  file?: string;
}

/** The sandbox's `sandbox-merchant.json`, as the BFF reads it. */
export type SandboxKeysFile = SandboxKeys;

export interface Sources {
  env: Env;
  mode: 'sandbox' | 'production';
  /** Typed, defaulted values (the BFF's EnvSchema); only meaningful where `envProblems` names nothing. */
  raw: Record<string, unknown>;
  envProblems: Array<{ variable: string; problem: string }>;
  keysFile: { path?: string; data: SandboxKeysFile; problem?: string };
  /** A plain setting, falling back to the dev-keys file in sandbox mode. */
  plain(name: string, keysField?: keyof SandboxKeysFile): Setting;
  /** A secret: `NAME_PATH` file, else `NAME`, else (sandbox) the file the dev-keys JSON names. */
  secret(name: string, keysPathField?: keyof SandboxKeysFile): Setting;
  /** Every secret value read so far (the report scrubs them as a last line of defence). */
  secretValues(): string[];
}

function readFile(file: string): { text?: string; problem?: string } {
  try {
    if (!existsSync(file)) return { problem: 'names a file that does not exist' };
    if (statSync(file).isDirectory()) return { problem: 'names a directory, not a file' };
    return { text: readFileSync(file, 'utf8') };
  } catch {
    return { problem: 'names a file that cannot be read (permissions?)' };
  }
}

export function resolveSources(env: Env): Sources {
  const converted = Value.Convert(EnvSchema, Value.Default(EnvSchema, structuredClone({ ...env })));
  const envProblems: Sources['envProblems'] = [];
  for (const e of Value.Errors(EnvSchema, converted)) {
    const variable = e.path.replace(/^\//, '') || 'environment';
    if (!envProblems.some((p) => p.variable === variable)) {
      envProblems.push({ variable, problem: e.message });
    }
  }
  const raw = converted as Record<string, unknown>;
  const mode = env.WECHATPAY_MODE === 'production' ? 'production' : 'sandbox';
  const secrets = new Set<string>();

  const keysFile: Sources['keysFile'] = { data: {} };
  if (mode === 'sandbox') {
    const p =
      env.WECHATPAY_SANDBOX_KEYS_PATH ||
      (existsSync(DEFAULT_SANDBOX_KEYS_PATH) ? DEFAULT_SANDBOX_KEYS_PATH : undefined);
    if (p) {
      keysFile.path = p;
      const r = readFile(p);
      if (r.problem) keysFile.problem = r.problem;
      else {
        try {
          keysFile.data = JSON.parse(r.text ?? '') as SandboxKeysFile;
          if (keysFile.data.appSecret) secrets.add(keysFile.data.appSecret);
        } catch {
          keysFile.problem = 'is not valid JSON';
        }
      }
    }
  }

  const plain: Sources['plain'] = (name, keysField) => {
    const v = env[name];
    if (v) return { variable: name, value: v };
    const k = keysField ? keysFile.data[keysField] : undefined;
    if (typeof k === 'string' && k)
      return { variable: `${name} (from WECHATPAY_SANDBOX_KEYS_PATH)`, value: k };
    return { variable: name };
  };

  const secret: Sources['secret'] = (name, keysPathField) => {
    const pathVar = `${name}_PATH`;
    let s: Setting;
    if (env[pathVar]) {
      const file = env[pathVar];
      const r = readFile(file);
      s = r.problem
        ? { variable: pathVar, problem: r.problem, file }
        : { variable: pathVar, value: r.text, file };
    } else if (env[name]) {
      s = { variable: name, value: env[name] };
    } else {
      const file = keysPathField ? keysFile.data[keysPathField] : undefined;
      if (typeof file === 'string' && file) {
        const r = readFile(file);
        const variable = `${pathVar} (from WECHATPAY_SANDBOX_KEYS_PATH)`;
        s = r.problem ? { variable, problem: r.problem, file } : { variable, value: r.text, file };
      } else {
        s = { variable: pathVar };
      }
    }
    if (s.value) {
      secrets.add(s.value);
      if (s.value.trim()) secrets.add(s.value.trim());
    }
    return s;
  };

  return {
    env,
    mode,
    raw,
    envProblems,
    keysFile,
    plain,
    secret,
    secretValues: () => [...secrets],
  };
}

/** `postgres://user:***@host:5432/db` — a database URL without its password, fit to print. */
export function describeDatabaseUrl(url: string): string {
  if (url === '') return 'embedded PGlite in .data/pglite';
  if (url.startsWith('memory://')) return 'PGlite in memory';
  if (!/^postgres(ql)?:\/\//.test(url)) return `embedded PGlite in ${url}`;
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    u.search = '';
    return u.toString();
  } catch {
    return 'postgres://… (unparseable URL)';
  }
}
