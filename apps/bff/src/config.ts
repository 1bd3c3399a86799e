import type { KeyObject } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyEnv from '@fastify/env';
import {
  certificateInfo,
  DEFAULT_EVENT_TYPES,
  type EventTypeMap,
  isPublicKeyId,
  loadApiV3Key,
  loadPrivateKey,
  loadPublicKey,
  WechatPayError,
} from '@qianyue/wechatpay';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import Fastify from 'fastify';
import { type BillingSettings, resolveBillingSettings } from './billing/settings.ts';
import { BffConfigError } from './errors.ts';

/*
 * Configuration is read from the environment ONCE (server.ts passes process.env; tests pass literal objects),
 * validated against a TypeBox schema by @fastify/env, then resolved: secrets are read from files or variables
 * and turned into KeyObjects / Buffers here, so nothing else ever sees PEM text. Every failure names the
 * variable and never echoes a value. docs/configuration.md documents each variable below.
 */

const Str = (description: string) => Type.Optional(Type.String({ description }));

export const EnvSchema = Type.Object({
  NODE_ENV: Type.Optional(Type.String()),
  WECHATPAY_MODE: Type.Union([Type.Literal('sandbox'), Type.Literal('production')], { default: 'sandbox' }),
  BFF_PORT: Type.Integer({ default: 8700, minimum: 0, maximum: 65535 }),
  BFF_HOST: Type.String({ default: '127.0.0.1' }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  TRUST_PROXY: Type.Boolean({ default: false }),

  WECHATPAY_MCH_ID: Str('merchant number (service provider / institution number in SP or QS mode)'),
  WECHATPAY_MERCHANT_SERIAL_NO: Str('merchant API certificate serial'),
  WECHATPAY_PRIVATE_KEY: Str('merchant API private key PEM'),
  WECHATPAY_PRIVATE_KEY_PATH: Str('file holding the merchant API private key PEM'),
  WECHATPAY_APIV3_KEY: Str('APIv3 key, 32 ASCII characters'),
  WECHATPAY_APIV3_KEY_PATH: Str('file holding the APIv3 key'),
  WECHATPAY_PUBLIC_KEY: Str('WeChat Pay public key PEM (public-key mode)'),
  WECHATPAY_PUBLIC_KEY_PATH: Str('file holding the WeChat Pay public key PEM'),
  WECHATPAY_PUBLIC_KEY_ID: Str('PUB_KEY_ID_… of the WeChat Pay public key'),
  WECHATPAY_PLATFORM_CERT: Str('platform certificate PEM(s) (certificate mode)'),
  WECHATPAY_PLATFORM_CERT_PATH: Str('file holding one or more platform certificate PEMs'),
  WECHATPAY_PLATFORM_CERT_AUTO: Type.Boolean({ default: false }),
  WECHATPAY_PLATFORM_CERT_REFRESH_SECONDS: Type.Integer({ default: 86_400, minimum: 60 }),
  WECHATPAY_PLATFORM_CERT_MIN_REFRESH_SECONDS: Type.Integer({ default: 60, minimum: 1 }),
  WECHATPAY_BASE_URL: Str('WeChat Pay API host'),
  WECHATPAY_TIMEOUT_MS: Type.Integer({ default: 10_000, minimum: 100 }),
  WECHATPAY_MAX_ATTEMPTS: Type.Integer({ default: 3, minimum: 1, maximum: 10 }),
  WECHATPAY_SUB_MCHID: Str('sub-merchant number (QS mode; edu in service-provider mode)'),
  WECHATPAY_SANDBOX_URL: Str('sandbox mode: where the sandbox listens'),
  WECHATPAY_SANDBOX_KEYS_PATH: Str('sandbox mode: the dev-keys JSON file the sandbox writes'),

  WECHAT_APP_ID: Str('mini-program AppID used for wx.login and as appid'),
  WECHAT_APP_SECRET: Str('mini-program AppSecret'),
  WECHAT_APP_SECRET_PATH: Str('file holding the AppSecret'),
  WECHAT_SUB_APP_ID: Str('sub-merchant AppID (QS mode sub_appid)'),
  WECHAT_API_BASE_URL: Str('host of jscode2session'),

  NOTIFY_BASE_URL: Str('public https base URL WeChat Pay posts notifications to'),
  SESSION_SECRET: Str('HMAC key for session tokens, at least 32 bytes'),
  SESSION_SECRET_PATH: Str('file holding the session secret'),
  SESSION_TTL_SECONDS: Type.Integer({ default: 7200, minimum: 60 }),
  SESSION_CLEANUP_INTERVAL_SECONDS: Type.Integer({ default: 900, minimum: 0 }),
  SESSION_CLEANUP_BATCH: Type.Integer({ default: 1000, minimum: 1, maximum: 100_000 }),
  DATABASE_URL: Type.String({ default: '' }),

  PLANS: Str('JSON array of plans'),
  PLANS_PATH: Str('file holding the JSON array of plans'),

  EDU_SIGN_APP_ID: Type.String({ default: 'wx7a985467cbd06913' }),
  EDU_SIGN_PATH: Type.String({ default: 'pages/index/index' }),
  EDU_PRESIGN_TTL_SECONDS: Type.Integer({ default: 7200, minimum: 60 }),
  EDU_PARTNER_MODE: Type.Boolean({ default: false }),
  QS_PRESIGN_TTL_SECONDS: Type.Integer({ default: 7200, minimum: 60 }),
  QS_EXTRA_DATA_KEY: Type.String({ default: 'pre_entrustweb_id', minLength: 1 }),
  QS_REQUERY_AFTER_NOTIFY: Type.Boolean({ default: true }),
  NOTIFY_EVENT_TYPES: Str('JSON map event_type → {family, kind}'),
  EDU_TERMINATED_API_CODES: Type.String({ default: 'RESOURCE_NOT_EXISTS' }),

  RECONCILE_INTERVAL_SECONDS: Type.Integer({ default: 300, minimum: 0 }),
  RECONCILE_BATCH: Type.Integer({ default: 50, minimum: 1, maximum: 1000 }),
  RECONCILE_PENDING_AFTER_SECONDS: Type.Integer({ default: 600, minimum: 0 }),
  RECONCILE_SIGNED_AFTER_SECONDS: Type.Integer({ default: 86_400, minimum: 60 }),

  CORS_ORIGINS: Type.String({ default: '' }),
  RATE_LIMIT_MAX: Type.Integer({ default: 120, minimum: 1 }),
  LOGIN_RATE_LIMIT_MAX: Type.Integer({ default: 20, minimum: 1 }),
  BODY_LIMIT_BYTES: Type.Integer({ default: 16_384, minimum: 1024 }),
  DOCS_ENABLED: Type.Boolean({ default: true }),

  // Operations console (apps/bff/src/console) and `pnpm doctor`.
  ADMIN_TOKEN: Str('operations console credential, at least 24 characters; console disabled when unset'),
  ADMIN_TOKEN_PATH: Str('file holding the console credential (sandbox mode: generated 0600 when missing)'),
  WECHATPAY_MERCHANT_CERT: Str(
    'merchant API certificate PEM (optional; doctor checks key and serial against it)',
  ),
  WECHATPAY_MERCHANT_CERT_PATH: Str('file holding apiclient_cert.pem (optional, for doctor)'),
});
export type RawEnv = Static<typeof EnvSchema>;

export const PlanConfigSchema = Type.Union([
  Type.Object(
    {
      planKey: Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$', maxLength: 64 }),
      family: Type.Literal('edu-papay'),
      planId: Type.String({ minLength: 1, maxLength: 32 }),
      name: Type.String({ minLength: 1 }),
      description: Type.String({ default: '' }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      planKey: Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$', maxLength: 64 }),
      family: Type.Literal('password-exempt'),
      serviceId: Type.Integer({ minimum: 1 }),
      name: Type.String({ minLength: 1 }),
      description: Type.String({ default: '' }),
      /** contract_display_account shown on WeChat's signing page (≤32 chars, no 4-byte UTF-8). */
      displayAccount: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    },
    { additionalProperties: false },
  ),
]);
export type PlanConfig = Static<typeof PlanConfigSchema>;

export interface AppConfig {
  /** Recurring edu-papay debits (src/billing/settings.ts); absent = the documented defaults. */
  billing?: BillingSettings;
  mode: 'sandbox' | 'production';
  host: string;
  port: number;
  logLevel: string;
  trustProxy: boolean;
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
    timeoutMs: number;
    maxAttempts: number;
    subMchId?: string;
  };
  wechat: { appId: string; appSecret: string; subAppId?: string; apiBaseUrl: string };
  notifyBaseUrl: string;
  session: { secret: Buffer; ttlSeconds: number };
  databaseUrl: string;
  plans: PlanConfig[];
  sign: { eduAppId: string; eduPath: string; qsExtraDataKey: string };
  presign: { eduTtlSeconds: number; qsTtlSeconds: number };
  eduPartnerMode: boolean;
  qsRequeryAfterNotify: boolean;
  eventTypes: EventTypeMap;
  /** WeChat error codes on an edu query-by-id that mean "this contract is terminated" (besides status DELETE). */
  eduTerminatedApiCodes: string[];
  background: {
    sessionCleanupIntervalSeconds: number;
    sessionCleanupBatch: number;
    reconcile: {
      intervalSeconds: number;
      batch: number;
      pendingAfterSeconds: number;
      signedAfterSeconds: number;
    };
  };
  http: {
    corsOrigins: string[];
    rateLimitMax: number;
    loginRateLimitMax: number;
    bodyLimit: number;
    docs: boolean;
  };
  /** Operations console credential; undefined = console disabled. */
  admin?: {
    token: Buffer;
    /** Set when this start generated the token file (sandbox mode): logged by path, never by value. */
    generatedPath?: string;
  };
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

/** Where `pnpm --filter @qianyue/sandbox start` writes its dev keys by default (repo/.data/keys). */
export const DEFAULT_SANDBOX_KEYS_PATH = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../.data/keys/sandbox-merchant.json',
);

/** Paths logged or redacted: every place a secret could sit in a log object. */
export const REDACT_PATHS = [
  'authorization',
  'token',
  'sessionKey',
  'session_key',
  'secret',
  'appSecret',
  'privateKey',
  'apiV3Key',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["set-cookie"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  '*.authorization',
  '*.Authorization',
  '*.token',
  '*.sessionKey',
  '*.session_key',
  '*.secret',
  '*.appSecret',
  '*.privateKey',
  '*.apiV3Key',
  '*.password',
];

export function loggerOptions(level: string) {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
}

function readFileVar(env: Record<string, string | undefined>, name: string): string | undefined {
  const path = env[name];
  if (!path) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new BffConfigError(name, 'file cannot be read');
  }
}

/** A secret from `NAME` or from the file at `NAME_PATH` (the file wins when both are set). */
function secret(env: Record<string, string | undefined>, name: string): { value?: string; variable: string } {
  const fromFile = readFileVar(env, `${name}_PATH`);
  if (fromFile !== undefined) return { value: fromFile, variable: `${name}_PATH` };
  const value = env[name];
  return value ? { value, variable: name } : { variable: name };
}

function required<T>(value: T | undefined | null | '', variable: string): T {
  if (value === undefined || value === null || value === '')
    throw new BffConfigError(variable, 'is required');
  return value as T;
}

/** Re-labels a key-loading failure with the variable name (the wechatpay loaders never echo values). */
function keyed<T>(variable: string, load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (err instanceof WechatPayError) throw new BffConfigError(variable, describe(err.message, variable));
    throw new BffConfigError(variable, 'is invalid');
  }
}
function describe(message: string, variable: string): string {
  // The loader's message starts with the name we passed (the variable); keep only the problem.
  return message.startsWith(variable) ? message.slice(variable.length).trim() : message;
}

function splitCertificates(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

function parseJson(text: string, variable: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new BffConfigError(variable, 'is not valid JSON');
  }
}

function isHttpUrl(value: string, httpsOnly: boolean): boolean {
  try {
    const u = new URL(value);
    return httpsOnly ? u.protocol === 'https:' : u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

/** Runs @fastify/env over `env` alone (never process.env) and returns the typed, defaulted values. */
async function readEnv(env: Record<string, string | undefined>): Promise<RawEnv> {
  const app = Fastify({ logger: false });
  try {
    await app.register(fastifyEnv, {
      schema: structuredClone(EnvSchema),
      data: { ...env },
      env: false,
      dotenv: false,
      confKey: 'rawEnv',
    });
    await app.ready();
    return (app as unknown as { rawEnv: RawEnv }).rawEnv;
  } catch (err) {
    // ajv's text names the variable (env/NAME …) and the rule, not the value.
    const message = err instanceof Error ? err.message : 'invalid environment';
    const variable = /env\/([A-Z0-9_]+)/.exec(message)?.[1] ?? 'environment';
    throw new BffConfigError(variable, message.replace(/^env\/[A-Z0-9_]+ ?/, '') || 'is invalid');
  } finally {
    await app.close();
  }
}

export async function loadConfig(env: Record<string, string | undefined>): Promise<AppConfig> {
  const raw = await readEnv(env);
  const mode = raw.WECHATPAY_MODE;
  const sandbox = mode === 'sandbox';

  let keysFile: SandboxKeys = {};
  // Unset → the sandbox's default file if it exists; set to '' → no file at all.
  const keysPath =
    env.WECHATPAY_SANDBOX_KEYS_PATH !== undefined
      ? raw.WECHATPAY_SANDBOX_KEYS_PATH
      : sandbox && existsSync(DEFAULT_SANDBOX_KEYS_PATH)
        ? DEFAULT_SANDBOX_KEYS_PATH
        : '';
  if (sandbox && keysPath) {
    const text = readFileVar({ WECHATPAY_SANDBOX_KEYS_PATH: keysPath }, 'WECHATPAY_SANDBOX_KEYS_PATH');
    keysFile = parseJson(text ?? '', 'WECHATPAY_SANDBOX_KEYS_PATH') as SandboxKeys;
  }
  const fromKeysFile = (file: string | undefined) => {
    if (!file) return undefined;
    try {
      return readFileSync(file, 'utf8');
    } catch {
      throw new BffConfigError('WECHATPAY_SANDBOX_KEYS_PATH', 'names a key file that cannot be read');
    }
  };
  const sandboxUrl = (raw.WECHATPAY_SANDBOX_URL || 'http://127.0.0.1:8701').replace(/\/$/, '');

  // --- merchant identity and keys -------------------------------------------------------------
  const mchId = required(raw.WECHATPAY_MCH_ID || keysFile.mchId, 'WECHATPAY_MCH_ID');
  const merchantSerialNo = required(
    raw.WECHATPAY_MERCHANT_SERIAL_NO || keysFile.merchantSerialNo,
    'WECHATPAY_MERCHANT_SERIAL_NO',
  )
    .trim()
    .toUpperCase();

  const pk = secret(env, 'WECHATPAY_PRIVATE_KEY');
  const pkPem = pk.value ?? fromKeysFile(keysFile.merchantPrivateKeyPath);
  const privateKey = keyed(pk.variable, () =>
    loadPrivateKey(required(pkPem, 'WECHATPAY_PRIVATE_KEY_PATH or WECHATPAY_PRIVATE_KEY'), pk.variable),
  );

  const v3 = secret(env, 'WECHATPAY_APIV3_KEY');
  const apiV3Key = keyed(v3.variable, () =>
    loadApiV3Key(
      required(
        v3.value ?? fromKeysFile(keysFile.apiV3KeyPath),
        'WECHATPAY_APIV3_KEY_PATH or WECHATPAY_APIV3_KEY',
      ),
      v3.variable,
    ),
  );

  const verificationKeys: Record<string, KeyObject> = {};
  let preferredSerial: string | undefined;
  const pub = secret(env, 'WECHATPAY_PUBLIC_KEY');
  const pubPem = pub.value ?? fromKeysFile(keysFile.wechatpayPublicKeyPath);
  if (pubPem) {
    const id = required(
      raw.WECHATPAY_PUBLIC_KEY_ID || keysFile.wechatpayPublicKeyId,
      'WECHATPAY_PUBLIC_KEY_ID',
    ).trim();
    if (!isPublicKeyId(id))
      throw new BffConfigError('WECHATPAY_PUBLIC_KEY_ID', 'must start with PUB_KEY_ID_');
    verificationKeys[id] = keyed(pub.variable, () => loadPublicKey(pubPem, pub.variable));
    preferredSerial = id;
  } else if (raw.WECHATPAY_PUBLIC_KEY_ID) {
    throw new BffConfigError(
      'WECHATPAY_PUBLIC_KEY_PATH or WECHATPAY_PUBLIC_KEY',
      'is required with WECHATPAY_PUBLIC_KEY_ID',
    );
  }
  const certs = secret(env, 'WECHATPAY_PLATFORM_CERT');
  const certPem = certs.value;
  const platformCertificates: AppConfig['wechatpay']['platformCertificates'] = [];
  if (certPem) {
    const pems = splitCertificates(certPem);
    if (pems.length === 0) throw new BffConfigError(certs.variable, 'holds no PEM certificate');
    for (const pem of pems) {
      const info = keyed(certs.variable, () => certificateInfo(pem));
      verificationKeys[info.serialNo] = info.publicKey;
      platformCertificates.push({
        serialNo: info.serialNo,
        publicKey: info.publicKey,
        notAfter: info.notAfter,
      });
    }
  }
  // Automatic mode downloads the platform certificates at start-up: no key needs to be configured.
  if (Object.keys(verificationKeys).length === 0 && !raw.WECHATPAY_PLATFORM_CERT_AUTO) {
    throw new BffConfigError(
      'WECHATPAY_PUBLIC_KEY_PATH',
      'a WeChat Pay public key (with WECHATPAY_PUBLIC_KEY_ID), WECHATPAY_PLATFORM_CERT_PATH or WECHATPAY_PLATFORM_CERT_AUTO=true is required',
    );
  }
  if (verificationKeys[merchantSerialNo]) {
    // The classic SIGN_ERROR: the merchant serial confused with a platform serial.
    throw new BffConfigError(
      'WECHATPAY_MERCHANT_SERIAL_NO',
      'names a WeChat Pay verification key, not the merchant certificate',
    );
  }

  // --- mini-program ---------------------------------------------------------------------------
  const appId = required(raw.WECHAT_APP_ID || keysFile.appId, 'WECHAT_APP_ID');
  const appSecretVar = secret(env, 'WECHAT_APP_SECRET');
  const appSecret = required((appSecretVar.value ?? keysFile.appSecret)?.trim(), appSecretVar.variable);

  const sessionVar = secret(env, 'SESSION_SECRET');
  let sessionSecretText = sessionVar.value?.trim();
  if (!sessionSecretText && sandbox) {
    // Demo only: a per-process random secret (sessions do not survive a restart). Production requires one.
    sessionSecretText = (await import('node:crypto')).randomBytes(32).toString('base64url');
  }
  const sessionSecret = Buffer.from(required(sessionSecretText, sessionVar.variable), 'utf8');
  if (sessionSecret.length < 32) throw new BffConfigError(sessionVar.variable, 'must be at least 32 bytes');

  // --- URLs -----------------------------------------------------------------------------------
  const baseUrl = (
    raw.WECHATPAY_BASE_URL || (sandbox ? sandboxUrl : 'https://api.mch.weixin.qq.com')
  ).replace(/\/$/, '');
  const apiBaseUrl = (
    raw.WECHAT_API_BASE_URL || (sandbox ? sandboxUrl : 'https://api.weixin.qq.com')
  ).replace(/\/$/, '');
  if (!isHttpUrl(baseUrl, !sandbox)) throw new BffConfigError('WECHATPAY_BASE_URL', 'must be an https URL');
  if (!isHttpUrl(apiBaseUrl, !sandbox))
    throw new BffConfigError('WECHAT_API_BASE_URL', 'must be an https URL');
  const notifyBaseUrl = (raw.NOTIFY_BASE_URL || (sandbox ? `http://127.0.0.1:${raw.BFF_PORT}` : '')).replace(
    /\/$/,
    '',
  );
  required(notifyBaseUrl, 'NOTIFY_BASE_URL');
  if (!isHttpUrl(notifyBaseUrl, !sandbox) || new URL(notifyBaseUrl).search) {
    throw new BffConfigError('NOTIFY_BASE_URL', 'must be an https URL without a query string');
  }

  // --- plans ----------------------------------------------------------------------------------
  const plansVar = raw.PLANS_PATH ? 'PLANS_PATH' : 'PLANS';
  const plansText = readFileVar(env, 'PLANS_PATH') ?? raw.PLANS;
  let plansJson: unknown;
  if (plansText) plansJson = parseJson(plansText, plansVar);
  else if (sandbox) plansJson = sandboxDefaultPlans(keysFile);
  else throw new BffConfigError('PLANS', 'is required (or PLANS_PATH)');
  const plans = parsePlans(plansJson, plansVar);

  const subMchId = raw.WECHATPAY_SUB_MCHID || keysFile.subMchId || undefined;
  const subAppId = raw.WECHAT_SUB_APP_ID || keysFile.subAppId || undefined;
  if (plans.some((p) => p.family === 'password-exempt')) {
    required(subMchId, 'WECHATPAY_SUB_MCHID');
    required(subAppId, 'WECHAT_SUB_APP_ID');
  }

  let eventTypes: EventTypeMap = DEFAULT_EVENT_TYPES;
  if (raw.NOTIFY_EVENT_TYPES) {
    eventTypes = parseJson(raw.NOTIFY_EVENT_TYPES, 'NOTIFY_EVENT_TYPES') as EventTypeMap;
  }

  const admin = loadAdminToken(env, sandbox);

  return {
    mode,
    host: raw.BFF_HOST,
    port: raw.BFF_PORT,
    logLevel: raw.LOG_LEVEL,
    trustProxy: raw.TRUST_PROXY,
    wechatpay: {
      mchId,
      merchantSerialNo,
      privateKey,
      apiV3Key,
      verificationKeys,
      platformCertificates,
      ...(raw.WECHATPAY_PLATFORM_CERT_AUTO
        ? {
            platformCertAuto: {
              refreshSeconds: raw.WECHATPAY_PLATFORM_CERT_REFRESH_SECONDS,
              minRefreshSeconds: raw.WECHATPAY_PLATFORM_CERT_MIN_REFRESH_SECONDS,
            },
          }
        : {}),
      ...(preferredSerial ? { preferredSerial } : {}),
      baseUrl,
      timeoutMs: raw.WECHATPAY_TIMEOUT_MS,
      maxAttempts: raw.WECHATPAY_MAX_ATTEMPTS,
      ...(subMchId ? { subMchId } : {}),
    },
    wechat: { appId, appSecret, apiBaseUrl, ...(subAppId ? { subAppId } : {}) },
    notifyBaseUrl,
    session: { secret: sessionSecret, ttlSeconds: raw.SESSION_TTL_SECONDS },
    databaseUrl: raw.DATABASE_URL,
    plans,
    sign: {
      eduAppId: raw.EDU_SIGN_APP_ID,
      eduPath: raw.EDU_SIGN_PATH,
      qsExtraDataKey: raw.QS_EXTRA_DATA_KEY,
    },
    presign: { eduTtlSeconds: raw.EDU_PRESIGN_TTL_SECONDS, qsTtlSeconds: raw.QS_PRESIGN_TTL_SECONDS },
    eduPartnerMode: raw.EDU_PARTNER_MODE,
    qsRequeryAfterNotify: raw.QS_REQUERY_AFTER_NOTIFY,
    eventTypes,
    eduTerminatedApiCodes: raw.EDU_TERMINATED_API_CODES.split(',')
      .map((c) => c.trim())
      .filter(Boolean),
    background: {
      sessionCleanupIntervalSeconds: raw.SESSION_CLEANUP_INTERVAL_SECONDS,
      sessionCleanupBatch: raw.SESSION_CLEANUP_BATCH,
      reconcile: {
        intervalSeconds: raw.RECONCILE_INTERVAL_SECONDS,
        batch: raw.RECONCILE_BATCH,
        pendingAfterSeconds: raw.RECONCILE_PENDING_AFTER_SECONDS,
        signedAfterSeconds: raw.RECONCILE_SIGNED_AFTER_SECONDS,
      },
    },
    http: {
      corsOrigins: raw.CORS_ORIGINS.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      rateLimitMax: raw.RATE_LIMIT_MAX,
      loginRateLimitMax: raw.LOGIN_RATE_LIMIT_MAX,
      bodyLimit: raw.BODY_LIMIT_BYTES,
      docs: raw.DOCS_ENABLED,
    },
    ...(admin ? { admin } : {}),
    billing: resolveBillingSettings(env),
  };
}

/**
 * The console credential from ADMIN_TOKEN or ADMIN_TOKEN_PATH. In sandbox mode a missing token file is created
 * (random, 0600) so the demo has a console without a setup step; production never invents credentials.
 */
function loadAdminToken(env: Record<string, string | undefined>, sandbox: boolean): AppConfig['admin'] {
  const file = env.ADMIN_TOKEN_PATH;
  let generatedPath: string | undefined;
  if (file && sandbox && !existsSync(file)) {
    try {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      // 'wx': never overwrite — a concurrent start that won the race keeps its token.
      writeFileSync(file, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
      generatedPath = path.resolve(file);
    } catch (err) {
      if ((err as { code?: string }).code !== 'EEXIST')
        throw new BffConfigError('ADMIN_TOKEN_PATH', 'file cannot be created');
    }
  }
  const s = secret(env, 'ADMIN_TOKEN');
  const token = s.value?.trim();
  if (!token) return undefined;
  if (token.length < 24) throw new BffConfigError(s.variable, 'must be at least 24 characters');
  return { token: Buffer.from(token, 'utf8'), ...(generatedPath ? { generatedPath } : {}) };
}

function sandboxDefaultPlans(keys: SandboxKeys): unknown {
  return [
    {
      planKey: 'edu-monthly',
      family: 'edu-papay',
      planId: keys.eduPlans?.[0] ?? '101164396123311331',
      name: '教育续费（月付）',
      description: 'Sandbox demo: edu-papay monthly renewal',
    },
    {
      planKey: 'vip-autopay',
      family: 'password-exempt',
      serviceId: keys.qsServices?.[0] ?? 12535,
      name: '会员免密支付',
      description: 'Sandbox demo: password-exempt (QS) contract',
    },
  ];
}

function parsePlans(json: unknown, variable: string): PlanConfig[] {
  if (!Array.isArray(json) || json.length === 0)
    throw new BffConfigError(variable, 'must be a non-empty JSON array');
  const plans = json.map((p, i) => {
    const withDefaults = Value.Default(PlanConfigSchema, structuredClone(p));
    if (!Value.Check(PlanConfigSchema, withDefaults)) {
      const first = Value.Errors(PlanConfigSchema, withDefaults).First();
      throw new BffConfigError(
        variable,
        `plan #${i + 1} is invalid at ${first?.path || '/'}: ${first?.message ?? ''}`,
      );
    }
    return withDefaults as PlanConfig;
  });
  const keys = new Set(plans.map((p) => p.planKey));
  if (keys.size !== plans.length) throw new BffConfigError(variable, 'planKey values must be unique');
  return plans;
}
