import type { Clock } from '@qianyue/wechatpay';
import fp from 'fastify-plugin';
import type { Dispatcher } from 'undici';
import type { AppConfig } from '../config.ts';
import { type ContractsService, createContractsService } from '../contracts/service.ts';
import { ValidationError } from '../errors.ts';
import { type Code2Session, createCode2Session } from '../services/code2session.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** jscode2session with the AppSecret of the mini-program that called wx.login. */
    code2session(code: string, appId: string): ReturnType<Code2Session>;
    contracts: ContractsService;
  }
}

export default fp(
  async (app, opts: { config: AppConfig; clock: Clock; dispatcher?: Dispatcher }) => {
    const wechat = opts.config.wechat;
    const exchanges = new Map(
      Object.entries(wechat.miniPrograms).map(([appId, appSecret]) => [
        appId,
        createCode2Session({
          baseUrl: wechat.apiBaseUrl,
          appId,
          appSecret,
          timeoutMs: Math.min(opts.config.wechatpay.timeoutMs, 5_000),
          onUpstreamError: (code) => app.metrics.upstreamErrors.inc({ operation: 'jscode2session', code }),
          ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
        }),
      ]),
    );
    app.decorate('code2session', (code: string, appId: string) => {
      const exchange = exchanges.get(appId);
      if (!exchange) throw new ValidationError('appId is not a mini-program this service serves');
      return exchange(code);
    });
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
  {
    name: 'services',
    dependencies: ['contracts-repository', 'inbox-repository', 'wechatpay', 'metrics'],
  },
);
