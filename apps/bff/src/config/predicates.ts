/*
 * Format rules shared by the resolver and the doctor (through the resolver).
 * TODO(proto): switch to the predicates of @qianyue/wechatpay secrets.ts once merged.
 */

/** A WeChat Pay merchant number (商户号): 8–12 digits. */
export const isMchId = (s: string): boolean => /^[0-9]{8,12}$/.test(s);

/**
 * A WeChat Pay public key id: `PUB_KEY_ID_` and its number. Real ids are decimal digits; the repository's
 * TEST-ONLY fixture id carries hex letters, so upper-case hex digits are accepted.
 */
export const isPublicKeyId = (s: string): boolean => /^PUB_KEY_ID_[0-9A-F]{8,}$/.test(s);

/** Certificate serials compare as upper-case hex without separators or leading zeros. */
export const normalizeSerial = (s: string): string =>
  s
    .trim()
    .replace(/[:\s]/g, '')
    .toUpperCase()
    .replace(/^0+(?=.)/, '');

/** An AppID: `wx` and 16 hex-ish characters (letters and digits). */
export const isAppId = (s: string): boolean => /^wx[0-9a-zA-Z]{16}$/.test(s);

export function isHttpUrl(value: string, httpsOnly: boolean): boolean {
  try {
    const u = new URL(value);
    return httpsOnly ? u.protocol === 'https:' : u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

export const csv = (s: string): string[] =>
  s
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
