import { type Dispatcher, request } from 'undici';
import {
  LoginBlockedError,
  LoginCodeInvalidError,
  LoginRateLimitedError,
  UpstreamRejectedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../errors.ts';

export interface Code2SessionResult {
  openid: string;
  sessionKey: string;
  unionid?: string;
}
/** Connection never established: the request (and the code) never reached WeChat, so one retry is safe. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);
/** Internal marker for "WeChat's side failed without an errcode" (HTTP 5xx or a non-JSON body). */
const HTTP_5XX = -100_000;

export type Code2Session = (code: string) => Promise<Code2SessionResult>;

interface Answer {
  openid?: string;
  session_key?: string;
  unionid?: string;
  errcode?: number;
  errmsg?: string;
}

/**
 * WeChat login exchange (`GET /sns/jscode2session`). The URL carries the AppSecret, so it is never logged and
 * no error message includes it. errcode → typed errors: 40029/40163 → 401 (new wx.login code), 40226 → 403
 * (risk control; never retried), 45011 → 429, -1 → one retry then 503. A timeout → 504 at once: the code may
 * be spent, so it is never sent twice (only a connection that was never made is retried).
 */
export function createCode2Session(o: {
  baseUrl: string;
  appId: string;
  appSecret: string;
  dispatcher?: Dispatcher;
  timeoutMs?: number;
  onUpstreamError?: (code: string) => void;
}): Code2Session {
  const timeout = o.timeoutMs ?? 5_000;
  const once = async (code: string): Promise<Answer> => {
    const url = new URL('/sns/jscode2session', o.baseUrl);
    url.searchParams.set('appid', o.appId);
    url.searchParams.set('secret', o.appSecret);
    url.searchParams.set('js_code', code);
    url.searchParams.set('grant_type', 'authorization_code');
    // A whole-request deadline (undici's own timers are coarse, ~1 s resolution).
    const deadline = AbortSignal.timeout(timeout);
    let res: Awaited<ReturnType<typeof request>>;
    let text: string;
    try {
      res = await request(url, {
        method: 'GET',
        headersTimeout: timeout,
        bodyTimeout: timeout,
        signal: deadline,
        ...(o.dispatcher ? { dispatcher: o.dispatcher } : {}),
      });
      text = await res.body.text();
    } catch (err) {
      if (deadline.aborted) throw Object.assign(new Error('jscode2session timed out'), { code: 'TIMEOUT' });
      throw err;
    }
    // A gateway 5xx or a non-JSON body is not WeChat saying "not processed": it may have spent the code.
    if (res.statusCode >= 500) return { errcode: HTTP_5XX };
    try {
      return JSON.parse(text) as Answer;
    } catch {
      return { errcode: HTTP_5XX };
    }
  };

  return async (code) => {
    // A wx.login code is single-use: once a request may have reached WeChat, asking again with the same code
    // can only answer 40029 (and turn a timeout into a misleading 401). So retry ONLY when WeChat said it did
    // not process the call (errcode -1) or the connection was never made (the request never left).
    for (let attempt = 1; ; attempt++) {
      let answer: Answer;
      try {
        answer = await once(code);
      } catch (err) {
        const name = (err as { code?: string } | undefined)?.code ?? '';
        o.onUpstreamError?.(/TIMEOUT/i.test(name) ? 'TIMEOUT' : 'TRANSPORT');
        if (NOT_SENT.has(name) && attempt < 2) continue;
        if (/TIMEOUT/i.test(name)) throw new UpstreamTimeoutError('WeChat login');
        throw new UpstreamUnavailableError('WeChat login');
      }
      const errcode = answer.errcode ?? 0;
      if (errcode === 0 && answer.openid && answer.session_key) {
        return {
          openid: answer.openid,
          sessionKey: answer.session_key,
          ...(answer.unionid ? { unionid: answer.unionid } : {}),
        };
      }
      o.onUpstreamError?.(errcode === HTTP_5XX ? 'HTTP_5XX' : String(errcode));
      if (errcode === 40029 || errcode === 40163) throw new LoginCodeInvalidError();
      if (errcode === 40226) throw new LoginBlockedError();
      if (errcode === 45011) throw new LoginRateLimitedError();
      if (errcode === -1) {
        if (attempt < 2) continue;
        throw new UpstreamUnavailableError('WeChat login');
      }
      if (errcode === HTTP_5XX) throw new UpstreamUnavailableError('WeChat login');
      throw new UpstreamRejectedError('WeChat login', `errcode ${errcode}`);
    }
  };
}
