/**
 * APIv3 refuses 4-byte UTF-8 (emoji, CJK extension B…) anywhere in a request (spec §0): check
 * user-supplied text before it is sent. Matches any astral code point.
 */
export function hasFourByteChars(s: string): boolean {
  return /[\u{10000}-\u{10FFFF}]/u.test(s);
}
