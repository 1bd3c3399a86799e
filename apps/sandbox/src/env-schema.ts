import { PASSWORD_EXEMPT_MODES } from '@qianyue/wechatpay';
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import envSchema from 'env-schema';
import { DEFAULT_NOTIFY, DEFAULT_RULES } from './config.ts';
import { EXAMPLE_IDS } from './defaults.ts';
import { ConfigError } from './errors.ts';

/*
 * The sandbox's environment: one TypeBox schema checked by env-schema (the validator @fastify/env uses),
 * over the given object only (never process.env behind the caller's back). Every variable is documented in
 * apps/sandbox/README.md; env.ts turns the checked values into a SandboxConfig.
 */

const FLAG_WORDS = ['1', '0', 'true', 'false', 'on', 'off', 'yes', 'no'] as const;
const Flag = (def: boolean, description: string) =>
  Type.Union(
    FLAG_WORDS.map((w) => Type.Literal(w)),
    { default: def ? 'true' : 'false', description },
  );
const Int = (def: number, description: string) => Type.Integer({ minimum: 0, default: def, description });
const Str = (description: string) => Type.Optional(Type.String({ description }));
const Codes = (def: string, description: string) =>
  Type.String({ pattern: '^[A-Z0-9_]{1,64}$', default: def, description });
/** Comma-separated values; each item's pattern is checked on the whole string. */
const List = (item: string, description: string) =>
  Type.Optional(Type.String({ pattern: `^(${item})(\\s*,\\s*(${item}))*$|^$`, description }));

export const SandboxEnvSchema = Type.Object({
  SANDBOX_HOST: Type.String({ default: '127.0.0.1' }),
  SANDBOX_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8701 }),
  SANDBOX_DATA_DIR: Str('where generated dev keys and the BFF-readable JSON go'),

  SANDBOX_MCH_ID: Type.String({ pattern: '^[0-9]{8,12}$', default: EXAMPLE_IDS.mchId }),
  SANDBOX_MERCHANT_PUBLIC_KEY_PATH: Str('merchant public key or certificate (PEM file); required'),
  SANDBOX_MERCHANT_SERIAL: Str('merchant certificate serial (or _PATH)'),
  SANDBOX_MERCHANT_SERIAL_PATH: Str('file holding the merchant certificate serial'),
  SANDBOX_APIV3_KEY: Str('APIv3 key, 32 bytes (or _PATH)'),
  SANDBOX_APIV3_KEY_PATH: Str('file holding the APIv3 key'),
  SANDBOX_APP_IDS: List(
    'wx[0-9A-Za-z]{1,30}',
    "AppIDs bound to the merchant number (default: the mini-program's)",
  ),
  SANDBOX_EDU_PLANS: List('[0-9A-Za-z_-]{1,32}', 'edu-papay plan_id list'),
  SANDBOX_QS_SERVICES: List('[1-9][0-9]{0,15}', 'password-exempt service_id list (integers)'),
  SANDBOX_SUB_MCH_IDS: List('[0-9]{1,32}', 'sub-merchants the merchant may act for'),
  SANDBOX_SUB_APP_IDS: List('wx[0-9A-Za-z]{1,30}', 'sub-merchant AppIDs (empty = any)'),
  SANDBOX_PASSWORD_EXEMPT_MODES: List(
    PASSWORD_EXEMPT_MODES.join('|'),
    'pre-sign paths the merchant may call',
  ),
  SANDBOX_EDU_NOTIFY_URL: Str('edu-papay notification URL (set at product onboarding)'),

  SANDBOX_PLATFORM_MODE: Type.Union(
    [Type.Literal('publicKey'), Type.Literal('certificate'), Type.Literal('migrating')],
    { default: 'publicKey' },
  ),
  SANDBOX_PLATFORM_PUBLIC_KEY_ID: Type.Optional(Type.String({ pattern: '^PUB_KEY_ID_[0-9]+$' })),
  SANDBOX_PLATFORM_PUBLIC_KEY_PRIVATE_KEY_PATH: Str('private half of the WeChat Pay public key'),
  SANDBOX_PLATFORM_CERT_PATH: Str('platform certificate PEM'),
  SANDBOX_PLATFORM_CERT_PRIVATE_KEY_PATH: Str('platform certificate private key PEM'),
  SANDBOX_PLATFORM_CERT_SERIAL: Str('platform certificate serial (default: read from the certificate)'),
  SANDBOX_PLATFORM_CERT_PATHS: List('[^,]+', 'more platform certificates (rotation)'),
  SANDBOX_PLATFORM_CERT_PRIVATE_KEY_PATHS: List('[^,]+', 'their private keys, pairwise'),
  SANDBOX_PLATFORM_ACTIVE_CERT_SERIAL: Str('which certificate signs at start'),

  SANDBOX_MINIPROGRAM_APP_ID: Type.String({ pattern: '^wx[0-9A-Za-z]{1,30}$', default: EXAMPLE_IDS.appId }),
  SANDBOX_MINIPROGRAM_APP_SECRET: Str("the merchant mini-program's AppSecret; required"),
  SANDBOX_MINIPROGRAM_OTHER_APPS: List(
    'wx[0-9A-Za-z]{1,30}:[^,:\\s]{1,64}',
    'more mini-programs jscode2session serves, as appid:secret (e.g. the sub-merchant one)',
  ),
  SANDBOX_HIGH_RISK_OPENIDS: List('[^,\\s]+', 'openids whose login is blocked (40226)'),
  SANDBOX_LOGIN_CODE_TTL_SECONDS: Int(300, 'wx.login code lifetime'),
  SANDBOX_LOGIN_RATE_LIMIT_PER_MINUTE: Int(100, 'jscode2session calls per openid per minute'),

  SANDBOX_PRESIGN_TTL_SECONDS: Int(7200, 'signing session lifetime'),
  SANDBOX_CLOCK_SKEW_SECONDS: Int(300, 'accepted Authorization timestamp skew'),
  SANDBOX_NOTIFY_INTERVALS: List('[0-9]+', 'retry gaps in seconds'),
  SANDBOX_NOTIFY_TIME_SCALE: Type.Number({ minimum: 0, default: 1 }),
  SANDBOX_NOTIFY_TIMEOUT_MS: Int(5000, 'notification delivery timeout'),
  SANDBOX_NOTIFY_STABLE_IDS: Flag(true, 'same envelope id across retries'),
  SANDBOX_ALLOW_INSECURE_NOTIFY_URL: Flag(true, 'deliver to http:// and loopback'),
  SANDBOX_NOTIFY_ON_MERCHANT_TERMINATE: Flag(true, 'merchant-API terminations notify too'),
  SANDBOX_EVENT_EDU_SIGNED: Type.String({ default: DEFAULT_NOTIFY.eventTypes.eduSigned }),
  SANDBOX_EVENT_EDU_TERMINATED: Type.String({ default: DEFAULT_NOTIFY.eventTypes.eduTerminated }),
  SANDBOX_EVENT_QS_SIGNED: Type.String({ default: DEFAULT_NOTIFY.eventTypes.qsSigned }),
  SANDBOX_EVENT_QS_TERMINATED: Type.String({ default: DEFAULT_NOTIFY.eventTypes.qsTerminated }),
  SANDBOX_PE_NOTIFY_NAMING: Type.Union([Type.Literal('per-mode'), Type.Literal('query')], {
    default: DEFAULT_NOTIFY.passwordExemptNaming,
  }),

  SANDBOX_REJECT_PAST_PERIOD_START: Flag(
    DEFAULT_RULES.rejectPastPeriodStart,
    'edu period_start_date in the past',
  ),
  SANDBOX_USER_WITHOUT_CONTRACTS: Type.Union([Type.Literal('empty'), Type.Literal('not-found')], {
    default: DEFAULT_RULES.userWithoutContracts,
  }),
  SANDBOX_NOT_FOUND_CODE_EDU_TERMINATED: Codes(
    DEFAULT_RULES.notFoundCodes.eduTerminated,
    'edu by-id, terminated',
  ),
  SANDBOX_NOT_FOUND_CODE_EDU_NO_CONTRACT: Codes(
    DEFAULT_RULES.notFoundCodes.eduNoContract,
    'edu by-user, none',
  ),
  SANDBOX_NOT_FOUND_CODE_PASSWORD_EXEMPT: Codes(
    DEFAULT_RULES.notFoundCodes.passwordExemptNotSigned,
    'password-exempt query before signing',
  ),
  SANDBOX_UNKNOWN_OPENIDS: Type.Union([Type.Literal('accept'), Type.Literal('reject')], {
    default: DEFAULT_RULES.unknownOpenids,
  }),
  SANDBOX_SP_REQUIRE_OPENID: Flag(DEFAULT_RULES.spRequireOpenid, 'SP pre-sign needs sp_openid or sub_openid'),
  SANDBOX_EDU_OPENID_OWNER: Type.Union([Type.Literal('appid'), Type.Literal('appid-or-sub-appid')], {
    default: DEFAULT_RULES.eduOpenidOwner,
  }),

  SANDBOX_SIGN_ERROR_ANSWERS: Flag(true, 'sign 4xx/5xx answers too'),
  SANDBOX_PUBLIC_URL: Type.String({ default: '' }),
  SANDBOX_SEED: Int(1, 'PRNG seed (faults, openids)'),
  SANDBOX_FAULTS: Str('JSON fault configuration'),
  SANDBOX_CONTROL: Flag(true, 'control API and simulated pages'),
  SANDBOX_CONTROL_ALLOW_ORIGIN: Type.Optional(
    Type.String({
      pattern: '^https?://[^/\\s]+$',
      description: 'an origin such as http://192.168.1.5:10086',
    }),
  ),
  SANDBOX_REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 1000, default: 30000 }),
  SANDBOX_DELIVERY_LOG_LIMIT: Int(10000, 'delivery log entries kept'),
  SANDBOX_NOTIFICATION_LOG_LIMIT: Int(10000, 'finished notification records kept'),
  SANDBOX_SESSION_RETENTION_SECONDS: Int(86400, 'how long an expired session stays readable'),
  SANDBOX_REJECT_REPLAYED_NONCES: Flag(false, 'reused nonce_str → 401'),
  SANDBOX_CHECK_WECHATPAY_SERIAL: Flag(true, 'unknown Wechatpay-Serial → 400'),
  SANDBOX_LOG: Flag(false, 'request logging'),
});
export type SandboxEnv = Static<typeof SandboxEnvSchema>;

/** Validates `env` (only it) against the schema; empty values count as unset, like an absent variable. */
export function readSandboxEnv(env: Record<string, string | undefined>): SandboxEnv {
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (!k.startsWith('SANDBOX_') || v === undefined || v === '') continue;
    data[k] = isFlag(SandboxEnvSchema.properties[k as keyof SandboxEnv]) ? v.toLowerCase() : v;
  }
  try {
    return envSchema<SandboxEnv>({
      schema: structuredClone(SandboxEnvSchema),
      data,
      env: false,
      dotenv: false,
    });
  } catch (err) {
    // ajv's text names the variable (env/NAME …) and the rule, never the value.
    const message = err instanceof Error ? err.message : '';
    const variable = /env\/([A-Z0-9_]+)/.exec(message)?.[1] ?? 'environment';
    throw new ConfigError(
      `${variable} is invalid (${describe(SandboxEnvSchema.properties[variable as keyof SandboxEnv])})`,
    );
  }
}

function isFlag(schema: TSchema | undefined): boolean {
  return Array.isArray(schema?.anyOf) && schema.anyOf.some((s: { const?: unknown }) => s.const === 'yes');
}

function describe(schema: TSchema | undefined): string {
  if (!schema) return 'see apps/sandbox/README.md';
  if (isFlag(schema)) return 'expected true or false';
  if (Array.isArray(schema.anyOf))
    return `expected one of ${schema.anyOf.map((s: { const?: unknown }) => s.const).join(', ')}`;
  if (schema.type === 'integer') return 'expected a non-negative integer';
  if (schema.type === 'number') return 'expected a non-negative number';
  return schema.description ? `expected ${schema.description}` : 'malformed';
}

/** Flag values as booleans (the schema has already refused anything else). */
export const flag = (v: string) => v === '1' || v === 'true' || v === 'on' || v === 'yes';
/** A comma list as trimmed, non-empty items. */
export const list = (v: string | undefined): string[] =>
  v
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
