import type { Clock } from '@qianyue/wechatpay';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { createRejectionsRepository } from '../db/rejections-repository.ts';
import { NotifyRateLimitedError } from '../errors.ts';

declare module 'fastify' {
  interface FastifyInstance {
    notifyGuard: {
      /**
       * A post to a notify route was refused (unverified, stale, undecryptable, not ours): counts it against
       * its source, records it in the aggregated rejections table (best effort) and logs it (throttled).
       * Past the source's limit it THROWS NotifyRateLimitedError instead: the post is answered 429 and
       * neither stored nor logged.
       */
      refused(
        request: FastifyRequest,
        post: { family: string; reason: string; errorCode: string },
      ): Promise<void>;
    };
  }
}

const WINDOW_SECONDS = 60;
/** Sources tracked at once (oldest forgotten first): bounds memory under a many-address flood. */
const MAX_SOURCES = 10_000;
/** Warn lines about refused posts per window, whatever the variety of sources and serials. */
const MAX_LOG_LINES = 20;

/** The client an unverified post is charged to: its address, IPv6 reduced to its /64 (one host's range). */
export function notifySource(ip: string): string {
  if (!ip.includes(':') || ip.startsWith('::ffff:')) return ip.replace(/^::ffff:/, '');
  const [head = ''] = ip.split('::');
  const groups = head.split(':').filter(Boolean);
  const full = ip.includes('::') ? [...groups, '0', '0', '0', '0'] : ip.split(':');
  return `${full.slice(0, 4).join(':')}::/64`;
}

/**
 * Anyone can post to the notify URLs. REFUSED posts are counted per source in a fixed one-minute window; past
 * `maxPerMinute` a source's refused posts are answered 429 {code:'FAIL'} and cost no row and no log line.
 * Every post is still verified (an RSA check, no I/O): a genuine WeChat notification is never limited, even
 * from a source that floods (a proxy without TRUST_PROXY makes everyone one source). WeChat sends a handful
 * of notifications per contract change, so the default (120 refused posts a minute from one address) is far
 * above anything it does even while the BFF lacks a rotated key. Refused posts are stored aggregated, and
 * logged once per (reason, serial or source) per minute within a global line budget.
 */
export default fp(
  async (app, opts: { maxPerMinute: number; clock: Clock }) => {
    const windows = new Map<string, { start: number; refused: number }>();
    const logged = new Map<string, number>();
    let logWindow = { start: 0, lines: 0, suppressed: 0 };
    const rejections = createRejectionsRepository(app.db);

    const windowOf = (source: string, now: number) => {
      let w = windows.get(source);
      if (!w || now - w.start >= WINDOW_SECONDS) {
        windows.delete(source);
        if (windows.size >= MAX_SOURCES) windows.delete(windows.keys().next().value as string);
        w = { start: now, refused: 0 };
        windows.set(source, w);
      }
      return w;
    };

    /** true when a line about `key` may be written now. */
    const mayLog = (request: FastifyRequest, key: string, now: number): boolean => {
      if (now - logWindow.start >= WINDOW_SECONDS) {
        if (logWindow.suppressed > 0)
          request.log.warn(
            { suppressed: logWindow.suppressed },
            'notification rejection log lines suppressed',
          );
        logWindow = { start: now, lines: 0, suppressed: 0 };
        logged.clear();
      }
      const last = logged.get(key);
      if (last !== undefined && now - last < WINDOW_SECONDS) return false;
      if (logWindow.lines >= MAX_LOG_LINES) {
        logWindow.suppressed += 1;
        return false;
      }
      logWindow.lines += 1;
      logged.set(key, now);
      return true;
    };

    app.decorate('notifyGuard', {
      async refused(request, post) {
        const now = opts.clock.now();
        const source = notifySource(request.ip);
        const w = windowOf(source, now);
        if (w.refused >= opts.maxPerMinute) {
          app.metrics.notifications.inc({ outcome: 'rejected_rate_limited' });
          if (mayLog(request, `limited|${source}`, now))
            request.log.warn({ source }, 'notify route: too many refused posts from this source');
          throw new NotifyRateLimitedError();
        }
        w.refused += 1;
        const header = (name: string) => {
          const v = request.headers[name];
          return typeof v === 'string' ? v.slice(0, 128) : null;
        };
        const serial = header('wechatpay-serial');
        // An unknown serial is logged once per serial (rotation diagnosis); everything else once per source.
        const key =
          post.reason === 'rejected_unknown_serial'
            ? `${post.reason}|${serial}`
            : `${post.reason}|${post.errorCode}|${source}`;
        if (mayLog(request, key, now)) {
          request.log.warn(
            { code: post.errorCode, reason: post.reason, source, serial, route: request.routeOptions.url },
            'notification rejected',
          );
        }
        await rejections
          .record({
            received_at: new Date(now * 1000),
            family: post.family,
            reason: post.reason,
            error_code: post.errorCode.slice(0, 64),
            serial,
            request_id: header('request-id'),
            source,
          })
          .catch(() => {});
      },
    });
  },
  { name: 'notify-guard', dependencies: ['metrics'] },
);
