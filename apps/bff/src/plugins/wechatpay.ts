import {
  type Clock,
  createRsaSigner,
  createRsaVerifier,
  createStaticKeyResolver,
  createWechatPayClient,
  type PublicKeyResolver,
  type Verifier,
  type WechatPayClient,
} from '@qianyue/wechatpay';
import fp from 'fastify-plugin';
import type { Dispatcher } from 'undici';
import type { AppConfig } from '../config.ts';

declare module 'fastify' {
  interface FastifyInstance {
    wechatpay: { client: WechatPayClient; verifier: Verifier; resolver: PublicKeyResolver };
  }
}

/**
 * Builds the signer / resolver / verifier / client from config, once. The resolver is static (public-key id
 * and/or platform certificates from config): a lookup never goes to the network, so an attacker's unknown
 * serial cannot make us call out.
 */
export default fp(
  async (app, opts: { config: AppConfig; clock: Clock; dispatcher?: Dispatcher }) => {
    const c = opts.config.wechatpay;
    const signer = createRsaSigner({
      mchId: c.mchId,
      serialNo: c.merchantSerialNo,
      privateKey: c.privateKey,
    });
    const resolver = createStaticKeyResolver({
      keys: c.verificationKeys,
      ...(c.preferredSerial ? { preferred: c.preferredSerial } : {}),
    });
    const verifier = createRsaVerifier(resolver);
    const client = createWechatPayClient({
      baseUrl: c.baseUrl,
      signer,
      verifier,
      resolver,
      clock: opts.clock,
      timeoutMs: c.timeoutMs,
      userAgent: 'qianyue-bff/0.1.0',
      ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
    });
    app.decorate('wechatpay', { client, verifier, resolver });
    app.addHook('onClose', async () => client.close());
  },
  { name: 'wechatpay' },
);
