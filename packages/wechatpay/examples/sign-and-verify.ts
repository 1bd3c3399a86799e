/**
 * Runnable example (`npx tsx packages/wechatpay/examples/sign-and-verify.ts`): signs a merchant request
 * and verifies a WeChat-style answer and notification, all with keys generated on the spot — no
 * fixture, no network. It prints identifiers only, never keys.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  answerMessage,
  buildAuthorization,
  createRsaSigner,
  createRsaVerifier,
  createStaticKeyResolver,
  encryptResource,
  parseNotification,
  validateSignedMessage,
} from '../src/index.ts';

const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
const wechat = generateKeyPairSync('rsa', { modulusLength: 2048 });
const keyId = 'PUB_KEY_ID_0000000000000000EXAMPLE';

// 1. The merchant signs a request.
const signer = createRsaSigner({
  mchId: '1900000109',
  serialNo: '7E57C0DE00000001',
  privateKey: merchant.privateKey,
});
const body = JSON.stringify({ appid: 'wx0000000000000000', openid: 'o-example', plan_id: '1' });
const { authorization } = buildAuthorization({
  signer,
  method: 'POST',
  pathWithQuery: '/v3/edu-papay/contracts/presign',
  body,
});
console.log('Authorization scheme:', authorization.slice(0, authorization.indexOf(' ')));

// 2. "WeChat" signs an answer; the merchant verifies it before believing it.
const verifier = createRsaVerifier(createStaticKeyResolver({ keys: { [keyId]: wechat.publicKey } }));
const wechatSigner = createRsaSigner({ mchId: '', serialNo: keyId, privateKey: wechat.privateKey });
const answer = JSON.stringify({ presign_token: 'example-token' });
const ts = String(Math.floor(Date.now() / 1000));
const nonce = randomBytes(16).toString('hex');
const headers = {
  'wechatpay-timestamp': ts,
  'wechatpay-nonce': nonce,
  'wechatpay-serial': keyId,
  'wechatpay-signature': wechatSigner.sign(answerMessage(ts, nonce, answer)),
};
console.log('answer verified, signed by', validateSignedMessage(headers, answer, { verifier }).serial);

// 3. A notification: verified first, then decrypted with the APIv3 key.
const apiV3Key = randomBytes(16).toString('hex').slice(0, 32);
const keyBytes = Buffer.from(apiV3Key);
const resource = {
  appid: 'wx0000000000000000',
  contract_information: {
    contract_id: 'C1',
    contract_status: 'ADD',
    create_time: '2025-01-01T00:00:00+08:00',
  },
};
const notifyBody = JSON.stringify({
  id: 'EV-example',
  create_time: '2025-01-01T00:00:00+08:00',
  event_type: 'ENTRUST.SIGNING',
  resource_type: 'encrypt-resource',
  resource: {
    algorithm: 'AEAD_AES_256_GCM',
    nonce: 'ABCDEFGHIJKL',
    associated_data: 'papay',
    ciphertext: encryptResource({
      apiV3Key: keyBytes,
      nonce: 'ABCDEFGHIJKL',
      associatedData: 'papay',
      plaintext: JSON.stringify(resource),
    }),
  },
});
const notifyHeaders = {
  ...headers,
  'wechatpay-signature': wechatSigner.sign(answerMessage(ts, nonce, notifyBody)),
};
const event = parseNotification(
  { headers: notifyHeaders, body: notifyBody },
  { verifier, apiV3Key: keyBytes },
);
console.log('notification:', event.family, event.kind);
