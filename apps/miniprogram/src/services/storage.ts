/** The little key/value storage the services need (Taro storage in the app, a Map in tests). */
export interface KeyValueStore {
  get<T>(key: string): T | undefined;
  set(key: string, value: unknown): void;
  remove(key: string): void;
}

export function createMemoryStore(initial: Record<string, unknown> = {}): KeyValueStore {
  const map = new Map<string, unknown>(Object.entries(initial));
  return {
    get: <T>(key: string) => map.get(key) as T | undefined,
    set: (key, value) => {
      map.set(key, value);
    },
    remove: (key) => {
      map.delete(key);
    },
  };
}

export const STORAGE_KEYS = {
  session: 'qianyue.session',
  pendingSign: 'qianyue.pendingSign',
} as const;
