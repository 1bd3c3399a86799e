import {
  type Clock,
  createCertificateStore,
  createRsaSigner,
  createRsaVerifier,
  createStaticKeyResolver,
  createWechatPayClient,
  downloadCertificates,
  isPublicKeyId,
  type PublicKeyResolver,
  type Verifier,
  type WechatPayClient,
} from '@qianyue/wechatpay';
import fp from 'fastify-plugin';
import type { Dispatcher } from 'undici';
import type { AppConfig } from '../config.ts';
import { type CertificateRefresher, createCertificateRefresher } from '../services/certificate-refresher.ts';

declare module 'fastify' {
  interface FastifyInstance {
    wechatpay: {
      client: WechatPayClient;
      verifier: Verifier;
      resolver: PublicKeyResolver;
      /** Present in automatic platform-certificate mode (WECHATPAY_PLATFORM_CERT_AUTO=true). */
      certificates?: CertificateRefresher;
    };
  }
}

/**
 * Builds the signer / resolver / verifier / client from config, once. Lookups never go to the network, so an
 * attacker's unknown serial cannot make us call out synchronously. Public-key mode (the default) and static
 * platform certificates use a static resolver; automatic platform-certificate mode uses a mutable certificate
 * store (public key, if configured, alongside: the migration) that the refresher fills at start-up, daily, and
 * — throttled, in the background — when an unknown serial shows up.
 */
export default fp(
  async (app, opts: { config: AppConfig; clock: Clock; dispatcher?: Dispatcher }) => {
    const c = opts.config.wechatpay;
    const signer = createRsaSigner({
      mchId: c.mchId,
      serialNo: c.merchantSerialNo,
      privateKey: c.privateKey,
    });
    const auto = c.platformCertAuto;
    const store = auto
      ? createCertificateStore({
          publicKeys: Object.fromEntries(
            Object.entries(c.verificationKeys).filter(([serial]) => isPublicKeyId(serial)),
          ),
          clock: opts.clock,
        })
      : undefined;
    store?.add(c.platformCertificates);
    const resolver =
      store ??
      createStaticKeyResolver({
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
    let certificates: CertificateRefresher | undefined;
    app.addHook('onClose', async () => {
      await certificates?.close();
      await client.close();
    });
    if (store && auto) {
      const refresher = createCertificateRefresher({
        store,
        download: () => downloadCertificates(client, { apiV3Key: c.apiV3Key, clock: opts.clock }),
        clock: opts.clock,
        refreshSeconds: auto.refreshSeconds,
        minRefreshSeconds: auto.minRefreshSeconds,
        metrics: app.metrics,
        log: app.log,
      });
      certificates = refresher;
      // Start-up download (verified with the certificate it carries, spec §3.3); a few tries for a blip.
      for (let attempt = 1; ; attempt++) {
        try {
          await refresher.refresh('startup');
          break;
        } catch (err) {
          if (attempt < c.maxAttempts) {
            await new Promise((r) => setTimeout(r, 200 * attempt));
            continue;
          }
          // With configured keys we can still verify: keep going, the timer / unknown serial retries later.
          if (store.serials().length > 0) break;
          await client.close();
          throw new Error('WeChat Pay platform certificates could not be downloaded at start-up', {
            cause: err,
          });
        }
      }
      refresher.start();
    }
    app.decorate('wechatpay', { client, verifier, resolver, ...(certificates ? { certificates } : {}) });
  },
  { name: 'wechatpay', dependencies: ['metrics'] },
);
