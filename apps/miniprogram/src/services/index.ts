import { type AppConfig, loadConfig } from '../config.ts';
import { createPlatform, type Platform } from '../platform/index.ts';
import { type BffClient, createBffClient } from './bff.ts';
import { createHttpClient } from './http.ts';
import { createPendingSignStore, type PendingSignStore } from './pending-sign.ts';
import { createSession, type Session } from './session.ts';
import { createTaroStore, taroTransport } from './taro-adapters.ts';

/** What the app shows with when it comes back to the foreground (App onShow / referrerInfo). */
export interface ShowInfo {
  scene?: number;
  referrerAppId?: string;
  extraData?: unknown;
}

export interface AppServices {
  config: AppConfig;
  platform: Platform;
  session: Session;
  bff: BffClient;
  pendingSign: PendingSignStore;
  /** The last App onShow's referrer, kept for the page that handles the return, then dropped. */
  lastShow: { set(info: ShowInfo): void; take(): ShowInfo | undefined };
}

/** The app's composition root: one instance, created by the App component. */
export function createAppServices(): AppServices {
  const config = loadConfig();
  const store = createTaroStore();
  const platform = createPlatform({ sandboxUrl: config.sandboxUrl, store });
  const http = createHttpClient({ baseUrl: config.bffUrl, transport: taroTransport });
  let session: Session | undefined;
  const bff = createBffClient({ http, session: () => session! });
  session = createSession({
    store,
    loginCode: () => platform.loginCode(),
    exchange: (code) => bff.login(code),
  });
  let show: ShowInfo | undefined;
  return {
    config,
    platform,
    session,
    bff,
    pendingSign: createPendingSignStore(store),
    lastShow: {
      set(info) {
        show = info;
      },
      take() {
        const s = show;
        show = undefined;
        return s;
      },
    },
  };
}
