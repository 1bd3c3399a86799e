/*
 * Strict standard base64 (RFC 4648 §4, padded), for signatures and ciphertexts. Node's decoder silently
 * skips junk and accepts the URL-safe alphabet, so the text is checked, not just decoded.
 */

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The decoded bytes when `text` is padded standard base64 (length a multiple of 4, alphabet A–Z a–z 0–9
 * + /, at most two trailing '='), else undefined. What WeChat sends is canonical, so re-encoding the
 * decoded bytes and comparing (native, a few hundred ns) settles it; only text that is not canonical pays for
 * the regular expression (~1 ns per character), which still accepts non-zero padding bits as before.
 */
export function decodeBase64(text: string): Buffer | undefined {
  if (text.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') === text || BASE64.test(text)) return bytes;
  return undefined;
}
