import type { PasswordExemptMode } from '@qianyue/wechatpay';
import type { FaultConfig } from './faults.ts';

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
  /** A client must send its whole request within this many ms (slow clients cannot hold connections open).
   *  Time spent answering is not counted, so injected answer delays are unaffected. */
  requestTimeoutMs: number;
  /** The one origin allowed to call the control API cross-origin (the H5 demo's); absent = same-origin only. */
  controlAllowOrigin?: string;
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
