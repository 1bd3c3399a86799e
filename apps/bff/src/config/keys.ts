import type { KeyObject } from 'node:crypto';
import {
  certificateInfo,
  loadApiV3Key,
  loadPrivateKey,
  loadPublicKey,
  WechatPayError,
} from '@qianyue/wechatpay';
import { isMchId, isPublicKeyId, normalizeSerial, splitCertificates } from './predicates.ts';
import type { RawEnv } from './schema.ts';
import type { AppConfig, SandboxKeys } from './settings.ts';
import type { Sources } from './sources.ts';

const WHERE_PUBLIC_KEY = '商户平台 → 账户中心 → API安全 → 微信支付公钥';

/** Runs a wechatpay key loader; its failure becomes a problem naming `variable` (loaders never echo values). */
function keyed<T>(s: Sources, variable: string, fix: string, load: () => T): T | undefined {
  try {
    return load();
  } catch (err) {
    const text = err instanceof WechatPayError ? err.message : 'is invalid';
    const message = text.startsWith(variable) ? text.slice(variable.length).trim() : text;
    return s.problems.add(variable, message || 'is invalid', fix);
  }
}

/**
 * A key the BFF cannot run without (`NAME_PATH`, `NAME` or the dev-keys file): loaded, or a problem — "is
 * required" only when reading it has not already been reported.
 */
function requiredKey<T>(
  s: Sources,
  name: string,
  keysPathField: keyof SandboxKeys,
  missingFix: string,
  invalidFix: string,
  load: (text: string, variable: string) => T,
): T | undefined {
  const { value, variable } = s.secret(name, keysPathField);
  if (value !== undefined) return keyed(s, variable, invalidFix, () => load(value, variable));
  if (!s.problems.items.some((p) => p.variable === variable))
    s.problems.add(`${name}_PATH`, `is required (or ${name})`, missingFix);
  return undefined;
}

export type MerchantKeys = Pick<
  AppConfig['wechatpay'],
  | 'mchId'
  | 'merchantSerialNo'
  | 'privateKey'
  | 'apiV3Key'
  | 'verificationKeys'
  | 'platformCertificates'
  | 'preferredSerial'
>;

/** The merchant's identity, its signing key, the APIv3 key and the keys that verify WeChat Pay. */
export function resolveMerchantKeys(s: Sources, raw: RawEnv): Partial<MerchantKeys> {
  const { problems } = s;
  const out: Partial<MerchantKeys> = {};

  const mchId = s.plain('WECHATPAY_MCH_ID', 'mchId');
  if (!mchId) problems.add('WECHATPAY_MCH_ID', 'is required', 'set it to your 商户号');
  else if (!isMchId(mchId.trim()))
    problems.add('WECHATPAY_MCH_ID', 'is not a merchant number (8–12 digits)', 'copy the 商户号 exactly');
  else out.mchId = mchId.trim();

  const serial = s.plain('WECHATPAY_MERCHANT_SERIAL_NO', 'merchantSerialNo');
  if (!serial)
    problems.add(
      'WECHATPAY_MERCHANT_SERIAL_NO',
      'is required',
      'set it to the serial of your merchant API certificate (openssl x509 -noout -serial -in apiclient_cert.pem)',
    );
  else if (!/^[0-9A-Fa-f:\s]{1,128}$/.test(serial.trim()))
    problems.add('WECHATPAY_MERCHANT_SERIAL_NO', 'is not a hexadecimal serial', 'copy the serial exactly');
  else out.merchantSerialNo = normalizeSerial(serial);

  const privateKey = requiredKey(
    s,
    'WECHATPAY_PRIVATE_KEY',
    'merchantPrivateKeyPath',
    'point it at apiclient_key.pem',
    'use apiclient_key.pem (the PRIVATE key)',
    loadPrivateKey,
  );
  if (privateKey) out.privateKey = privateKey;
  const apiV3Key = requiredKey(
    s,
    'WECHATPAY_APIV3_KEY',
    'apiV3KeyPath',
    'the 32-byte APIv3 key',
    'the APIv3 key is exactly 32 ASCII characters',
    loadApiV3Key,
  );
  if (apiV3Key) out.apiV3Key = apiV3Key;

  const verificationKeys: Record<string, KeyObject> = {};
  const pub = s.secret('WECHATPAY_PUBLIC_KEY', 'wechatpayPublicKeyPath');
  const pubPem = pub.value;
  const pubId = s.plain('WECHATPAY_PUBLIC_KEY_ID', 'wechatpayPublicKeyId')?.trim();
  if (pubPem !== undefined) {
    if (!pubId)
      problems.add(
        'WECHATPAY_PUBLIC_KEY_ID',
        'is required with the public key',
        `copy it from ${WHERE_PUBLIC_KEY}`,
      );
    else if (!isPublicKeyId(pubId))
      problems.add(
        'WECHATPAY_PUBLIC_KEY_ID',
        'is not PUB_KEY_ID_ followed by its number',
        `copy it from ${WHERE_PUBLIC_KEY}`,
      );
    const key = keyed(s, pub.variable, `download pub_key.pem from ${WHERE_PUBLIC_KEY}`, () =>
      loadPublicKey(pubPem, pub.variable),
    );
    if (key && pubId && isPublicKeyId(pubId)) {
      verificationKeys[pubId] = key;
      out.preferredSerial = pubId;
    }
  } else if (raw.WECHATPAY_PUBLIC_KEY_ID && !problems.items.some((p) => p.variable === pub.variable)) {
    problems.add(
      'WECHATPAY_PUBLIC_KEY_PATH',
      'is required with WECHATPAY_PUBLIC_KEY_ID (or WECHATPAY_PUBLIC_KEY)',
      `download pub_key.pem from ${WHERE_PUBLIC_KEY}`,
    );
  }

  const certs = s.secret('WECHATPAY_PLATFORM_CERT');
  const platformCertificates: MerchantKeys['platformCertificates'] = [];
  if (certs.value !== undefined) {
    const pems = splitCertificates(certs.value);
    if (pems.length === 0)
      problems.add(certs.variable, 'holds no PEM certificate', 'concatenate the platform certificate PEMs');
    for (const pem of pems) {
      const info = keyed(s, certs.variable, 'use the platform certificate PEM', () => certificateInfo(pem));
      if (!info) continue;
      verificationKeys[info.serialNo] = info.publicKey;
      platformCertificates.push({
        serialNo: info.serialNo,
        publicKey: info.publicKey,
        notAfter: info.notAfter,
      });
    }
  }
  const keyProblem = problems.items.some((p) => /^WECHATPAY_(PUBLIC_KEY|PLATFORM_CERT)/.test(p.variable));
  // Automatic mode downloads the platform certificates at start-up: no key needs to be configured.
  if (Object.keys(verificationKeys).length === 0 && !raw.WECHATPAY_PLATFORM_CERT_AUTO && !keyProblem) {
    problems.add(
      'WECHATPAY_PUBLIC_KEY_PATH',
      'no key verifies WeChat Pay',
      'set WECHATPAY_PUBLIC_KEY_PATH + WECHATPAY_PUBLIC_KEY_ID, WECHATPAY_PLATFORM_CERT_PATH, or WECHATPAY_PLATFORM_CERT_AUTO=true',
    );
  }
  if (
    out.merchantSerialNo &&
    Object.keys(verificationKeys).some((k) => normalizeSerial(k) === normalizeSerial(out.merchantSerialNo!))
  ) {
    // The classic SIGN_ERROR: the merchant serial confused with a platform serial.
    problems.add(
      'WECHATPAY_MERCHANT_SERIAL_NO',
      'names a WeChat Pay verification key, not the merchant certificate',
      'use the serial of apiclient_cert.pem, not of the platform certificate',
    );
  }
  out.verificationKeys = verificationKeys;
  out.platformCertificates = platformCertificates;
  return out;
}
