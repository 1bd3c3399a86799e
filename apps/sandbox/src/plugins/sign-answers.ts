import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../clock.ts';
import type { FaultEngine, RouteFaults } from '../faults.ts';
import { type PlatformKeys, requestId, signedHeaders } from '../platform-keys.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Fault knobs in force for this request (decided in onRequest). */
    routeFaults: RouteFaults | null;
    /** Process the request, then answer 500 anyway. */
    failAfter: boolean;
  }
}

const SYSTEM_ERROR = JSON.stringify({ code: 'SYSTEM_ERROR', message: '系统错误' });

/**
 * onSend for the APIv3 scope: every answer gets Request-ID and is signed over the exact payload bytes
 * that go on the wire (204 → empty string), with the platform key — the one named by the request's
 * Wechatpay-Serial in migrating mode (except /v3/certificates, always signed by the active certificate so the
 * answer verifies with a certificate it carries). Fault knobs may tamper with the signature or the serial.
 */
export function registerAnswerSigning(
  app: FastifyInstance,
  o: { platform: PlatformKeys; clock: Clock; faults: FaultEngine; signErrorAnswers: boolean },
): void {
  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    let body = payload;
    if (request.failAfter && reply.statusCode < 300) {
      reply.code(500).header('content-type', 'application/json; charset=utf-8');
      body = SYSTEM_ERROR;
    }
    const f0 = request.routeFaults;
    if (f0 && o.faults.roll(f0.timeoutAfterRate, 'timeoutAfter'))
      await new Promise((r) => setTimeout(r, f0.timeoutMs ?? 3000));
    reply.header('Request-ID', requestId());
    if (reply.statusCode >= 400) {
      if (!o.signErrorAnswers) return body;
      // Unknown paths have no route faults of their own: the top-level knob applies.
      const rf = request.routeFaults ?? o.faults.forRoute(request.method, '');
      if (o.faults.roll(rf.unsignedErrorRate, 'unsignedError')) return body;
    }
    const text =
      body === null || body === undefined ? '' : Buffer.isBuffer(body) ? body.toString('utf8') : String(body);
    const f = request.routeFaults ?? {};
    const serialHeader = request.headers['wechatpay-serial'];
    const key =
      request.routeOptions.url === '/v3/certificates'
        ? o.platform.forCertificatesAnswer()
        : o.platform.forAnswer(typeof serialHeader === 'string' ? serialHeader : undefined);
    const headers = signedHeaders(text, key, o.clock.now(), {
      badSignature: o.faults.roll(f.badSignatureRate, 'badSignature'),
      unknownSerial: o.faults.roll(f.unknownSerialRate, 'unknownSerial'),
      probe: o.faults.roll(f.probeSignatureRate, 'probeSignature'),
    });
    for (const [k, v] of Object.entries(headers)) reply.header(k, v);
    return body;
  });
}
