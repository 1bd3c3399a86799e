import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorReplies, PresignBody, PresignReply, routes } from '@qianyue/api';

/** POST /v1/contracts/presign: one live presign per user and plan; a double tap gets the same one back. */
const presign: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    routes.presign.url,
    {
      // The token alone here: the claim statement reads the session (live? whose?) in the same round trip.
      preHandler: app.sessions.authenticateToken,
      schema: {
        tags: ['contracts'],
        security: [{ bearer: [] }],
        body: PresignBody,
        response: { 200: PresignReply, ...errorReplies },
      },
    },
    async (request) =>
      app.contracts.presign(
        {
          sessionId: request.sessionId,
          learned: (user) => app.sessions.remember(request, user),
        },
        request.body.planKey,
      ),
  );
};
export default presign;
