// Public surface of @qianyue/sandbox. Exports only.
export { buildSandbox, type SandboxDeps } from './app.ts';
export {
  DEFAULT_NOTIFY,
  DEFAULT_RULES,
  type MerchantConfig,
  type MiniProgramApp,
  type PlatformConfig,
  type RulesConfig,
  type SandboxConfig,
  WECHAT_RETRY_INTERVALS_SECONDS,
} from './config.ts';
export { EXAMPLE_IDS } from './defaults.ts';
// Test data (fixture keys, test ids, testSandboxConfig) lives in `@qianyue/sandbox/testing`, outside src/.
export { DEV_MERCHANT_FILE, type DevMerchantFile, generateDevKeys } from './dev-keys.ts';
export { loadSandboxConfig } from './env.ts';
export { readSandboxEnv, type SandboxEnv, SandboxEnvSchema } from './env-schema.ts';
export type { FaultConfig, NotifyFaults, RouteFaults } from './faults.ts';
export type { DeliveryRecord, NotificationRecord } from './notifier.ts';
