import { createHash, timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import { Counter, Histogram, Registry } from 'prom-client';
import { UnauthenticatedError } from '../errors.ts';

export interface Metrics {
  registry: Registry;
  presignSeconds: Histogram<'family' | 'outcome'>;
  upstreamErrors: Counter<'operation' | 'code'>;
  notifications: Counter<'outcome'>;
  /** Platform-certificate downloads (automatic mode) by trigger and outcome. */
  certificateRefreshes: Counter<'reason' | 'outcome'>;
  /** Contract reconciliations by trigger, state before, and outcome (the new state, unchanged, or error). */
  reconciliations: Counter<'trigger' | 'from' | 'outcome'>;
  /** Expired sessions deleted by the periodic cleanup. */
  sessionsDeleted: Counter;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
  }
}

const digest = (b: Buffer | string) => createHash('sha256').update(b).digest();

/**
 * One registry per app instance (no global prom-client state). GET /metrics is served only when `enabled`
 * (production default: off) and, with a `token`, only to `Authorization: Bearer <token>`.
 */
export default fp(
  async (app, opts: { enabled?: boolean; token?: Buffer } = {}) => {
    const registry = new Registry();
    const metrics: Metrics = {
      registry,
      presignSeconds: new Histogram({
        name: 'bff_presign_duration_seconds',
        help: 'Time to answer POST /v1/contracts/presign, by product family and outcome (created, reused, error)',
        labelNames: ['family', 'outcome'],
        buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers: [registry],
      }),
      upstreamErrors: new Counter({
        name: 'bff_upstream_errors_total',
        help: 'Errors from WeChat (Pay) calls by operation and code (WeChat code, errcode, or transport)',
        labelNames: ['operation', 'code'],
        registers: [registry],
      }),
      notifications: new Counter({
        name: 'bff_notifications_total',
        help: 'WeChat Pay notifications by outcome (applied, duplicate, unmatched, ignored, rejected_*)',
        labelNames: ['outcome'],
        registers: [registry],
      }),
      certificateRefreshes: new Counter({
        name: 'bff_platform_certificate_refreshes_total',
        help: 'GET /v3/certificates downloads by reason (startup, scheduled, unknown_serial) and outcome (updated, unchanged, throttled, failed)',
        labelNames: ['reason', 'outcome'],
        registers: [registry],
      }),
      reconciliations: new Counter({
        name: 'bff_reconciliations_total',
        help: 'Contracts checked against WeChat by trigger (background, console, user), state before, and outcome (new state, unchanged, error)',
        labelNames: ['trigger', 'from', 'outcome'],
        registers: [registry],
      }),
      sessionsDeleted: new Counter({
        name: 'bff_sessions_deleted_total',
        help: 'Expired sessions removed by the periodic cleanup',
        registers: [registry],
      }),
    };
    app.decorate('metrics', metrics);
    if (opts.enabled === false) return;
    const expected = opts.token ? digest(opts.token) : undefined;
    app.get('/metrics', { config: { rateLimit: false }, schema: { hide: true } }, async (req, reply) => {
      if (expected) {
        const header = req.headers.authorization ?? '';
        const given = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
        if (!timingSafeEqual(digest(given), expected))
          throw new UnauthenticatedError('GET /metrics requires its bearer token');
      }
      reply.header('content-type', registry.contentType);
      return registry.metrics();
    });
  },
  { name: 'metrics' },
);
