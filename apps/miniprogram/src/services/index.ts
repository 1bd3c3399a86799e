import { type AppConfig, loadConfig } from '../config.ts';
import { createPlatform, type Platform } from '../platform/index.ts';
import { type BffClient, createBffClient } from './bff.ts';
import { createHttpClient } from './http.ts';
import { createPendingSignStore } from './pending-sign.ts';
import { createSession, type Session } from './session.ts';
import { type ContractSigning, createContractSigning } from './signing.ts';
import { createTaroStore, openPage, sleep, taroTransport } from './taro-adapters.ts';

export interface AppServices {
  config: AppConfig;
  platform: Platform;
  session: Session;
  bff: BffClient;
  /** From a tap to WeChat and back: start, return, result (services/signing.ts). */
  signing: ContractSigning;
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
  const now = () => Date.now();
  const signing = createContractSigning({
    bff,
    platform,
    pending: createPendingSignStore(store, now),
    openPage,
    now,
    sleep,
    timeoutMs: config.pollTimeoutMs,
  });
  return { config, platform, session, bff, signing };
}
