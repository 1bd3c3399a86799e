import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorReplies } from '@qianyue/api';
import type { Clock } from '@qianyue/wechatpay';
import type { AppConfig } from '../config.ts';
import { ContractNotFoundError } from '../errors.ts';
import { adminAuth } from './admin-auth.ts';
import chargesApi from './charges-api.ts';
import { createConsoleQueries, toConsoleContract } from './queries.ts';
import {
  ConsoleContractsReply,
  ConsolePlansReply,
  ContractIdParams,
  ContractsQuery,
  DailyQuery,
  DailyReply,
  InboxQuery,
  InboxReply,
  ReconcileReply,
  SessionReply,
} from './schemas.ts';

export interface ConsoleApiOptions {
  config: AppConfig;
  clock: Clock;
  admin: NonNullable<AppConfig['admin']>;
}

/** The console's JSON API (/admin/api/*): every route needs the admin token; replies follow schemas.ts. */
const consoleApi: FastifyPluginAsyncTypebox<ConsoleApiOptions> = async (api, opts) => {
  const queries = createConsoleQueries(api.db);
  api.addHook('onRequest', async (_req, reply) => {
    reply.header('cache-control', 'no-store');
  });
  api.decorateRequest('consoleStaff', undefined);
  api.addHook('onRequest', adminAuth(opts.admin));

  const schema = <T extends object>(s: T) => ({ hide: true, ...s });

  api.get(
    '/session',
    { schema: schema({ response: { 200: SessionReply, ...errorReplies } }) },
    async (req) => ({
      ok: true as const,
      mode: opts.config.mode,
      ...(req.consoleStaff !== undefined ? { staff: req.consoleStaff } : {}),
    }),
  );

  api.get(
    '/plans',
    { schema: schema({ response: { 200: ConsolePlansReply, ...errorReplies } }) },
    async () => ({
      plans: opts.config.plans.map((p) => ({ planKey: p.planKey, family: p.family, name: p.name })),
    }),
  );

  api.get(
    '/contracts',
    {
      schema: schema({
        querystring: ContractsQuery,
        response: { 200: ConsoleContractsReply, ...errorReplies },
      }),
    },
    async (req) => queries.contracts(req.query),
  );

  api.post(
    '/contracts/:id/reconcile',
    { schema: schema({ params: ContractIdParams, response: { 200: ReconcileReply, ...errorReplies } }) },
    async (req) => {
      const { id } = req.params;
      const row = await api.contractsRepository.findById(id);
      if (row?.presign_status !== 'READY') throw new ContractNotFoundError();
      const before = row.state;
      // The BFF's own reconcile: PENDING → ask WeChat Pay (as the mini-program's ?reconcile=true does);
      // SIGNED → is it still signed? (catches terminations whose notification was lost, both products).
      const after = await api.contracts.reconcileContract(row, 'console');
      req.log.info({ contractId: id, before, after: after.state }, 'operations console: reconciled');
      return { before, changed: before !== after.state, contract: toConsoleContract(after) };
    },
  );

  api.get(
    '/notifications',
    { schema: schema({ querystring: InboxQuery, response: { 200: InboxReply, ...errorReplies } }) },
    async (req) => ({ notifications: await queries.inbox(req.query) }),
  );

  api.get(
    '/stats/daily',
    { schema: schema({ querystring: DailyQuery, response: { 200: DailyReply, ...errorReplies } }) },
    async (req) => ({ days: await queries.daily(req.query.days, new Date(opts.clock.now() * 1000)) }),
  );

  // Same token hook (registered above, inherited), its own module: the charge ledger and staff actions.
  await api.register(chargesApi, { config: opts.config, clock: opts.clock });
};
export default consoleApi;
