import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.ts';
import { h5ReturnUrl, hintFromSearch, isUserCancel, signPageUrl } from '../../src/platform/platform.ts';
import { createPendingSignStore } from '../../src/services/pending-sign.ts';
import { createMemoryStore } from '../../src/services/storage.ts';

describe('platform adapter helpers', () => {
  const ret = h5ReturnUrl({ origin: 'http://127.0.0.1:5000', pathname: '/' }, 'ct_1');

  it('returns to the H5 result route inside the hash', () => {
    expect(ret).toBe('http://127.0.0.1:5000/#/pages/result/index?contractId=ct_1');
  });

  it('opens the sandbox signing page with the edu presign_token from navigate.extraData', () => {
    const url = signPageUrl(
      'http://127.0.0.1:8701/',
      { appId: 'wx7a985467cbd06913', path: 'pages/index/index', extraData: { presign_token: 'tok+/=' } },
      ret,
    );
    const u = new URL(url!);
    expect(u.origin + u.pathname).toBe('http://127.0.0.1:8701/sign');
    expect(u.searchParams.get('presign_token')).toBe('tok+/=');
    expect(u.searchParams.get('return_url')).toBe(ret);
  });

  it('opens it with pre_entrustweb_id for password-exempt, and refuses a target with neither', () => {
    const url = signPageUrl(
      'http://s',
      { appId: 'wxbd687630cd02ce1d', path: 'p', extraData: { pre_entrustweb_id: 'pe1' } },
      ret,
    );
    expect(new URL(url!).searchParams.get('pre_entrustweb_id')).toBe('pe1');
    expect(signPageUrl('http://s', { appId: 'a', path: 'p', extraData: {} }, ret)).toBeUndefined();
  });

  it('reads the signing page sign_result from the return URL as a hint', () => {
    expect(hintFromSearch('?sign_result=SUCCESS')).toBe('success');
    expect(hintFromSearch('?a=1&sign_result=CANCEL')).toBe('fail');
    expect(hintFromSearch('')).toBe('unknown');
  });

  it('recognises the user declining the jump dialog', () => {
    expect(isUserCancel({ errMsg: 'navigateToMiniProgram:fail cancel' })).toBe(true);
    expect(isUserCancel({ errMsg: 'navigateToMiniProgram:fail invalid appid' })).toBe(false);
    expect(isUserCancel(undefined)).toBe(false);
  });

  it('lets a runtime config override build-time URLs and the confirm deadline, ignoring junk', () => {
    const built = {
      bffUrl: 'http://127.0.0.1:8700',
      sandboxUrl: 'http://127.0.0.1:8701',
      pollTimeoutMs: 30_000,
    };
    expect(resolveConfig(built, undefined)).toEqual(built);
    expect(
      resolveConfig(built, {
        bffUrl: 'http://127.0.0.1:9/',
        sandboxUrl: 'javascript:alert(1)',
        pollTimeoutMs: 5,
      }),
    ).toEqual({ bffUrl: 'http://127.0.0.1:9', sandboxUrl: 'http://127.0.0.1:8701', pollTimeoutMs: 30_000 });
    expect(resolveConfig(built, { pollTimeoutMs: 4000 }).pollTimeoutMs).toBe(4000);
  });

  it('remembers the pending signing until its result claims it, and drops an expired one', () => {
    let now = 1000;
    const p = createPendingSignStore(createMemoryStore(), () => now);
    p.save({ contractId: 'c', planKey: 'k', appId: 'wx', expiresAt: 2000 });
    expect(p.peek()?.contractId).toBe('c');
    expect(p.claim('other')).toBe(false);
    expect(p.peek()?.contractId).toBe('c');
    expect(p.claim('c')).toBe(true);
    expect(p.peek()).toBeUndefined();
    expect(p.claim('c')).toBe(false);
    p.save({ contractId: 'c', planKey: 'k', appId: 'wx', expiresAt: 2000 });
    now = 3000;
    expect(p.peek()).toBeUndefined();
  });
});
