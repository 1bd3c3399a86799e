import { ApiError } from '../services/errors.ts';
import type { KeyValueStore } from '../services/storage.ts';
import { h5ReturnUrl, hintFromSearch, type Platform, signPageUrl } from './platform.ts';

const OPENID_KEY = 'qianyue.h5.openid';

/**
 * The H5 demo: a browser has no wx.login and cannot open another mini-program, so the sandbox stands in for
 * WeChat — `POST /__sandbox/login-code` mints a login code, and `/sign` is the simulated signing page, which
 * sends the user back to the result route. Nothing here exists in the weapp build.
 */
export function createH5Platform(o: { sandboxUrl: string; store: KeyValueStore }): Platform {
  return {
    name: 'h5',
    async loginCode() {
      const openid = o.store.get<string>(OPENID_KEY);
      let res: Response;
      try {
        res = await fetch(`${o.sandboxUrl}/__sandbox/login-code`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(openid ? { openid } : {}),
        });
      } catch {
        throw new ApiError('MP_NETWORK_FAILED', { message: 'sandbox login-code unreachable' });
      }
      const data = (await res.json().catch(() => undefined)) as
        | { code?: unknown; openid?: unknown }
        | undefined;
      if (!res.ok || typeof data?.code !== 'string') {
        throw new ApiError('MP_LOGIN_FAILED', { status: res.status, message: 'sandbox login-code refused' });
      }
      // Same demo user after a re-login (token expiry), like one WeChat account.
      if (typeof data.openid === 'string') o.store.set(OPENID_KEY, data.openid);
      return data.code;
    },
    async startSign({ navigate, contractId }) {
      const url = signPageUrl(o.sandboxUrl, navigate, h5ReturnUrl(window.location, contractId));
      if (!url) throw new ApiError('MP_NAVIGATE_FAILED', { message: 'navigate target has no signing token' });
      window.location.assign(url);
      return { kind: 'redirected' };
    },
    returnHint() {
      return hintFromSearch(window.location.search);
    },
  };
}
