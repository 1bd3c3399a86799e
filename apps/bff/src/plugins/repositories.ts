import fp from 'fastify-plugin';
import { type ContractsRepository, createContractsRepository } from '../db/contracts-repository.ts';
import { createInboxRepository, type InboxRepository } from '../db/inbox-repository.ts';
import { createSessionsRepository, type SessionsRepository } from '../db/sessions-repository.ts';

declare module 'fastify' {
  interface FastifyInstance {
    contractsRepository: ContractsRepository;
    sessionsRepository: SessionsRepository;
    inboxRepository: InboxRepository;
  }
}

export const contractsRepositoryPlugin = fp(
  async (app) => {
    app.decorate('contractsRepository', createContractsRepository(app.db));
  },
  { name: 'contracts-repository', dependencies: ['database'] },
);

export const sessionsRepositoryPlugin = fp(
  async (app) => {
    app.decorate('sessionsRepository', createSessionsRepository(app.db));
  },
  { name: 'sessions-repository', dependencies: ['database'] },
);

export const inboxRepositoryPlugin = fp(
  async (app) => {
    app.decorate('inboxRepository', createInboxRepository(app.db));
  },
  { name: 'inbox-repository', dependencies: ['database'] },
);
