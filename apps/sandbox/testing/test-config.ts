import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_NOTIFY,
  DEFAULT_RULES,
  DEFAULT_SIGN_MINI_PROGRAM,
  type MerchantConfig,
  type MiniProgramConfig,
  type NotifyConfig,
  type PlatformConfig,
  type RulesConfig,
  type SandboxConfig,
} from '../src/config.ts';
import { EXAMPLE_IDS } from '../src/defaults.ts';
import type { FaultConfig } from '../src/faults.ts';

/*
 * TEST-ONLY: a sandbox configuration holding the shared fixture keys (fixtures/, openssl-made, TEST ONLY),
 * for the test suites of every package. Production code never imports this file.
 */

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The monorepo root (apps/sandbox/testing → ../../..). */
export const REPO_ROOT = path.resolve(HERE, '../../..');

export function fixturesDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.QIANYUE_FIXTURES_DIR
    ? path.resolve(env.QIANYUE_FIXTURES_DIR)
    : path.resolve(REPO_ROOT, 'fixtures');
}

const readText = (file: string) => readFileSync(file, 'utf8');
const readTrim = (file: string) => readText(file).trim();

/** Identifiers the test fixtures use (the request-signing vectors r04/r05 carry these). */
export const TEST_IDS = {
  appId: EXAMPLE_IDS.appId,
  subMchId: EXAMPLE_IDS.subMchId,
  subAppId: EXAMPLE_IDS.subAppId,
  planId: EXAMPLE_IDS.planId,
  serviceId: EXAMPLE_IDS.serviceId,
  appSecret: 'TESTONLYappSecret0000000000000000',
  /** The sub-merchant's own mini-program (sub_appid) also logs users in. */
  subAppSecret: 'TESTONLYsubAppSecret000000000000',
} as const;

type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends (infer U)[] ? U[] : T[K] extends object ? DeepPartial<T[K]> : T[K];
};

export type SandboxConfigOverrides = DeepPartial<Omit<SandboxConfig, 'merchants'>> & {
  merchants?: MerchantConfig[];
  /** Shallow overrides applied to the first (fixture) merchant. */
  merchant?: Partial<MerchantConfig>;
};

/** A config holding the shared TEST-ONLY fixture keys (merchant 1900000109, platform cert + public key). */
export function testSandboxConfig(overrides: SandboxConfigOverrides = {}): SandboxConfig {
  const dir = fixturesDir();
  const merchant: MerchantConfig = {
    mchId: '1900000109',
    serialNo: readTrim(path.join(dir, 'merchant/serial.txt')),
    publicKey: readText(path.join(dir, 'merchant/cert.pem')),
    apiV3Key: readTrim(path.join(dir, 'apiv3-key.txt')),
    appIds: [TEST_IDS.appId],
    plans: [TEST_IDS.planId],
    services: [TEST_IDS.serviceId],
    subMchIds: [TEST_IDS.subMchId],
    subAppIds: [],
    ...overrides.merchant,
  };
  const base: SandboxConfig = {
    merchants: overrides.merchants ?? [merchant],
    platform: {
      mode: 'publicKey',
      publicKeyId: readTrim(path.join(dir, 'platform/pubkey/id.txt')),
      publicKeyPrivatePem: readText(path.join(dir, 'platform/pubkey/private-key.pem')),
      certSerial: readTrim(path.join(dir, 'platform/serial.txt')),
      certPrivatePem: readText(path.join(dir, 'platform/private-key.pem')),
      certPem: readText(path.join(dir, 'platform/cert.pem')),
    },
    miniProgram: {
      appId: TEST_IDS.appId,
      appSecret: TEST_IDS.appSecret,
      otherApps: [{ appId: TEST_IDS.subAppId, appSecret: TEST_IDS.subAppSecret }],
      highRiskOpenids: [],
      codeTtlSeconds: 300,
      rateLimitPerMinute: 100,
    },
    presignTtlSeconds: 7200,
    clockSkewSeconds: 300,
    notify: { ...DEFAULT_NOTIFY, timeScale: 0.001, timeoutMs: 2000 },
    signMiniProgram: { ...DEFAULT_SIGN_MINI_PROGRAM },
    rules: { ...DEFAULT_RULES, notFoundCodes: { ...DEFAULT_RULES.notFoundCodes } },
    signErrorAnswers: true,
    publicUrl: '',
    seed: 42,
    faults: {},
    controlEnabled: true,
    requestTimeoutMs: 30000,
    deliveryLogLimit: 10000,
    notificationLogLimit: 10000,
    sessionRetentionSeconds: 86400,
    rejectReplayedNonces: false,
    checkWechatpaySerial: true,
  };
  return mergeConfig(base, overrides);
}

function mergeConfig(base: SandboxConfig, o: SandboxConfigOverrides): SandboxConfig {
  return {
    ...base,
    ...pick(o, ['presignTtlSeconds', 'clockSkewSeconds', 'signErrorAnswers', 'publicUrl', 'seed']),
    ...pick(o, ['controlEnabled', 'deliveryLogLimit', 'notificationLogLimit', 'sessionRetentionSeconds']),
    ...pick(o, ['rejectReplayedNonces', 'checkWechatpaySerial', 'requestTimeoutMs', 'controlAllowOrigin']),
    platform: { ...base.platform, ...(o.platform as Partial<PlatformConfig>) },
    miniProgram: { ...base.miniProgram, ...(o.miniProgram as Partial<MiniProgramConfig>) },
    notify: {
      ...base.notify,
      ...(o.notify as Partial<NotifyConfig>),
      eventTypes: { ...base.notify.eventTypes, ...o.notify?.eventTypes },
    },
    signMiniProgram: { ...base.signMiniProgram, ...o.signMiniProgram },
    rules: {
      ...base.rules,
      ...(o.rules as Partial<RulesConfig>),
      notFoundCodes: { ...base.rules.notFoundCodes, ...o.rules?.notFoundCodes },
    },
    faults: (o.faults as FaultConfig | undefined) ?? base.faults,
  };
}

function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
