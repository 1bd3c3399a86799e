// Public surface of @qianyue/sandbox. Exports only.
export { buildSandbox, type SandboxDeps } from './app.ts';
export {
  fixturesDir,
  loadSandboxConfig,
  type MerchantConfig,
  type PlatformConfig,
  type SandboxConfig,
  type SandboxConfigOverrides,
  TEST_IDS,
  testSandboxConfig,
  WECHAT_RETRY_INTERVALS_SECONDS,
} from './config.ts';
export { DEV_MERCHANT_FILE, type DevMerchantFile, generateDevKeys } from './dev-keys.ts';
export type { FaultConfig, NotifyFaults, RouteFaults } from './faults.ts';
export type { DeliveryRecord, NotificationRecord } from './notifier.ts';
