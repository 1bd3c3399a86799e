import { type KeyValueStore, STORAGE_KEYS } from './storage.ts';

/**
 * The signing attempt in progress, written just before the jump so that the next show of the app (the user
 * coming back, or a relaunch) knows which contract to ask about. Used only by services/signing.ts: cleared
 * when the jump did not happen, or claimed once by the result check.
 */
export interface PendingSign {
  contractId: string;
  planKey: string;
  /** The signing mini-program's appid (to match referrerInfo.appId on return). */
  appId: string;
  /** epoch ms after which the presign is dead and the record is ignored */
  expiresAt: number;
}

export function createPendingSignStore(store: KeyValueStore, now: () => number = () => Date.now()) {
  return {
    save(p: PendingSign): void {
      store.set(STORAGE_KEYS.pendingSign, p);
    },
    /** The live record, if any (an expired one is dropped). */
    peek(): PendingSign | undefined {
      const p = store.get<PendingSign>(STORAGE_KEYS.pendingSign);
      if (!p || typeof p.contractId !== 'string') return undefined;
      if (typeof p.expiresAt === 'number' && p.expiresAt < now()) {
        store.remove(STORAGE_KEYS.pendingSign);
        return undefined;
      }
      return p;
    },
    /** The result page has taken over this attempt: forget it (only if it is the one stored). */
    claim(contractId: string): boolean {
      if (this.peek()?.contractId !== contractId) return false;
      store.remove(STORAGE_KEYS.pendingSign);
      return true;
    },
    clear(): void {
      store.remove(STORAGE_KEYS.pendingSign);
    },
  };
}
export type PendingSignStore = ReturnType<typeof createPendingSignStore>;
