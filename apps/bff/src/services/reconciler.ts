import type { Clock } from '@qianyue/wechatpay';
import type { FastifyBaseLogger } from 'fastify';
import type { ContractsService } from '../contracts/service.ts';
import type { ContractsRepository } from '../db/contracts-repository.ts';

export interface ReconcilePass {
  /** Contract ids this pass checked (claimed), in order. */
  checked: string[];
  changed: number;
  errors: number;
}

/**
 * Background reconciliation: notifications are not guaranteed (spec §4.5), and abandoning a signing sends none.
 * Each pass claims a bounded batch of due contracts — stale PENDING presigns and SIGNED contracts not checked
 * for a long time — in one statement (FOR UPDATE SKIP LOCKED + a last_reconciled_at stamp, so replicas never
 * share a row), then asks WeChat about each, one at a time, each call taking a token of the fleet's WeChat
 * request budget (BILLING_REQUESTS_PER_SECOND), so a reconcile pass and a day-1 billing run together stay under
 * it. State moves stay monotonic (repository.transition): a TERMINATED contract never comes back.
 */
export function createReconciler(o: {
  repo: ContractsRepository;
  contracts: ContractsService;
  clock: Clock;
  batch: number;
  pendingAfterSeconds: number;
  signedAfterSeconds: number;
  log: FastifyBaseLogger;
  /** Waits for the fleet-wide WeChat request budget shared with billing (no-op without one). */
  budget?: () => Promise<void>;
}) {
  return {
    async runOnce(): Promise<ReconcilePass> {
      const now = o.clock.now();
      const rows = await o.repo.claimForReconcile({
        now: new Date(now * 1000),
        pendingBefore: new Date((now - o.pendingAfterSeconds) * 1000),
        signedBefore: new Date((now - o.signedAfterSeconds) * 1000),
        limit: o.batch,
      });
      const pass: ReconcilePass = { checked: [], changed: 0, errors: 0 };
      for (const row of rows) {
        pass.checked.push(row.id);
        try {
          await o.budget?.();
          const after = await o.contracts.reconcileContract(row, 'background');
          if (after.state !== row.state) pass.changed++;
        } catch (err) {
          pass.errors++;
          o.log.warn(
            { contractId: row.id, code: (err as { code?: string }).code },
            'background reconcile of a contract failed; it is retried at a later pass',
          );
        }
      }
      if (rows.length > 0) {
        o.log.info({ checked: rows.length, changed: pass.changed, errors: pass.errors }, 'reconcile pass');
      }
      return pass;
    },
  };
}
export type Reconciler = ReturnType<typeof createReconciler>;
