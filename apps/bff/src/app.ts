import type { Writable } from 'node:stream';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type Clock, systemClock } from '@qianyue/wechatpay';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { Kysely } from 'kysely';
import type { Dispatcher } from 'undici';
import billingPlugin from './billing/plugin.ts';
import { type AppConfig, loggerOptions } from './config.ts';
import { createShiftableClock } from './console/as-of.ts';
import consoleRoutes from './console/index.ts';
import type { Database } from './db/database.ts';
import { RateLimitedError } from './errors.ts';
import gracefulClose from './http/graceful-close.ts';
import { serverOptions } from './http/server-options.ts';
import { OneLineRequestLog } from './logging/request-log.ts';
import { errorSerializers } from './logging/serializers.ts';
import backgroundPlugin from './plugins/background.ts';
import databasePlugin from './plugins/database.ts';
import errorHandler from './plugins/error-handler.ts';
import metricsPlugin from './plugins/metrics.ts';
import notifyGuard from './plugins/notify-guard.ts';
import {
  contractsRepositoryPlugin,
  inboxRepositoryPlugin,
  sessionsRepositoryPlugin,
} from './plugins/repositories.ts';
import securityHeaders from './plugins/security-headers.ts';
import servicesPlugin from './plugins/services.ts';
import sessionPlugin, { createTokenSessionId } from './plugins/session.ts';
import wechatpayPlugin from './plugins/wechatpay.ts';
import loginRoutes from './routes/auth/login.ts';
import logoutRoutes from './routes/auth/logout.ts';
import presignRoutes from './routes/contracts/presign.ts';
import contractStatusRoutes from './routes/contracts/status.ts';
import terminateRoutes from './routes/contracts/terminate.ts';
import healthRoutes from './routes/health.ts';
import notifyRoutes from './routes/notify/contract-events.ts';
import planRoutes from './routes/plans.ts';

// ajv-formats is CommonJS: under NodeNext its default import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  a: Ajv,
) => Ajv;

/**
 * JSON bodies are validated WITHOUT type coercion (`{"planKey": 5}` is a 400, not "5"); params and query
 * strings are text on the wire, so they are coerced (`?reconcile=true` → true).
 */
function validatorCompiler() {
  const base = { useDefaults: true, removeAdditional: false, allErrors: false } as const;
  const body = addFormats(new Ajv({ ...base, coerceTypes: false }));
  const text = addFormats(new Ajv({ ...base, coerceTypes: 'array' }));
  return ({ schema, httpPart }: { schema: object; httpPart?: string }) =>
    (httpPart === 'body' ? body : text).compile(schema);
}

export interface AppDeps {
  /** Unix-seconds clock for everything time-based (sessions, presign expiry, signature freshness). */
  clock?: Clock;
  /** undici dispatcher for WeChat calls (tests, proxies). */
  dispatcher?: Dispatcher;
  /** An already-open database (the caller closes it); otherwise `config.databaseUrl` is opened. */
  db?: Kysely<Database>;
  /** Where pino writes (tests capture it); `false` turns logging off. */
  logStream?: Writable | false;
}

/**
 * The composition root: plugins in dependency order, then routes. No listen (server.ts does that), no
 * process.env (config arrives typed).
 */
export async function buildApp(config: AppConfig, deps: AppDeps = {}): Promise<FastifyInstance> {
  // Sandbox mode: the console may run the billing cycle "as of" a later date, which moves this clock forward.
  const clock =
    config.mode === 'sandbox' ? createShiftableClock(deps.clock ?? systemClock) : (deps.clock ?? systemClock);
  const app = Fastify({
    logger:
      deps.logStream === false
        ? false
        : {
            ...loggerOptions(config.logLevel),
            serializers: errorSerializers,
            ...(deps.logStream ? { stream: deps.logStream } : {}),
          },
    logController: new OneLineRequestLog(),
    bodyLimit: config.http.bodyLimit,
    // A hop count becomes proxy-addr's own rule (trust the nearest n hops); Fastify's types take no number.
    trustProxy:
      typeof config.trustProxy === 'number'
        ? (
            (n: number) => (_addr: string, hop: number) =>
              hop < n
          )(config.trustProxy)
        : config.trustProxy,
    requestIdHeader: false,
    ...serverOptions(config.http),
    // A malformed URL (bad percent-encoding) never reaches a route or the error handler: answer it here, in
    // the API's error shape, instead of Fastify's default {error, code: 'FST_ERR_BAD_URL', …}.
    frameworkErrors: (_err, req, reply) =>
      (reply as FastifyReply)
        .code(400)
        .header('cache-control', 'no-store')
        .header('x-content-type-options', 'nosniff')
        .send({ code: 'BFF_VALIDATION_FAILED', message: 'Malformed URL', requestId: String(req.id) }),
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler());

  // 1. cross-cutting: closing without waiting for keep-alive sockets, errors, metrics, CORS, rate limits, docs
  await app.register(gracefulClose);
  await app.register(errorHandler);
  await app.register(securityHeaders);
  await app.register(metricsPlugin, config.http.metrics);
  await app.register(cors, {
    origin: config.http.corsOrigins.length > 0 ? config.http.corsOrigins : false,
    methods: ['GET', 'POST'],
    allowedHeaders: ['authorization', 'content-type'],
    maxAge: 600,
  });
  const tokenSessionId = createTokenSessionId(config.session.secret);
  await app.register(rateLimit, {
    global: true,
    max: config.http.rateLimitMax,
    timeWindow: 60_000,
    // Per signed-in session (HMAC-checked) when there is one, else per client IP.
    keyGenerator: (req) => {
      const sid = tokenSessionId(req.headers.authorization);
      return sid ? `s:${sid}` : `ip:${req.ip}`;
    },
    errorResponseBuilder: () => new RateLimitedError(),
  });
  if (config.http.docs) {
    await app.register(swagger, {
      openapi: {
        info: {
          title: 'Qianyue BFF',
          version: '0.1.0',
          description: 'WeChat Pay contract signing for the mini-program',
        },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
  }

  // 2. storage, then the things built on it
  await app.register(databasePlugin, {
    url: config.databaseUrl,
    preparedStatements: config.databasePreparedStatements,
    ...(deps.db ? { db: deps.db } : {}),
  });
  await app.register(sessionsRepositoryPlugin);
  await app.register(contractsRepositoryPlugin);
  await app.register(inboxRepositoryPlugin);
  await app.register(sessionPlugin, {
    secret: config.session.secret,
    ttlSeconds: config.session.ttlSeconds,
    cacheSeconds: config.session.cacheSeconds,
    clock,
    defaultAppId: config.wechat.appId,
  });
  await app.register(wechatpayPlugin, {
    config,
    clock,
    ...(deps.dispatcher ? { dispatcher: deps.dispatcher } : {}),
  });
  await app.register(servicesPlugin, {
    config,
    clock,
    ...(deps.dispatcher ? { dispatcher: deps.dispatcher } : {}),
  });

  await app.register(backgroundPlugin, { config, clock });
  await app.register(billingPlugin, { config, clock });

  // 3. routes
  await app.register(healthRoutes);
  await app.register(loginRoutes, {
    maxPerMinute: config.http.loginRateLimitMax,
    defaultAppId: config.wechat.appId,
  });
  await app.register(logoutRoutes);
  await app.register(planRoutes);
  await app.register(presignRoutes);
  await app.register(contractStatusRoutes);
  await app.register(terminateRoutes);
  await app.register(notifyGuard, { maxPerMinute: config.http.notifyUnverifiedMaxPerMinute, clock });
  await app.register(notifyRoutes, { config, clock });
  await app.register(consoleRoutes, { prefix: '/admin', config, clock });

  await app.ready();
  return app;
}
