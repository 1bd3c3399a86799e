import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../clock.ts';
import type { MerchantConfig } from '../config.ts';
import { ConfigError } from '../errors.ts';
import type { NonceCache } from '../replay.ts';

/*
 * Plays WeChat Pay's gateway check of a merchant request (spec §1, §7.1). The 5-line message is rebuilt
 * INLINE from what was received — method, raw path+query (request.raw.url, never a re-encoded form) and the
 * raw body bytes — rather than with @qianyue/wechatpay's builder, so one bug cannot sit on both sides.
 */

const SCHEME = 'WECHATPAY2-SHA256-RSA2048';
const ATTRS = ['mchid', 'nonce_str', 'signature', 'timestamp', 'serial_no'] as const;
type Attrs = Record<(typeof ATTRS)[number], string>;

export interface MerchantEntry {
  merchant: MerchantConfig;
  keys: Map<string, KeyObject>;
}

export function createMerchantRegistry(merchants: MerchantConfig[]): Map<string, MerchantEntry> {
  const out = new Map<string, MerchantEntry>();
  for (const m of merchants) {
    let key: KeyObject;
    try {
      key = createPublicKey(m.publicKey);
    } catch {
      throw new ConfigError(`merchant ${m.mchId}: publicKey is not a PEM public key or certificate`);
    }
    if (Buffer.byteLength(m.apiV3Key) !== 32)
      throw new ConfigError(`merchant ${m.mchId}: apiV3Key must be 32 bytes`);
    out.set(m.mchId, { merchant: m, keys: new Map([[m.serialNo.toUpperCase(), key]]) });
  }
  return out;
}

/** Parses `WECHATPAY2-SHA256-RSA2048 k="v",…` in any order, tolerating spaces after commas. */
export function parseAuthorizationHeader(header: string): Attrs | string {
  if (!header.startsWith(`${SCHEME} `)) return 'scheme must be WECHATPAY2-SHA256-RSA2048';
  const rest = header.slice(SCHEME.length + 1).trim();
  const re = /\s*([a-z_]+)="([^"]*)"\s*(?:,|$)/gy;
  const found: Record<string, string> = {};
  let consumed = 0;
  while (consumed < rest.length) {
    const m = re.exec(rest);
    if (m === null) break;
    if (m[1]! in found) return `attribute ${m[1]} appears twice`;
    found[m[1]!] = m[2]!;
    consumed = re.lastIndex;
  }
  if (consumed !== rest.length) return 'malformed attribute list';
  for (const a of ATTRS) if (!found[a]) return `attribute ${a} is missing`;
  return found as Attrs;
}

export class SignError extends Error {
  constructor(
    readonly issue: string,
    readonly field: string,
    /** For a signature mismatch: the message the sandbox verified against (WeChat echoes part of it). */
    readonly signMessage?: Buffer,
  ) {
    super(issue);
  }
}

/** How much of the body the 401 echoes: WeChat shows a truncated sign message; its cut is UNCONFIRMED. */
const ECHOED_BODY_CHARS = 32;

export function verifyMerchantRequest(
  request: FastifyRequest,
  rawBody: Buffer,
  registry: Map<string, MerchantEntry>,
  clock: Clock,
  skewSeconds: number,
  nonces?: NonceCache,
): MerchantConfig {
  const header = request.headers.authorization;
  if (!header) throw new SignError('Authorization header is missing', 'authorization');
  const attrs = parseAuthorizationHeader(header);
  if (typeof attrs === 'string') throw new SignError(attrs, 'authorization');
  const entry = registry.get(attrs.mchid);
  if (!entry) throw new SignError('mchid is unknown', 'mchid');
  const key = entry.keys.get(attrs.serial_no.toUpperCase());
  if (!key) throw new SignError('serial_no is not a certificate of this merchant', 'serial_no');
  if (!/^\d{1,10}$/.test(attrs.timestamp)) throw new SignError('timestamp must be unix seconds', 'timestamp');
  if (Math.abs(clock.now() - Number(attrs.timestamp)) > skewSeconds) {
    throw new SignError('timestamp is outside the allowed window', 'timestamp');
  }
  const head = `${request.method}\n${request.raw.url ?? ''}\n${attrs.timestamp}\n${attrs.nonce_str}\n`;
  const message = Buffer.concat([Buffer.from(head, 'utf8'), rawBody, Buffer.from('\n', 'utf8')]);
  const signature = Buffer.from(attrs.signature, 'base64');
  let ok = false;
  try {
    ok = signature.length > 0 && verify('sha256', message, key, signature);
  } catch {
    ok = false;
  }
  if (!ok) throw new SignError('sign not match', 'signature', message);
  // Only a verified request records its nonce (an unsigned one must not be able to burn someone's nonce).
  if (nonces?.seen(attrs.mchid, attrs.nonce_str, Number(attrs.timestamp), clock.now())) {
    throw new SignError('nonce_str was already used within the allowed window', 'nonce_str');
  }
  return entry.merchant;
}

/** WeChat's 401 answer for a request whose signature does not check out. */
export function sendSignError(reply: FastifyReply, request: FastifyRequest, err: SignError): FastifyReply {
  return reply.code(401).send({
    code: 'SIGN_ERROR',
    message: '错误的签名，验签失败',
    detail: {
      field: err.field,
      location: 'authorization',
      issue: err.issue,
      sign_information: {
        method: request.method,
        url: request.raw.url ?? '',
        // Only for a mismatch (GB: the SIGN_ERROR example): the start of what was verified, to diff against
        // the client's own sign message, and the full message's byte length.
        ...(err.signMessage ? truncatedSignMessage(err.signMessage) : {}),
      },
    },
  });
}

function truncatedSignMessage(message: Buffer): {
  truncated_sign_message: string;
  sign_message_length: number;
} {
  const text = message.toString('utf8');
  // The four header lines stay whole; the body is cut after ECHOED_BODY_CHARS characters.
  const lines = text.split('\n');
  const head = lines.slice(0, 4).join('\n');
  const body = lines.slice(4).join('\n').replace(/\n$/, '');
  const cut = [...body].slice(0, ECHOED_BODY_CHARS).join('');
  return { truncated_sign_message: `${head}\n${cut}\n`, sign_message_length: message.length };
}
