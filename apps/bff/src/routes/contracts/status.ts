import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Contract, ContractParams, ContractQuery, ContractsReply, errorReplies, routes } from '@qianyue/api';

/** The caller's own contracts only: every lookup is scoped by the session's openid. */
const status: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    routes.listContracts.url,
    {
      preHandler: app.sessions.authenticate,
      schema: {
        tags: ['contracts'],
        security: [{ bearer: [] }],
        response: { 200: ContractsReply, ...errorReplies },
      },
    },
    async (request) => ({ contracts: await app.contracts.list(request.openid) }),
  );

  app.get(
    routes.getContract.url,
    {
      preHandler: app.sessions.authenticate,
      schema: {
        tags: ['contracts'],
        security: [{ bearer: [] }],
        params: ContractParams,
        querystring: ContractQuery,
        response: { 200: Contract, ...errorReplies },
      },
    },
    async (request) =>
      app.contracts.get(request.openid, request.params.contractId, request.query.reconcile === true),
  );
};
export default status;
