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
 * (risk control; never retried), 45011 → 429, -1 or a network failure → one retry, then 503/504.
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
    const res = await request(url, {
      method: 'GET',
      headersTimeout: timeout,
      bodyTimeout: timeout,
      ...(o.dispatcher ? { dispatcher: o.dispatcher } : {}),
    });
    const text = await res.body.text();
    if (res.statusCode >= 500) return { errcode: -1 };
    try {
      return JSON.parse(text) as Answer;
    } catch {
      return { errcode: -1 };
    }
  };

  return async (code) => {
    let lastTransport: unknown;
    for (let attempt = 1; attempt <= 2; attempt++) {
      let answer: Answer;
      try {
        answer = await once(code);
      } catch (err) {
        lastTransport = err;
        o.onUpstreamError?.('TRANSPORT');
        continue;
      }
      lastTransport = undefined;
      const errcode = answer.errcode ?? 0;
      if (errcode === 0 && answer.openid && answer.session_key) {
        return {
          openid: answer.openid,
          sessionKey: answer.session_key,
          ...(answer.unionid ? { unionid: answer.unionid } : {}),
        };
      }
      o.onUpstreamError?.(String(errcode));
      if (errcode === 40029 || errcode === 40163) throw new LoginCodeInvalidError();
      if (errcode === 40226) throw new LoginBlockedError();
      if (errcode === 45011) throw new LoginRateLimitedError();
      if (errcode === -1) continue;
      throw new UpstreamRejectedError('WeChat login', `errcode ${errcode}`);
    }
    const name = (lastTransport as { name?: string; code?: string } | undefined)?.code ?? '';
    if (/TIMEOUT/i.test(name)) throw new UpstreamTimeoutError('WeChat login');
    throw new UpstreamUnavailableError('WeChat login');
  };
}
