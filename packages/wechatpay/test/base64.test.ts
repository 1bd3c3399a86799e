import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64 } from '../src/base64.ts';

// The shape check it replaced, kept here as the oracle: the fast path must accept exactly this set.
const SHAPE = /^[A-Za-z0-9+/]*={0,2}$/;
const oracle = (s: string) => s.length % 4 === 0 && SHAPE.test(s);

describe('decodeBase64: strict padded standard base64, as fast as decoding', () => {
  it('decodes canonical base64 of any bytes to those bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const text = Buffer.from(bytes).toString('base64');
        expect(decodeBase64(text)?.equals(Buffer.from(bytes))).toBe(true);
      }),
    );
  });

  it('still accepts non-canonical padding bits, as the old shape check did', () => {
    // "QR==" decodes to "A" like "QQ==" but re-encodes differently: only the regex fallback accepts it.
    expect(decodeBase64('QR==')?.toString()).toBe('A');
    expect(decodeBase64('QUJ=')?.toString()).toBe('AB');
  });

  it('refuses what Node would silently repair: junk, whitespace, URL-safe letters, inner or extra padding', () => {
    for (const bad of [
      'QUJD RA==',
      'QUJD\nRA==',
      'ab-_',
      'ab*c',
      'QQ=A',
      'A===',
      'QUJDRA=',
      '====',
      'Ã©Ã©',
    ]) {
      expect(decodeBase64(bad), JSON.stringify(bad)).toBeUndefined();
    }
  });

  it('agrees with the old shape check on arbitrary text near the alphabet', () => {
    const char = fc.constantFrom(...'ABCDQRSTYZabyz0189+/=-_ \n.é'.split(''));
    fc.assert(
      fc.property(fc.array(char, { maxLength: 24 }), (chars) => {
        const text = chars.join('');
        expect(decodeBase64(text) !== undefined).toBe(oracle(text));
      }),
      { numRuns: 5_000 },
    );
  });
});
