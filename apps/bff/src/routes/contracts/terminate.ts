import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Contract, ContractParams, errorReplies, routes } from '@qianyue/api';

/** POST /v1/contracts/:contractId/terminate: the caller may end only a contract of their own. */
const terminate: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    routes.terminateContract.url,
    {
      preHandler: app.sessions.authenticate,
      schema: {
        tags: ['contracts'],
        security: [{ bearer: [] }],
        params: ContractParams,
        response: { 200: Contract, ...errorReplies },
      },
    },
    async (request) => app.contracts.terminate(request.openid, request.params.contractId),
  );
};
export default terminate;
