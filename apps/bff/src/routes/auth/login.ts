import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorReplies, LoginBody, LoginReply, routes } from '@qianyue/api';

/**
 * POST /v1/auth/login: wx.login code → jscode2session of the mini-program that called wx.login → server-side
 * session. The client never names an openid.
 */
const login: FastifyPluginAsyncTypebox<{ maxPerMinute: number; defaultAppId: string }> = async (
  app,
  opts,
) => {
  app.post(
    routes.login.url,
    {
      // Per client IP whatever the request carries: each login costs a jscode2session call on the merchant's
      // appid, whose own frequency limit (45011) must not be spent by one client.
      config: {
        rateLimit: { max: opts.maxPerMinute, timeWindow: 60_000, keyGenerator: (req) => `login:${req.ip}` },
      },
      schema: { tags: ['auth'], body: LoginBody, response: { 200: LoginReply, ...errorReplies } },
    },
    async (request) => {
      const appId = request.body.appId ?? opts.defaultAppId;
      const { openid, sessionKey } = await app.code2session(request.body.code, appId);
      const session = await app.sessions.issue(openid, sessionKey, appId);
      return { token: session.token, expiresAt: session.expiresAt.toISOString() };
    },
  );
};
export default login;
