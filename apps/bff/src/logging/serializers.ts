/*
 * pino's standard error serializer copies every enumerable property of an error. Database errors carry the
 * statement and its bound values (PGlite: `query`, `params`; pg: `detail` "Key (openid)=(…)", `where`,
 * `internalQuery`), so a failing insert logged session_key, session ids and openids. This serializer keeps
 * only named, value-free fields (SQLSTATE code, constraint, table…) and scrubs values PostgreSQL quotes into
 * its messages. Kysely passes driver errors through unchanged, so one serializer covers pg, PGlite and Kysely.
 */

/** Fields that name WHAT failed, never the data: SQLSTATE and schema names, HTTP and WeChat Pay codes. */
const KEPT = [
  'code',
  'constraint',
  'table',
  'column',
  'schema',
  'dataType',
  'severity',
  'routine',
  'statusCode',
  'status',
  'apiCode',
  'operation',
  'retryable',
  'variable',
  'serial',
] as const;
const MAX_TEXT = 300;
const MAX_DEPTH = 4;

export interface SerializedError {
  type: string;
  message: string;
  stack: string;
  cause?: SerializedError;
  errors?: SerializedError[];
  [field: string]: unknown;
}

/**
 * PostgreSQL quotes the offending value after a colon (`invalid input syntax for type integer: "…"`) and in
 * key details (`Key (openid)=(…)`); names it quotes elsewhere (constraint "x") are kept.
 */
export function scrubMessage(message: string): string {
  return message
    .replace(/(:\s*)"(?:[^"\\]|\\.)*"/g, '$1"[value]"')
    .replace(/\)=\((?:[^)]|\)(?!\s|$|\.))*\)/g, ')=([value])')
    .slice(0, MAX_TEXT);
}

function scalar(v: unknown): unknown {
  if (typeof v === 'string') return v.slice(0, 128);
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  return undefined;
}

export function serializeError(err: unknown): SerializedError {
  return serialize(err, 0);
}

function serialize(err: unknown, depth: number): SerializedError {
  if (typeof err !== 'object' || err === null) {
    return {
      type: typeof err,
      message: typeof err === 'string' ? scrubMessage(err) : String(err),
      stack: '',
    };
  }
  const e = err as Record<string, unknown> & { message?: unknown; stack?: unknown; name?: unknown };
  const type = (e.constructor as { name?: string } | undefined)?.name || 'Object';
  const message = scrubMessage(typeof e.message === 'string' ? e.message : '');
  const out: SerializedError = { type, message, stack: '' };
  if (typeof e.stack === 'string') {
    // The stack's first line repeats the raw message: rebuild it from the scrubbed one, keep the frames.
    const at = e.stack.indexOf('\n    at ');
    out.stack = `${typeof e.name === 'string' ? e.name : type}: ${message}${at >= 0 ? e.stack.slice(at) : ''}`;
  }
  for (const k of KEPT) {
    const v = scalar(e[k]);
    if (v !== undefined) out[k] = v;
  }
  if (depth < MAX_DEPTH) {
    if (e.cause !== undefined) out.cause = serialize(e.cause, depth + 1);
    if (Array.isArray(e.errors)) out.errors = e.errors.slice(0, 5).map((x) => serialize(x, depth + 1));
  }
  return out;
}

/** For Fastify's `logger.serializers`: the keys errors are logged under. */
export const errorSerializers = { err: serializeError, error: serializeError } as const;
