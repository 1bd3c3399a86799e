import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorReplies, PresignBody, PresignReply, routes } from '@qianyue/api';

/** POST /v1/contracts/presign: one live presign per user and plan; a double tap gets the same one back. */
const presign: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    routes.presign.url,
    {
      preHandler: app.sessions.authenticate,
      schema: {
        tags: ['contracts'],
        security: [{ bearer: [] }],
        body: PresignBody,
        response: { 200: PresignReply, ...errorReplies },
      },
    },
    async (request) =>
      app.contracts.presign({ openid: request.openid, appId: request.appId }, request.body.planKey),
  );
};
export default presign;
