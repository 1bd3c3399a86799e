import { isUtf8 } from 'node:buffer';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { decodeBase64 } from './base64.ts';
import { ConfigError, DecryptError } from './errors.ts';

/*
 * AEAD_AES_256_GCM as APIv3 uses it (spec §3.2): key = the 32 APIv3-key bytes, IV = the nonce's
 * 12 ASCII bytes, AAD = associated_data (may be ""), ciphertext = base64(ciphertext ‖ 16-byte tag).
 * Plaintext is returned only after decipher.final() has checked the tag — never partially.
 */

const TAG_LENGTH = 16;
const IV_LENGTH = 12;

function keyAndIv(apiV3Key: Buffer, nonce: string): { key: Buffer; iv: Buffer } {
  if (!Buffer.isBuffer(apiV3Key) || apiV3Key.length !== 32)
    throw new ConfigError('APIv3 key must be exactly 32 bytes');
  const iv = Buffer.from(nonce, 'utf8');
  return { key: apiV3Key, iv };
}

export function decryptResource(o: {
  apiV3Key: Buffer;
  nonce: string;
  associatedData: string;
  ciphertext: string;
}): string {
  const { key, iv } = keyAndIv(o.apiV3Key, o.nonce);
  if (iv.length !== IV_LENGTH) throw new DecryptError('resource nonce must be 12 bytes');
  const data = decodeBase64(o.ciphertext);
  if (data === undefined) throw new DecryptError('ciphertext is not base64');
  if (data.length < TAG_LENGTH) throw new DecryptError('ciphertext is shorter than the GCM tag');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_LENGTH });
    decipher.setAuthTag(data.subarray(data.length - TAG_LENGTH));
    decipher.setAAD(Buffer.from(o.associatedData, 'utf8'));
    const head = decipher.update(data.subarray(0, data.length - TAG_LENGTH));
    const tail = decipher.final(); // throws on a bad tag: nothing decrypted so far escapes
    const plain = tail.length ? Buffer.concat([head, tail]) : head;
    // A plaintext that is not UTF-8 is corrupt input, not something to "repair" with U+FFFD.
    if (!isUtf8(plain)) throw new DecryptError('decrypted resource is not UTF-8');
    return plain.toString('utf8');
  } catch {
    // OpenSSL's message says nothing useful and the cause would hold buffers; keep neither.
    throw new DecryptError();
  }
}

/** For the sandbox (and tests): the exact inverse, returning base64(ciphertext ‖ tag). */
export function encryptResource(o: {
  apiV3Key: Buffer;
  nonce: string;
  associatedData: string;
  plaintext: string;
}): string {
  const { key, iv } = keyAndIv(o.apiV3Key, o.nonce);
  if (iv.length !== IV_LENGTH) throw new ConfigError('resource nonce must be 12 bytes');
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_LENGTH });
  cipher.setAAD(Buffer.from(o.associatedData, 'utf8'));
  const body = Buffer.concat([cipher.update(o.plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([body, cipher.getAuthTag()]).toString('base64');
}
