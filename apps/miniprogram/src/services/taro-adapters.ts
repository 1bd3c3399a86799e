import Taro from '@tarojs/taro';
import { ApiError, transportErrorCode } from './errors.ts';
import type { Transport } from './http.ts';
import type { KeyValueStore } from './storage.ts';

/** The only place that calls Taro.request. Pages use services/bff.ts. */
export const taroTransport: Transport = (req) =>
  Taro.request({
    url: req.url,
    method: req.method,
    header: req.headers,
    ...(req.body !== undefined ? { data: req.body as TaroGeneral.IAnyObject } : {}),
    timeout: req.timeoutMs,
    dataType: 'json',
  }).then(
    (res) => {
      const header = (res.header ?? {}) as Record<string, string | undefined>;
      const requestId = header['request-id'] ?? header['Request-Id'] ?? header['x-request-id'];
      return { status: res.statusCode, data: res.data, ...(requestId ? { requestId } : {}) };
    },
    (err: unknown) => {
      const code = transportErrorCode(err);
      throw new ApiError(code, {
        message: code === 'MP_NETWORK_TIMEOUT' ? 'request timed out' : 'request failed',
      });
    },
  );

export function createTaroStore(): KeyValueStore {
  return {
    get<T>(key: string): T | undefined {
      try {
        const v = Taro.getStorageSync(key) as T | '' | undefined;
        return v === '' || v === undefined || v === null ? undefined : (v as T);
      } catch {
        return undefined;
      }
    },
    set(key, value) {
      try {
        Taro.setStorageSync(key, value);
      } catch {
        // Storage full or unavailable: the app keeps working, it just logs in again next time.
      }
    },
    remove(key) {
      try {
        Taro.removeStorageSync(key);
      } catch {
        // ignore
      }
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Taro.navigateTo without a promise to handle: when it fails (page stack full…), the pending signing stays
 * stored and the next show of the plans page opens the result page again.
 */
export function openPage(url: string): void {
  Taro.navigateTo({ url }).catch(() => undefined);
}
