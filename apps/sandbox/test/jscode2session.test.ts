import { afterEach, describe, expect, it } from 'vitest';
import { control, IDS, manualClock, nowSeconds, type Running, startSandbox } from './helpers.ts';

const SECRET = 'TESTONLYappSecret0000000000000000';

describe('GET /sns/jscode2session', () => {
  let sb: Running | undefined;
  afterEach(async () => {
    await sb?.close();
    sb = undefined;
  });

  const exchange = async (s: Running, code: string, over: Record<string, string> = {}) => {
    const q = new URLSearchParams({
      appid: IDS.appId,
      secret: SECRET,
      js_code: code,
      grant_type: 'authorization_code',
      ...over,
    });
    const res = await fetch(`${s.url}/sns/jscode2session?${q}`);
    expect(res.status).toBe(200); // WeChat answers errors with HTTP 200 + errcode
    return (await res.json()) as { openid?: string; session_key?: string; errcode?: number; errmsg?: string };
  };

  it('exchanges a minted code for openid + session_key', async () => {
    sb = await startSandbox();
    const minted = await control(sb.url, 'POST', '/login-code', { openid: 'oLogin1' });
    expect(minted.json.openid).toBe('oLogin1');
    const a = await exchange(sb, minted.json.code);
    expect(a.openid).toBe('oLogin1');
    expect(Buffer.from(a.session_key!, 'base64')).toHaveLength(16);
    expect(a.errcode).toBeUndefined();
  });

  it('mints a random openid when none is given', async () => {
    sb = await startSandbox();
    const minted = await control(sb.url, 'POST', '/login-code', {});
    // 28 characters of [0-9A-Za-z_-], like WeChat's (e.g. oUpF8uMuAJO_M2pxb1Q9zNjWeS6o).
    expect(minted.json.openid).toMatch(/^o[0-9A-Za-z_-]{27}$/);
    expect((await exchange(sb, minted.json.code)).openid).toBe(minted.json.openid);
  });

  it('40029 for an unknown code and for a code used twice', async () => {
    sb = await startSandbox();
    expect((await exchange(sb, 'forged')).errcode).toBe(40029);
    const { code } = (await control(sb.url, 'POST', '/login-code', {})).json;
    expect((await exchange(sb, code)).openid).toBeTruthy();
    expect((await exchange(sb, code)).errcode).toBe(40029);
  });

  it('40029 for a code older than 5 minutes (injected clock)', async () => {
    const clock = manualClock(nowSeconds());
    sb = await startSandbox({}, { clock });
    const { code } = (await control(sb.url, 'POST', '/login-code', {})).json;
    clock.t += 301;
    expect((await exchange(sb, code)).errcode).toBe(40029);
  });

  it('40226 for a high-risk user — from config or flagged when minting', async () => {
    sb = await startSandbox({ miniProgram: { highRiskOpenids: ['oRisky'] } });
    const a = (await control(sb.url, 'POST', '/login-code', { openid: 'oRisky' })).json;
    expect((await exchange(sb, a.code)).errcode).toBe(40226);
    const b = (await control(sb.url, 'POST', '/login-code', { openid: 'oFlagged', highRisk: true })).json;
    expect((await exchange(sb, b.code)).errcode).toBe(40226);
  });

  it('45011 past the per-user minute quota, and by fault injection', async () => {
    sb = await startSandbox({ miniProgram: { rateLimitPerMinute: 2 } });
    const codes = [];
    for (let i = 0; i < 3; i++)
      codes.push((await control(sb.url, 'POST', '/login-code', { openid: 'oBusy' })).json.code);
    expect((await exchange(sb, codes[0])).openid).toBe('oBusy');
    expect((await exchange(sb, codes[1])).openid).toBe('oBusy');
    expect((await exchange(sb, codes[2])).errcode).toBe(45011);
    await control(sb.url, 'PUT', '/faults', { routes: { 'GET /sns/jscode2session': { rateLimitRate: 1 } } });
    const fresh = (await control(sb.url, 'POST', '/login-code', {})).json.code;
    expect((await exchange(sb, fresh)).errcode).toBe(45011);
  });

  it('wrong secret → 40125, wrong appid → 40013, wrong grant_type → 40002', async () => {
    sb = await startSandbox();
    const { code } = (await control(sb.url, 'POST', '/login-code', {})).json;
    expect((await exchange(sb, code, { secret: 'nope' })).errcode).toBe(40125);
    expect((await exchange(sb, code, { appid: 'wx0' })).errcode).toBe(40013);
    expect((await exchange(sb, code, { grant_type: 'x' })).errcode).toBe(40002);
    // None of those consumed the code.
    expect((await exchange(sb, code)).openid).toBeTruthy();
  });
});
