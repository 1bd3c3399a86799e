import { NotificationTextRefusedError } from '../../errors.ts';

/*
 * PostgreSQL text cannot hold U+0000 (SQLSTATE 22021), and a lone UTF-16 surrogate cannot be encoded as UTF-8
 * (the driver would silently store U+FFFD instead). A verified notification is still text from outside: every
 * string in it is checked before any statement, so such a field is a 400 {code:'FAIL'}, not a 500.
 */
const MAX_DEPTH = 16;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The JSON path of the first string PostgreSQL would refuse or alter, or undefined when all are storable. */
export function findUnstorableText(value: unknown, path = '$', depth = 0): string | undefined {
  if (typeof value === 'string') {
    return value.includes('\u0000') || LONE_SURROGATE.test(value) ? path : undefined;
  }
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = findUnstorableText(value[i], `${path}[${i}]`, depth + 1);
      if (bad) return bad;
    }
    return undefined;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return undefined; // keys, buffers: not text
  for (const [k, v] of Object.entries(value)) {
    const bad =
      findUnstorableText(k, `${path}{key}`, depth + 1) ?? findUnstorableText(v, `${path}.${k}`, depth + 1);
    if (bad) return bad;
  }
  return undefined;
}

/** Throws NotificationTextRefusedError when any string of the parsed notification or its raw body is unstorable. */
export function assertStorableNotification(event: object, rawBody: string): void {
  const bad = findUnstorableText(rawBody, 'body') ?? findUnstorableText({ ...event });
  if (bad) throw new NotificationTextRefusedError(bad);
}
