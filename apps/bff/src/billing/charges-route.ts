import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type ChargeView, ContractChargesReply, ContractParams, errorReplies, routes } from '@qianyue/api';
import { ContractNotFoundError } from '../errors.ts';
import type { Ledger } from './ledger.ts';
import { type ChargeRow, OPEN_STATES } from './tables.ts';

const view = (c: ChargeRow): ChargeView => ({
  period: c.period,
  dueDate: c.due_date,
  amount: c.amount,
  currency: c.currency,
  state: c.state,
  ...(c.paid_at ? { paidAt: new Date(c.paid_at).toISOString() } : {}),
  ...(c.state === 'FAILED' && c.failure_reason ? { failureReason: c.failure_reason } : {}),
});

/** GET /v1/contracts/:contractId/charges — the owner's next debit and history (scoped by the session openid). */
const chargesRoute: FastifyPluginAsyncTypebox<{ ledger: Ledger }> = async (app, opts) => {
  app.get(
    routes.contractCharges.url,
    {
      preHandler: app.sessions.authenticate,
      schema: {
        tags: ['contracts'],
        security: [{ bearer: [] }],
        params: ContractParams,
        response: { 200: ContractChargesReply, ...errorReplies },
      },
    },
    async (request) => {
      const contract = await app.contractsRepository.findForOwner(request.params.contractId, request.openid);
      if (!contract) throw new ContractNotFoundError();
      const rows = await opts.ledger.chargesOf(contract.id);
      const next = rows.find((r) => OPEN_STATES.includes(r.state));
      return { ...(next ? { next: view(next) } : {}), history: rows.reverse().map(view) };
    },
  );
};
export default chargesRoute;
