import { readFileSync } from 'node:fs';
import type { ProblemList } from './problems.ts';
import type { SandboxKeys } from './settings.ts';

export type Env = Record<string, string | undefined>;

/**
 * Where a value comes from. Rules, the same for every variable: an empty value is unset; `NAME_PATH` beats
 * `NAME`; in sandbox mode the sandbox's dev-keys file (WECHATPAY_SANDBOX_KEYS_PATH) fills what neither sets.
 */
export interface Sources {
  env: Env;
  keysFile: SandboxKeys;
  problems: ProblemList;
  /**
   * A secret by `secretSource`'s rule: `NAME_PATH` (file), else `NAME`, else (sandbox) the file the dev-keys file
   * names in `keysPathField`; `variable` is the one that supplied it (for messages; `NAME` for the dev-keys file).
   */
  secret(name: string, keysPathField?: keyof SandboxKeys): { value?: string; variable: string };
  /** A plain setting by `plainSource`'s rule (the doctor's too): `NAME`, else (sandbox) the dev-keys file's `keysField`. */
  plain(name: string, keysField?: keyof SandboxKeys): string | undefined;
  /** Reads a file named by a variable; a problem (and undefined) when it cannot be read. */
  readFile(variable: string, file: string): string | undefined;
}

export function createSources(env: Env, problems: ProblemList): Sources {
  const readFile = (variable: string, file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return problems.add(variable, 'names a file that cannot be read', `check the path and its permissions`);
    }
  };
  const s: Sources = {
    env,
    keysFile: {},
    problems,
    readFile,
    secret(name, keysPathField) {
      const src = secretSource(env, s.keysFile, name, keysPathField);
      // Unset: messages name the plain variable here.
      if (!('file' in src)) return src.value === undefined ? { variable: name } : src;
      if (src.fromKeysFile) return { value: keysFileText(s, src.file), variable: name };
      return { value: readFile(src.variable, src.file), variable: src.variable };
    },
    plain: (name, keysField) => plainSource(env, s.keysFile, name, keysField).value,
  };
  return s;
}

/**
 * Where a secret comes from — the one rule, also the doctor's: the file `NAME_PATH` names, else `NAME`'s
 * value, else (sandbox) the file the dev-keys file names in `keysPathField` (`fromKeysFile`). Reads nothing.
 */
export function secretSource(
  env: Env,
  keys: SandboxKeys,
  name: string,
  keysPathField?: keyof SandboxKeys,
): { variable: string; file: string; fromKeysFile?: true } | { variable: string; value?: string } {
  const pathVariable = `${name}_PATH`;
  const file = env[pathVariable];
  if (file !== undefined) return { variable: pathVariable, file };
  if (env[name] !== undefined) return { variable: name, value: env[name] };
  const keysPath = keysPathField ? keys[keysPathField] : undefined;
  if (typeof keysPath === 'string' && keysPath)
    return { variable: pathVariable, file: keysPath, fromKeysFile: true };
  return { variable: pathVariable };
}

/** Where a plain setting comes from: `NAME`, else (sandbox) the dev-keys file's `keysField` (`fromKeysFile`). */
export function plainSource(
  env: Env,
  keys: SandboxKeys,
  name: string,
  keysField?: keyof SandboxKeys,
): { value?: string; fromKeysFile?: true } {
  if (env[name] !== undefined) return { value: env[name] };
  const k = keysField ? keys[keysField] : undefined;
  return typeof k === 'string' && k ? { value: k, fromKeysFile: true } : {};
}

/** Drops empty values: `X=` means the same as no X at all (then the schema default applies). */
export function withoutEmpty(env: Env): Env {
  const out: Env = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}

/** The sandbox's dev-keys file, only in sandbox mode and only when WECHATPAY_SANDBOX_KEYS_PATH names it. */
export function readSandboxKeys(s: Sources, sandbox: boolean): SandboxKeys {
  const file = s.env.WECHATPAY_SANDBOX_KEYS_PATH;
  if (!sandbox || file === undefined) return {};
  const text = s.readFile('WECHATPAY_SANDBOX_KEYS_PATH', file);
  if (text === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as SandboxKeys;
  } catch {}
  s.problems.add(
    'WECHATPAY_SANDBOX_KEYS_PATH',
    'is not a JSON object',
    'point it at the sandbox-merchant.json the sandbox writes (start the sandbox once)',
  );
  return {};
}

/** A file the dev-keys file names (key material stays in its own files). */
function keysFileText(s: Sources, file: string | undefined): string | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return s.problems.add(
      'WECHATPAY_SANDBOX_KEYS_PATH',
      'names a key file that cannot be read',
      'start the sandbox again to regenerate its dev keys',
    );
  }
}

/** JSON from a variable; a problem (and undefined) when it is not JSON. */
export function parseJson(s: Sources, variable: string, text: string, fix: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return s.problems.add(variable, 'is not valid JSON', fix);
  }
}
