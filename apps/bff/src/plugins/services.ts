import type { Clock } from '@qianyue/wechatpay';
import fp from 'fastify-plugin';
import type { Dispatcher } from 'undici';
import type { AppConfig } from '../config.ts';
import { type Code2Session, createCode2Session } from '../services/code2session.ts';
import { type ContractsService, createContractsService } from '../services/contracts-service.ts';

declare module 'fastify' {
  interface FastifyInstance {
    code2session: Code2Session;
    contracts: ContractsService;
  }
}

export default fp(
  async (app, opts: { config: AppConfig; clock: Clock; dispatcher?: Dispatcher }) => {
    app.decorate(
      'code2session',
      createCode2Session({
        baseUrl: opts.config.wechat.apiBaseUrl,
        appId: opts.config.wechat.appId,
        appSecret: opts.config.wechat.appSecret,
        timeoutMs: Math.min(opts.config.wechatpay.timeoutMs, 5_000),
        onUpstreamError: (code) => app.metrics.upstreamErrors.inc({ operation: 'jscode2session', code }),
        ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
      }),
    );
    const contracts = createContractsService({
      config: opts.config,
      clock: opts.clock,
      repo: app.contractsRepository,
      inbox: app.inboxRepository,
      client: app.wechatpay.client,
      metrics: app.metrics,
      log: app.log,
      ...(app.wechatpay.certificates
        ? { refreshKeys: () => app.wechatpay.certificates!.refresh('unknown_serial') }
        : {}),
    });
    app.decorate('contracts', contracts);
    app.addHook('onClose', async () => contracts.drain());
  },
  { name: 'services', dependencies: ['contracts-repository', 'inbox-repository', 'wechatpay', 'metrics'] },
);
