import fp from 'fastify-plugin';
import { Counter, Histogram, Registry } from 'prom-client';

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

/** One registry per app instance (no global prom-client state), served at GET /metrics. */
export default fp(
  async (app) => {
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
    app.get('/metrics', { config: { rateLimit: false }, schema: { hide: true } }, async (_req, reply) => {
      reply.header('content-type', registry.contentType);
      return registry.metrics();
    });
  },
  { name: 'metrics' },
);
