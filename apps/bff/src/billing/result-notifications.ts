import { randomBytes } from 'node:crypto';
import {
  type Clock,
  type ContractEvent,
  createDebitResultReader,
  createNotificationParser,
  type EduOrder,
} from '@qianyue/wechatpay';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppConfig } from '../config.ts';
import { isDatabaseUnavailable } from '../db/create-database.ts';
import { DatabaseUnavailableError, NotificationForeignError } from '../errors.ts';
import { isRejected, outcomeOfError } from '../notifications/outcomes.ts';
import { assertStorableNotification } from '../routes/notify/storable-text.ts';
import type { Ledger } from './ledger.ts';
import { applyOrder } from './order-results.ts';
import { type BillingSettings, type BillingTerms, billingAccountOf } from './settings.ts';

/** Sent as every debit's notify_url (below NOTIFY_BASE_URL). */
export const DEBIT_RESULT_PATH = '/v1/notify/edu-papay-transactions';

/**
 * WeChat Pay → BFF debit results, in their own encapsulated context (raw body kept for the signature).
 * verify → decrypt → read the order (tolerant of the owner-field naming, U26) → belongs to us → in ONE
 * transaction: inbox insert (a duplicate stops here) + the ledger move + the inbox outcome → 204. Any failure
 * answers 4xx/5xx {code:'FAIL'} and commits nothing, so WeChat sends it again.
 */
export async function debitResultRoutes(
  app: FastifyInstance,
  opts: {
    config: AppConfig;
    clock: Clock;
    ledger: Ledger;
    settings: BillingSettings;
    termsOf: (planKey: string) => BillingTerms | undefined;
  },
) {
  const { config, ledger, settings } = opts;
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  // Every owner field the order carries, under either naming, must be ours: folding the two namings first
  // (sp_mchid ?? mchid) let a foreign mchid hide behind our sp_mchid. A named sub_mchid must be that of an
  // edu plan under that appid; a named sub_appid too when the plan has one (as the edu family's isOurs).
  const present = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);
  const owned = (order: EduOrder) => {
    for (const owner of [order.sp_mchid, order.mchid]) {
      const o = present(owner);
      if (o !== undefined && o !== config.wechatpay.mchId) return false;
    }
    return config.plans.some((p) => {
      const account = billingAccountOf(p);
      if (!account || account.appid !== order.appid) return false;
      const subMchId = present(order.sub_mchid);
      const subAppId = present(order.sub_appid);
      return (
        (subMchId === undefined || subMchId === account.sub_mchid) &&
        (subAppId === undefined || !account.sub_appid || subAppId === account.sub_appid)
      );
    });
  };

  // Built once per app, like the contract-event routes: verifier options fixed, the order schema compiled.
  // An empty event map: every debit-result name comes back as `unknown` with its decrypted resource.
  const notifications = createNotificationParser({
    verifier: app.wechatpay.verifier,
    apiV3Key: config.wechatpay.apiV3Key,
    clock: opts.clock,
    eventTypes: {},
  });
  const readDebitResult = createDebitResultReader();

  app.post(
    DEBIT_RESULT_PATH,
    { config: { notify: true, rateLimit: false }, schema: { hide: true } },
    async (request: FastifyRequest, reply) => {
      const body = typeof request.body === 'string' ? request.body : '';
      let event: ContractEvent;
      let order: EduOrder;
      try {
        event = notifications.parse({ headers: request.headers, body });
        order = readDebitResult(event.resource, event.requestId);
        if (!owned(order)) throw new NotificationForeignError();
        assertStorableNotification(event, body);
      } catch (err) {
        // Like the contract-event routes: counted under its outcome from notifications/outcomes.ts; a refused
        // post is counted per source (429 past the limit), stored aggregated and logged throttled by the
        // notify guard, never one warn line per post.
        const outcome = outcomeOfError(err);
        app.metrics.notifications.inc({ outcome });
        if (isRejected(outcome)) {
          const errorCode = String((err as { code?: string }).code ?? 'unknown');
          await app.notifyGuard.refused(request, { family: 'edu-papay-debit', reason: outcome, errorCode });
        }
        throw err;
      }
      const eventType = event.envelope.event_type;
      const now = new Date(opts.clock.now() * 1000);
      try {
        const outcome = await ledger.transaction(async (trx) => {
          const id = `n_${randomBytes(18).toString('base64url')}`;
          const fresh = await trx
            .insertInto('notification_inbox')
            .values({
              id,
              envelope_id: event.envelope.id,
              event_type: eventType,
              business_key: `${order.out_trade_no}|${order.trade_state}`,
              family: 'edu-papay',
              kind: settings.eventTypes[eventType] ?? 'debit-result',
              envelope: body,
              resource: event.plaintext,
              serial: event.serial,
              request_id: event.requestId ?? null,
              outcome: 'unmatched',
              contract_id: null,
              received_at: now,
            })
            .onConflict((oc) => oc.doNothing())
            .executeTakeFirst();
          if (Number(fresh.numInsertedOrUpdatedRows ?? 0n) === 0) return 'duplicate';
          // trade_state decides, whatever the event is called (which names carry which state is UNCONFIRMED).
          const applied = await applyOrder(
            trx,
            {
              ledger,
              settings,
              termsOf: opts.termsOf,
              now,
              source: 'notification',
              warn: (fields, message) => request.log.warn(fields, message),
            },
            order,
          );
          const attempt = await ledger.attempt(trx, order.out_trade_no);
          const charge = attempt
            ? await trx
                .selectFrom('charges')
                .select('contract_id')
                .where('id', '=', attempt.charge_id)
                .executeTakeFirst()
            : undefined;
          await trx
            .updateTable('notification_inbox')
            .set({ outcome: applied, contract_id: charge?.contract_id ?? null })
            .where('id', '=', id)
            .execute();
          return applied;
        });
        app.metrics.notifications.inc({ outcome: `debit_result_${outcome}` });
        request.log.info(
          { eventType, envelopeId: event.envelope.id, outcome },
          'debit-result notification processed',
        );
      } catch (err) {
        if (isDatabaseUnavailable(err)) throw new DatabaseUnavailableError();
        throw err;
      }
      return reply.code(204).send();
    },
  );
}
