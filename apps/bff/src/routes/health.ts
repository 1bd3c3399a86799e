import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorReplies, HealthReply, ReadyReply, routes } from '@qianyue/api';
import { sql } from 'kysely';
import { NotReadyError } from '../errors.ts';

const health: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    routes.health.url,
    { config: { rateLimit: false }, schema: { tags: ['ops'], response: { 200: HealthReply } } },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    routes.ready.url,
    {
      config: { rateLimit: false },
      schema: { tags: ['ops'], response: { 200: ReadyReply, ...errorReplies } },
    },
    async () => {
      try {
        await sql`select 1`.execute(app.db);
      } catch {
        throw new NotReadyError('database');
      }
      if (app.wechatpay.resolver.serials().length === 0) throw new NotReadyError('WeChat Pay keys');
      return { status: 'ok' as const, checks: { database: 'ok' as const, keys: 'ok' as const } };
    },
  );
};
export default health;
