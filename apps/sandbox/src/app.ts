import type { Writable } from 'node:stream';
import {
  EduContractIdParams,
  EduPresignRequest,
  EduQueryByIdQuery,
  EduQueryByUserQuery,
  EduUserParams,
  NormalPreEntrustSignRequest,
  PasswordExemptContractParams,
  PasswordExemptTerminateRequest,
  QsPreEntrustSignRequest,
  ServiceProviderPreEntrustSignRequest,
} from '@qianyue/wechatpay';
import type { TSchema } from '@sinclair/typebox';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { createBillingState } from './billing-state.ts';
import { type Clock, createSandboxClock } from './clock.ts';
import type { MerchantConfig, SandboxConfig } from './config.ts';
import type { SandboxContext } from './context.ts';
import { badControlRequest, paramError, SandboxError, WechatAnswerError } from './errors.ts';
import { createFaultEngine } from './faults.ts';
import { createNotifier } from './notifier.ts';
import { createPlatformKeys } from './platform-keys.ts';
import { registerAnswerSigning } from './plugins/sign-answers.ts';
import {
  createMerchantRegistry,
  SignError,
  sendSignError,
  verifyMerchantRequest,
} from './plugins/verify-merchant-request.ts';
import { createPrng } from './prng.ts';
import { createNonceCache } from './replay.ts';
import { billingControlRoutes } from './routes/billing-control.ts';
import { certificatesRoutes } from './routes/certificates.ts';
import { controlRoutes } from './routes/control.ts';
import { eduPapayRoutes } from './routes/edu-papay.ts';
import { eduPapayBillingRoutes } from './routes/edu-papay-billing.ts';
import { jscode2sessionRoutes } from './routes/jscode2session.ts';
import { pageRoutes } from './routes/pages.ts';
import { passwordExemptRoutes } from './routes/password-exempt.ts';
import { passwordExemptPresignRoutes } from './routes/password-exempt-presign.ts';
import { createSandboxState } from './state.ts';
import { createValidators, dropNulls, FOUR_BYTE } from './validation.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The merchant whose signature checked out (APIv3 scope). */
    merchant: MerchantConfig | null;
    /** The parsed JSON body (APIv3 scope), nulls dropped; undefined for an empty body. */
    jsonBody: unknown;
  }
  interface FastifyInstance {
    /** The instance's context (state, notifier, clock…), for tests and embedding. */
    sandbox: SandboxContext;
  }
}

export interface SandboxDeps {
  clock?: Clock;
  logger?: boolean;
  /** Where pino writes (tests capture it); implies logging at info level. */
  logStream?: Writable;
}

/** The same schema with notify_url widened to http(s), for allowInsecureNotifyUrl (loopback receivers). */
function insecureNotifyVariant(schema: TSchema): TSchema {
  const copy = JSON.parse(JSON.stringify(schema));
  copy.properties.notify_url.pattern = '^https?://[^\\s?#]+$';
  copy.properties.notify_url.minLength = 8;
  return copy;
}

/**
 * Composition root. Order: context (keys, state, notifier) → APIv3 scope (raw-body parser, faults,
 * signature check, answer signing, routes) → login exchange → control API + pages.
 */
export async function buildSandbox(config: SandboxConfig, deps: SandboxDeps = {}): Promise<FastifyInstance> {
  const clock = createSandboxClock(deps.clock);
  const platform = createPlatformKeys(config.platform);
  const merchants = createMerchantRegistry(config.merchants);
  const faults = createFaultEngine(config.faults, createPrng(config.seed));
  const ctx: SandboxContext = {
    config,
    clock,
    platform,
    merchants,
    faults,
    billing: createBillingState(),
    state: createSandboxState({
      highRiskOpenids: config.miniProgram.highRiskOpenids,
      seed: config.seed,
      sessionRetentionSeconds: config.sessionRetentionSeconds,
    }),
    nonces: config.rejectReplayedNonces ? createNonceCache(config.clockSkewSeconds) : undefined,
    notifier: createNotifier({
      config: config.notify,
      clock,
      platform,
      faults,
      logLimit: config.deliveryLogLimit,
      notificationLimit: config.notificationLogLimit,
    }),
    validators: createValidators({
      EduPresignRequest,
      EduQueryByIdQuery,
      EduQueryByUserQuery,
      EduContractIdParams,
      EduUserParams,
      NormalPreEntrustSignRequest,
      NormalPreEntrustSignRequestInsecure: insecureNotifyVariant(NormalPreEntrustSignRequest),
      ServiceProviderPreEntrustSignRequest,
      ServiceProviderPreEntrustSignRequestInsecure: insecureNotifyVariant(
        ServiceProviderPreEntrustSignRequest,
      ),
      QsPreEntrustSignRequest,
      QsPreEntrustSignRequestInsecure: insecureNotifyVariant(QsPreEntrustSignRequest),
      PasswordExemptContractParams,
      PasswordExemptTerminateRequest,
    }),
  };

  // jscode2session carries the AppSecret and the login code in its query string: never log them.
  const serializers = {
    req: (req: FastifyRequest) => ({
      method: req.method,
      url: req.url.replace(/([?&](?:secret|js_code)=)[^&#]*/gi, '$1[redacted]'),
      remoteAddress: req.ip,
    }),
  };
  const logger =
    deps.logStream || deps.logger
      ? { level: 'info', serializers, ...(deps.logStream ? { stream: deps.logStream } : {}) }
      : false;
  const app = Fastify({
    logger,
    bodyLimit: 1024 * 1024,
    // Slow clients (a byte every few seconds) are cut once the request has not fully arrived in time;
    // Node checks every connectionsCheckingInterval, so keep that well under the timeout.
    requestTimeout: config.requestTimeoutMs,
    http: {
      headersTimeout: config.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, config.requestTimeoutMs),
    },
  });
  app.decorate('sandbox', ctx);
  app.addHook('onClose', async () => ctx.notifier.close());
  // Outside /v3 too, an unknown route answers WeChat's error shape ({code, message}), not Fastify's default.
  app.setNotFoundHandler(async (_req, reply) =>
    reply.code(404).send({ code: 'NOT_FOUND', message: 'no such route' }),
  );

  await app.register(async (v3) => apiV3Scope(v3, ctx), { prefix: '/v3' });
  await app.register(async (sns) => {
    sns.setErrorHandler(controlErrorHandler);
    jscode2sessionRoutes(sns, ctx);
  });
  if (config.controlEnabled) {
    await app.register(async (control) => {
      control.setErrorHandler(controlErrorHandler);
      // Control bodies: JSON, and an empty body counts as {} (clients often send the header anyway).
      control.removeContentTypeParser('application/json');
      control.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
        try {
          done(null, body === '' ? undefined : JSON.parse(body as string));
        } catch {
          done(badControlRequest('body is not valid JSON'), undefined);
        }
      });
      // The H5 demo calls POST /__sandbox/login-code from the mini-program's own origin. Never `*`: only the
      // configured origin, or (none configured) a page served from this machine's loopback, is let in.
      control.addHook('onRequest', async (req, reply) => {
        if (!req.url.startsWith('/__sandbox/')) return;
        reply.header('vary', 'Origin');
        const origin = req.headers.origin;
        if (typeof origin === 'string' && controlOriginAllowed(origin, config.controlAllowOrigin)) {
          reply.header('access-control-allow-origin', origin);
        }
      });
      control.options('/__sandbox/*', async (_req, reply) =>
        reply
          .code(204)
          .header('access-control-allow-methods', 'GET, POST, PUT, DELETE')
          .header('access-control-allow-headers', 'content-type')
          .header('access-control-max-age', '600')
          .send(),
      );
      controlRoutes(control, ctx);
      billingControlRoutes(control, ctx);
      pageRoutes(control, ctx);
    });
  }
  return app;
}

function apiV3Scope(v3: FastifyInstance, ctx: SandboxContext): void {
  // The signature covers the exact received bytes, so bodies are kept raw (any content type) and parsed
  // only after the signature checked out.
  v3.removeAllContentTypeParsers();
  v3.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  v3.decorateRequest('merchant', null);
  v3.decorateRequest('jsonBody', undefined);
  v3.decorateRequest('routeFaults', null);
  v3.decorateRequest('failAfter', false);

  v3.addHook('onRequest', async (req, reply) => {
    const pattern = req.routeOptions.url;
    if (!pattern) return;
    const f = ctx.faults.forRoute(req.method, pattern);
    req.routeFaults = f;
    if (f.latencyMs) await new Promise((r) => setTimeout(r, f.latencyMs));
    if (ctx.faults.roll(f.timeoutRate, 'timeout'))
      await new Promise((r) => setTimeout(r, f.timeoutMs ?? 3000));
    if (ctx.faults.roll(f.rateLimitRate, 'rateLimit')) {
      return reply.code(429).send({ code: 'RATELIMIT_EXCEEDED', message: '请求超过频率限制' });
    }
    if (ctx.faults.roll(f.systemErrorRate, 'systemError'))
      return reply.code(500).send({ code: 'SYSTEM_ERROR', message: '系统错误' });
    if (ctx.faults.roll(f.serviceUnavailableRate, 'serviceUnavailable'))
      return reply.code(503).send({ code: 'SERVICE_UNAVAILABLE', message: '服务不可用，请稍后重试' });
    req.failAfter = ctx.faults.roll(f.systemErrorAfterRate, 'systemErrorAfter');
  });

  v3.addHook('preHandler', async (req) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    req.merchant = verifyMerchantRequest(
      req,
      raw,
      ctx.merchants,
      ctx.clock,
      ctx.config.clockSkewSeconds,
      ctx.nonces,
    );
    // Wechatpay-Serial names the WeChat Pay key that encrypted the body's sensitive fields (spec §1.5, §7.9):
    // one the sandbox does not hold cannot be decrypted. The real error code is UNCONFIRMED.
    const serial = req.headers['wechatpay-serial'];
    if (ctx.config.checkWechatpaySerial && typeof serial === 'string' && !ctx.platform.holds(serial)) {
      throw paramError('Wechatpay-Serial 对应的微信支付公钥或平台证书不存在', {
        field: 'Wechatpay-Serial',
        location: 'header',
        issue: 'serial names no WeChat Pay key of this merchant (UNCONFIRMED code)',
      });
    }
    if (raw.length === 0) return;
    const text = raw.toString('utf8');
    if (FOUR_BYTE.test(text)) {
      throw paramError('请求参数中含有4字节UTF-8字符（如emoji），请检查', {
        location: 'body',
        issue: '4-byte UTF-8',
      });
    }
    try {
      req.jsonBody = dropNulls(JSON.parse(text));
    } catch {
      throw paramError('请求体不是合法的JSON', { location: 'body', issue: 'invalid JSON' });
    }
  });

  registerAnswerSigning(v3, {
    platform: ctx.platform,
    clock: ctx.clock,
    faults: ctx.faults,
    signErrorAnswers: ctx.config.signErrorAnswers,
  });

  v3.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof WechatAnswerError) return reply.code(err.statusCode).send(err.body());
    if (err instanceof SignError) return sendSignError(reply, req, err);
    if (err.statusCode === 413) return reply.code(413).send({ code: 'PARAM_ERROR', message: '请求体过大' });
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(400).send({ code: 'PARAM_ERROR', message: '请求参数错误' });
    }
    req.log.error({ err }, 'sandbox internal error');
    return reply.code(500).send({ code: 'SYSTEM_ERROR', message: '系统错误' });
  });
  // Unknown APIv3 paths are still signature-checked (the hooks above run), then answered 404.
  v3.setNotFoundHandler(async (_req, reply) =>
    reply.code(404).send({ code: 'RESOURCE_NOT_EXISTS', message: '请求的资源不存在' }),
  );

  eduPapayRoutes(v3, ctx);
  eduPapayBillingRoutes(v3, ctx);
  passwordExemptPresignRoutes(v3, ctx);
  passwordExemptRoutes(v3, ctx);
  certificatesRoutes(v3, ctx);
}

const LOOPBACK_ORIGIN = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d{1,5})?$/;

/** The configured origin exactly, else only loopback origins (the demo runs everything on 127.0.0.1). */
export function controlOriginAllowed(origin: string, configured: string | undefined): boolean {
  return configured !== undefined ? origin === configured : LOOPBACK_ORIGIN.test(origin);
}

function controlErrorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof SandboxError)
    return reply.code(err.statusCode).send({ code: err.code, message: err.message });
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return reply.code(err.statusCode).send({ code: 'SANDBOX_BAD_REQUEST', message: err.message });
  }
  req.log.error({ err }, 'sandbox internal error');
  return reply.code(500).send({ code: 'SANDBOX_INTERNAL', message: 'internal error' });
}
