import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PasswordExemptMode } from '@qianyue/wechatpay';
import { ConfigError } from './errors.ts';
import { type FaultConfig, parseFaults } from './faults.ts';

/** One merchant the sandbox knows: what WeChat Pay holds about a merchant number. */
export interface MerchantConfig {
  mchId: string;
  /** Serial of the merchant API certificate (the `serial_no` of the Authorization header). */
  serialNo: string;
  /** The merchant's public key: SPKI PEM, PKCS#1 public PEM or the X.509 certificate PEM. */
  publicKey: string;
  /** APIv3 key, 32 ASCII characters: encrypts notification resources and `/v3/certificates`. */
  apiV3Key: string;
  /** Edu-papay sign/terminate notifications go here (configured at product onboarding, not per request). */
  eduNotifyUrl?: string;
  /** AppIDs bound to this merchant number (edu `appid`, QS `appid`). */
  appIds: string[];
  /** Edu-papay templates (`plan_id`). */
  plans: string[];
  /** Password-exempt services (`service_id`). */
  services: number[];
  /** Sub-merchants this (service provider / institution) merchant may act for. */
  subMchIds: string[];
  /** Sub-merchant AppIDs; empty = any. */
  subAppIds: string[];
  /** Password-exempt pre-sign paths this merchant may call (normal = direct merchant, service-provider,
   *  qs = institution); another path answers 403 NO_AUTH. Absent = all three. */
  passwordExemptModes?: PasswordExemptMode[];
}

export type PlatformMode = 'publicKey' | 'certificate' | 'migrating';

export interface PlatformConfig {
  /** publicKey: sign with the WeChat Pay public key (PUB_KEY_ID_…); certificate: with the platform certificate;
   *  migrating: with the key named by the request's Wechatpay-Serial, else the certificate. */
  mode: PlatformMode;
  publicKeyId?: string;
  publicKeyPrivatePem?: string;
  /** One platform certificate (kept for older configs; listed first when `certificates` is given too). */
  certSerial?: string;
  certPrivatePem?: string;
  certPem?: string;
  /** Platform certificates held at once (rotation: two overlapping ones). Serial defaults to the cert's. */
  certificates?: Array<{ serial?: string; certPem: string; privatePem: string }>;
  /** Which certificate signs answers and notifications at start (default: the first configured). */
  activeCertSerial?: string;
}

export interface NotifyConfig {
  /** Gaps between consecutive deliveries after a failure (WeChat: 15s,15s,30s,3m,… — spec §4.4). */
  intervalsSeconds: number[];
  /** Multiplies every interval; tests use e.g. 0.001. */
  timeScale: number;
  /** A delivery that has not answered 2xx by then failed. */
  timeoutMs: number;
  /** Keep the envelope `id` identical across retries (UNCONFIRMED on the real gateway). */
  stableIds: boolean;
  /** Deliver to http:// and loopback URLs (real WeChat requires public https). */
  allowInsecureNotifyUrl: boolean;
  /** Merchant-API terminations also notify (UNCONFIRMED for edu; assumed for QS). */
  notifyOnMerchantTerminate: boolean;
  /** Event names; the QS ones are UNCONFIRMED (spec contract-apis §2.5). */
  eventTypes: { eduSigned: string; eduTerminated: string; qsSigned: string; qsTerminated: string };
  /** Owner-field naming of password-exempt notification resources (UNCONFIRMED, U12): 'per-mode' = the
   *  service-provider mode uses the 委托代扣 partner names (sp_mchid, sp_appid, sp_openid), the others the query
   *  answer's (mchid, appid, openid); 'query' = the query answer's names in every mode. */
  passwordExemptNaming: 'per-mode' | 'query';
  /** How long a reordered notification is held back at most, in ms (before time scaling it is not scaled). */
  reorderHoldMs: number;
}

export interface MiniProgramApp {
  appId: string;
  appSecret: string;
}

export interface MiniProgramConfig {
  /** The merchant's own mini-program (the default of /__sandbox/login-code). */
  appId: string;
  appSecret: string;
  /** More mini-programs jscode2session serves, e.g. the sub-merchant's own (the `sub_appid` of SP/QS modes). */
  otherApps: MiniProgramApp[];
  /** openids whose login WeChat risk control blocks (errcode 40226). */
  highRiskOpenids: string[];
  /** wx.login codes live 5 minutes. */
  codeTtlSeconds: number;
  /** jscode2session calls per openid per minute before errcode 45011. */
  rateLimitPerMinute: number;
}

export interface SignMiniProgramConfig {
  eduAppId: string;
  eduPath: string;
  qsAppId: string;
  qsPath: string;
}

export interface RulesConfig {
  /** Edu presign with a period_start_date before today (UTC+8) → INVALID_REQUEST (UNCONFIRMED). */
  rejectPastPeriodStart: boolean;
  /** What edu query-by-user answers for a user without contracts. The doc says "返回明确错误码" (an error,
   *  not an empty list), so 'not-found' is the default; 'empty' keeps the older behaviour. */
  userWithoutContracts: 'empty' | 'not-found';
  /** The 404 codes of "no such contract" answers (all UNCONFIRMED, hence settable): edu query-by-id of a
   *  terminated contract, edu query-by-user without a contract, password-exempt query before signing. */
  notFoundCodes: { eduTerminated: string; eduNoContract: string; passwordExemptNotSigned: string };
  /** An openid the sandbox never issued: 'accept' (pairing unknown; documented example ids pass) or 'reject'
   *  (400 PARAM_ERROR like an openid of another AppID). An openid of ANOTHER AppID is always refused. */
  unknownOpenids: 'accept' | 'reject';
  /** Service-provider 免密 pre-sign without sp_openid and sub_openid → 400 PARAM_ERROR (U1, inferred: yes). */
  spRequireOpenid: boolean;
  /** Edu pre-sign `openid`: 'appid' = must be the user under `appid` (the doc); 'appid-or-sub-appid' = may
   *  also be the user under `sub_appid` when the mini-program is the sub-merchant's (UNCONFIRMED leniency). */
  eduOpenidOwner: 'appid' | 'appid-or-sub-appid';
}

export const DEFAULT_RULES: RulesConfig = {
  rejectPastPeriodStart: true,
  userWithoutContracts: 'not-found',
  notFoundCodes: {
    // contract-apis.md §1.3 suggests RESOURCE_NOT_EXISTS for a terminated edu contract; the edu pages'
    // generic table lists 404 NOT_FOUND "请求的资源不存在" (contract-apis-next.md §5.2, U18).
    eduTerminated: 'RESOURCE_NOT_EXISTS',
    eduNoContract: 'NOT_FOUND',
    // U6: the first of PE_NOT_FOUND_CODES (RESOURCE_NOT_EXISTS, NOT_FOUND).
    passwordExemptNotSigned: 'RESOURCE_NOT_EXISTS',
  },
  unknownOpenids: 'accept',
  spRequireOpenid: true,
  eduOpenidOwner: 'appid',
};

export interface SandboxConfig {
  merchants: MerchantConfig[];
  platform: PlatformConfig;
  miniProgram: MiniProgramConfig;
  presignTtlSeconds: number;
  clockSkewSeconds: number;
  notify: NotifyConfig;
  signMiniProgram: SignMiniProgramConfig;
  rules: RulesConfig;
  /** Sign 4xx/5xx answers too (real behaviour UNCONFIRMED; verify-if-present on clients makes it harmless). */
  signErrorAnswers: boolean;
  /** Where the sandbox is reachable (used in logs and the signing page); empty = derived from the request. */
  publicUrl: string;
  /** Seed of the PRNG that decides fault injection, so runs are reproducible. */
  seed: number;
  faults: FaultConfig;
  /** Control API (/__sandbox/*) and the simulated pages (/sign, /login). */
  controlEnabled: boolean;
  /** Keep at most this many entries in the delivery log (oldest dropped). */
  deliveryLogLimit: number;
  /** Keep at most this many finished (delivered / gave-up) notification records (oldest dropped). */
  notificationLogLimit: number;
  /** An expired signing session stays readable (status EXPIRED) this long, then it is dropped. */
  sessionRetentionSeconds: number;
  /** 401 SIGN_ERROR for a request whose nonce_str this mchid already used within the timestamp window
   *  (real behaviour UNCONFIRMED; off by default). */
  rejectReplayedNonces: boolean;
  /** 400 PARAM_ERROR for a request whose Wechatpay-Serial names no key the sandbox holds (the real code for
   *  a bad serial with encrypted fields is UNCONFIRMED). */
  checkWechatpaySerial: boolean;
}

export const WECHAT_RETRY_INTERVALS_SECONDS = [
  15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600,
];

export const DEFAULT_NOTIFY: NotifyConfig = {
  intervalsSeconds: WECHAT_RETRY_INTERVALS_SECONDS,
  timeScale: 1,
  timeoutMs: 5000,
  stableIds: true,
  allowInsecureNotifyUrl: true,
  notifyOnMerchantTerminate: true,
  eventTypes: {
    eduSigned: 'ENTRUST.SIGNING',
    eduTerminated: 'ENTRUST.RELEASE',
    qsSigned: 'ENTRUST.SIGN',
    qsTerminated: 'ENTRUST.TERMINATE',
  },
  passwordExemptNaming: 'per-mode',
  reorderHoldMs: 2000,
};

export const DEFAULT_SIGN_MINI_PROGRAM: SignMiniProgramConfig = {
  eduAppId: 'wx7a985467cbd06913',
  eduPath: 'pages/index/index',
  qsAppId: 'wxbd687630cd02ce1d',
  qsPath: 'pages/PwdExemptContract/index',
};

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The monorepo root (apps/sandbox/src → ../../..). */
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
  appId: 'wxd678efh567hg6787',
  subMchId: '1900000209',
  subAppId: 'wx8888888888888888',
  planId: '101164396123311331',
  serviceId: 12535,
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
    ...pick(o, ['rejectReplayedNonces', 'checkWechatpaySerial']),
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

// ---------------------------------------------------------------------------------------------------------
// Environment (server.ts). Every variable is documented in apps/sandbox/README.md.

export interface ServerSettings {
  host: string;
  port: number;
  /** Where generated dev keys and the BFF-readable JSON go. */
  dataDir: string;
}

export function loadServerSettings(env: NodeJS.ProcessEnv): ServerSettings {
  return {
    host: env.SANDBOX_HOST || '127.0.0.1',
    port: intEnv(env, 'SANDBOX_PORT', 8701),
    dataDir: path.resolve(env.SANDBOX_DATA_DIR || path.join(REPO_ROOT, '.data/keys')),
  };
}

/** True when the environment names the key files itself (no dev keys are generated then). */
export function hasKeyConfig(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.SANDBOX_MERCHANT_PUBLIC_KEY_PATH);
}

/**
 * Builds the config from environment variables. Key material comes from files (`*_PATH`); the caller
 * (server.ts) fills them in from generated dev keys when none are given.
 */
export function loadSandboxConfig(env: NodeJS.ProcessEnv): SandboxConfig {
  const file = (name: string, required: boolean): string | undefined => {
    const p = env[name];
    if (!p) {
      if (required) throw new ConfigError(`${name} is required`);
      return undefined;
    }
    if (!existsSync(p)) throw new ConfigError(`${name} names a file that does not exist`);
    return readText(p);
  };
  const list = (name: string, fallback: string[] = []) =>
    env[name]
      ? env[name]
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : fallback;

  const apiV3Key = env.SANDBOX_APIV3_KEY_PATH ? readTrim(env.SANDBOX_APIV3_KEY_PATH) : env.SANDBOX_APIV3_KEY;
  if (!apiV3Key || Buffer.byteLength(apiV3Key) !== 32) {
    throw new ConfigError('SANDBOX_APIV3_KEY_PATH (or SANDBOX_APIV3_KEY) must hold exactly 32 bytes');
  }
  const mode = (env.SANDBOX_PLATFORM_MODE || 'publicKey') as PlatformMode;
  if (!['publicKey', 'certificate', 'migrating'].includes(mode)) {
    throw new ConfigError('SANDBOX_PLATFORM_MODE must be publicKey, certificate or migrating');
  }
  const serialPath = env.SANDBOX_MERCHANT_SERIAL_PATH;
  const merchant: MerchantConfig = {
    mchId: env.SANDBOX_MCH_ID || '1900000109',
    serialNo: serialPath ? readTrim(serialPath) : (env.SANDBOX_MERCHANT_SERIAL ?? ''),
    publicKey: file('SANDBOX_MERCHANT_PUBLIC_KEY_PATH', true)!,
    apiV3Key,
    appIds: list('SANDBOX_APP_IDS', [env.SANDBOX_MINIPROGRAM_APP_ID || TEST_IDS.appId]),
    plans: list('SANDBOX_EDU_PLANS', [TEST_IDS.planId]),
    services: list('SANDBOX_QS_SERVICES', [String(TEST_IDS.serviceId)]).map(Number),
    subMchIds: list('SANDBOX_SUB_MCH_IDS', [TEST_IDS.subMchId]),
    subAppIds: list('SANDBOX_SUB_APP_IDS'),
  };
  if (env.SANDBOX_EDU_NOTIFY_URL) merchant.eduNotifyUrl = env.SANDBOX_EDU_NOTIFY_URL;
  if (!merchant.serialNo) throw new ConfigError('SANDBOX_MERCHANT_SERIAL (or _PATH) is required');
  if (merchant.services.some((s) => !Number.isSafeInteger(s))) {
    throw new ConfigError('SANDBOX_QS_SERVICES must be integers');
  }

  const platform: PlatformConfig = { mode };
  if (env.SANDBOX_PLATFORM_PUBLIC_KEY_ID) platform.publicKeyId = env.SANDBOX_PLATFORM_PUBLIC_KEY_ID;
  const pkPriv = file('SANDBOX_PLATFORM_PUBLIC_KEY_PRIVATE_KEY_PATH', false);
  if (pkPriv) platform.publicKeyPrivatePem = pkPriv;
  const certPriv = file('SANDBOX_PLATFORM_CERT_PRIVATE_KEY_PATH', false);
  if (certPriv) platform.certPrivatePem = certPriv;
  const certPem = file('SANDBOX_PLATFORM_CERT_PATH', false);
  if (certPem) platform.certPem = certPem;
  if (env.SANDBOX_PLATFORM_CERT_SERIAL) platform.certSerial = env.SANDBOX_PLATFORM_CERT_SERIAL;
  // More certificates (rotation): two comma lists of files, pairwise.
  const certPaths = list('SANDBOX_PLATFORM_CERT_PATHS');
  const certKeyPaths = list('SANDBOX_PLATFORM_CERT_PRIVATE_KEY_PATHS');
  if (certPaths.length !== certKeyPaths.length) {
    throw new ConfigError(
      'SANDBOX_PLATFORM_CERT_PATHS and SANDBOX_PLATFORM_CERT_PRIVATE_KEY_PATHS must list as many files',
    );
  }
  if (certPaths.length > 0) {
    platform.certificates = certPaths.map((certFile, i) => {
      const keyFile = certKeyPaths[i]!;
      if (!existsSync(certFile) || !existsSync(keyFile)) {
        throw new ConfigError(
          'SANDBOX_PLATFORM_CERT_PATHS / _PRIVATE_KEY_PATHS name a file that does not exist',
        );
      }
      return { certPem: readText(certFile), privatePem: readText(keyFile) };
    });
  }
  if (env.SANDBOX_PLATFORM_ACTIVE_CERT_SERIAL)
    platform.activeCertSerial = env.SANDBOX_PLATFORM_ACTIVE_CERT_SERIAL;

  let faults: FaultConfig = {};
  if (env.SANDBOX_FAULTS) {
    try {
      faults = parseFaults(JSON.parse(env.SANDBOX_FAULTS));
    } catch {
      throw new ConfigError('SANDBOX_FAULTS must be a JSON fault configuration');
    }
  }

  const userWithout = env.SANDBOX_USER_WITHOUT_CONTRACTS || 'not-found';
  if (userWithout !== 'empty' && userWithout !== 'not-found') {
    throw new ConfigError('SANDBOX_USER_WITHOUT_CONTRACTS must be empty or not-found');
  }

  return {
    merchants: [merchant],
    platform,
    miniProgram: {
      appId: env.SANDBOX_MINIPROGRAM_APP_ID || TEST_IDS.appId,
      appSecret: env.SANDBOX_MINIPROGRAM_APP_SECRET || TEST_IDS.appSecret,
      otherApps: [],
      highRiskOpenids: list('SANDBOX_HIGH_RISK_OPENIDS'),
      codeTtlSeconds: intEnv(env, 'SANDBOX_LOGIN_CODE_TTL_SECONDS', 300),
      rateLimitPerMinute: intEnv(env, 'SANDBOX_LOGIN_RATE_LIMIT_PER_MINUTE', 100),
    },
    presignTtlSeconds: intEnv(env, 'SANDBOX_PRESIGN_TTL_SECONDS', 7200),
    clockSkewSeconds: intEnv(env, 'SANDBOX_CLOCK_SKEW_SECONDS', 300),
    notify: {
      ...DEFAULT_NOTIFY,
      intervalsSeconds: env.SANDBOX_NOTIFY_INTERVALS
        ? list('SANDBOX_NOTIFY_INTERVALS').map(Number)
        : DEFAULT_NOTIFY.intervalsSeconds,
      timeScale: numEnv(env, 'SANDBOX_NOTIFY_TIME_SCALE', 1),
      timeoutMs: intEnv(env, 'SANDBOX_NOTIFY_TIMEOUT_MS', 5000),
      stableIds: boolEnv(env, 'SANDBOX_NOTIFY_STABLE_IDS', true),
      allowInsecureNotifyUrl: boolEnv(env, 'SANDBOX_ALLOW_INSECURE_NOTIFY_URL', true),
      notifyOnMerchantTerminate: boolEnv(env, 'SANDBOX_NOTIFY_ON_MERCHANT_TERMINATE', true),
      eventTypes: {
        eduSigned: env.SANDBOX_EVENT_EDU_SIGNED || DEFAULT_NOTIFY.eventTypes.eduSigned,
        eduTerminated: env.SANDBOX_EVENT_EDU_TERMINATED || DEFAULT_NOTIFY.eventTypes.eduTerminated,
        qsSigned: env.SANDBOX_EVENT_QS_SIGNED || DEFAULT_NOTIFY.eventTypes.qsSigned,
        qsTerminated: env.SANDBOX_EVENT_QS_TERMINATED || DEFAULT_NOTIFY.eventTypes.qsTerminated,
      },
    },
    signMiniProgram: { ...DEFAULT_SIGN_MINI_PROGRAM },
    rules: {
      ...DEFAULT_RULES,
      rejectPastPeriodStart: boolEnv(env, 'SANDBOX_REJECT_PAST_PERIOD_START', true),
      userWithoutContracts: userWithout,
    },
    signErrorAnswers: boolEnv(env, 'SANDBOX_SIGN_ERROR_ANSWERS', true),
    publicUrl: env.SANDBOX_PUBLIC_URL || '',
    seed: intEnv(env, 'SANDBOX_SEED', 1),
    faults,
    controlEnabled: boolEnv(env, 'SANDBOX_CONTROL', true),
    deliveryLogLimit: intEnv(env, 'SANDBOX_DELIVERY_LOG_LIMIT', 10000),
    notificationLogLimit: intEnv(env, 'SANDBOX_NOTIFICATION_LOG_LIMIT', 10000),
    sessionRetentionSeconds: intEnv(env, 'SANDBOX_SESSION_RETENTION_SECONDS', 86400),
    rejectReplayedNonces: boolEnv(env, 'SANDBOX_REJECT_REPLAYED_NONCES', false),
    checkWechatpaySerial: boolEnv(env, 'SANDBOX_CHECK_WECHATPAY_SERIAL', true),
  };
}

function intEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new ConfigError(`${name} must be a non-negative integer`);
  return n;
}

function numEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new ConfigError(`${name} must be a non-negative number`);
  return n;
}

function boolEnv(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  if (['1', 'true', 'on', 'yes'].includes(v.toLowerCase())) return true;
  if (['0', 'false', 'off', 'no'].includes(v.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false`);
}
