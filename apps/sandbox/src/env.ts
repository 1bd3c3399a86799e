import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PasswordExemptMode } from '@qianyue/wechatpay';
import {
  DEFAULT_NOTIFY,
  DEFAULT_SIGN_MINI_PROGRAM,
  type MerchantConfig,
  type PlatformConfig,
  type SandboxConfig,
} from './config.ts';
import { EXAMPLE_IDS } from './defaults.ts';
import { flag, list, readSandboxEnv, type SandboxEnv } from './env-schema.ts';
import { ConfigError } from './errors.ts';
import { type FaultConfig, parseFaults } from './faults.ts';

/* Environment → configuration. Reads key files named by *_PATH variables; writes no file. */

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The monorepo root (apps/sandbox/src → ../../..): the default dev-key folder is under it. */
const REPO_ROOT = path.resolve(HERE, '../../..');

export interface ServerSettings {
  host: string;
  port: number;
  /** Where generated dev keys and the BFF-readable JSON go. */
  dataDir: string;
  log: boolean;
}

export function loadServerSettings(env: Record<string, string | undefined>): ServerSettings {
  const e = readSandboxEnv(env);
  return {
    host: e.SANDBOX_HOST,
    port: e.SANDBOX_PORT,
    dataDir: path.resolve(e.SANDBOX_DATA_DIR || path.join(REPO_ROOT, '.data/keys')),
    log: flag(e.SANDBOX_LOG),
  };
}

/** True when the environment names the key files itself (no dev keys are generated then). */
export function hasKeyConfig(env: Record<string, string | undefined>): boolean {
  return Boolean(env.SANDBOX_MERCHANT_PUBLIC_KEY_PATH);
}

/**
 * Builds the config from environment variables. Key material comes from files (`*_PATH`); the caller
 * (server.ts) fills them in from generated dev keys when none are given. Reads files, writes none.
 */
export function loadSandboxConfig(env: Record<string, string | undefined>): SandboxConfig {
  const e = readSandboxEnv(env);
  const read = (name: keyof SandboxEnv, required: boolean): string | undefined => {
    const p = e[name] as string | undefined;
    if (!p) {
      if (required) throw new ConfigError(`${name} is required`);
      return undefined;
    }
    if (!existsSync(p)) throw new ConfigError(`${name} names a file that does not exist`);
    return readFileSync(p, 'utf8');
  };

  const apiV3Key = (read('SANDBOX_APIV3_KEY_PATH', false) ?? e.SANDBOX_APIV3_KEY ?? '').trim();
  if (Buffer.byteLength(apiV3Key) !== 32) {
    throw new ConfigError('SANDBOX_APIV3_KEY_PATH (or SANDBOX_APIV3_KEY) must hold exactly 32 bytes');
  }
  const serialNo = (read('SANDBOX_MERCHANT_SERIAL_PATH', false) ?? e.SANDBOX_MERCHANT_SERIAL ?? '').trim();
  if (!serialNo) throw new ConfigError('SANDBOX_MERCHANT_SERIAL (or _PATH) is required');
  if (!e.SANDBOX_MINIPROGRAM_APP_SECRET) throw new ConfigError('SANDBOX_MINIPROGRAM_APP_SECRET is required');
  const services = list(e.SANDBOX_QS_SERVICES).map(Number);
  const modes = list(e.SANDBOX_PASSWORD_EXEMPT_MODES) as PasswordExemptMode[];
  const merchant: MerchantConfig = {
    mchId: e.SANDBOX_MCH_ID,
    serialNo,
    publicKey: read('SANDBOX_MERCHANT_PUBLIC_KEY_PATH', true)!,
    apiV3Key,
    appIds: e.SANDBOX_APP_IDS ? list(e.SANDBOX_APP_IDS) : [e.SANDBOX_MINIPROGRAM_APP_ID],
    plans: e.SANDBOX_EDU_PLANS ? list(e.SANDBOX_EDU_PLANS) : [EXAMPLE_IDS.planId],
    services: services.length ? services : [EXAMPLE_IDS.serviceId],
    subMchIds: e.SANDBOX_SUB_MCH_IDS ? list(e.SANDBOX_SUB_MCH_IDS) : [EXAMPLE_IDS.subMchId],
    subAppIds: list(e.SANDBOX_SUB_APP_IDS),
    ...(modes.length ? { passwordExemptModes: modes } : {}),
    ...(e.SANDBOX_EDU_NOTIFY_URL ? { eduNotifyUrl: e.SANDBOX_EDU_NOTIFY_URL } : {}),
  };

  return {
    merchants: [merchant],
    platform: platformFromEnv(e, read),
    miniProgram: {
      appId: e.SANDBOX_MINIPROGRAM_APP_ID,
      appSecret: e.SANDBOX_MINIPROGRAM_APP_SECRET,
      otherApps: list(e.SANDBOX_MINIPROGRAM_OTHER_APPS).map((pair) => {
        const [appId, appSecret] = pair.split(':') as [string, string];
        return { appId, appSecret };
      }),
      highRiskOpenids: list(e.SANDBOX_HIGH_RISK_OPENIDS),
      codeTtlSeconds: e.SANDBOX_LOGIN_CODE_TTL_SECONDS,
      rateLimitPerMinute: e.SANDBOX_LOGIN_RATE_LIMIT_PER_MINUTE,
    },
    presignTtlSeconds: e.SANDBOX_PRESIGN_TTL_SECONDS,
    clockSkewSeconds: e.SANDBOX_CLOCK_SKEW_SECONDS,
    notify: {
      ...DEFAULT_NOTIFY,
      intervalsSeconds: e.SANDBOX_NOTIFY_INTERVALS
        ? list(e.SANDBOX_NOTIFY_INTERVALS).map(Number)
        : DEFAULT_NOTIFY.intervalsSeconds,
      timeScale: e.SANDBOX_NOTIFY_TIME_SCALE,
      timeoutMs: e.SANDBOX_NOTIFY_TIMEOUT_MS,
      stableIds: flag(e.SANDBOX_NOTIFY_STABLE_IDS),
      allowInsecureNotifyUrl: flag(e.SANDBOX_ALLOW_INSECURE_NOTIFY_URL),
      notifyOnMerchantTerminate: flag(e.SANDBOX_NOTIFY_ON_MERCHANT_TERMINATE),
      eventTypes: {
        eduSigned: e.SANDBOX_EVENT_EDU_SIGNED,
        eduTerminated: e.SANDBOX_EVENT_EDU_TERMINATED,
        qsSigned: e.SANDBOX_EVENT_QS_SIGNED,
        qsTerminated: e.SANDBOX_EVENT_QS_TERMINATED,
      },
      passwordExemptNaming: e.SANDBOX_PE_NOTIFY_NAMING,
    },
    signMiniProgram: { ...DEFAULT_SIGN_MINI_PROGRAM },
    rules: {
      rejectPastPeriodStart: flag(e.SANDBOX_REJECT_PAST_PERIOD_START),
      userWithoutContracts: e.SANDBOX_USER_WITHOUT_CONTRACTS,
      notFoundCodes: {
        eduTerminated: e.SANDBOX_NOT_FOUND_CODE_EDU_TERMINATED,
        eduNoContract: e.SANDBOX_NOT_FOUND_CODE_EDU_NO_CONTRACT,
        passwordExemptNotSigned: e.SANDBOX_NOT_FOUND_CODE_PASSWORD_EXEMPT,
      },
      unknownOpenids: e.SANDBOX_UNKNOWN_OPENIDS,
      spRequireOpenid: flag(e.SANDBOX_SP_REQUIRE_OPENID),
      eduOpenidOwner: e.SANDBOX_EDU_OPENID_OWNER,
    },
    signErrorAnswers: flag(e.SANDBOX_SIGN_ERROR_ANSWERS),
    publicUrl: e.SANDBOX_PUBLIC_URL,
    seed: e.SANDBOX_SEED,
    faults: faultsFromEnv(e.SANDBOX_FAULTS),
    controlEnabled: flag(e.SANDBOX_CONTROL),
    requestTimeoutMs: e.SANDBOX_REQUEST_TIMEOUT_MS,
    ...(e.SANDBOX_CONTROL_ALLOW_ORIGIN ? { controlAllowOrigin: e.SANDBOX_CONTROL_ALLOW_ORIGIN } : {}),
    deliveryLogLimit: e.SANDBOX_DELIVERY_LOG_LIMIT,
    notificationLogLimit: e.SANDBOX_NOTIFICATION_LOG_LIMIT,
    sessionRetentionSeconds: e.SANDBOX_SESSION_RETENTION_SECONDS,
    rejectReplayedNonces: flag(e.SANDBOX_REJECT_REPLAYED_NONCES),
    checkWechatpaySerial: flag(e.SANDBOX_CHECK_WECHATPAY_SERIAL),
  };
}

function platformFromEnv(
  e: SandboxEnv,
  read: (name: keyof SandboxEnv, required: boolean) => string | undefined,
): PlatformConfig {
  const platform: PlatformConfig = { mode: e.SANDBOX_PLATFORM_MODE };
  if (e.SANDBOX_PLATFORM_PUBLIC_KEY_ID) platform.publicKeyId = e.SANDBOX_PLATFORM_PUBLIC_KEY_ID;
  const pkPriv = read('SANDBOX_PLATFORM_PUBLIC_KEY_PRIVATE_KEY_PATH', false);
  if (pkPriv) platform.publicKeyPrivatePem = pkPriv;
  const certPriv = read('SANDBOX_PLATFORM_CERT_PRIVATE_KEY_PATH', false);
  if (certPriv) platform.certPrivatePem = certPriv;
  const certPem = read('SANDBOX_PLATFORM_CERT_PATH', false);
  if (certPem) platform.certPem = certPem;
  if (e.SANDBOX_PLATFORM_CERT_SERIAL) platform.certSerial = e.SANDBOX_PLATFORM_CERT_SERIAL;
  // More certificates (rotation): two comma lists of files, pairwise.
  const certPaths = list(e.SANDBOX_PLATFORM_CERT_PATHS);
  const keyPaths = list(e.SANDBOX_PLATFORM_CERT_PRIVATE_KEY_PATHS);
  if (certPaths.length !== keyPaths.length) {
    throw new ConfigError(
      'SANDBOX_PLATFORM_CERT_PATHS and SANDBOX_PLATFORM_CERT_PRIVATE_KEY_PATHS must list as many files',
    );
  }
  if (certPaths.length > 0) {
    platform.certificates = certPaths.map((certFile, i) => {
      const keyFile = keyPaths[i]!;
      if (!existsSync(certFile) || !existsSync(keyFile)) {
        throw new ConfigError(
          'SANDBOX_PLATFORM_CERT_PATHS / _PRIVATE_KEY_PATHS name a file that does not exist',
        );
      }
      return { certPem: readFileSync(certFile, 'utf8'), privatePem: readFileSync(keyFile, 'utf8') };
    });
  }
  if (e.SANDBOX_PLATFORM_ACTIVE_CERT_SERIAL)
    platform.activeCertSerial = e.SANDBOX_PLATFORM_ACTIVE_CERT_SERIAL;
  return platform;
}

function faultsFromEnv(raw: string | undefined): FaultConfig {
  if (!raw) return {};
  try {
    return parseFaults(JSON.parse(raw));
  } catch {
    throw new ConfigError('SANDBOX_FAULTS must be a JSON fault configuration');
  }
}
