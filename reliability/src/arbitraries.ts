import fc from 'fast-check';
import { SEED } from './prng.ts';

/** RELIABILITY_FUZZ_RUNS scales every fuzz property's run count. */
export const RUNS = Number(process.env.RELIABILITY_FUZZ_RUNS ?? 1);
/** fast-check parameters for a property of about `n` runs (scaled by RUNS): seeded, stopping at the first failure. */
export const runs = (n: number) => ({
  numRuns: Math.max(1, Math.round(n * RUNS)),
  seed: SEED,
  endOnFailure: true,
});

/** Generators shared by the fuzz suites: hostile text, bodies, content types, header values, tokens, path segments. */
export const nasty = fc.constantFrom(
  '\ud800',
  '\udfff',
  '\ud83d',
  '😀',
  '𠜎',
  '\u0000',
  '\u202e',
  '\ufeff',
  'é',
  'e\u0301',
  '\u2028',
  '"',
  '\\',
  '%00',
  '%ZZ',
  '%C0%80',
  '../',
  '<script>',
  "' or 1=1 --",
  '$' + '{x}',
  '\r\n',
);
export const unicodeString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: nasty, maxLength: 12 }),
  fc.string({ unit: fc.oneof(nasty, fc.string({ unit: 'grapheme', maxLength: 2 })), maxLength: 20 }),
);
export const anyJson = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(unicodeString, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
);
/** A request body: malformed JSON, any JSON, wrong types, unicode edge cases, raw bytes, or too big. */
export const body = (field: string) =>
  fc.oneof(
    anyJson.map((v) => JSON.stringify(v) ?? 'null'),
    fc
      .oneof(unicodeString, fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string()))
      .map((v) => JSON.stringify({ [field]: v })),
    unicodeString.map((s) => `{"${field}": "${s}"`), // unterminated / malformed
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b)),
    fc.integer({ min: 17_000, max: 200_000 }).map((n) => JSON.stringify({ [field]: 'a'.repeat(n) })),
  );
export const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=latin1',
  '',
);
/** Header values fetch can send at all (no control characters). */
export const headerText = (maxLength: number) =>
  fc
    .string({ unit: 'binary-ascii', maxLength })
    .map((s) => [...s].filter((c) => c >= ' ' && c !== '\x7f').join(''));
export const forgedToken = fc.oneof(
  headerText(120),
  fc
    .tuple(
      fc.base64String({ minLength: 44, maxLength: 44 }),
      fc.integer({ min: 0 }),
      fc.base64String({ minLength: 44, maxLength: 44 }),
    )
    .map(
      ([a, e, m]) =>
        `v1.${a.slice(0, 43).replace(/\+/g, '-').replace(/\//g, '_')}.${e}.${m.slice(0, 43).replace(/\+/g, '-').replace(/\//g, '_')}`,
    ),
);
/** URL path segment from any string: well-formed UTF-8 percent-encoding, or raw broken escapes. */
export const segment = fc.oneof(
  unicodeString.map((s) => encodeURIComponent(Buffer.from(s).toString('utf8'))),
  fc.constantFrom(
    '%ZZ',
    '%C0%80',
    '%ED%A0%80',
    '%00',
    '..%2F..%2Fetc',
    'c_' + 'x'.repeat(100),
    'c_AAAAAAAAAAAAAAAAAAAAAAAA',
  ),
);
