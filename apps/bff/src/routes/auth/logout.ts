import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorReplies, routes } from '@qianyue/api';
import { Type } from '@sinclair/typebox';

/**
 * POST /v1/auth/logout: revokes the caller's session (the row goes, with its session_key). This replica stops
 * accepting the token at once; others within their session cache window (SESSION_CACHE_SECONDS).
 */
const logout: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    routes.logout.url,
    {
      preHandler: app.sessions.authenticate,
      schema: { tags: ['auth'], security: [{ bearer: [] }], response: { 204: Type.Null(), ...errorReplies } },
    },
    async (request, reply) => {
      await app.sessions.revoke(request);
      return reply.code(204).send(null);
    },
  );
};
export default logout;
