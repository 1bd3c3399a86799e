import { randomBytes } from 'node:crypto';
import type { AppConfig } from '../config.ts';

/*
 * The BFF's wire-level Fastify options. Without a request timeout a client dribbling one byte every few
 * seconds holds a connection (and a socket slot) for as long as it likes; Node only checks its request and
 * header timeouts every `connectionsCheckingInterval` (30 s by default), so that is tightened too.
 * Request ids are random: a sequential id tells an attacker how busy the service is and names other
 * people's requests in support conversations.
 */
export function serverOptions(http: AppConfig['http']) {
  const t = http.timeouts;
  return {
    requestTimeout: t.requestMs,
    connectionTimeout: t.connectionMs,
    keepAliveTimeout: t.keepAliveMs,
    http: {
      requestTimeout: t.requestMs,
      headersTimeout: Math.min(t.requestMs, 20_000),
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(t.requestMs / 4))),
    },
    genReqId: () => randomBytes(16).toString('base64url'),
    // A request arriving while closing is answered by http/graceful-close.ts in the API's error shape (503
    // BFF_NOT_READY), not by Fastify's own {error, statusCode} 503.
    return503OnClosing: false,
  };
}
