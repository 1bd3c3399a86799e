import { DEFAULT_POLL_TIMEOUT_MS } from './services/poll.ts';

/**
 * Where the BFF (and, on H5, the sandbox's signing page) live. Build-time values come from TARO_APP_* (see
 * config/index.ts). The H5 demo may override them at run time with `window.__QIANYUE_CONFIG__`, set by a
 * `config.js` served next to index.html — so one H5 build works on any port.
 */
export interface AppConfig {
  bffUrl: string;
  sandboxUrl: string;
  /** How long the return page asks before it says "still confirming" (demo/tests may shorten it). */
  pollTimeoutMs: number;
}

export interface RuntimeOverrides {
  bffUrl?: string;
  sandboxUrl?: string;
  pollTimeoutMs?: number;
}

export function resolveConfig(built: AppConfig, overrides: RuntimeOverrides | undefined): AppConfig {
  const pick = (v: unknown, fallback: string) =>
    typeof v === 'string' && /^https?:\/\//.test(v) ? v : fallback;
  return {
    bffUrl: pick(overrides?.bffUrl, built.bffUrl).replace(/\/+$/, ''),
    sandboxUrl: pick(overrides?.sandboxUrl, built.sandboxUrl).replace(/\/+$/, ''),
    pollTimeoutMs:
      typeof overrides?.pollTimeoutMs === 'number' &&
      overrides.pollTimeoutMs >= 1000 &&
      overrides.pollTimeoutMs <= 120_000
        ? overrides.pollTimeoutMs
        : built.pollTimeoutMs,
  };
}

export function loadConfig(): AppConfig {
  const built: AppConfig = {
    bffUrl: process.env.TARO_APP_BFF_URL || 'http://127.0.0.1:8700',
    sandboxUrl: process.env.TARO_APP_SANDBOX_URL || 'http://127.0.0.1:8701',
    pollTimeoutMs: DEFAULT_POLL_TIMEOUT_MS,
  };
  const overrides =
    process.env.TARO_ENV === 'h5' && typeof window !== 'undefined'
      ? (window as { __QIANYUE_CONFIG__?: RuntimeOverrides }).__QIANYUE_CONFIG__
      : undefined;
  return resolveConfig(built, overrides);
}
