import type { CertificateStore, Clock } from '@qianyue/wechatpay';
import type { FastifyBaseLogger } from 'fastify';
import type { Metrics } from '../plugins/metrics.ts';
import { type PeriodicTask, startPeriodicTask } from './periodic.ts';

export type RefreshReason = 'startup' | 'scheduled' | 'unknown_serial';
export type RefreshOutcome = 'updated' | 'unchanged' | 'throttled' | 'failed';

/**
 * Platform-certificate mode with automatic download (spec §2.6, §3.3–3.4). The certificate store's lookups
 * never do I/O; THIS is the only thing that goes to GET /v3/certificates: at start-up, on a timer, and when
 * an answer or a notification named a serial we do not hold — those at most once per `minRefreshSeconds` (so
 * a flood of forged serials costs one download a minute) — and one download at a time (callers share it).
 */
export interface CertificateRefresher {
  refresh(reason: RefreshReason): Promise<RefreshOutcome>;
  /** Fire and forget (notification route): a throttled background refresh; WeChat's retry then verifies. */
  onUnknownSerial(serial: string): void;
  /** Starts the periodic refresh (unref'd timer). */
  start(): void;
  close(): Promise<void>;
}

export function createCertificateRefresher(o: {
  store: CertificateStore;
  download: () => Promise<
    Array<{ serialNo: string; publicKey: import('node:crypto').KeyObject; notAfter: Date }>
  >;
  clock: Clock;
  refreshSeconds: number;
  minRefreshSeconds: number;
  metrics: Metrics;
  log: FastifyBaseLogger;
}): CertificateRefresher {
  let inFlight: Promise<RefreshOutcome> | undefined;
  let lastAttempt = Number.NEGATIVE_INFINITY;
  let periodic: PeriodicTask | undefined;
  const background = new Set<Promise<unknown>>();

  const refresh = (reason: RefreshReason): Promise<RefreshOutcome> => {
    if (inFlight) return inFlight;
    // Only refreshes on demand are throttled (anyone can post a notification naming a random serial); the
    // start-up and daily downloads neither wait for nor restart the window.
    if (reason === 'unknown_serial') {
      const now = o.clock.now();
      if (now - lastAttempt < o.minRefreshSeconds) {
        o.metrics.certificateRefreshes.inc({ reason, outcome: 'throttled' });
        return Promise.resolve('throttled');
      }
      lastAttempt = now;
    }
    inFlight = (async (): Promise<RefreshOutcome> => {
      try {
        const before = new Set(o.store.serials());
        const certs = await o.download();
        o.store.add(certs);
        const added = certs.map((c) => c.serialNo).filter((s) => !before.has(s));
        const outcome = added.length > 0 ? 'updated' : 'unchanged';
        o.metrics.certificateRefreshes.inc({ reason, outcome });
        o.log.info(
          { reason, added, serials: o.store.serials() },
          'WeChat Pay platform certificates refreshed',
        );
        return outcome;
      } catch (err) {
        o.metrics.certificateRefreshes.inc({ reason, outcome: 'failed' });
        o.log.warn(
          { reason, code: (err as { code?: string }).code },
          'WeChat Pay platform certificate download failed',
        );
        if (reason === 'startup') throw err;
        return 'failed';
      } finally {
        inFlight = undefined;
      }
    })();
    return inFlight;
  };

  return {
    refresh,
    onUnknownSerial(serial) {
      o.log.warn(
        { serial: serial.slice(0, 64) },
        'unknown Wechatpay-Serial: refreshing platform certificates',
      );
      const job = refresh('unknown_serial').finally(() => background.delete(job));
      background.add(job);
    },
    start() {
      periodic ??= startPeriodicTask({
        name: 'platform-certificates',
        intervalMs: o.refreshSeconds * 1000,
        run: () => refresh('scheduled'),
        log: o.log,
      });
    },
    async close() {
      await periodic?.stop();
      await Promise.allSettled([...background, ...(inFlight ? [inFlight] : [])]);
    },
  };
}
