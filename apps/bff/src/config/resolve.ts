import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_BASE_URL } from '@qianyue/wechatpay';
import { envSchema } from 'env-schema';
import { type BillingSettings, resolveBillingSettings } from '../billing/settings.ts';
import { BffConfigError } from '../errors.ts';
import { adminCredentials } from './admin.ts';
import { eventTypes } from './event-types.ts';
import { hardeningSettings } from './hardening.ts';
import { resolveMerchantKeys } from './keys.ts';
import { miniPrograms } from './mini-programs.ts';
import { parsePlans, sandboxDefaultPlans } from './plans.ts';
import { csv, isHttpUrl } from './predicates.ts';
import { type ConfigProblem, ProblemList } from './problems.ts';
import { EnvSchema, type RawEnv } from './schema.ts';
import type { AppConfig } from './settings.ts';
import {
  createSources,
  type Env,
  parseJson,
  readSandboxKeys,
  type Sources,
  withoutEmpty,
} from './sources.ts';
import { parseTrustProxy } from './trust-proxy.ts';

/** Where `pnpm --filter @qianyue/sandbox start` writes its dev keys (repo/.data/keys); named, never guessed. */
export const DEFAULT_SANDBOX_KEYS_PATH = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../.data/keys/sandbox-merchant.json',
);
const DEFAULT_SANDBOX_URL = 'http://127.0.0.1:8701';
const WECHAT_API_URL = 'https://api.weixin.qq.com';

/** Variables that no longer exist: set, they would silently change nothing, so they are refused. */
const RETIRED: Record<string, string> = {
  EDU_PARTNER_MODE: 'give the edu-papay plan "mode": "service-provider" and its "subMchId"',
};

/**
 * Validates `env` against the schema with env-schema (defaults filled, types coerced, process.env untouched).
 * A variable that fails is reported and dropped, and validation runs again, so every bad variable is named.
 */
function readEnv(env: Env, problems: ProblemList): RawEnv {
  let data: Env = { ...env };
  for (let round = 0; round < 20; round++) {
    try {
      return envSchema<RawEnv>({ schema: structuredClone(EnvSchema), data, env: false, dotenv: false });
    } catch (err) {
      const errors = (err as { errors?: Array<{ instancePath: string; message?: string }> }).errors ?? [];
      const names = new Set<string>();
      for (const e of errors) {
        const name = e.instancePath.split('/')[1];
        if (!name || names.has(name)) continue;
        names.add(name);
        problems.add(name, e.message ?? 'is invalid', 'see docs/configuration.md for its allowed values');
      }
      if (names.size === 0) break;
      data = Object.fromEntries(Object.entries(data).filter(([k]) => !names.has(k)));
    }
  }
  return envSchema<RawEnv>({ schema: structuredClone(EnvSchema), data: {}, env: false, dotenv: false });
}

function url(s: Sources, variable: string, value: string, httpsOnly: boolean): string {
  const v = value.replace(/\/$/, '');
  if (!isHttpUrl(v, httpsOnly) || new URL(v).search)
    s.problems.add(
      variable,
      `must be an ${httpsOnly ? 'https' : 'http(s)'} URL without a query string`,
      'e.g. https://api.example.com',
    );
  return v;
}

/**
 * The whole configuration from `env` alone: every problem is collected (variable, message, fix), and
 * `settings` is only returned when there are none. Pure apart from reading the files the variables name: it
 * never writes a file or reads process.env.
 */
export function resolveSettings(input: Env): { settings?: AppConfig; problems: ConfigProblem[] } {
  const problems = new ProblemList();
  const env = withoutEmpty(input);
  for (const [name, fix] of Object.entries(RETIRED))
    if (env[name] !== undefined) problems.add(name, 'is no longer read', fix);
  const raw = readEnv(env, problems);
  const s = createSources(env, problems);
  const mode = raw.WECHATPAY_MODE;
  const sandbox = mode === 'sandbox';
  const production = !sandbox || raw.NODE_ENV === 'production';
  s.keysFile = readSandboxKeys(s, sandbox);

  const trust = parseTrustProxy(raw.TRUST_PROXY, production);
  if ('message' in trust) problems.add('TRUST_PROXY', trust.message, trust.fix);

  const keys = resolveMerchantKeys(s, raw);
  const mp = miniPrograms(s);

  const sessionVar = s.secret('SESSION_SECRET');
  // Sandbox only: a per-process random secret (sessions do not survive a restart).
  const sessionText =
    sessionVar.value?.trim() || (sandbox ? randomBytes(32).toString('base64url') : undefined);
  if (!sessionText)
    problems.add(
      sessionVar.variable,
      'is required in production',
      'at least 32 random bytes, shared by all replicas',
    );
  else if (Buffer.byteLength(sessionText) < 32)
    problems.add(sessionVar.variable, 'must be at least 32 bytes', 'e.g. openssl rand -base64 48');

  const sandboxUrl = raw.WECHATPAY_SANDBOX_URL ?? DEFAULT_SANDBOX_URL;
  const baseUrl = url(
    s,
    'WECHATPAY_BASE_URL',
    raw.WECHATPAY_BASE_URL ?? (sandbox ? sandboxUrl : DEFAULT_BASE_URL),
    !sandbox,
  );
  const apiBaseUrl = url(
    s,
    'WECHAT_API_BASE_URL',
    raw.WECHAT_API_BASE_URL ?? (sandbox ? sandboxUrl : WECHAT_API_URL),
    !sandbox,
  );
  const notifyRaw = raw.NOTIFY_BASE_URL ?? (sandbox ? `http://127.0.0.1:${raw.BFF_PORT}` : undefined);
  if (!notifyRaw) problems.add('NOTIFY_BASE_URL', 'is required', 'the public https base URL of this BFF');
  const notifyBaseUrl = notifyRaw ? url(s, 'NOTIFY_BASE_URL', notifyRaw, !sandbox) : '';

  // PLANS_PATH beats PLANS, like every NAME_PATH.
  const plansVar = env.PLANS_PATH !== undefined ? 'PLANS_PATH' : 'PLANS';
  const plansText = env.PLANS_PATH !== undefined ? s.readFile('PLANS_PATH', env.PLANS_PATH) : raw.PLANS;
  let plansJson: unknown;
  if (plansText !== undefined) plansJson = parseJson(s, plansVar, plansText, 'a JSON array of plans');
  else if (sandbox)
    plansJson = sandboxDefaultPlans({
      planId: s.keysFile.eduPlans?.[0],
      serviceId: s.keysFile.qsServices?.[0],
    });
  else if (!problems.items.some((p) => p.variable === 'PLANS_PATH'))
    problems.add('PLANS', 'is required (or PLANS_PATH)', 'a JSON array of plans (docs/configuration.md)');
  const subMchId = s.plain('WECHATPAY_SUB_MCHID', 'subMchId');
  const subAppId = s.plain('WECHAT_SUB_APP_ID', 'subAppId');
  const parsed =
    plansJson === undefined
      ? { plans: [], problems: [] }
      : parsePlans(plansJson, plansVar, {
          ...(mp.appId ? { appId: mp.appId } : {}),
          ...(subMchId ? { subMchId } : {}),
          ...(subAppId ? { subAppId } : {}),
        });
  problems.addAll(parsed.problems);
  for (const p of parsed.plans)
    if (mp.appId && !mp.all[p.loginAppId])
      problems.add(
        'WECHAT_MINI_PROGRAMS',
        `has no AppSecret for ${p.loginAppId} (plan ${p.planKey} signs there)`,
        'add {"<that AppID>": "<its AppSecret>"}',
      );

  const types = eventTypes(s, raw);
  const admin = adminCredentials(s);
  const hardening = hardeningSettings(raw, s, production);
  let billing: BillingSettings | undefined;
  try {
    billing = resolveBillingSettings(env);
  } catch (err) {
    if (!(err instanceof BffConfigError)) throw err;
    problems.add(
      err.variable,
      err.message.slice(err.variable.length + 2),
      'docs/billing.md lists the billing settings',
    );
  }
  if (problems.items.length > 0) return { problems: problems.items };

  const settings: AppConfig = {
    mode,
    host: raw.BFF_HOST,
    port: raw.BFF_PORT,
    logLevel: raw.LOG_LEVEL,
    trustProxy: 'value' in trust ? trust.value : false,
    wechatpay: {
      ...(keys as Required<typeof keys>),
      ...(keys.preferredSerial ? {} : { preferredSerial: undefined }),
      ...(raw.WECHATPAY_PLATFORM_CERT_AUTO
        ? {
            platformCertAuto: {
              refreshSeconds: raw.WECHATPAY_PLATFORM_CERT_REFRESH_SECONDS,
              minRefreshSeconds: raw.WECHATPAY_PLATFORM_CERT_MIN_REFRESH_SECONDS,
            },
          }
        : {}),
      baseUrl,
      timeoutMs: raw.WECHATPAY_TIMEOUT_MS,
      maxAttempts: raw.WECHATPAY_MAX_ATTEMPTS,
      budgetMs: raw.WECHATPAY_BUDGET_MS,
    },
    wechat: { appId: mp.appId!, appSecret: mp.appSecret!, miniPrograms: mp.all, apiBaseUrl },
    notifyBaseUrl,
    session: {
      secret: Buffer.from(sessionText!, 'utf8'),
      ttlSeconds: raw.SESSION_TTL_SECONDS,
      cacheSeconds: raw.SESSION_CACHE_SECONDS,
    },
    databaseUrl: raw.DATABASE_URL,
    databasePreparedStatements: raw.DATABASE_PREPARED_STATEMENTS,
    plans: parsed.plans,
    sign: {
      eduAppId: raw.EDU_SIGN_APP_ID,
      eduPath: raw.EDU_SIGN_PATH,
      qsExtraDataKey: raw.QS_EXTRA_DATA_KEY,
    },
    presign: { eduTtlSeconds: raw.EDU_PRESIGN_TTL_SECONDS, qsTtlSeconds: raw.QS_PRESIGN_TTL_SECONDS },
    qsRequeryAfterNotify: raw.QS_REQUERY_AFTER_NOTIFY,
    eventTypes: types,
    eduTerminatedApiCodes: csv(raw.EDU_TERMINATED_API_CODES),
    notFoundApiCodes: {
      'edu-papay': csv(raw.EDU_NOT_FOUND_API_CODES),
      'password-exempt': csv(raw.PE_NOT_FOUND_API_CODES),
    },
    peTerminatedStates: csv(raw.PE_TERMINATED_STATES),
    background: {
      sessionCleanupIntervalSeconds: raw.SESSION_CLEANUP_INTERVAL_SECONDS,
      sessionCleanupBatch: raw.SESSION_CLEANUP_BATCH,
      reconcile: {
        intervalSeconds: raw.RECONCILE_INTERVAL_SECONDS,
        batch: raw.RECONCILE_BATCH,
        pendingAfterSeconds: raw.RECONCILE_PENDING_AFTER_SECONDS,
        signedAfterSeconds: raw.RECONCILE_SIGNED_AFTER_SECONDS,
        userMinIntervalSeconds: raw.RECONCILE_USER_MIN_INTERVAL_SECONDS,
      },
    },
    http: {
      corsOrigins: csv(raw.CORS_ORIGINS),
      rateLimitMax: raw.RATE_LIMIT_MAX,
      loginRateLimitMax: raw.LOGIN_RATE_LIMIT_MAX,
      bodyLimit: raw.BODY_LIMIT_BYTES,
      ...hardening,
    },
    ...(admin ? { admin } : {}),
    ...(billing ? { billing } : {}),
  };
  return { settings, problems: [] };
}

/** The BFF's loader: the first problem stops start-up, naming its variable (never its value). */
export async function loadConfig(env: Env): Promise<AppConfig> {
  return acceptSettings(resolveSettings(env));
}

/** `resolveSettings`' verdict as start-up takes it: the settings, or BffConfigError naming the first problem. */
export function acceptSettings({ settings, problems }: ReturnType<typeof resolveSettings>): AppConfig {
  const first = problems[0];
  if (first || !settings)
    throw new BffConfigError(first?.variable ?? 'environment', first?.message ?? 'is invalid');
  return settings;
}
