import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorReplies } from '@qianyue/api';
import type { Clock } from '@qianyue/wechatpay';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { billingTermsOf } from '../billing/settings.ts';
import { asBillingDb } from '../billing/tables.ts';
import type { AppConfig } from '../config.ts';
import { runAsOf, type ShiftableClock } from './as-of.ts';
import { createChargeQueries } from './charges-queries.ts';
import { ConsoleChargeNotFoundError, ConsoleSandboxOnlyError } from './errors.ts';
import {
  ChargeIdParams,
  ChargesQuery,
  ChargesReply,
  RunAsOfBody,
  RunAsOfReply,
  StaffActionBody,
  StaffActionReply,
  StaffActionsReply,
} from './schemas.ts';
import { type Actor, createStaffActions } from './staff-actions.ts';

export interface ChargesApiOptions {
  config: AppConfig;
  clock: Clock;
}

/**
 * The staff label a console sends (X-Staff). With the shared ADMIN_TOKEN it is all the server knows of who
 * acted; with a staff member's own token the token's name is recorded and the label is ignored.
 */
const StaffHeaders = Type.Object({
  'x-staff': Type.Optional(Type.String({ pattern: '^[\\p{L}\\p{N} ._@-]{1,64}$' })),
});

const actorOf = (req: FastifyRequest): Actor => ({
  staff: req.consoleStaff ?? (req.headers['x-staff'] as string | undefined) ?? 'console',
  requestId: req.id,
  source: req.ip,
});

const isShiftable = (c: Clock): c is ShiftableClock =>
  typeof (c as Partial<ShiftableClock>).offsetSeconds === 'number';

/**
 * The charges ledger in the console (/admin/api/charges*), the staff actions on a period (retry, cancel —
 * both confirmed, both recorded) and, in sandbox mode only, "run the billing cycle as of a date".
 */
const chargesApi: FastifyPluginAsyncTypebox<ChargesApiOptions> = async (api, opts) => {
  const db = asBillingDb(api.db);
  const queries = createChargeQueries(db);
  const termsOf = (planKey: string) => {
    const plan = opts.config.plans.find((p) => p.planKey === planKey);
    return plan ? billingTermsOf(plan) : undefined;
  };
  const actions = createStaffActions({
    ledger: api.billing.ledger,
    settings: api.billing.settings,
    termsOf,
    now: () => opts.clock.now(),
  });
  const schema = <T extends object>(s: T) => ({ hide: true, ...s });

  api.get(
    '/charges',
    { schema: schema({ querystring: ChargesQuery, response: { 200: ChargesReply, ...errorReplies } }) },
    async (req) => queries.charges(req.query),
  );

  const action = (name: 'retry' | 'cancel') =>
    api.post(
      `/charges/:id/${name}`,
      {
        schema: schema({
          params: ChargeIdParams,
          headers: StaffHeaders,
          body: StaffActionBody,
          response: { 200: StaffActionReply, ...errorReplies },
        }),
      },
      async (req) => {
        const actor = actorOf(req);
        const r = await actions[name](req.params.id, actor);
        const charge = await queries.charge(r.charge.id);
        if (!charge) throw new ConsoleChargeNotFoundError();
        req.log.info(
          { chargeId: charge.id, action: name, changed: r.changed, staff: actor.staff },
          'operations console: staff action',
        );
        return { changed: r.changed, charge };
      },
    );
  action('retry');
  action('cancel');

  api.get(
    '/staff-actions',
    {
      schema: schema({
        querystring: Type.Object(
          { limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }) },
          { additionalProperties: false },
        ),
        response: { 200: StaffActionsReply, ...errorReplies },
      }),
    },
    async (req) => ({ actions: await queries.staffActions(req.query.limit) }),
  );

  api.post(
    '/billing/run-as-of',
    {
      schema: schema({
        headers: StaffHeaders,
        body: RunAsOfBody,
        response: { 200: RunAsOfReply, ...errorReplies },
      }),
    },
    async (req) => {
      const actor = actorOf(req);
      const clock = opts.clock;
      if (opts.config.mode !== 'sandbox' || !isShiftable(clock)) {
        await actions.record(actor, 'run-as-of', 'refused', `as of ${req.body.day}: not in sandbox mode`);
        throw new ConsoleSandboxOnlyError();
      }
      try {
        const r = await runAsOf({
          day: req.body.day,
          clock,
          sandboxUrl: opts.config.wechatpay.baseUrl,
          scheduler: api.billing.scheduler,
          db,
        });
        await actions.record(
          actor,
          'run-as-of',
          'applied',
          `${r.from} → ${r.to}: ${r.ranAt.length} stops, ${r.stepped} periods stepped`,
        );
        return { ...r, ranAt: r.ranAt.map((s) => new Date(s * 1000).toISOString()) };
      } catch (err) {
        await actions.record(
          actor,
          'run-as-of',
          'refused',
          `as of ${req.body.day}: ${(err as Error).message}`,
        );
        throw err;
      }
    },
  );
};
export default chargesApi;
