/*
 * Format rules shared by the resolver and the doctor (through the resolver). The WeChat Pay id and serial rules
 * are the package's (one definition: @qianyue/wechatpay secrets.ts).
 */
export { isMchId, isPublicKeyId, normalizeSerial, splitCertificates } from '@qianyue/wechatpay';

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
