import { type KeyObject, sign } from 'node:crypto';
import { ConfigError } from './errors.ts';

export interface Signer {
  readonly mchId: string;
  /** Serial of the MERCHANT certificate — never a platform serial or PUB_KEY_ID_ (a classic SIGN_ERROR). */
  readonly serialNo: string;
  /** RSASSA-PKCS1-v1_5 / SHA-256 over the UTF-8 message, standard padded base64. */
  sign(message: string): string;
}

export function createRsaSigner(o: { mchId: string; serialNo: string; privateKey: KeyObject }): Signer {
  if (o.privateKey.type !== 'private' || o.privateKey.asymmetricKeyType !== 'rsa') {
    throw new ConfigError('privateKey must be an RSA private KeyObject');
  }
  // Both values are embedded in a quoted header attribute: refuse anything that could break out of it.
  // (Kept permissive otherwise: the sandbox also signs answers under PUB_KEY_ID_… / platform serials.)
  const unsafe = /["\\,\s\p{Cc}]/u;
  if (unsafe.test(o.mchId))
    throw new ConfigError('mchId contains characters not allowed in a header attribute');
  if (o.serialNo === '' || unsafe.test(o.serialNo)) {
    throw new ConfigError('serialNo must be a non-empty serial without quotes, commas or spaces');
  }
  const key = o.privateKey;
  return {
    mchId: o.mchId,
    serialNo: o.serialNo,
    // One-shot crypto.sign with the KeyObject parsed once: the same call the raw ceiling makes.
    sign: (message) => sign('sha256', Buffer.from(message, 'utf8'), key).toString('base64'),
  };
}
