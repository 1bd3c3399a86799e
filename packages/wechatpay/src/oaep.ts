import { constants, type KeyObject, privateDecrypt, publicEncrypt } from 'node:crypto';
import { DecryptError, SensitiveFieldError } from './errors.ts';

/*
 * Sensitive request/answer fields (names, phone numbers, …): RSAES-OAEP with SHA-1 and MGF1-SHA-1,
 * no label (spec §1.5). A request carrying such a field must send Wechatpay-Serial = the id of the
 * key used here; the client always does.
 */

export function encryptSensitive(plaintext: string, publicKey: KeyObject): string {
  const data = Buffer.from(plaintext, 'utf8');
  const modulusBytes = (publicKey.asymmetricKeyDetails?.modulusLength ?? 2048) / 8;
  // OAEP with SHA-1 leaves modulus − 2·20 − 2 bytes: 214 for the 2048-bit keys WeChat uses.
  const limit = modulusBytes - 42;
  if (data.length > limit) {
    throw new SensitiveFieldError(`sensitive field exceeds ${limit} UTF-8 bytes`);
  }
  return publicEncrypt(
    { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
    data,
  ).toString('base64');
}

export function decryptSensitive(ciphertextB64: string, privateKey: KeyObject): string {
  try {
    return privateDecrypt(
      { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      Buffer.from(ciphertextB64, 'base64'),
    ).toString('utf8');
  } catch {
    throw new DecryptError('RSA-OAEP decryption of a sensitive field failed');
  }
}
