import { existsSync, readFileSync, statSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import {
  type AppConfig,
  type ConfigProblem,
  createSources,
  EnvSchema,
  ProblemList,
  plainSource,
  readSandboxKeys,
  resolveSettings,
  type SandboxKeys,
  secretSource,
  withoutEmpty,
} from './bff.ts';

/*
 * The configuration as the BFF resolves it (apps/bff/src/config): `resolveSettings` decides what is wrong —
 * every problem with its variable and fix — and the doctor adds no rule of its own. To explain a problem
 * better (which PEM is where, which file mode), the checks also read the values, through the BFF's own
 * source rules: an empty value is unset, `NAME_PATH` beats `NAME`, and in sandbox mode the dev-keys file
 * fills what the environment leaves out, only when WECHATPAY_SANDBOX_KEYS_PATH names it.
 */

export type Env = Record<string, string | undefined>;

export interface Setting {
  /** The variable the value came from (or would come from): what the report names. */
  variable: string;
  value?: string;
  /** Set when the variable names a file that cannot be read. Never contains the value. */
  problem?: string;
  /** File the value was read from, if any. */
  file?: string;
}

export interface Sources {
  /** The environment with empty values dropped (the BFF's rule). */
  env: Env;
  mode: 'sandbox' | 'production';
  /** The BFF's verdict: `settings` only when `problems` is empty. */
  resolved: { settings?: AppConfig; problems: ConfigProblem[] };
  /** Typed, defaulted values of the BFF's schema, for the few the doctor needs (ports, timeouts). */
  raw: Record<string, unknown>;
  keysFile: { path?: string; data: SandboxKeys };
  /** A plain setting, falling back to the dev-keys file in sandbox mode. */
  plain(name: string, keysField?: keyof SandboxKeys): Setting;
  /** A secret: `NAME_PATH` file, else `NAME`, else (sandbox) the file the dev-keys JSON names. */
  secret(name: string, keysPathField?: keyof SandboxKeys): Setting;
  /** Every secret value read so far (the report scrubs them as a last line of defence). */
  secretValues(): string[];
}

/** Why a named file cannot be read, more precisely than the BFF needs to say it. */
function readFile(file: string): { text?: string; problem?: string } {
  try {
    if (!existsSync(file)) return { problem: 'names a file that does not exist' };
    if (statSync(file).isDirectory()) return { problem: 'names a directory, not a file' };
    return { text: readFileSync(file, 'utf8') };
  } catch {
    return { problem: 'names a file that cannot be read (permissions?)' };
  }
}

export function resolveSources(input: Env): Sources {
  const resolved = resolveSettings(input);
  const env = withoutEmpty(input);
  const mode = env.WECHATPAY_MODE === 'production' ? 'production' : 'sandbox';
  // The resolver has already reported every problem of these reads; this list is not looked at.
  const keysData = readSandboxKeys(createSources(env, new ProblemList()), mode === 'sandbox');
  const keysFile = {
    ...(mode === 'sandbox' && env.WECHATPAY_SANDBOX_KEYS_PATH
      ? { path: env.WECHATPAY_SANDBOX_KEYS_PATH }
      : {}),
    data: keysData,
  };
  const raw = Value.Convert(EnvSchema, Value.Default(EnvSchema, structuredClone(env))) as Record<
    string,
    unknown
  >;
  const secrets = new Set<string>();
  if (keysData.appSecret) secrets.add(keysData.appSecret);

  const fromFile = (variable: string, file: string): Setting => {
    const r = readFile(file);
    return r.problem ? { variable, problem: r.problem, file } : { variable, value: r.text, file };
  };
  const plain: Sources['plain'] = (name, keysField) => {
    const p = plainSource(env, keysData, name, keysField);
    if (!p.value) return { variable: name };
    return { variable: p.fromKeysFile ? `${name} (from WECHATPAY_SANDBOX_KEYS_PATH)` : name, value: p.value };
  };
  const secret: Sources['secret'] = (name, keysPathField) => {
    const src = secretSource(env, keysData, name, keysPathField);
    const s: Setting = !('file' in src)
      ? src
      : fromFile(
          src.fromKeysFile ? `${src.variable} (from WECHATPAY_SANDBOX_KEYS_PATH)` : src.variable,
          src.file,
        );
    if (s.value) {
      secrets.add(s.value);
      if (s.value.trim()) secrets.add(s.value.trim());
    }
    return s;
  };

  return { env, mode, resolved, raw, keysFile, plain, secret, secretValues: () => [...secrets] };
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
