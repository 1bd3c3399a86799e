import type { Check } from '../check.ts';
import { adminToken } from './admin-token.ts';
import { apiV3Key } from './apiv3-key.ts';
import { bffConfig } from './bff-config.ts';
import { database } from './database.ts';
import { environment } from './environment.ts';
import { merchantCertificate } from './merchant-certificate.ts';
import { merchantId } from './merchant-id.ts';
import { merchantPrivateKey } from './merchant-private-key.ts';
import { merchantSerial } from './merchant-serial.ts';
import { notifyUrl } from './notify-url.ts';
import { plans } from './plans.ts';
import { platformCertificates } from './platform-certificates.ts';
import { publicKeyId } from './public-key-id.ts';
import { sandboxKeysFile } from './sandbox-keys-file.ts';
import { signedCall } from './signed-call.ts';
import { wechatpayPublicKey } from './wechatpay-public-key.ts';

/** Every check, in the order of the report (the run order follows their needs: runner.ts). */
export const CHECKS: readonly Check[] = [
  environment,
  sandboxKeysFile,
  merchantId,
  merchantPrivateKey,
  merchantSerial,
  apiV3Key,
  wechatpayPublicKey,
  publicKeyId,
  platformCertificates,
  merchantCertificate,
  notifyUrl,
  database,
  adminToken,
  plans,
  bffConfig,
  signedCall,
];
