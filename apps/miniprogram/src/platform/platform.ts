import type { NavigateTarget } from '@qianyue/api';
import type { ReturnHint } from '../services/contract-view.ts';

/** How the user left for (or did not leave for) the signing page. */
export type SignStart =
  /** weapp: the signing mini-program opened; we learn the result when the user comes back (onShow). */
  | { kind: 'jumped' }
  /** weapp: the user declined WeChat's "open another mini-program" dialog. A normal state, not an error. */
  | { kind: 'cancelled' }
  /** h5: the browser is leaving for the sandbox's signing page, which sends the user back to return_url. */
  | { kind: 'redirected' };

/** Everything that differs between the weapp product and the H5 demo. The rest of the app is shared. */
export interface Platform {
  readonly name: 'weapp' | 'h5';
  /** A one-time login code for POST /v1/auth/login (`wx.login` on weapp). */
  loginCode(): Promise<string>;
  /** Open the signing page for `navigate` (exactly what the BFF returned). Call from the tap handler. */
  startSign(o: { navigate: NavigateTarget; contractId: string }): Promise<SignStart>;
  /** What the signing page said when it sent the user back, if this platform learns it from the URL (H5). */
  returnHint(): ReturnHint;
}

/** The sandbox signing page appends `sign_result=SUCCESS|CANCEL` to return_url (before the hash). */
export function hintFromSearch(search: string): ReturnHint {
  const m = /[?&]sign_result=([A-Z]+)/.exec(search);
  if (m?.[1] === 'SUCCESS') return 'success';
  if (m?.[1] === 'CANCEL' || m?.[1] === 'FAIL') return 'fail';
  return 'unknown';
}

export const RESULT_PAGE = '/pages/result/index';

/** A `fail` from navigateToMiniProgram that only means "the user said no". */
export function isUserCancel(err: unknown): boolean {
  const msg =
    typeof err === 'object' && err !== null && typeof (err as { errMsg?: unknown }).errMsg === 'string'
      ? (err as { errMsg: string }).errMsg
      : err instanceof Error
        ? err.message
        : '';
  return /cancel/i.test(msg);
}

/**
 * The sandbox's simulated signing page for an H5 user: `/sign?presign_token=…` (edu-papay) or
 * `/sign?pre_entrustweb_id=…` (password-exempt), both taken from the BFF's navigate.extraData, plus the
 * route to come back to. Returns undefined when extraData carries neither.
 */
export function signPageUrl(
  sandboxUrl: string,
  navigate: NavigateTarget,
  returnUrl: string,
): string | undefined {
  const extra = navigate.extraData ?? {};
  const pick = (['presign_token', 'pre_entrustweb_id'] as const).find(
    (k) => typeof extra[k] === 'string' && extra[k],
  );
  if (!pick) return undefined;
  const base = sandboxUrl.replace(/\/+$/, '');
  return `${base}/sign?${pick}=${encodeURIComponent(extra[pick]!)}&return_url=${encodeURIComponent(returnUrl)}`;
}

/** The H5 app's own result route (hash router): where the signing page sends the user back to. */
export function h5ReturnUrl(location: { origin: string; pathname: string }, contractId: string): string {
  return `${location.origin}${location.pathname}#${RESULT_PAGE}?contractId=${encodeURIComponent(contractId)}`;
}
