import { verify as cryptoVerify } from 'node:crypto';
import { decodeBase64 } from './base64.ts';
import { SIGNTEST_PREFIX } from './constants.ts';
import { ProbeSignatureError, SignatureInvalidError, UnknownSerialError } from './errors.ts';
import type { PublicKeyResolver } from './key-resolver.ts';

/** Throws on every failure; there is deliberately no boolean to forget to check. */
export interface Verifier {
  verify(serial: string, message: string, signature: string): void;
}

export function createRsaVerifier(resolver: PublicKeyResolver): Verifier {
  return {
    verify(serial, message, signature) {
      const key = resolver.resolve(serial);
      if (key === undefined) throw new UnknownSerialError(serial);
      // Probes are ordinary failures (spec §2.5) — only the class differs, for metrics.
      if (signature.startsWith(SIGNTEST_PREFIX)) throw new ProbeSignatureError();
      // Strict shape check: Node's decoder would skip junk; junk is a clean verify failure instead.
      const bytes = signature === '' ? undefined : decodeBase64(signature);
      if (bytes === undefined) throw new SignatureInvalidError('signature is not base64');
      let ok: boolean;
      try {
        ok = cryptoVerify('sha256', Buffer.from(message, 'utf8'), key, bytes);
      } catch {
        ok = false;
      }
      if (!ok) throw new SignatureInvalidError();
    },
  };
}
