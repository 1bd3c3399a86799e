import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '../config.ts';
import { ConsoleTokenInvalidError, ConsoleUnauthenticatedError } from './errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The staff member whose own token (ADMIN_STAFF_TOKENS) authenticated this console request. */
    consoleStaff?: string;
  }
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();

/**
 * onRequest hook for /admin/api/*: `Authorization: Bearer <token>`, the shared ADMIN_TOKEN or a staff
 * member's own, compared in constant time against every one of them (no early exit, so the time says
 * neither which token nor how many matched). A staff token names its owner on the request.
 * Refusals are thrown, so the one error handler answers them like every other error.
 */
export function adminAuth(admin: NonNullable<AppConfig['admin']>) {
  const known = [
    ...(admin.token ? [{ name: undefined, hash: sha256(admin.token) }] : []),
    ...admin.staff.map((m) => ({ name: m.name, hash: sha256(m.token) })),
  ];
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const header = req.headers.authorization;
    const m = typeof header === 'string' ? /^Bearer +(\S+) *$/.exec(header) : null;
    if (!m) {
      // The error handler keeps headers already set: the challenge tells a client which scheme to use.
      reply.header('www-authenticate', 'Bearer realm="qianyue-console"');
      throw new ConsoleUnauthenticatedError();
    }
    // Hashing first gives equal lengths, so the comparison time says nothing about the token.
    const presented = sha256(Buffer.from(m[1]!, 'utf8'));
    let match: { name: string | undefined } | undefined;
    for (const k of known) if (timingSafeEqual(presented, k.hash) && !match) match = k;
    if (!match) {
      req.log.warn({ route: req.routeOptions.url }, 'operations console: wrong admin token');
      throw new ConsoleTokenInvalidError();
    }
    if (match.name !== undefined) req.consoleStaff = match.name;
  };
}
