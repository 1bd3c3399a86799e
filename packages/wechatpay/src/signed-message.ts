import { answerMessage } from './canonical.ts';
import { AUTH_SCHEME, HEADER, MAX_CLOCK_SKEW_SECONDS } from './constants.ts';
import {
  ClockSkewError,
  MissingHeaderError,
  UnsupportedSignatureTypeError,
  WechatPayError,
} from './errors.ts';
import { type Clock, systemClock } from './nonce.ts';
import type { Verifier } from './verifier.ts';

export type HeaderBag = Record<string, string | string[] | undefined> | Headers;

type HeaderRecord = Record<string, string | string[] | undefined>;

function single(value: string | string[] | undefined): string | undefined {
  // A repeated Wechatpay-* header is ambiguous; treat it as absent rather than guess which one counts.
  if (Array.isArray(value)) return value.length === 1 ? value[0] : undefined;
  return value;
}

/**
 * Case-insensitive single-value lookup over a Fetch Headers or a Node/Fastify header record; `name` must be
 * lower-case (see HEADER). Node hands over lower-case names, so the direct lookup normally hits; a miss (an
 * absent Request-ID, a record spelled `Wechatpay-Nonce`) scans the keys, and the last key that matches counts.
 */
export function getHeader(headers: HeaderBag, name: string): string | undefined {
  // Duck-typed: undici's own Headers class is not the global one, so instanceof would miss it.
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as HeaderRecord;
  const direct = record[name];
  if (direct !== undefined) return single(direct);
  let found: string | string[] | undefined;
  for (const key in record) {
    // Lower-casing only keys of the right length keeps the miss path cheap (one compare per header).
    if (key.length === name.length && key.toLowerCase() === name) found = record[key];
  }
  return single(found);
}

function required(headers: HeaderBag, name: string, requestId: string | undefined): string {
  const value = getHeader(headers, name);
  if (value === undefined || value === '') throw new MissingHeaderError(name, { requestId });
  return value;
}

export interface SignedMessageInfo {
  serial: string;
  timestamp: number;
  nonce: string;
  requestId?: string;
}

/**
 * The one validator for API answers and notifications (spec §2.3): headers present → signature type →
 * timestamp within ±maxSkewSeconds → RSA verify over "ts\nnonce\nbody\n". The body is the raw text as
 * received; nothing may be parsed before this returns. Every error carries the Request-ID.
 */
export function validateSignedMessage(
  headers: HeaderBag,
  body: string,
  o: { verifier: Verifier; clock?: Clock; maxSkewSeconds?: number },
): SignedMessageInfo {
  const requestId = getHeader(headers, HEADER.requestId) || undefined;
  try {
    const timestampText = required(headers, HEADER.timestamp, requestId);
    const nonce = required(headers, HEADER.nonce, requestId);
    const signature = required(headers, HEADER.signature, requestId);
    const serial = required(headers, HEADER.serial, requestId);
    const type = getHeader(headers, HEADER.signatureType);
    if (type !== undefined && type !== '' && type !== AUTH_SCHEME)
      throw new UnsupportedSignatureTypeError({ requestId });

    const maxSkew = o.maxSkewSeconds ?? MAX_CLOCK_SKEW_SECONDS;
    // Digits only: "1e9", " 12", "0x10" would all parse as numbers but are not what WeChat sends.
    const timestamp = /^\d{1,12}$/.test(timestampText) ? Number(timestampText) : Number.NaN;
    const skew = timestamp - (o.clock ?? systemClock).now();
    if (!(Math.abs(skew) <= maxSkew)) throw new ClockSkewError(skew, maxSkew, { requestId });

    o.verifier.verify(serial, answerMessage(timestampText, nonce, body), signature);
    return requestId === undefined ? { serial, timestamp, nonce } : { serial, timestamp, nonce, requestId };
  } catch (err) {
    // The Verifier does not know the Request-ID; attach it here so every failure is traceable.
    if (err instanceof WechatPayError && err.requestId === undefined && requestId !== undefined) {
      err.requestId = requestId;
    }
    throw err;
  }
}
