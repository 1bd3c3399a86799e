import type { KeyObject } from 'node:crypto';
import { decryptResource } from './aes-gcm.ts';
import type { WechatPayClient } from './client.ts';
import { AEAD_ALGORITHM, HEADER } from './constants.ts';
import { AnswerFormatError, WechatPayError } from './errors.ts';
import { createStaticKeyResolver } from './key-resolver.ts';
import type { Clock } from './nonce.ts';
import { certificateInfo, normalizeSerial } from './secrets.ts';
import { getHeader, type HeaderBag, validateSignedMessage } from './signed-message.ts';
import { createRsaVerifier } from './verifier.ts';

export interface PlatformCertificate {
  serialNo: string;
  publicKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  pem: string;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function sameInstant(rfc3339: unknown, date: Date): boolean {
  return typeof rfc3339 === 'string' && Date.parse(rfc3339) === date.getTime();
}

/**
 * Platform-certificate bootstrap (spec §3.3). The answer is signed by a key we may not hold yet, so
 * this is the one place a body is parsed before verification: each certificate is decrypted with the
 * APIv3 key (which only WeChat and we know — the AEAD tag authenticates it), its own serial and dates
 * are checked against serial_no/effective_time/expire_time, and THEN the whole answer must verify with
 * the certificate named by Wechatpay-Serial. Any failure rejects the whole answer.
 */
export function parseCertificatesAnswer(o: {
  headers: HeaderBag;
  body: string;
  apiV3Key: Buffer;
  clock?: Clock;
}): PlatformCertificate[] {
  const requestId = getHeader(o.headers, HEADER.requestId) || undefined;
  const fail = (message: string): never => {
    throw new AnswerFormatError(message, { requestId });
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(o.body);
  } catch {
    return fail('certificates answer is not JSON');
  }
  if (!isObject(parsed) || !Array.isArray(parsed.data) || parsed.data.length === 0) {
    return fail('certificates answer has no data[]');
  }
  const certs: PlatformCertificate[] = [];
  for (const item of parsed.data as unknown[]) {
    if (!isObject(item) || typeof item.serial_no !== 'string' || !isObject(item.encrypt_certificate)) {
      return fail('certificates answer entry lacks serial_no/encrypt_certificate');
    }
    const enc = item.encrypt_certificate;
    if (
      enc.algorithm !== AEAD_ALGORITHM ||
      typeof enc.nonce !== 'string' ||
      typeof enc.ciphertext !== 'string'
    ) {
      return fail('encrypt_certificate is not AEAD_AES_256_GCM with nonce and ciphertext');
    }
    let pem: string;
    try {
      pem = decryptResource({
        apiV3Key: o.apiV3Key,
        nonce: enc.nonce,
        associatedData: typeof enc.associated_data === 'string' ? enc.associated_data : '',
        ciphertext: enc.ciphertext,
      });
    } catch (err) {
      if (err instanceof WechatPayError) err.requestId = requestId;
      throw err;
    }
    const info = certificateInfo(pem);
    if (info.serialNo !== normalizeSerial(item.serial_no))
      return fail('decrypted certificate serial differs from serial_no');
    if (!sameInstant(item.effective_time, info.notBefore) || !sameInstant(item.expire_time, info.notAfter)) {
      return fail('decrypted certificate validity differs from effective_time/expire_time');
    }
    certs.push(info);
  }
  const resolver = createStaticKeyResolver({
    keys: Object.fromEntries(certs.map((c) => [c.serialNo, c.publicKey])),
  });
  validateSignedMessage(o.headers, o.body, {
    verifier: createRsaVerifier(resolver),
    ...(o.clock ? { clock: o.clock } : {}),
  });
  return certs;
}

/**
 * GET /v3/certificates and parse it. Returns the certificates; merging them into a CertificateStore
 * (keeping the old ones during rotation) is the caller's explicit step.
 */
export async function downloadCertificates(
  client: WechatPayClient,
  o: { apiV3Key: Buffer; clock?: Clock },
): Promise<PlatformCertificate[]> {
  const answer = await client.fetchCertificatesAnswer();
  return parseCertificatesAnswer({
    headers: answer.headers,
    body: answer.body,
    apiV3Key: o.apiV3Key,
    ...(o.clock ? { clock: o.clock } : {}),
  });
}
