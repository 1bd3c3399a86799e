import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Clock } from '@qianyue/wechatpay';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '../config.ts';
import { ContractNotFoundError } from '../errors.ts';
import { createConsoleQueries, toConsoleContract } from './queries.ts';

/*
 * The operations console: one static page + vanilla JS (no framework, no CDN) and a JSON API under
 * /admin/api/*, for merchant staff. Registered with the prefix /admin; absent entirely (404) when no admin
 * token is configured. Every /admin/api route needs `Authorization: Bearer <ADMIN_TOKEN>`, compared in
 * constant time; the page itself carries no data.
 */

const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();

const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const ContractsQuery = Type.Object(
  {
    state: Type.Optional(
      Type.Union(['PENDING', 'SIGNED', 'TERMINATED', 'EXPIRED'].map((s) => Type.Literal(s))),
    ),
    plan: Type.Optional(Type.String({ maxLength: 64 })),
    from: Type.Optional(Day),
    to: Type.Optional(Day),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  },
  { additionalProperties: false },
);
const InboxQuery = Type.Object(
  {
    status: Type.Optional(
      Type.Union([Type.Literal('verified'), Type.Literal('applied'), Type.Literal('rejected')]),
    ),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  },
  { additionalProperties: false },
);
const DailyQuery = Type.Object(
  { days: Type.Integer({ minimum: 1, maximum: 366, default: 30 }) },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export interface ConsoleOptions {
  config: AppConfig;
  clock: Clock;
}

export default async function consoleRoutes(app: FastifyInstance, opts: ConsoleOptions) {
  const admin = opts.config.admin;
  if (!admin) {
    app.log.info('operations console disabled: no ADMIN_TOKEN_PATH / ADMIN_TOKEN configured');
    return;
  }
  const expected = sha256(admin.token);
  const page = readFileSync(new URL('./page.html', import.meta.url), 'utf8');
  const script = readFileSync(new URL('./console.js', import.meta.url), 'utf8');
  const queries = createConsoleQueries(app.db);
  const hidden = { schema: { hide: true } } as const;

  const sendStatic = (reply: FastifyReply, type: string, body: string) =>
    reply.headers(PAGE_HEADERS).type(type).send(body);
  app.get('/', hidden, async (_req, reply) => sendStatic(reply, 'text/html; charset=utf-8', page));
  app.get('/console.js', hidden, async (_req, reply) =>
    sendStatic(reply, 'text/javascript; charset=utf-8', script),
  );

  await app.register(
    async (api) => {
      api.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
        reply.header('cache-control', 'no-store');
        const header = req.headers.authorization;
        const m = typeof header === 'string' ? /^Bearer +(\S+) *$/.exec(header) : null;
        if (!m) {
          return reply.code(401).header('www-authenticate', 'Bearer realm="qianyue-console"').send({
            code: 'CONSOLE_UNAUTHENTICATED',
            message: 'An admin token is required (Authorization: Bearer <token>)',
          });
        }
        // Hashing first gives equal lengths, so the comparison time says nothing about the token.
        if (!timingSafeEqual(sha256(Buffer.from(m[1]!, 'utf8')), expected)) {
          req.log.warn({ route: req.routeOptions.url }, 'operations console: wrong admin token');
          return reply
            .code(401)
            .send({ code: 'CONSOLE_TOKEN_INVALID', message: 'The admin token is not valid' });
        }
      });

      api.get('/session', hidden, async () => ({ ok: true, mode: opts.config.mode }));

      api.get('/plans', hidden, async () => ({
        plans: opts.config.plans.map((p) => ({ planKey: p.planKey, family: p.family, name: p.name })),
      }));

      api.get('/contracts', { schema: { hide: true, querystring: ContractsQuery } }, async (req) =>
        queries.contracts(req.query as Parameters<typeof queries.contracts>[0]),
      );

      api.post('/contracts/:id/reconcile', { schema: { hide: true, params: IdParams } }, async (req) => {
        const { id } = req.params as { id: string };
        const row = await app.contractsRepository.findById(id);
        if (row?.presign_status !== 'READY') throw new ContractNotFoundError();
        const before = row.state;
        // The BFF's own reconcile: PENDING → ask WeChat Pay (as the mini-program's ?reconcile=true does);
        // SIGNED → is it still signed? (catches terminations whose notification was lost, both products).
        const after = await app.contracts.reconcileContract(row, 'console');
        req.log.info({ contractId: id, before, after: after.state }, 'operations console: reconciled');
        return { before, changed: before !== after.state, contract: toConsoleContract(after) };
      });

      api.get('/notifications', { schema: { hide: true, querystring: InboxQuery } }, async (req) => ({
        notifications: await queries.inbox(req.query as Parameters<typeof queries.inbox>[0]),
      }));

      api.get('/stats/daily', { schema: { hide: true, querystring: DailyQuery } }, async (req) => ({
        days: await queries.daily((req.query as { days: number }).days, new Date(opts.clock.now() * 1000)),
      }));
    },
    { prefix: '/api' },
  );
}
