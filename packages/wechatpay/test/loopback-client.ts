import {
  createRsaSigner,
  createRsaVerifier,
  createStaticKeyResolver,
  createWechatPayClient,
  loadPrivateKey,
  loadPublicKey,
  type WechatPayClient,
} from '../src/index.ts';
import { fixtureText, merchantSerial, platformSerial, publicKeyId } from './fixtures.ts';
import { type LoopbackServer, startLoopback } from './loopback-server.ts';

/*
 * The package's client wired to a fresh loopback server with the fixture keys: the merchant signer, and
 * both WeChat Pay keys (platform certificate and PUB_KEY_ID_…) to verify answers. Kept apart from
 * loopback-server.ts, which must not use the package under test.
 */
export async function startLoopbackClient(): Promise<{ server: LoopbackServer; client: WechatPayClient }> {
  const resolver = createStaticKeyResolver({
    keys: {
      [platformSerial()]: loadPublicKey(fixtureText('platform/cert.pem')),
      [publicKeyId()]: loadPublicKey(fixtureText('platform/pubkey/public-key.pem')),
    },
  });
  const signer = createRsaSigner({
    mchId: '1900000109',
    serialNo: merchantSerial(),
    privateKey: loadPrivateKey(fixtureText('merchant/private-key.pem')),
  });
  const server = await startLoopback();
  const client = createWechatPayClient({
    baseUrl: server.baseUrl,
    signer,
    verifier: createRsaVerifier(resolver),
    resolver,
  });
  return { server, client };
}
