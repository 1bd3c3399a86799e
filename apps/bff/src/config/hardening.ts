import { type Static, Type } from '@sinclair/typebox';
import type { Sources } from './sources.ts';

/*
 * HTTP hardening settings (issue 12; docs/configuration.md "HTTP hardening"): what the BFF exposes besides its
 * API (/docs, /metrics), how long a client may take to send a request, how long a revoked session may still
 * be accepted by another replica, and how many refused notify posts one source may make.
 */
export const HardeningEnv = {
  /** Unset: on in sandbox mode, off in production (WECHATPAY_MODE=production or NODE_ENV=production). */
  DOCS_ENABLED: Type.Optional(Type.Boolean()),
  METRICS_ENABLED: Type.Optional(Type.Boolean()),
  METRICS_TOKEN: Type.Optional(
    Type.String({
      description: 'bearer token GET /metrics requires (at least 24 characters); open when unset',
    }),
  ),
  METRICS_TOKEN_PATH: Type.Optional(Type.String({ description: 'file holding the metrics token' })),
  HTTP_REQUEST_TIMEOUT_MS: Type.Integer({ default: 30_000, minimum: 500 }),
  HTTP_CONNECTION_TIMEOUT_MS: Type.Integer({ default: 75_000, minimum: 1000 }),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: Type.Integer({ default: 72_000, minimum: 1000 }),
  SESSION_CACHE_SECONDS: Type.Integer({ default: 60, minimum: 0, maximum: 600 }),
  NOTIFY_UNVERIFIED_MAX_PER_MINUTE: Type.Integer({ default: 120, minimum: 1 }),
};
const HardeningObject = Type.Object(HardeningEnv);
type HardeningRaw = Static<typeof HardeningObject>;

export interface HardeningSettings {
  docs: boolean;
  /** GET /metrics served at all, and the bearer token it then requires (none: open). */
  metrics: { enabled: boolean; token?: Buffer };
  /** Node's request timeout (whole request received), socket idle timeout, keep-alive idle timeout. */
  timeouts: { requestMs: number; connectionMs: number; keepAliveMs: number };
  /** Refused (unverified) posts one source may make to the notify routes per minute. */
  notifyUnverifiedMaxPerMinute: number;
}

export function hardeningSettings(raw: HardeningRaw, s: Sources, production: boolean): HardeningSettings {
  const t = s.secret('METRICS_TOKEN');
  const token = t.value?.trim();
  if (token && token.length < 24)
    s.problems.add(
      t.variable,
      'must be at least 24 characters',
      'e.g. openssl rand -base64 24 > metrics-token',
    );
  return {
    docs: raw.DOCS_ENABLED ?? !production,
    metrics: {
      enabled: raw.METRICS_ENABLED ?? !production,
      ...(token && token.length >= 24 ? { token: Buffer.from(token, 'utf8') } : {}),
    },
    timeouts: {
      requestMs: raw.HTTP_REQUEST_TIMEOUT_MS,
      connectionMs: raw.HTTP_CONNECTION_TIMEOUT_MS,
      keepAliveMs: raw.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    },
    notifyUnverifiedMaxPerMinute: raw.NOTIFY_UNVERIFIED_MAX_PER_MINUTE,
  };
}
