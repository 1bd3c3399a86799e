import { verify as cryptoVerify } from 'node:crypto';
import { SIGNTEST_PREFIX } from './constants.ts';
import { ProbeSignatureError, SignatureInvalidError, UnknownSerialError } from './errors.ts';
import type { PublicKeyResolver } from './key-resolver.ts';

/** Throws on every failure; there is deliberately no boolean to forget to check. */
export interface Verifier {
  verify(serial: string, message: string, signature: string): void;
}

// Node's base64 decoder silently skips junk; a strict shape check turns junk into a clean verify failure.
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export function createRsaVerifier(resolver: PublicKeyResolver): Verifier {
  return {
    verify(serial, message, signature) {
      const key = resolver.resolve(serial);
      if (key === undefined) throw new UnknownSerialError(serial);
      // Probes are ordinary failures (spec §2.5) — only the class differs, for metrics.
      if (signature.startsWith(SIGNTEST_PREFIX)) throw new ProbeSignatureError();
      if (signature.length % 4 !== 0 || !BASE64.test(signature)) {
        throw new SignatureInvalidError('signature is not base64');
      }
      let ok: boolean;
      try {
        ok = cryptoVerify('sha256', Buffer.from(message, 'utf8'), key, Buffer.from(signature, 'base64'));
      } catch {
        ok = false;
      }
      if (!ok) throw new SignatureInvalidError();
    },
  };
}
