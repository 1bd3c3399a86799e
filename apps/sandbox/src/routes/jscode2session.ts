import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { MiniProgramApp } from '../config.ts';
import type { SandboxContext } from '../context.ts';
import { badControlRequest } from '../errors.ts';
import { alnum } from '../platform-keys.ts';

/** Every mini-program the sandbox logs users in to: the merchant's own first, then `otherApps`. */
export function miniProgramApps(ctx: SandboxContext): MiniProgramApp[] {
  const mp = ctx.config.miniProgram;
  return [{ appId: mp.appId, appSecret: mp.appSecret }, ...mp.otherApps];
}

/**
 * GET /sns/jscode2session — WeChat's mini-program login exchange (spec §6.1). Errors come back as HTTP 200
 * with `errcode`/`errmsg`, like the real one. Codes are minted by POST /__sandbox/login-code or the /login page,
 * live `codeTtlSeconds` and are single-use.
 */
export function jscode2sessionRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const { state, config, clock, faults } = ctx;
  const mp = config.miniProgram;
  const err = (errcode: number, errmsg: string) => ({ errcode, errmsg: `${errmsg}, rid: ${alnum(8)}` });

  app.get('/sns/jscode2session', async (req) => {
    const q = req.query as Record<string, string | undefined>;
    const f = faults.forRoute('GET', '/sns/jscode2session');
    if (f.latencyMs) await new Promise((r) => setTimeout(r, f.latencyMs));
    if (faults.roll(f.systemErrorRate, 'login.systemError')) return err(-1, 'system error');
    if (faults.roll(f.rateLimitRate, 'login.rateLimit'))
      return err(45011, 'api minute-quota reach limit  mustslower  retry next minute');
    const app = miniProgramApps(ctx).find((a) => a.appId === q.appid);
    if (!app) return err(40013, 'invalid appid');
    if (q.secret !== app.appSecret) return err(40125, 'invalid appsecret');
    if (q.grant_type !== 'authorization_code') return err(40002, 'invalid grant_type');
    if (!q.js_code) return err(41008, 'missing code');
    const now = clock.now();
    const code = state.loginCodes.get(q.js_code);
    if (!code || code.appId !== q.appid || code.expiresAt < now) {
      if (code) state.loginCodes.delete(q.js_code);
      return err(40029, 'invalid code');
    }
    // 100 calls per user per minute (fixed one-minute windows).
    const window = state.loginRate.get(code.openid);
    if (window && now - window[0] < 60) window[1]++;
    else {
      // Re-inserted at the end: the map stays ordered by window start, so pruning can sweep from the front.
      state.loginRate.delete(code.openid);
      state.loginRate.set(code.openid, [now, 1]);
    }
    if ((state.loginRate.get(code.openid)?.[1] ?? 0) > mp.rateLimitPerMinute) {
      return err(45011, 'api minute-quota reach limit  mustslower  retry next minute');
    }
    state.loginCodes.delete(q.js_code); // single use: a second exchange gets 40029
    if (state.highRiskOpenids.has(code.openid)) return err(40226, 'code blocked');
    return { session_key: randomBytes(16).toString('base64'), openid: code.openid };
  });
}

/**
 * Mints a wx.login code in mini-program `appId` (default: the merchant's own). The openid is the user's openid
 * under THAT AppID: `user` names the person (the same user gets another openid in another mini-program);
 * `openid` re-logs in the person behind an openid the sandbox issued (in any of its mini-programs), or adopts
 * an openid the caller chose; neither = a new user.
 */
export function mintLoginCode(
  ctx: SandboxContext,
  o: { openid?: string; user?: string; appId?: string; highRisk?: boolean },
): { code: string; openid: string; user: string; appId: string; expiresAt: number } {
  const appId = o.appId || ctx.config.miniProgram.appId;
  if (!miniProgramApps(ctx).some((a) => a.appId === appId)) {
    throw badControlRequest('appId is not one of the sandbox mini-programs (miniProgram.appId / otherApps)');
  }
  const ids = ctx.state.identities;
  let user: string;
  let openid: string;
  if (o.user !== undefined) {
    user = o.user;
    openid = ids.openidFor(appId, user);
  } else if (o.openid !== undefined) {
    const owner = ids.ownerOf(o.openid) ?? ids.adopt(appId, o.openid);
    user = owner.user;
    openid = ids.translate(o.openid, appId);
  } else {
    user = ids.newUser();
    openid = ids.openidFor(appId, user);
  }
  const code = alnum(32);
  const now = ctx.clock.now();
  const expiresAt = now + ctx.config.miniProgram.codeTtlSeconds;
  ctx.state.addLoginCode({ code, openid, appId, expiresAt }, now);
  if (o.highRisk === true) ctx.state.highRiskOpenids.add(openid);
  if (o.highRisk === false) ctx.state.highRiskOpenids.delete(openid);
  return { code, openid, user, appId, expiresAt };
}
