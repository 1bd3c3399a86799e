import type { FastifyBaseLogger } from 'fastify';
import type { ChargeCycle } from './charge-cycle.ts';
import type { Ledger } from './ledger.ts';
import type { BillingSettings, BillingTerms } from './settings.ts';

export interface BillingPass {
  planned: number;
  cancelled: number;
  /** Period ids this pass worked on (claimed), in order. */
  stepped: string[];
  /** Debits of closed periods whose outcome is unknown, asked about again. */
  followedUp: number;
  errors: number;
}

/**
 * One pass of the billing scheduler, safe on several replicas at once: (1) first periods for newly signed
 * contracts (claimed with SKIP LOCKED), (2) open periods of ended contracts cancelled without calling WeChat,
 * (3) a bounded batch of due periods claimed with a lease (SKIP LOCKED + next_action_at moved in the same
 * statement), each stepped once, (4) a bounded batch of debits whose outcome was unknown when their period
 * closed, asked about again. All work is bounded by `batch`; nothing scans the history.
 */
export function createBillingScheduler(o: {
  ledger: Ledger;
  cycle: ChargeCycle;
  settings: BillingSettings;
  terms: () => Map<string, BillingTerms>;
  now: () => number;
  log: FastifyBaseLogger;
}) {
  const { ledger, settings } = o;
  return {
    async runOnce(): Promise<BillingPass> {
      const now = new Date(o.now() * 1000);
      const pass: BillingPass = { planned: 0, cancelled: 0, stepped: [], followedUp: 0, errors: 0 };
      pass.planned = await ledger.planNewContracts(now, o.terms(), settings.batch);
      pass.cancelled = await ledger.cancelEnded(now, settings.batch);
      const rows = await ledger.claimDue(
        now,
        new Date(now.getTime() + settings.leaseSeconds * 1000),
        settings.batch,
      );
      /** One unit of work; a failure is counted and logged, and the unit comes back by its own schedule. */
      const guarded = async (work: () => Promise<void>, fields: object, message: string) => {
        try {
          await work();
        } catch (err) {
          pass.errors++;
          o.log.warn({ ...fields, code: (err as { code?: string }).code }, message);
        }
      };
      for (const row of rows) {
        pass.stepped.push(row.id);
        await guarded(
          () => o.cycle.step(row),
          { chargeId: row.id },
          'billing step failed; retried after its lease',
        );
      }
      const unknown = await ledger.claimUnknownOfClosed(
        now,
        new Date(now.getTime() - settings.unknownRequerySeconds * 1000),
        settings.batch,
      );
      for (const a of unknown) {
        pass.followedUp++;
        await guarded(
          () => o.cycle.followUpUnknown(a),
          { outTradeNo: a.out_trade_no },
          'billing follow-up failed; asked again later',
        );
      }
      if (pass.planned + pass.cancelled + rows.length + unknown.length > 0) {
        o.log.info(
          {
            planned: pass.planned,
            cancelled: pass.cancelled,
            stepped: rows.length,
            followedUp: pass.followedUp,
            errors: pass.errors,
          },
          'billing pass',
        );
      }
      return pass;
    },
    /** Passes until nothing more is due now (tests and the sandbox-mode "run the cycle" action). */
    async runUntilIdle(maxPasses = 50): Promise<BillingPass[]> {
      const passes: BillingPass[] = [];
      for (let i = 0; i < maxPasses; i++) {
        const p = await this.runOnce();
        passes.push(p);
        if (p.planned === 0 && p.cancelled === 0 && p.stepped.length === 0 && p.followedUp === 0) break;
      }
      return passes;
    },
  };
}
export type BillingScheduler = ReturnType<typeof createBillingScheduler>;
