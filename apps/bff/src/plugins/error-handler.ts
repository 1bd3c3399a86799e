import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { isDatabaseUnavailable } from '../db/create-database.ts';
import { AppError, RouteNotFoundError } from '../errors.ts';

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

/** WeChat Pay protocol error codes (from @qianyue/wechatpay) on a notification → the status WeChat should see. */
const NOTIFY_STATUS: Record<string, [number, string]> = {
  WECHATPAY_HEADER_MISSING: [401, 'signature headers missing'],
  WECHATPAY_SIGNATURE_TYPE_UNSUPPORTED: [401, 'unsupported signature type'],
  WECHATPAY_CLOCK_SKEW: [401, 'timestamp outside the accepted window'],
  WECHATPAY_SIGNATURE_INVALID: [401, 'signature verification failed'],
  WECHATPAY_SIGNATURE_PROBE: [401, 'signature verification failed'],
  // 5xx so WeChat keeps retrying while the operator adds the new key.
  WECHATPAY_SERIAL_UNKNOWN: [500, 'unknown Wechatpay-Serial'],
  WECHATPAY_DECRYPT_FAILED: [400, 'resource cannot be decrypted'],
  WECHATPAY_NOTIFICATION_MALFORMED: [400, 'malformed notification'],
  BFF_NOTIFICATION_FOREIGN: [400, 'notification is not for this merchant'],
  BFF_NOTIFICATION_TEXT_REFUSED: [400, 'notification holds text that cannot be stored'],
  BFF_NOTIFY_RATE_LIMITED: [429, 'too many refused notifications; slow down'],
};

/** WeChat Pay errors met while calling WeChat (should normally be translated by the service already). */
function upstream(err: { code: string; status?: number; apiCode?: string; retryable?: boolean }): HttpError {
  if (err.code === 'WECHATPAY_TRANSPORT_TIMEOUT') {
    return { statusCode: 504, code: 'BFF_UPSTREAM_TIMEOUT', message: 'WeChat Pay did not answer in time' };
  }
  if (
    err.code === 'WECHATPAY_API_ERROR' &&
    err.status !== undefined &&
    err.status < 500 &&
    err.status !== 429
  ) {
    return {
      statusCode: 502,
      code: 'BFF_UPSTREAM_REJECTED',
      message: `WeChat Pay rejected the request: ${err.apiCode ?? 'UNKNOWN'}`,
    };
  }
  return {
    statusCode: 503,
    code: 'BFF_UPSTREAM_UNAVAILABLE',
    message: 'WeChat Pay is unavailable; try again shortly',
  };
}

/** The ONE translation from anything thrown to an HTTP answer. 5xx internals never reach the client. */
export function toHttpError(err: unknown, notify: boolean): HttpError {
  const e = err as Partial<FastifyError> & { code?: string; status?: number; apiCode?: string };
  if (notify && typeof e.code === 'string' && NOTIFY_STATUS[e.code]) {
    const [statusCode, message] = NOTIFY_STATUS[e.code]!;
    return { statusCode, code: 'FAIL', message };
  }
  if (err instanceof AppError) return { statusCode: err.statusCode, code: err.code, message: err.message };
  if (e.validation) {
    return { statusCode: 400, code: 'BFF_VALIDATION_FAILED', message: e.message ?? 'Invalid request' };
  }
  if (typeof e.code === 'string' && e.code.startsWith('WECHATPAY_')) return upstream(e as { code: string });
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
      const refusedNotification = notify && typeof e.code === 'string' && e.code in NOTIFY_STATUS;
      if (h.statusCode >= 500 && !refusedNotification)
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
