/**
 * The ~20 lines of globals that let miniprogram-simulate (j-component + the official wcc compiler) run a
 * Taro-built page (ecosystem.md B6): a scripted `wx`, `App`, `getApp`, `getCurrentPages`, and `Page` as a
 * Component whose `attached` plays onLoad/onShow/onReady. Relies on Taro 4.2.1 internals (route field,
 * template shape): keep Taro pinned.
 */
export interface WxCall {
  api: string;
  options: Record<string, unknown>;
}

const RECORDED_APIS = [
  'request',
  'login',
  'navigateToMiniProgram',
  'navigateTo',
  'redirectTo',
  'reLaunch',
  'showModal',
  'showToast',
  'setStorage',
  'getStorage',
] as const;

export type WxHandler = (options: Record<string, unknown>) => void;

export function installWeappShims(o: { route: string; handlers: Record<string, WxHandler> }) {
  const calls: WxCall[] = [];
  const storage = new Map<string, unknown>();
  const known: Record<string, unknown> = {
    nextTick: (fn: () => void) => setTimeout(fn, 0),
    getStorageSync: (k: string) => (storage.has(k) ? storage.get(k) : ''),
    setStorageSync: (k: string, v: unknown) => void storage.set(k, v),
    removeStorageSync: (k: string) => void storage.delete(k),
    getSystemInfoSync: () => ({ platform: 'devtools', windowWidth: 375, windowHeight: 667, pixelRatio: 2 }),
    canIUse: () => true,
  };
  // Taro enumerates Object.keys(wx) to build Taro.*: every async API the app uses is listed here. Each call
  // is recorded and answered through the test's handler (or succeeds quietly).
  const wx: Record<string, unknown> = { ...known };
  for (const api of RECORDED_APIS) {
    wx[api] = (options: Record<string, unknown> = {}) => {
      calls.push({ api, options });
      const h = o.handlers[api];
      setTimeout(() => {
        if (h) h(options);
        else (options.success as ((r: unknown) => void) | undefined)?.({ errMsg: `${api}:ok` });
      }, 0);
    };
  }
  let app: Record<string, (...a: unknown[]) => unknown> | undefined;
  let page: unknown;
  const g = globalThis as Record<string, unknown>;
  g.wx = wx;
  g.App = (cfg: Record<string, (...a: unknown[]) => unknown>) => {
    app = cfg;
    cfg.onLaunch?.call(cfg, { path: o.route, query: {}, scene: 1001 });
    cfg.onShow?.call(cfg, { path: o.route, query: {}, scene: 1001 });
  };
  g.getApp = () => app;
  g.getCurrentPages = () => (page ? [page] : []);
  g.Page = (cfg: Record<string, unknown>) => {
    const methods = Object.fromEntries(Object.entries(cfg).filter(([, v]) => typeof v === 'function'));
    (g.Component as (c: unknown) => void)({
      data: cfg.data ?? {},
      methods,
      lifetimes: {
        attached(this: Record<string, unknown>) {
          this.route = o.route;
          page = this;
          const call = (name: string, ...args: unknown[]) =>
            (this[name] as ((...a: unknown[]) => unknown) | undefined)?.apply(this, args);
          call('onLoad', {});
          call('onShow');
          call('onReady');
        },
      },
    });
  };
  return { calls, storage };
}

export async function waitFor<T>(
  probe: () => T | undefined | false,
  what: string,
  limitMs = 10_000,
): Promise<T> {
  const until = Date.now() + limitMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
