import { findSecrets, type Secret } from './secrets.ts';

/*
 * The log audit: besides the configured secrets (keys, APIv3 key, app secret, session secret), every value the
 * run itself PRODUCED that must never be logged: each session_key and openid jscode2session handed out, each
 * session token and session id, and each decrypted notification resource. Reports name the kind and a
 * counter, never the value.
 */
export interface Produced {
  add(kind: string, value: string | null | undefined): void;
  readonly size: number;
  entries(): Iterable<[value: string, kind: string]>;
}

export function createProduced(): Produced {
  const values = new Map<string, string>();
  return {
    add(kind, value) {
      // Short values (a plan key, "ADD") would match by accident and are not identifying anyway.
      if (typeof value === 'string' && value.length >= 12 && !values.has(value)) values.set(value, kind);
    },
    get size() {
      return values.size;
    },
    entries: () => values.entries(),
  };
}

const TOKEN_CHARS = /^[A-Za-z0-9_-]+$/;

export interface AuditResult {
  linesAudited: number;
  valuesTracked: number;
  /** "<kind> (<n> lines)" per leaked value, and secret names. */
  leaks: string[];
}

/**
 * Every line is checked. Token-like values (openids, session ids, base64url) are looked up in the set of
 * tokens the log holds (fast for large runs); anything else (base64 session_keys, JSON resources, also in
 * their JSON-escaped form) with a substring search over the whole text.
 */
export function auditLogs(lines: readonly string[], produced: Produced, secrets?: Secret[]): AuditResult {
  const text = lines.join('');
  const tokens = new Set(text.split(/[^A-Za-z0-9_-]+/));
  const leaks: string[] = findSecrets(text, secrets);
  const counts = new Map<string, number>();
  for (const [value, kind] of produced.entries()) {
    const hit = TOKEN_CHARS.test(value)
      ? tokens.has(value)
      : text.includes(value) || text.includes(JSON.stringify(value).slice(1, -1));
    if (hit) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  for (const [kind, n] of counts) leaks.push(`${n} ${kind} value(s)`);
  return { linesAudited: lines.length, valuesTracked: produced.size, leaks };
}
