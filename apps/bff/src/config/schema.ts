import { type Static, Type } from '@sinclair/typebox';
import { HardeningEnv } from './hardening.ts';

/*
 * Every environment variable the BFF reads, with its type and default. `resolve.ts` validates the environment
 * against this schema with env-schema (the validator @fastify/env uses), then resolves secrets, keys and plans.
 * docs/configuration.md documents each variable. An empty value is the same as an unset one (resolve.ts drops
 * it before validation), so `BFF_PORT=` means the default port, never port 0.
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
  TRUST_PROXY: Str('false, a hop count, or a comma-separated list of proxy IPs/CIDRs'),

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
  WECHATPAY_TIMEOUT_MS: Type.Integer({ default: 4_000, minimum: 100 }),
  WECHATPAY_MAX_ATTEMPTS: Type.Integer({ default: 3, minimum: 1, maximum: 10 }),
  WECHATPAY_BUDGET_MS: Type.Integer({ default: 8_000, minimum: 200 }),
  WECHATPAY_SUB_MCHID: Str('default sub-merchant number of service-provider / QS plans'),
  WECHATPAY_SANDBOX_URL: Str('sandbox mode: where the sandbox listens'),
  WECHATPAY_SANDBOX_KEYS_PATH: Str('sandbox mode: the dev-keys JSON file the sandbox writes'),

  WECHAT_APP_ID: Str('mini-program AppID (the default login mini-program and appid of every plan)'),
  WECHAT_APP_SECRET: Str('its AppSecret'),
  WECHAT_APP_SECRET_PATH: Str('file holding the AppSecret'),
  WECHAT_MINI_PROGRAMS: Str('JSON map {"<appid>": "<AppSecret>"} of further login mini-programs'),
  WECHAT_MINI_PROGRAMS_PATH: Str('file holding that JSON map'),
  WECHAT_SUB_APP_ID: Str('default sub-merchant AppID of service-provider / QS plans'),
  WECHAT_API_BASE_URL: Str('host of jscode2session'),

  NOTIFY_BASE_URL: Str('public https base URL WeChat Pay posts notifications to'),
  SESSION_SECRET: Str('HMAC key for session tokens, at least 32 bytes'),
  SESSION_SECRET_PATH: Str('file holding the session secret'),
  SESSION_TTL_SECONDS: Type.Integer({ default: 7200, minimum: 60 }),
  SESSION_CLEANUP_INTERVAL_SECONDS: Type.Integer({ default: 900, minimum: 0 }),
  SESSION_CLEANUP_BATCH: Type.Integer({ default: 1000, minimum: 1, maximum: 100_000 }),
  DATABASE_URL: Type.String({ default: '' }),
  DATABASE_PREPARED_STATEMENTS: Type.Boolean({ default: true }),

  PLANS: Str('JSON array of plans'),
  PLANS_PATH: Str('file holding the JSON array of plans'),

  EDU_SIGN_APP_ID: Type.String({ default: 'wx7a985467cbd06913' }),
  EDU_SIGN_PATH: Type.String({ default: 'pages/index/index' }),
  EDU_PRESIGN_TTL_SECONDS: Type.Integer({ default: 7200, minimum: 60 }),
  QS_PRESIGN_TTL_SECONDS: Type.Integer({ default: 7200, minimum: 60 }),
  QS_EXTRA_DATA_KEY: Type.String({ default: 'pre_entrustweb_id', minLength: 1 }),
  QS_REQUERY_AFTER_NOTIFY: Type.Boolean({ default: true }),
  NOTIFY_EVENT_TYPES: Str('JSON map event_type → {family, kind}, merged into the defaults'),
  EDU_TERMINATED_API_CODES: Type.String({ default: 'RESOURCE_NOT_EXISTS' }),
  EDU_NOT_FOUND_API_CODES: Type.String({ default: 'RESOURCE_NOT_EXISTS,NOT_FOUND' }),
  PE_NOT_FOUND_API_CODES: Type.String({ default: 'RESOURCE_NOT_EXISTS,NOT_FOUND,ORDER_NOT_EXIST' }),
  PE_TERMINATED_STATES: Type.String({ default: 'TERMINATED' }),

  RECONCILE_INTERVAL_SECONDS: Type.Integer({ default: 300, minimum: 0 }),
  RECONCILE_BATCH: Type.Integer({ default: 50, minimum: 1, maximum: 1000 }),
  RECONCILE_PENDING_AFTER_SECONDS: Type.Integer({ default: 600, minimum: 0 }),
  RECONCILE_SIGNED_AFTER_SECONDS: Type.Integer({ default: 86_400, minimum: 60 }),
  RECONCILE_USER_MIN_INTERVAL_SECONDS: Type.Integer({ default: 5, minimum: 0, maximum: 3600 }),

  CORS_ORIGINS: Type.String({ default: '' }),
  RATE_LIMIT_MAX: Type.Integer({ default: 120, minimum: 1 }),
  LOGIN_RATE_LIMIT_MAX: Type.Integer({ default: 20, minimum: 1 }),
  BODY_LIMIT_BYTES: Type.Integer({ default: 16_384, minimum: 1024 }),
  ...HardeningEnv,

  // Operations console (apps/bff/src/console) and `pnpm run doctor`.
  ADMIN_TOKEN: Str('operations console credential, at least 24 characters; console disabled when unset'),
  ADMIN_TOKEN_PATH: Str('file holding the console credential'),
  ADMIN_STAFF_TOKENS: Str(
    'console credentials per person, one "<name> <token>" per line: staff actions record the name of the token used',
  ),
  ADMIN_STAFF_TOKENS_PATH: Str('file holding ADMIN_STAFF_TOKENS'),
  WECHATPAY_MERCHANT_CERT: Str(
    'merchant API certificate PEM (optional; doctor checks key and serial against it)',
  ),
  WECHATPAY_MERCHANT_CERT_PATH: Str('file holding apiclient_cert.pem (optional, for doctor)'),
});
export type RawEnv = Static<typeof EnvSchema>;
