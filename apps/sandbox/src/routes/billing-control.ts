import type { FastifyInstance } from 'fastify';
import { DEBIT_OUTCOMES, type DebitOutcome, patchBillingSettings } from '../billing-state.ts';
import type { SandboxContext } from '../context.ts';
import { badControlRequest } from '../errors.ts';
import { orderResource } from './edu-papay-billing.ts';

/** /__sandbox/billing*: read/patch the debit-cycle knobs, queue outcomes per contract, list notices and orders. */
export function billingControlRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const p = '/__sandbox/billing';
  const { billing } = ctx;
  const obj = (b: unknown): Record<string, unknown> => {
    if (b === undefined || b === null) return {};
    if (typeof b !== 'object' || Array.isArray(b)) throw badControlRequest('body must be a JSON object');
    return b as Record<string, unknown>;
  };

  app.get(p, async () => billing.settings);
  app.put(p, async (req) => {
    billing.settings = patchBillingSettings(billing.settings, obj(req.body));
    return billing.settings;
  });

  /** The next debits of this contract end as these outcomes, in order (then the default applies). */
  app.post<{ Params: { contractId: string } }>(`${p}/contracts/:contractId/outcomes`, async (req) => {
    const outcomes = obj(req.body).outcomes;
    if (
      !Array.isArray(outcomes) ||
      outcomes.length > 100 ||
      !outcomes.every((o) => DEBIT_OUTCOMES.includes(o as DebitOutcome))
    ) {
      throw badControlRequest(`outcomes must be an array of ${DEBIT_OUTCOMES.join(' | ')}`);
    }
    const q = [...(billing.queued.get(req.params.contractId) ?? []), ...(outcomes as DebitOutcome[])];
    billing.queued.set(req.params.contractId, q);
    return { contractId: req.params.contractId, queued: q };
  });

  /** The next `count` debits of this contract are taken in but answered 500, their orders invisible until landed. */
  app.post<{ Params: { contractId: string } }>(`${p}/contracts/:contractId/hold`, async (req) => {
    const count = obj(req.body).count ?? 1;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 100)
      throw badControlRequest('count must be an integer in 1..100');
    const held = (billing.holds.get(req.params.contractId) ?? 0) + count;
    billing.holds.set(req.params.contractId, held);
    return { contractId: req.params.contractId, held };
  });
  /** The held debits land now (orders appear, results are notified); numbers already ordered are merged. */
  app.post(`${p}/held/land`, async () => billing.landHeld());

  app.get(`${p}/orders`, async (req) => {
    const contractId = (req.query as { contractId?: string }).contractId;
    const orders = [...billing.orders.values()].filter((o) => !contractId || o.contractId === contractId);
    return {
      orders: orders.map((o) => ({ contractId: o.contractId, createdAt: o.createdAt, ...orderResource(o) })),
    };
  });

  app.get(`${p}/notices`, async (req) => {
    const contractId = (req.query as { contractId?: string }).contractId;
    const all = [...billing.notices.values()]
      .flat()
      .filter((n) => !contractId || n.contractId === contractId);
    return { notices: all };
  });
}
