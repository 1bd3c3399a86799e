import { EventEmitter } from 'node:events';
import { type Dispatcher, Pool } from 'undici';
import { buildAuthorization } from './authorization.ts';
import { type EduPapayMethods, operationMethods, type PasswordExemptMethods } from './client-operations.ts';
import { DEFAULT_BASE_URL, HEADER, PACKAGE_VERSION } from './constants.ts';
import {
  AnswerFormatError,
  ApiError,
  ConfigError,
  RequestFormatError,
  TransportError,
  WechatPayError,
} from './errors.ts';
import type { PublicKeyResolver } from './key-resolver.ts';
import { type Clock, type NonceSource, randomNonce, systemClock } from './nonce.ts';
import { getHeader, validateSignedMessage } from './signed-message.ts';
import type { Signer } from './signer.ts';
import { hasFourByteChars } from './utf8.ts';
import type { Verifier } from './verifier.ts';

export type Query = Record<string, string | number | undefined>;

export interface RequestOptions {
  method: string;
  path: string;
  query?: Query;
  body?: unknown;
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface WechatPayClient {
  request<T>(o: RequestOptions): Promise<{ status: number; data: T; requestId?: string }>;
  eduPapay: EduPapayMethods;
  passwordExempt: PasswordExemptMethods;
  /**
   * GET /v3/certificates WITHOUT answer verification — the one named exception (spec §3.3): that answer
   * is signed by a certificate it carries, so only parseCertificatesAnswer can verify it. Non-2xx → ApiError.
   */
  fetchCertificatesAnswer(): Promise<RawAnswer>;
  close(): Promise<void>;
}

export interface WechatPayClientOptions {
  baseUrl?: string;
  signer: Signer;
  verifier: Verifier;
  resolver: PublicKeyResolver;
  clock?: Clock;
  nonce?: NonceSource;
  /** Bring your own undici Agent/Pool/MockAgent (then close() leaves it open: its owner closes it). */
  dispatcher?: Dispatcher;
  /** Whole-request deadline (connect + headers + body). Default 10 000 ms. */
  timeoutMs?: number;
  userAgent?: string;
  maxSkewSeconds?: number;
}

function buildQuery(query: Query | undefined): string {
  if (!query) return '';
  // Encoded once, here, in caller order: these exact bytes are signed and sent (spec §1.1).
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined) parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

function parseErrorBody(body: string): { code?: string; message?: string; detail?: unknown } {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== 'object' || parsed === null) return {};
    const p = parsed as Record<string, unknown>;
    return {
      ...(typeof p.code === 'string' ? { code: p.code } : {}),
      ...(typeof p.message === 'string' ? { message: p.message } : {}),
      ...(p.detail !== undefined ? { detail: p.detail } : {}),
    };
  } catch {
    return {};
  }
}

export function createWechatPayClient(o: WechatPayClientOptions): WechatPayClient {
  const base = new URL(o.baseUrl ?? DEFAULT_BASE_URL);
  if (base.protocol !== 'https:' && base.protocol !== 'http:')
    throw new ConfigError('baseUrl must be http(s)');
  // Signing our own certificate's serial into Wechatpay-Serial is a classic SIGN_ERROR cause; refuse it early.
  if (o.resolver.serials().some((s) => s.toUpperCase() === o.signer.serialNo.toUpperCase())) {
    throw new ConfigError('the merchant certificate serial must not be among the verification keys');
  }
  const origin = base.origin;
  const prefix = base.pathname.replace(/\/+$/, '');
  const clock = o.clock ?? systemClock;
  const nonce = o.nonce ?? randomNonce;
  const timeoutMs = o.timeoutMs ?? 10_000;
  const userAgent = o.userAgent ?? `qianyue/${PACKAGE_VERSION} (node/${process.versions.node})`;
  const ownDispatcher = o.dispatcher === undefined;
  const dispatcher: Dispatcher =
    o.dispatcher ??
    new Pool(origin, {
      connections: 16,
      keepAliveTimeout: 30_000,
      connect: { timeout: timeoutMs },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  const validateOptions = {
    verifier: o.verifier,
    clock,
    ...(o.maxSkewSeconds !== undefined ? { maxSkewSeconds: o.maxSkewSeconds } : {}),
  };

  async function send(r: RequestOptions, requireSerial: boolean): Promise<RawAnswer> {
    const method = r.method.toUpperCase();
    const pathWithQuery = prefix + r.path + buildQuery(r.query);
    // Serialised exactly once: this string is what is signed AND what goes on the wire.
    const body = r.body === undefined ? '' : JSON.stringify(r.body);
    if (hasFourByteChars(body) || hasFourByteChars(pathWithQuery)) {
      throw new RequestFormatError('request contains 4-byte UTF-8 characters, which APIv3 rejects');
    }
    let serial: string | undefined;
    try {
      serial = o.resolver.acceptSerial();
    } catch (err) {
      // Only the certificate bootstrap may go out without a key id: there is none yet.
      if (requireSerial) throw err;
    }
    const auth = buildAuthorization({ signer: o.signer, method, pathWithQuery, body, clock, nonce });
    const headers: Record<string, string> = {
      authorization: auth.authorization,
      accept: 'application/json',
      'user-agent': userAgent,
    };
    if (serial !== undefined) headers[HEADER.serial] = serial;
    if (r.body !== undefined) headers['content-type'] = 'application/json';

    // The whole-call deadline (connect + headers + body: a body dripping in just under bodyTimeout per chunk
    // would otherwise never end). The signal is an EventEmitter, which undici accepts alongside AbortSignal:
    // an AbortController and its listener cost ~7 µs per call, the largest part of the client's own work.
    const deadline = new EventEmitter();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      deadline.emit('abort');
    }, timeoutMs);
    try {
      const res = await dispatcher.request({
        origin,
        path: pathWithQuery,
        method: method as Dispatcher.HttpMethod,
        headers,
        ...(r.body !== undefined ? { body: Buffer.from(body, 'utf8') } : {}),
        signal: deadline,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      // Decoded by Buffer, not body.text(): text() strips a UTF-8 BOM, and the signature covers every byte.
      const raw = Buffer.from(await res.body.arrayBuffer());
      return { status: res.statusCode, headers: res.headers, body: raw.toString('utf8') };
    } catch (err) {
      if (err instanceof WechatPayError) throw err;
      const code = (err as { code?: unknown }).code;
      if (timedOut || (typeof code === 'string' && TIMEOUT_CODES.has(code))) {
        throw new TransportError('WECHATPAY_TRANSPORT_TIMEOUT', `no complete answer within ${timeoutMs} ms`, {
          cause: err,
        });
      }
      throw new TransportError('WECHATPAY_TRANSPORT_FAILED', 'request to WeChat Pay failed', { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Non-2xx: verify when signed (a forged error must not pass as WeChat's word), then ApiError. */
  function throwApiError(answer: RawAnswer): never {
    const signed = getHeader(answer.headers, HEADER.signature) !== undefined;
    if (signed) validateSignedMessage(answer.headers, answer.body, validateOptions);
    const e = parseErrorBody(answer.body);
    throw new ApiError({
      status: answer.status,
      apiCode: e.code,
      apiMessage: e.message,
      detail: e.detail,
      requestId: getHeader(answer.headers, HEADER.requestId) || undefined,
      verified: signed,
    });
  }

  async function request<T>(r: RequestOptions): Promise<{ status: number; data: T; requestId?: string }> {
    const answer = await send(r, true);
    if (answer.status < 200 || answer.status >= 300) throwApiError(answer);
    // 2xx is believed only after its signature checks out; JSON.parse comes strictly after.
    const info = validateSignedMessage(answer.headers, answer.body, validateOptions);
    let data: unknown;
    if (answer.body !== '') {
      try {
        data = JSON.parse(answer.body);
      } catch {
        throw new AnswerFormatError('verified answer body is not JSON', { requestId: info.requestId });
      }
    }
    return info.requestId === undefined
      ? { status: answer.status, data: data as T }
      : { status: answer.status, data: data as T, requestId: info.requestId };
  }

  const call = async <T>(r: RequestOptions): Promise<T> => (await request<T>(r)).data;

  return {
    request,
    ...operationMethods(call, request),
    async fetchCertificatesAnswer() {
      const answer = await send({ method: 'GET', path: '/v3/certificates' }, false);
      if (answer.status < 200 || answer.status >= 300) throwApiError(answer);
      return answer;
    },
    async close() {
      if (ownDispatcher) await dispatcher.close();
    },
  };
}
