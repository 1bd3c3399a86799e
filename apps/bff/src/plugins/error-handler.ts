import { WechatPayError } from '@qianyue/wechatpay';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { translateUpstream } from '../contracts/upstream-errors.ts';
import { isDatabaseUnavailable } from '../db/create-database.ts';
import { AppError, NotReadyError, RouteNotFoundError } from '../errors.ts';
import { isRejected, NOTIFICATION_OUTCOMES, outcomeOfError } from '../notifications/outcomes.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** WeChat Pay notification route: failures answer WeChat's own {code:'FAIL', message} shape. */
    notify?: boolean;
  }
}

export interface HttpError {
  statusCode: number;
  code: string;
  message: string;
}

/** The ONE translation from anything thrown to an HTTP answer. 5xx internals never reach the client. */
export function toHttpError(err: unknown, notify: boolean): HttpError {
  const e = err as Partial<FastifyError> & { code?: string };
  const outcome = notify ? outcomeOfError(err) : 'error';
  if (outcome !== 'error') {
    const { status, answer } = NOTIFICATION_OUTCOMES[outcome];
    return { statusCode: status, code: 'FAIL', message: answer };
  }
  // WeChat Pay errors met while calling WeChat: the one translation table (contracts/upstream-errors.ts).
  if (err instanceof WechatPayError) return toHttpError(translateUpstream(err), false);
  if (err instanceof AppError) return { statusCode: err.statusCode, code: err.code, message: err.message };
  if (e.validation) {
    return { statusCode: 400, code: 'BFF_VALIDATION_FAILED', message: e.message ?? 'Invalid request' };
  }
  if (isDatabaseUnavailable(err)) {
    return { statusCode: 503, code: 'BFF_DATABASE_UNAVAILABLE', message: 'The database is unavailable' };
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { statusCode: 413, code: 'BFF_PAYLOAD_TOO_LARGE', message: 'Request body is too large' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { statusCode: 415, code: 'BFF_UNSUPPORTED_MEDIA_TYPE', message: 'Unsupported Content-Type' };
  }
  if (typeof e.statusCode === 'number' && e.statusCode === 429) {
    return { statusCode: 429, code: 'BFF_RATE_LIMITED', message: 'Too many requests; slow down' };
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    // Fastify's own client errors (bad JSON, empty body…): their text describes the request, not internals.
    return { statusCode: 400, code: 'BFF_VALIDATION_FAILED', message: e.message ?? 'Invalid request' };
  }
  return { statusCode: 500, code: 'BFF_INTERNAL', message: 'Internal error' };
}

function send(request: FastifyRequest, reply: FastifyReply, h: HttpError) {
  const notify = request.routeOptions.config?.notify === true;
  reply.code(h.statusCode).header('cache-control', 'no-store');
  if (notify)
    return reply.send({ code: 'FAIL', message: (h.code === 'FAIL' ? h.message : h.message).slice(0, 64) });
  return reply.send({ code: h.code, message: h.message, requestId: String(request.id) });
}

export default fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((err, request, reply) => {
      const notify = request.routeOptions.config?.notify === true;
      const h = toHttpError(err, notify);
      const e = err as { code?: string; name?: string };
      // A refused notification (even the deliberate 500 for an unknown serial) is the sender's problem, not a
      // fault: no error line, no stack (notify-guard logs it, throttled).
      const refusedNotification = notify && isRejected(outcomeOfError(err));
      // Not ready (shutting down, /readyz with the database away) is a state this replica reports, not a fault
      // in the request: one warn line without a stack.
      if (err instanceof NotReadyError)
        request.log.warn({ code: h.code, reason: err.message }, 'request refused: not ready');
      else if (h.statusCode >= 500 && !refusedNotification)
        request.log.error({ err, code: h.code }, 'request failed');
      else request.log.info({ code: h.code, errCode: e.code, errName: e.name }, 'request rejected');
      return send(request, reply, h);
    });
    app.setNotFoundHandler((request, reply) => {
      const err = new RouteNotFoundError(request.method, request.url);
      return send(request, reply, { statusCode: err.statusCode, code: err.code, message: err.message });
    });
  },
  { name: 'error-handler' },
);
