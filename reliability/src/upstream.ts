import type { HeaderBag, Verifier } from '@qianyue/wechatpay';
import { systemClock, validateSignedMessage } from '@qianyue/wechatpay';
import type { FastifyInstance } from 'fastify';
import { type Dispatcher, Pool } from 'undici';

/** How a WeChat call looked from the BFF's side. Everything but `ok` is a retryable failure. */
export type UpstreamClass = 'ok' | 'status' | 'timeout' | 'badSignature' | 'unknownSerial' | 'probe';

export interface UpstreamCall {
  /** `METHOD /path` (query stripped). */
  op: string;
  /** The user (openid) the call is about, when the request names one directly or through its contract. */
  openid?: string;
  status: number;
  t0: number;
  t1: number;
  cls: UpstreamClass;
}

type Handler = Dispatcher.DispatchHandler;

/**
 * The BFF's outbound dispatcher (the same 16-connection keep-alive pool its WeChat Pay client makes for
 * itself), with an interceptor that records every call as the BFF experienced it: who it was about, the
 * status, whether the answer verifies (checked with the BFF's own verifier) or never came (timeout, reset).
 * That record decides whether a 5xx a user saw was excusable.
 */
export function createRecordingDispatcher(
  origin: string,
  o: {
    verifier: () => Verifier;
    sandbox: FastifyInstance;
    calls: UpstreamCall[];
    /** Receives every session_key and openid jscode2session hands out (for the log audit). */
    produced?: { add(kind: string, value: string): void };
  },
): Dispatcher {
  const openidByCode = new Map<string, string>();
  const pool = new Pool(origin, { connections: 16, keepAliveTimeout: 30_000 });
  const attribute = (path: string, body: unknown): string | undefined => {
    let json: Record<string, unknown> = {};
    if (body) {
      try {
        json = JSON.parse(Buffer.isBuffer(body) ? body.toString('utf8') : String(body));
      } catch {}
    }
    if (typeof json.openid === 'string') {
      if (typeof json.out_contract_code === 'string') openidByCode.set(json.out_contract_code, json.openid);
      return json.openid;
    }
    const p = decodeURIComponent(path.split('?')[0] ?? '');
    const user = /\/edu-papay\/user\/([^/]+)\/contracts/.exec(p)?.[1];
    if (user) return user;
    const code = /\/out-contract-code\/([^/]+)/.exec(p)?.[1];
    if (code) return openidByCode.get(code);
    const contract = /\/edu-papay\/contracts\/([^/]+)$/.exec(p)?.[1];
    return contract ? o.sandbox.sandbox.state.contracts.get(contract)?.openid : undefined;
  };
  /** jscode2session answers: remember what they hand out, change nothing. */
  const capture = (dispatch: Dispatcher['dispatch'], opts: Dispatcher.DispatchOptions, handler: Handler) => {
    const chunks: Buffer[] = [];
    return dispatch(opts, {
      onRequestStart: (c, ctx) => handler.onRequestStart?.(c, ctx),
      onRequestUpgrade: (c, s, h, socket) => handler.onRequestUpgrade?.(c, s, h, socket),
      onResponseStart: (c, s, h, m) => handler.onResponseStart?.(c, s, h, m),
      onResponseData: (c, chunk) => {
        chunks.push(chunk);
        return handler.onResponseData?.(c, chunk);
      },
      onResponseEnd: (c, trailers) => {
        try {
          const json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
          for (const k of ['session_key', 'openid', 'unionid'])
            if (typeof json[k] === 'string' && json[k]) o.produced?.add(k, json[k] as string);
        } catch {}
        return handler.onResponseEnd?.(c, trailers);
      },
      onResponseError: (c, err) => handler.onResponseError?.(c, err),
    });
  };
  const recorder: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (opts, handler: Handler) => {
    if (opts.path.startsWith('/sns/jscode2session')) return capture(dispatch, opts, handler);
    if (!opts.path.startsWith('/v3/')) return dispatch(opts, handler);
    const t0 = performance.now();
    const openid = attribute(opts.path, opts.body);
    const chunks: Buffer[] = [];
    let status = 0;
    let headers: Record<string, string | string[] | undefined> = {};
    const finish = (cls: UpstreamClass | undefined) => {
      let c = cls;
      if (!c) {
        c = 'ok';
        if (status === 429 || status >= 500) c = 'status';
        else {
          try {
            validateSignedMessage(headers as HeaderBag, Buffer.concat(chunks).toString('utf8'), {
              verifier: o.verifier(),
              clock: systemClock,
            });
          } catch (err) {
            const code = (err as { code?: string }).code;
            c =
              code === 'WECHATPAY_SERIAL_UNKNOWN'
                ? 'unknownSerial'
                : code === 'WECHATPAY_SIGNATURE_PROBE'
                  ? 'probe'
                  : 'badSignature';
          }
        }
      }
      o.calls.push({
        op: `${opts.method} ${opts.path.split('?')[0]}`,
        ...(openid ? { openid } : {}),
        status,
        t0,
        t1: performance.now(),
        cls: c,
      });
    };
    return dispatch(opts, {
      onRequestStart: (c, ctx) => handler.onRequestStart?.(c, ctx),
      onRequestUpgrade: (c, s, h, socket) => handler.onRequestUpgrade?.(c, s, h, socket),
      onResponseStart: (c, s, h, m) => {
        status = s;
        headers = h;
        return handler.onResponseStart?.(c, s, h, m);
      },
      onResponseData: (c, chunk) => {
        chunks.push(chunk);
        return handler.onResponseData?.(c, chunk);
      },
      onResponseEnd: (c, trailers) => {
        finish(undefined);
        return handler.onResponseEnd?.(c, trailers);
      },
      onResponseError: (c, err) => {
        finish('timeout');
        return handler.onResponseError?.(c, err);
      },
    });
  };
  return pool.compose(recorder);
}
