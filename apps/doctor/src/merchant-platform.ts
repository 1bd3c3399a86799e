/** Where in 商户平台 (pay.weixin.qq.com) a merchant finds each credential: quoted in the fixes. */
export const WHERE_PUBLIC_KEY = '商户平台 → 账户中心 → API安全 → 微信支付公钥';
export const WHERE_CERT = '商户平台 → 账户中心 → API安全 → API证书';
export const WHERE_MCH_ID = '商户平台 → 账户中心 → 商户信息';
export const WHERE_APIV3_KEY = '商户平台 → 账户中心 → API安全 → 设置APIv3密钥';
