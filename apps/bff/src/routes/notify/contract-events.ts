import { routes } from '@qianyue/api';
import type { Clock } from '@qianyue/wechatpay';
import { type ContractEvent, createNotificationParser } from '@qianyue/wechatpay';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppConfig } from '../../config.ts';
import { isDatabaseUnavailable } from '../../db/create-database.ts';
import { DatabaseUnavailableError } from '../../errors.ts';
import { isRejected, type NotificationOutcome, outcomeOfError } from '../../notifications/outcomes.ts';
import { assertStorableNotification } from './storable-text.ts';

/**
 * WeChat Pay → BFF. Registered in its own encapsulated context so the JSON parser here keeps the RAW body
 * string (the signature covers those exact bytes) without changing how other routes parse JSON.
 * Pipeline: verify (signature, freshness) → decrypt → belongs to us → inbox insert + apply in ONE transaction
 * → 204. Any failure throws; the error handler answers 4xx/5xx {code:'FAIL'} and nothing was committed.
 */
export default async function contractEvents(
  app: FastifyInstance,
  opts: { config: AppConfig; clock: Clock },
) {
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  // One parser per app: the resource schemas are compiled once here instead of walked per delivery.
  const notifications = createNotificationParser({
    verifier: app.wechatpay.verifier,
    apiV3Key: opts.config.wechatpay.apiV3Key,
    clock: opts.clock,
    eventTypes: opts.config.eventTypes,
  });

  /** Best effort: counted per source, stored aggregated, logged throttled; never changes the answer. */
  const recordRejection = async (
    request: FastifyRequest,
    family: string,
    outcome: NotificationOutcome,
    err: unknown,
  ) => {
    if (!isRejected(outcome)) return;
    const errorCode = String((err as { code?: string }).code ?? 'unknown');
    await app.notifyGuard.refused(request, { family, reason: outcome, errorCode });
  };

  const handler = async (request: FastifyRequest, family: string) => {
    const body = typeof request.body === 'string' ? request.body : '';
    let event: ContractEvent;
    try {
      event = notifications.parse({ headers: request.headers, body });
      assertStorableNotification(event, body);
    } catch (err) {
      app.metrics.notifications.inc({ outcome: outcomeOfError(err) });
      // Platform-certificate mode: maybe a rotation. Answer 500 now (WeChat retries) and fetch the certificates
      // in the background, throttled; the lookup itself never did any I/O.
      if ((err as { code?: string }).code === 'WECHATPAY_SERIAL_UNKNOWN') {
        app.wechatpay.certificates?.onUnknownSerial(String((err as { serial?: unknown }).serial ?? ''));
      }
      await recordRejection(request, family, outcomeOfError(err), err);
      throw err;
    }
    try {
      const outcome = await app.contracts.applyNotification(event, body);
      app.metrics.notifications.inc({ outcome });
      request.log.info(
        { eventType: event.envelope.event_type, envelopeId: event.envelope.id, outcome },
        'notification processed',
      );
    } catch (err) {
      app.metrics.notifications.inc({ outcome: outcomeOfError(err) });
      await recordRejection(request, family, outcomeOfError(err), err);
      if (isDatabaseUnavailable(err)) throw new DatabaseUnavailableError();
      throw err;
    }
  };

  const options = { config: { notify: true, rateLimit: false }, schema: { hide: true } } as const;
  // The edu URL is set at onboarding; password-exempt plans send their own path as notify_url (one per
  // family and mode if the merchant wants: a path is allowed where a query string is not).
  const paths = new Map<string, string>([
    [routes.notifyEduPapay.url, 'edu-papay'],
    [routes.notifyPasswordExempt.url, 'password-exempt'],
  ]);
  for (const p of opts.config.plans) if (p.family === 'password-exempt') paths.set(p.notifyPath, p.family);
  for (const [url, family] of paths) {
    app.post(url, options, async (request, reply) => {
      await handler(request, family);
      return reply.code(204).send();
    });
  }
}
