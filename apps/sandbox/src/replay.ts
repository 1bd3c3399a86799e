/**
 * Remembers `(mchid, nonce_str)` of verified requests for as long as their timestamp is inside the accepted
 * window (after that the timestamp check rejects a replay anyway), so memory is bounded by the requests of
 * one window. Whether WeChat Pay itself rejects reused nonces is UNCONFIRMED (spec §7.1, §8).
 */
export interface NonceCache {
  /** Records the nonce; true when it was already seen and is still inside the window. */
  seen(mchId: string, nonce: string, timestamp: number, nowSeconds: number): boolean;
  size(): number;
}

export function createNonceCache(windowSeconds: number): NonceCache {
  // key → unix second after which the request's timestamp is outside the window. Map order = arrival order.
  const entries = new Map<string, number>();
  const prune = (now: number) => {
    for (const [k, until] of entries) {
      if (until >= now) return;
      entries.delete(k);
    }
  };
  return {
    seen(mchId, nonce, timestamp, now) {
      prune(now);
      const key = `${mchId}\n${nonce}`;
      const until = entries.get(key);
      if (until !== undefined && until >= now) return true;
      entries.delete(key);
      entries.set(key, timestamp + windowSeconds);
      return false;
    },
    size: () => entries.size,
  };
}
