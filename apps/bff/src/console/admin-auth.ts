import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ConsoleTokenInvalidError, ConsoleUnauthenticatedError } from './errors.ts';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();

/**
 * onRequest hook for /admin/api/*: `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time.
 * Refusals are thrown, so the one error handler answers them like every other error.
 */
export function adminAuth(token: Buffer) {
  const expected = sha256(token);
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const header = req.headers.authorization;
    const m = typeof header === 'string' ? /^Bearer +(\S+) *$/.exec(header) : null;
    if (!m) {
      // The error handler keeps headers already set: the challenge tells a client which scheme to use.
      reply.header('www-authenticate', 'Bearer realm="qianyue-console"');
      throw new ConsoleUnauthenticatedError();
    }
    // Hashing first gives equal lengths, so the comparison time says nothing about the token.
    if (!timingSafeEqual(sha256(Buffer.from(m[1]!, 'utf8')), expected)) {
      req.log.warn({ route: req.routeOptions.url }, 'operations console: wrong admin token');
      throw new ConsoleTokenInvalidError();
    }
  };
}
