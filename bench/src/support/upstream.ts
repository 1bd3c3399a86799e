import { createRsaSigner, loadPrivateKey } from '@qianyue/wechatpay';
import { fixtureText } from '../fixtures.ts';

/** The platform side of the fixtures: answers are signed with the WeChat Pay public-key pair (PUB_KEY_ID_…). */
export function platformSigner() {
  const id = fixtureText('platform/pubkey/id.txt').trim();
  return createRsaSigner({
    mchId: 'platform',
    serialNo: id,
    privateKey: loadPrivateKey(fixtureText('platform/pubkey/private-key.pem')),
  });
}

export const MCH_ID = '1900000109';
export const APP_ID = 'wxd678efh567hg6787';
export const PLAN_ID = '101164396123311331';
