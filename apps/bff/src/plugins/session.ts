import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '@qianyue/wechatpay';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { SessionExpiredError, UnauthenticatedError } from '../errors.ts';

declare module 'fastify' {
  interface FastifyInstance {
    sessions: {
      /** Stores openid + session_key (+ the login mini-program) server-side; returns the bearer token. */
      issue(openid: string, sessionKey: string, appId?: string): Promise<{ token: string; expiresAt: Date }>;
      /** preHandler for `auth: true` routes: sets request.openid or throws 401. */
      authenticate(request: FastifyRequest): Promise<void>;
      /**
       * preHandler for a route whose own statement reads the session (presign): checks the token's HMAC and
       * expiry only and sets request.sessionId, or throws 401. request.openid stays unset: the route must not
       * act for anyone before its statement has found the live session.
       */
      authenticateToken(request: FastifyRequest): Promise<void>;
      /** What such a route's statement found: kept in this replica's session cache like a database read. */
      remember(request: FastifyRequest, user: { openid: string; appId: string }): void;
      /** Logout: deletes the authenticated request's session (row and this replica's cache entry). */
      revoke(request: FastifyRequest): Promise<void>;
    };
  }
  interface FastifyRequest {
    /** Set by sessions.authenticate from the server-side session; NEVER from client input. */
    openid: string;
    /** The mini-program the session's openid is under (set with `openid`). */
    appId: string;
    /** The authenticated session's id (set with openid, or alone by authenticateToken). */
    sessionId: string;
    /** The session token's expiry (unix seconds), set with sessionId. */
    sessionExpiresAt: number;
  }
}

const VERSION = 'v1';
const TOKEN_RE = /^v1\.([A-Za-z0-9_-]{43})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

const mac = (secret: Buffer, payload: string) =>
  createHmac('sha256', secret).update(payload).digest('base64url');

/** A bearer token's session id and expiry when its HMAC checks out; else why not (no database read). */
function verifyToken(
  secret: Buffer,
  authorization: string | undefined,
): { id: string; exp: number } | 'missing' | 'malformed' | 'invalid' {
  if (!authorization?.startsWith('Bearer ')) return 'missing';
  const m = TOKEN_RE.exec(authorization.slice(7).trim());
  if (!m) return 'malformed';
  const [, id, exp, sig] = m as unknown as [string, string, string, string];
  const expected = Buffer.from(mac(secret, `${VERSION}.${id}.${exp}`));
  const given = Buffer.from(sig);
  return given.length === expected.length && timingSafeEqual(given, expected)
    ? { id, exp: Number(exp) }
    : 'invalid';
}

/**
 * The session id of a token whose HMAC checks out (no database read): rate limiting keys on it. A forged or
 * malformed token yields undefined, so it cannot buy itself a fresh rate-limit bucket.
 */
export function createTokenSessionId(
  secret: Buffer,
): (authorization: string | undefined) => string | undefined {
  return (authorization) => {
    const t = verifyToken(secret, authorization);
    return typeof t === 'string' ? undefined : t.id;
  };
}

/**
 * Session tokens are `v1.<session id>.<expiry>.<HMAC-SHA256>`: short-lived, signed with SESSION_SECRET, and
 * only a pointer to the `sessions` row that holds openid and session_key. Nothing identifying is in the token.
 */
export default fp(
  async (
    app,
    opts: { secret: Buffer; ttlSeconds: number; cacheSeconds?: number; clock: Clock; defaultAppId: string },
  ) => {
    // A verified session is remembered briefly per process: an authenticated request then costs no database
    // round trip. Bounded, and never past the session's expiry. The price is revocation: a logout on THIS
    // replica drops the entry at once, but another replica that cached the session keeps accepting it for
    // up to CACHE_SECONDS (SESSION_CACHE_SECONDS; 0 = always ask the database, revocation is immediate).
    const CACHE_SECONDS = opts.cacheSeconds ?? 60;
    const CACHE_MAX = 10_000;
    const known = new Map<string, { openid: string; appId: string; until: number }>();
    // Sessions logged out here, until their cache window has passed: a database read that was in flight
    // during the logout must not put the session back into `known` afterwards.
    const revoked = new Map<string, number>();
    const isRevoked = (id: string, now: number) => (revoked.get(id) ?? 0) > now;

    const cache = (id: string, user: { openid: string; appId: string }, exp: number, now: number) => {
      if (CACHE_SECONDS <= 0) return;
      if (known.size >= CACHE_MAX) known.delete(known.keys().next().value as string);
      known.set(id, { ...user, until: Math.min(exp, now + CACHE_SECONDS) });
    };
    /** The token's own checks (HMAC, expiry): no database read. Sets request.sessionId. */
    const checkToken = (request: FastifyRequest) => {
      const t = verifyToken(opts.secret, request.headers.authorization);
      if (t === 'missing') throw new UnauthenticatedError();
      if (t === 'malformed') throw new UnauthenticatedError('The session token is malformed');
      if (t === 'invalid') throw new UnauthenticatedError('The session token is not valid');
      const now = opts.clock.now();
      if (t.exp <= now) throw new SessionExpiredError();
      request.sessionId = t.id;
      request.sessionExpiresAt = t.exp;
      return { ...t, now };
    };

    app.decorateRequest('openid', '');
    app.decorateRequest('appId', '');
    app.decorateRequest('sessionId', '');
    app.decorateRequest('sessionExpiresAt', 0);
    app.decorate('sessions', {
      async issue(openid: string, sessionKey: string, appId = opts.defaultAppId) {
        const now = opts.clock.now();
        const id = randomBytes(32).toString('base64url');
        const exp = now + opts.ttlSeconds;
        await app.sessionsRepository.create({
          id,
          openid,
          appid: appId === opts.defaultAppId ? null : appId,
          sessionKey,
          createdAt: new Date(now * 1000),
          expiresAt: new Date(exp * 1000),
        });
        // The session is known here already: the first authenticated request after login (on this replica)
        // then needs no database read either.
        cache(id, { openid, appId }, exp, now);
        const payload = `${VERSION}.${id}.${exp}`;
        return { token: `${payload}.${mac(opts.secret, payload)}`, expiresAt: new Date(exp * 1000) };
      },
      async authenticate(request: FastifyRequest) {
        const { id, exp, now } = checkToken(request);
        const hit = known.get(id);
        if (hit && hit.until > now) {
          request.openid = hit.openid;
          request.appId = hit.appId;
          return;
        }
        const row = await app.sessionsRepository.findValid(id, new Date(now * 1000));
        if (!row) throw new SessionExpiredError();
        if (isRevoked(id, now)) throw new SessionExpiredError();
        const user = { openid: row.openid, appId: row.appid ?? opts.defaultAppId };
        cache(id, user, exp, now);
        request.openid = user.openid;
        request.appId = user.appId;
      },
      async authenticateToken(request: FastifyRequest) {
        const { id, now } = checkToken(request);
        if (isRevoked(id, now)) throw new SessionExpiredError();
      },
      remember(request: FastifyRequest, user: { openid: string; appId: string }) {
        const now = opts.clock.now();
        if (!isRevoked(request.sessionId, now)) cache(request.sessionId, user, request.sessionExpiresAt, now);
      },
      async revoke(request: FastifyRequest) {
        if (!request.sessionId) throw new UnauthenticatedError();
        if (CACHE_SECONDS > 0) {
          if (revoked.size >= CACHE_MAX) revoked.delete(revoked.keys().next().value as string);
          revoked.set(request.sessionId, opts.clock.now() + CACHE_SECONDS);
        }
        known.delete(request.sessionId);
        await app.sessionsRepository.delete(request.sessionId);
      },
    });
  },
  { name: 'session', dependencies: ['sessions-repository'] },
);
