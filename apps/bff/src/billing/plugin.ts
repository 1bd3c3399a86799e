import { type Clock, createEduBillingApi } from '@qianyue/wechatpay';
import fp from 'fastify-plugin';
import type { AppConfig } from '../config.ts';
import { startPeriodicTask } from '../services/periodic.ts';
import { createChargeCycle } from './charge-cycle.ts';
import chargesRoute from './charges-route.ts';
import { createLedger, type Ledger } from './ledger.ts';
import { DEBIT_RESULT_PATH, debitResultRoutes } from './result-notifications.ts';
import { type BillingScheduler, createBillingScheduler } from './scheduler.ts';
import {
  type BillingSettings,
  type BillingTerms,
  billingAccountOf,
  billingSettingsOf,
  billingTermsOf,
} from './settings.ts';
import { asBillingDb } from './tables.ts';

declare module 'fastify' {
  interface FastifyInstance {
    billing: { ledger: Ledger; scheduler: BillingScheduler; settings: BillingSettings };
  }
}

/**
 * Recurring edu-papay debits: the ledger, the charge cycle, the background scheduler (unref'd timer, stopped
 * on close; BILLING_INTERVAL_SECONDS=0 turns it off) and the debit-result notification route.
 */
export default fp(
  async (app, opts: { config: AppConfig; clock: Clock }) => {
    const { config, clock } = opts;
    const settings = billingSettingsOf(config);
    // Read per use: the plans and NOTIFY_BASE_URL are configuration, and tests repoint the URL after listen.
    const terms = () => {
      const m = new Map<string, BillingTerms>();
      for (const p of config.plans) {
        const t = billingTermsOf(p);
        if (t) m.set(p.planKey, t);
      }
      return m;
    };
    const termsOf = (planKey: string) => terms().get(planKey);
    const accountOf = (planKey: string) => {
      const plan = config.plans.find((p) => p.planKey === planKey);
      return plan ? billingAccountOf(plan) : undefined;
    };
    const ledger = createLedger(asBillingDb(app.db), { spreadSeconds: settings.spreadSeconds });
    const cycle = createChargeCycle({
      ledger,
      api: createEduBillingApi(app.wechatpay.client),
      settings,
      termsOf,
      now: () => clock.now(),
      accountOf,
      notifyUrl: () => `${config.notifyBaseUrl}${DEBIT_RESULT_PATH}`,
      // One budget for every background WeChat call of this replica: the reconciler waits for the same tokens.
      budget: app.background.budget,
      warn: (fields, message) => app.log.warn(fields, message),
      contractGone: async (contractId) => {
        const row = await app.contractsRepository.findById(contractId);
        if (!row) return;
        await app.background.budget();
        await app.contracts.reconcileContract(row, 'background');
      },
    });
    const scheduler = createBillingScheduler({
      ledger,
      cycle,
      settings,
      terms,
      now: () => clock.now(),
      log: app.log,
    });
    app.decorate('billing', { ledger, scheduler, settings });

    await app.register(debitResultRoutes, { config, clock, ledger, settings, termsOf });
    await app.register(chargesRoute, { ledger });

    const task =
      settings.intervalSeconds > 0
        ? startPeriodicTask({
            name: 'billing',
            intervalMs: settings.intervalSeconds * 1000,
            run: () => scheduler.runOnce(),
            log: app.log,
          })
        : undefined;
    app.addHook('onClose', async () => task?.stop());
  },
  {
    name: 'billing',
    dependencies: [
      'services',
      'contracts-repository',
      'wechatpay',
      'metrics',
      'database',
      'session',
      'background',
    ],
  },
);
