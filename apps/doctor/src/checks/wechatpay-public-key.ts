import type { KeyObject } from 'node:crypto';
import { loadPrivateKey, loadPublicKey } from '@qianyue/wechatpay';
import { defineCheck } from '../check.ts';
import { WHERE_PUBLIC_KEY } from '../merchant-platform.ts';
import { isCertificateLabel, isPrivateLabel, pemLabels, samePublicKey } from '../pem.ts';

const FIX = `download the WeChat Pay public key (pub_key.pem) from ${WHERE_PUBLIC_KEY} and point WECHATPAY_PUBLIC_KEY_PATH at it`;

function isSameKeyPair(pem: string, merchant: KeyObject | undefined): boolean {
  if (!merchant) return false;
  try {
    return samePublicKey(loadPrivateKey(pem), merchant);
  } catch {
    return false;
  }
}

export const wechatpayPublicKey = defineCheck({
  id: 'wechatpay-public-key',
  title: 'WeChat Pay public key',
  needs: [],
  // With the merchant key known, "your own key put here" can be told from "some private key put here".
  uses: ['merchant-private-key'],
  variables: ['WECHATPAY_PUBLIC_KEY', 'WECHATPAY_PUBLIC_KEY_PATH'],
  run({ sources }, given) {
    const s = sources.secret('WECHATPAY_PUBLIC_KEY', 'wechatpayPublicKeyPath');
    const variable = s.variable;
    const merchant = given['merchant-private-key'];
    if (s.problem) return { status: 'fail', variable, detail: s.problem, fix: FIX };
    if (!s.value) {
      if (sources.secret('WECHATPAY_PLATFORM_CERT').value) {
        return {
          status: 'skip',
          variable,
          detail: 'not set: platform-certificate mode (WeChat Pay is moving merchants to the public key)',
        };
      }
      return {
        status: 'fail',
        variable,
        detail: 'no way to verify WeChat Pay: neither a public key nor platform certificates are configured',
        fix: `${FIX}, and set WECHATPAY_PUBLIC_KEY_ID`,
      };
    }
    const labels = pemLabels(s.value);
    if (labels.some(isPrivateLabel)) {
      return {
        status: 'fail',
        variable,
        detail: isSameKeyPair(s.value, merchant)
          ? 'holds YOUR merchant private key, not the WeChat Pay public key'
          : 'holds a PRIVATE key; WeChat Pay never gives you its private key',
        fix: `${FIX}; it starts with -----BEGIN PUBLIC KEY-----. Remove the private key from this location`,
      };
    }
    if (labels.some(isCertificateLabel)) {
      return {
        status: 'fail',
        variable,
        detail: 'holds a certificate',
        fix: `${FIX}; platform certificates go in WECHATPAY_PLATFORM_CERT_PATH, and your own apiclient_cert.pem in WECHATPAY_MERCHANT_CERT_PATH`,
      };
    }
    let key: KeyObject;
    try {
      key = loadPublicKey(s.value, variable);
    } catch {
      return { status: 'fail', variable, detail: 'is not a readable RSA public key PEM', fix: FIX };
    }
    if (merchant && samePublicKey(key, merchant)) {
      return {
        status: 'fail',
        variable,
        detail: "is your merchant's own public key, not WeChat Pay's",
        fix: FIX,
      };
    }
    return {
      status: 'pass',
      variable,
      detail: `RSA ${key.asymmetricKeyDetails?.modulusLength ?? '?'}-bit public key`,
      fact: key,
    };
  },
});
