import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorReplies, PlansReply, routes } from '@qianyue/api';

const plans: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    routes.plans.url,
    {
      preHandler: app.sessions.authenticate,
      schema: { tags: ['plans'], security: [{ bearer: [] }], response: { 200: PlansReply, ...errorReplies } },
    },
    async (request) => ({
      plans: await app.contracts.plans({ openid: request.openid, appId: request.appId }),
    }),
  );
};
export default plans;
