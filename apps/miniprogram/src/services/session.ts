import type { LoginReply } from '@qianyue/api';
import { ApiError, isApiError } from './errors.ts';
import { type KeyValueStore, STORAGE_KEYS } from './storage.ts';

export interface StoredSession {
  token: string;
  /** epoch ms */
  expiresAt: number;
}

export interface Session {
  /** A usable token: the stored one while it is fresh, otherwise a new login (one at a time). */
  token(): Promise<string>;
  /** Forget `token` (the BFF said it is expired) so the next token() logs in again. */
  invalidate(token: string): void;
  /** Log in now, whatever is stored (the login page's retry). */
  login(): Promise<string>;
  clear(): void;
}

/** Log in again this long before the BFF's expiry, so a request never leaves with a dying token. */
export const EXPIRY_MARGIN_MS = 60_000;

export function createSession(o: {
  store: KeyValueStore;
  /** The platform's login code (`Taro.login` on weapp, the sandbox's stand-in on H5). */
  loginCode: () => Promise<string>;
  /** POST /v1/auth/login. */
  exchange: (code: string) => Promise<LoginReply>;
  now?: () => number;
}): Session {
  const now = o.now ?? (() => Date.now());
  let inFlight: Promise<string> | undefined;

  const read = (): StoredSession | undefined => {
    const s = o.store.get<StoredSession>(STORAGE_KEYS.session);
    if (!s || typeof s.token !== 'string' || typeof s.expiresAt !== 'number') return undefined;
    return s;
  };

  const login = (): Promise<string> => {
    if (inFlight) return inFlight;
    inFlight = (async () => {
      let code: string;
      try {
        code = await o.loginCode();
      } catch (err) {
        throw isApiError(err)
          ? err
          : new ApiError('MP_LOGIN_FAILED', { message: err instanceof Error ? err.message : 'login failed' });
      }
      const reply = await o.exchange(code);
      const expiresAt = Date.parse(reply.expiresAt);
      o.store.set(STORAGE_KEYS.session, {
        token: reply.token,
        expiresAt: Number.isFinite(expiresAt) ? expiresAt : now() + 3_600_000,
      } satisfies StoredSession);
      return reply.token;
    })().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  return {
    async token() {
      const s = read();
      if (s && s.expiresAt - EXPIRY_MARGIN_MS > now()) return s.token;
      return login();
    },
    invalidate(token) {
      if (read()?.token === token) o.store.remove(STORAGE_KEYS.session);
    },
    login,
    clear() {
      o.store.remove(STORAGE_KEYS.session);
    },
  };
}
