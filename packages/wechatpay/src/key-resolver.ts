import type { KeyObject } from 'node:crypto';
import { ConfigError } from './errors.ts';
import { type Clock, systemClock } from './nonce.ts';
import { isPublicKeyId, normalizeSerial } from './secrets.ts';

/**
 * Maps a Wechatpay-Serial to a verifying key. Lookups are pure in-memory reads: an unknown serial must
 * never trigger a fetch, or anyone could make the server call out (style.md §4.3). Refreshing the set
 * is an explicit, separate action (downloadCertificates + CertificateStore.add).
 */
export interface PublicKeyResolver {
  resolve(serial: string): KeyObject | undefined;
  /** The key id sent as Wechatpay-Serial on every request: it steers which key signs the answer. */
  acceptSerial(): string;
  serials(): string[];
}

function checkPublicKey(key: KeyObject, serial: string): void {
  if (key.type !== 'public' || key.asymmetricKeyType !== 'rsa') {
    throw new ConfigError(
      `key for ${isPublicKeyId(serial) ? 'public key id' : 'serial'} is not an RSA public key`,
    );
  }
}

/** Public-key ids are case-sensitive names; certificate serials are hex in THE one form (normalizeSerial). */
const keyOf = normalizeSerial;

/**
 * Holds WeChat Pay public keys (PUB_KEY_ID_…) and platform-certificate keys side by side, which is the
 * migration case: during the gray switch answers arrive signed by either.
 */
export function createStaticKeyResolver(o: {
  keys: Record<string, KeyObject>;
  preferred?: string;
}): PublicKeyResolver {
  const map = new Map<string, KeyObject>();
  for (const [serial, key] of Object.entries(o.keys)) {
    checkPublicKey(key, serial);
    map.set(keyOf(serial), key);
  }
  if (map.size === 0) throw new ConfigError('key resolver needs at least one public key');
  const all = [...map.keys()];
  const preferred = o.preferred === undefined ? undefined : keyOf(o.preferred);
  if (preferred !== undefined && !map.has(preferred))
    throw new ConfigError('preferred serial is not among the keys');
  // Insertion order stands in for "newest" when nothing better is known.
  const accept = preferred ?? all.find(isPublicKeyId) ?? (all[all.length - 1] as string);
  return {
    // Exact hit first (the usual case, and the hot path); normalise only on a miss.
    resolve: (serial) => map.get(serial) ?? map.get(keyOf(serial)),
    acceptSerial: () => accept,
    serials: () => [...all],
  };
}

export interface CertificateStore extends PublicKeyResolver {
  add(certs: Array<{ serialNo: string; publicKey: KeyObject; notAfter: Date }>): void;
}

/** How long an expired platform certificate is kept, so late retries of old notifications still verify. */
const EXPIRED_GRACE_SECONDS = 7 * 24 * 3600;

/**
 * Platform-certificate mode: certificates rotate with overlap (spec §3.4), so old and new are kept and
 * the newest valid one is the one we ask WeChat to sign with. Optional fixed public keys (public-key
 * mode, or the migration) live alongside and win acceptSerial().
 */
export function createCertificateStore(
  o: { publicKeys?: Record<string, KeyObject>; clock?: Clock } = {},
): CertificateStore {
  const clock = o.clock ?? systemClock;
  const fixed = new Map<string, KeyObject>();
  for (const [serial, key] of Object.entries(o.publicKeys ?? {})) {
    checkPublicKey(key, serial);
    fixed.set(keyOf(serial), key);
  }
  const certs = new Map<string, { publicKey: KeyObject; notAfter: number }>();

  const prune = (): void => {
    const now = clock.now();
    for (const [serial, c] of certs) if (c.notAfter + EXPIRED_GRACE_SECONDS < now) certs.delete(serial);
  };

  return {
    resolve: (serial) => {
      const k = keyOf(serial);
      return fixed.get(k) ?? certs.get(k)?.publicKey;
    },
    acceptSerial: () => {
      const pub = [...fixed.keys()].find(isPublicKeyId) ?? [...fixed.keys()][0];
      if (pub !== undefined) return pub;
      let best: string | undefined;
      let bestNotAfter = Number.NEGATIVE_INFINITY;
      for (const [serial, c] of certs) {
        if (c.notAfter > bestNotAfter) {
          best = serial;
          bestNotAfter = c.notAfter;
        }
      }
      if (best === undefined) throw new ConfigError('certificate store holds no key yet');
      return best;
    },
    serials: () => [...fixed.keys(), ...certs.keys()],
    add: (list) => {
      for (const c of list) {
        checkPublicKey(c.publicKey, c.serialNo);
        certs.set(keyOf(c.serialNo), {
          publicKey: c.publicKey,
          notAfter: Math.floor(c.notAfter.getTime() / 1000),
        });
      }
      prune();
    },
  };
}
