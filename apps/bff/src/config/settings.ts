import type { KeyObject } from 'node:crypto';
import type { EventTypeMap } from '@qianyue/wechatpay';
import type { BillingSettings } from '../billing/settings.ts';
import type { HardeningSettings } from './hardening.ts';
import type { PlanConfig } from './plans.ts';

/** The resolved configuration: typed, defaulted, secrets as KeyObjects/Buffers. Built by resolve.ts only. */
export interface AppConfig {
  mode: 'sandbox' | 'production';
  host: string;
  port: number;
  logLevel: string;
  /** Fastify `trustProxy`: false, a hop count, or the proxies' addresses/CIDRs (never `true` in production). */
  trustProxy: boolean | number | string[];
  wechatpay: {
    mchId: string;
    merchantSerialNo: string;
    privateKey: KeyObject;
    apiV3Key: Buffer;
    /** serial or PUB_KEY_ID_ → key; public key and platform certificates may coexist (migration). */
    verificationKeys: Record<string, KeyObject>;
    /** The platform certificates among verificationKeys (from WECHATPAY_PLATFORM_CERT[_PATH]), with validity. */
    platformCertificates: Array<{ serialNo: string; publicKey: KeyObject; notAfter: Date }>;
    /** Platform-certificate mode with download at start-up and refresh (WECHATPAY_PLATFORM_CERT_AUTO). */
    platformCertAuto?: { refreshSeconds: number; minRefreshSeconds: number };
    preferredSerial?: string;
    baseUrl: string;
    /** One WeChat Pay call. */
    timeoutMs: number;
    maxAttempts: number;
    /** All WeChat work of one user request (presign, terminate), retries included. */
    budgetMs: number;
  };
  wechat: {
    /** The default login mini-program. */
    appId: string;
    appSecret: string;
    /** Every login mini-program (the default one included): AppID → AppSecret. */
    miniPrograms: Record<string, string>;
    apiBaseUrl: string;
  };
  notifyBaseUrl: string;
  /** cacheSeconds: how long a replica may keep accepting a session revoked elsewhere (0: ask the database). */
  session: { secret: Buffer; ttlSeconds: number; cacheSeconds: number };
  databaseUrl: string;
  /** PostgreSQL: run repeated, column-explicit statements as named prepared statements (db/prepared-statements.ts). */
  databasePreparedStatements: boolean;
  plans: PlanConfig[];
  sign: { eduAppId: string; eduPath: string; qsExtraDataKey: string };
  presign: { eduTtlSeconds: number; qsTtlSeconds: number };
  qsRequeryAfterNotify: boolean;
  eventTypes: EventTypeMap;
  /** WeChat error codes on an edu query-by-id that mean "this contract is terminated" (besides status DELETE). */
  eduTerminatedApiCodes: string[];
  /** WeChat error codes of a query that mean "no such contract (yet)", per family. */
  notFoundApiCodes: { 'edu-papay': string[]; 'password-exempt': string[] };
  /** password-exempt `contract_state` values that mean terminated (UNCONFIRMED enum). */
  peTerminatedStates: string[];
  background: {
    sessionCleanupIntervalSeconds: number;
    sessionCleanupBatch: number;
    reconcile: {
      intervalSeconds: number;
      batch: number;
      pendingAfterSeconds: number;
      signedAfterSeconds: number;
      /** `GET /v1/contracts/:id?reconcile=true` asks WeChat at most once per contract per this many seconds. */
      userMinIntervalSeconds: number;
    };
  };
  http: {
    corsOrigins: string[];
    rateLimitMax: number;
    loginRateLimitMax: number;
    bodyLimit: number;
  } & HardeningSettings;
  /**
   * Operations console credentials (config/admin.ts): the shared token and/or one token per staff member;
   * undefined = console disabled.
   */
  admin?: { token?: Buffer; staff: ReadonlyArray<{ name: string; token: Buffer }> };
  /** Recurring edu-papay debits (src/billing/settings.ts); absent = the documented defaults. */
  billing?: BillingSettings;
}

/**
 * What `WECHATPAY_SANDBOX_KEYS_PATH` holds: the sandbox's `sandbox-merchant.json` (apps/sandbox/src/dev-keys.ts,
 * `DevMerchantFile`). Key material stays in the files it points to.
 */
export interface SandboxKeys {
  mchId?: string;
  merchantSerialNo?: string;
  merchantPrivateKeyPath?: string;
  apiV3KeyPath?: string;
  wechatpayPublicKeyId?: string;
  wechatpayPublicKeyPath?: string;
  appId?: string;
  appSecret?: string;
  eduPlans?: string[];
  qsServices?: number[];
  subMchId?: string;
  subAppId?: string;
}
