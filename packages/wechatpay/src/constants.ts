/** The only request-signing scheme in scope (RSA-2048 + SHA-256, PKCS#1 v1.5). */
export const AUTH_SCHEME = 'WECHATPAY2-SHA256-RSA2048';

/** Answers and notifications older or newer than this are refused (spec §2.3: all SDKs use 300 s). */
export const MAX_CLOCK_SKEW_SECONDS = 300;

/** WeChat's deliberate bad signatures, sent to check that merchants really verify (spec §2.5). */
export const SIGNTEST_PREFIX = 'WECHATPAY/SIGNTEST/';

/** Header names, lower-case because Node and Fastify hand them over lower-cased. */
export const HEADER = {
  timestamp: 'wechatpay-timestamp',
  nonce: 'wechatpay-nonce',
  signature: 'wechatpay-signature',
  serial: 'wechatpay-serial',
  signatureType: 'wechatpay-signature-type',
  requestId: 'request-id',
} as const;

export const DEFAULT_BASE_URL = 'https://api.mch.weixin.qq.com';

/** The only resource encryption algorithm APIv3 uses for notifications and certificates. */
export const AEAD_ALGORITHM = 'AEAD_AES_256_GCM';

export const PACKAGE_VERSION = '0.1.0';
