import type { Clock } from '@qianyue/wechatpay';
import fp from 'fastify-plugin';
import { createRequestBudget } from '../billing/budget.ts';
import { billingSettingsOf } from '../billing/settings.ts';
import { asBillingDb } from '../billing/tables.ts';
import type { AppConfig } from '../config.ts';
import { startPeriodicTask } from '../services/periodic.ts';
import { createReconciler, type Reconciler } from '../services/reconciler.ts';

declare module 'fastify' {
  interface FastifyInstance {
    background: {
      reconciler: Reconciler;
      /**
       * The fleet-wide WeChat request budget (BILLING_REQUESTS_PER_SECOND) every background WeChat call waits
       * for: the reconciler's and the billing cycle's. Interactive calls (presign, a user's status) do not wait.
       */
      budget: () => Promise<void>;
      /** One cleanup pass: deletes expired sessions in bounded batches; returns how many went. */
      sweepSessions(): Promise<number>;
    };
  }
}

/** At most this many batches per cleanup pass (a backlog is worked off over several passes). */
const MAX_SESSION_BATCHES = 10;

/**
 * Periodic housekeeping, each on an unref'd timer cleared on close (an interval of 0 turns a job off):
 * expired-session cleanup and the background contract reconciler. Both are safe with several replicas.
 */
export default fp(
  async (app, opts: { config: AppConfig; clock: Clock }) => {
    const b = opts.config.background;
    const budget = createRequestBudget({
      db: asBillingDb(app.db),
      perSecond: billingSettingsOf(opts.config).requestsPerSecond,
    });
    const reconciler = createReconciler({
      budget,
      repo: app.contractsRepository,
      contracts: app.contracts,
      clock: opts.clock,
      batch: b.reconcile.batch,
      pendingAfterSeconds: b.reconcile.pendingAfterSeconds,
      signedAfterSeconds: b.reconcile.signedAfterSeconds,
      log: app.log,
    });
    const sweepSessions = async () => {
      let total = 0;
      for (let i = 0; i < MAX_SESSION_BATCHES; i++) {
        const n = await app.sessionsRepository.deleteExpired(
          new Date(opts.clock.now() * 1000),
          b.sessionCleanupBatch,
        );
        total += n;
        if (n < b.sessionCleanupBatch) break;
      }
      if (total > 0) {
        app.metrics.sessionsDeleted.inc(total);
        app.log.info({ deleted: total }, 'expired sessions removed');
      }
      return total;
    };
    app.decorate('background', { reconciler, sweepSessions, budget });

    const tasks = [
      ...(b.sessionCleanupIntervalSeconds > 0
        ? [
            startPeriodicTask({
              name: 'session-cleanup',
              intervalMs: b.sessionCleanupIntervalSeconds * 1000,
              run: sweepSessions,
              log: app.log,
            }),
          ]
        : []),
      ...(b.reconcile.intervalSeconds > 0
        ? [
            startPeriodicTask({
              name: 'reconciler',
              intervalMs: b.reconcile.intervalSeconds * 1000,
              run: () => reconciler.runOnce(),
              log: app.log,
            }),
          ]
        : []),
    ];
    app.addHook('onClose', async () => {
      await Promise.all(tasks.map((t) => t.stop()));
    });
  },
  {
    name: 'background',
    dependencies: ['services', 'sessions-repository', 'contracts-repository', 'metrics', 'database'],
  },
);
