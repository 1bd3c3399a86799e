import type { Clock } from './clock.ts';
import type { NotifyConfig } from './config.ts';
import type { FaultEngine } from './faults.ts';
import { aeadSeal, alnum, type PlatformKeys, requestId, rfc3339Cst, signedHeaders } from './platform-keys.ts';

export type DeliveryKind = 'delivery' | 'dropped' | 'duplicate' | 'concurrent-duplicate' | 'probe';

/** One HTTP POST (or a deliberately dropped one) to a merchant's notify URL. */
export interface DeliveryRecord {
  seq: number;
  notificationId: string;
  /** The envelope `id` sent (equal to notificationId unless notify.stableIds is off). */
  envelopeId: string;
  eventType: string;
  contractId: string;
  url: string;
  /** 1-based send number within the retry schedule; duplicates and probes share their attempt's number. */
  attempt: number;
  kind: DeliveryKind;
  startedAt: string;
  durationMs: number;
  status?: number;
  error?: string;
  /** 200/204 answered in time. */
  ok: boolean;
  requestId: string;
}

export type NotificationStatus = 'pending' | 'delivered' | 'gave-up' | 'held';

export interface NotificationRecord {
  id: string;
  eventType: string;
  contractId: string;
  url: string;
  status: NotificationStatus;
  attempts: number;
  createdAt: string;
  /** Decrypted resource (for assertions through the control API). */
  resource: unknown;
}

export interface NotificationInput {
  url: string;
  eventType: string;
  summary: string;
  contractId: string;
  apiV3Key: string;
  associatedData: string;
  originalType: string;
  resource: unknown;
}

export interface Notifier {
  send(n: NotificationInput): NotificationRecord;
  deliveries(): DeliveryRecord[];
  notifications(): NotificationRecord[];
  close(): Promise<void>;
}

interface Pending {
  record: NotificationRecord;
  input: NotificationInput;
  createTime: string;
  /** Serialized once; re-serialized only when ids are not stable across retries. */
  /** Called once when the first send has finished (used to release a notification held for reordering). */
  afterFirstSend?: () => void;
  resourceJson: {
    algorithm: string;
    ciphertext: string;
    nonce: string;
    associated_data: string;
    original_type: string;
  };
}

const newId = () => `EV-${Date.now().toString(36).toUpperCase()}-${alnum(12)}`;

/**
 * Builds the envelope once (encrypted resource, fixed id and create_time), then delivers it with a fresh
 * signature per send, retrying on anything but 200/204 along `intervalsSeconds × timeScale`. Every send is
 * recorded. All timers are tracked and cleared by close().
 */
export function createNotifier(o: {
  config: NotifyConfig;
  clock: Clock;
  platform: PlatformKeys;
  faults: FaultEngine;
  logLimit: number;
  /** Finished (delivered / gave-up) notification records kept; the oldest go first. Pending ones stay. */
  notificationLimit?: number;
}): Notifier {
  const { config, clock, platform, faults } = o;
  const log: DeliveryRecord[] = [];
  const notifications = new Map<string, NotificationRecord>();
  const timers = new Set<{ timer: NodeJS.Timeout; resolve: (v: boolean) => void }>();
  const held = new Map<string, { p: Pending; release: () => void }>();
  const inflight = new Set<Promise<void>>();
  const abort = new AbortController();
  let seq = 0;
  let closed = false;

  const sleep = (ms: number) =>
    new Promise<boolean>((resolve) => {
      if (closed) return resolve(false);
      const entry = {
        timer: setTimeout(() => {
          timers.delete(entry);
          resolve(true);
        }, ms),
        resolve,
      };
      timers.add(entry);
    });

  function envelope(p: Pending, envelopeId: string): string {
    return JSON.stringify({
      id: envelopeId,
      create_time: p.createTime,
      resource_type: 'encrypt-resource',
      event_type: p.input.eventType,
      summary: p.input.summary,
      resource: p.resourceJson,
    });
  }

  async function deliverOnce(
    p: Pending,
    attempt: number,
    kind: DeliveryKind,
    envelopeId: string,
    body: string,
  ): Promise<boolean> {
    const rid = requestId();
    const entry: DeliveryRecord = {
      seq: ++seq,
      notificationId: p.record.id,
      envelopeId,
      eventType: p.input.eventType,
      contractId: p.input.contractId,
      url: p.input.url,
      attempt,
      kind,
      startedAt: new Date().toISOString(),
      durationMs: 0,
      ok: false,
      requestId: rid,
    };
    push(entry);
    if (kind === 'dropped') return false;
    const started = performance.now();
    try {
      const headers = {
        'Content-Type': 'application/json',
        'User-Agent': 'Mozilla/4.0',
        'Request-ID': rid,
        ...signedHeaders(body, platform.forNotification(), clock.now(), { probe: kind === 'probe' }),
      };
      const res = await fetch(p.input.url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(config.timeoutMs), abort.signal]),
      });
      await res.arrayBuffer().catch(() => undefined);
      entry.status = res.status;
      entry.ok = res.status === 200 || res.status === 204;
    } catch (err) {
      entry.error = (err as Error).name === 'TimeoutError' ? 'timeout' : 'connection failed';
    }
    entry.durationMs = Math.round(performance.now() - started);
    return entry.ok;
  }

  function pruneNotifications(): void {
    const limit = o.notificationLimit ?? 10_000;
    if (notifications.size <= limit) return;
    for (const [id, r] of notifications) {
      if (notifications.size <= limit) return;
      if (r.status === 'delivered' || r.status === 'gave-up') notifications.delete(id);
    }
  }

  function push(entry: DeliveryRecord): void {
    log.push(entry);
    if (log.length > o.logLimit) log.splice(0, log.length - o.logLimit);
  }

  async function run(p: Pending): Promise<void> {
    const nf = faults.notify();
    const maxAttempts = config.intervalsSeconds.length + 1;
    p.record.status = 'pending';
    for (let i = 0; i < maxAttempts && !closed; i++) {
      const attempt = i + 1;
      p.record.attempts = attempt;
      const envelopeId = config.stableIds || i === 0 ? p.record.id : newId();
      const body = envelope(p, envelopeId);
      let ok: boolean;
      if (i === 0 && faults.roll(nf.probeRate, 'notify.probe'))
        await deliverOnce(p, attempt, 'probe', envelopeId, body);
      if (i === 0 && faults.roll(nf.dropFirstRate, 'notify.dropFirst')) {
        ok = await deliverOnce(p, attempt, 'dropped', envelopeId, body);
      } else if (i === 0 && faults.roll(nf.concurrentDuplicateRate, 'notify.concurrentDuplicate')) {
        const both = await Promise.all([
          deliverOnce(p, attempt, 'delivery', envelopeId, body),
          deliverOnce(p, attempt, 'concurrent-duplicate', envelopeId, body),
        ]);
        ok = both.some(Boolean);
      } else {
        ok = await deliverOnce(p, attempt, 'delivery', envelopeId, body);
      }
      if (i === 0 && p.afterFirstSend) {
        const release = p.afterFirstSend;
        p.afterFirstSend = undefined;
        release();
      }
      if (ok) {
        p.record.status = 'delivered';
        if (faults.roll(nf.duplicateRate, 'notify.duplicate'))
          await deliverOnce(p, attempt, 'duplicate', envelopeId, body);
        return;
      }
      if (attempt >= maxAttempts) break;
      const gap = (config.intervalsSeconds[i] ?? 0) * config.timeScale * 1000;
      if (!(await sleep(gap))) return;
    }
    if (!closed) p.record.status = 'gave-up';
  }

  function start(p: Pending): Promise<void> {
    const task = run(p).finally(() => inflight.delete(task));
    inflight.add(task);
    return task;
  }

  function dispatch(p: Pending): void {
    const url = p.input.url;
    const waiting = held.get(url);
    if (waiting) {
      // Reorder: the newer notification goes first, the held one right after its first send.
      held.delete(url);
      p.afterFirstSend = waiting.release;
      void start(p);
      return;
    }
    if (faults.roll(faults.notify().reorderRate, 'notify.reorder')) {
      p.record.status = 'held';
      const entry = {
        timer: setTimeout(() => {
          timers.delete(entry);
          if (held.get(url)?.p === p) {
            held.delete(url);
            void start(p);
          }
        }, config.reorderHoldMs),
        resolve: () => undefined,
      };
      timers.add(entry);
      held.set(url, {
        p,
        release: () => {
          clearTimeout(entry.timer);
          timers.delete(entry);
          if (!closed) void start(p);
        },
      });
      return;
    }
    void start(p);
  }

  return {
    send(input) {
      const id = newId();
      const nonce = alnum(12);
      const p: Pending = {
        input,
        createTime: rfc3339Cst(clock.now()),
        record: {
          id,
          eventType: input.eventType,
          contractId: input.contractId,
          url: input.url,
          status: 'pending',
          attempts: 0,
          createdAt: new Date().toISOString(),
          resource: input.resource,
        },
        resourceJson: {
          original_type: input.originalType,
          algorithm: 'AEAD_AES_256_GCM',
          ciphertext: aeadSeal(input.apiV3Key, nonce, input.associatedData, JSON.stringify(input.resource)),
          associated_data: input.associatedData,
          nonce,
        },
      };
      notifications.set(id, p.record);
      pruneNotifications();
      if (!closed) dispatch(p);
      return p.record;
    },
    deliveries: () => log.slice(),
    notifications: () => [...notifications.values()],
    async close() {
      closed = true;
      for (const t of timers) {
        clearTimeout(t.timer);
        t.resolve(false);
      }
      timers.clear();
      held.clear();
      abort.abort();
      await Promise.allSettled([...inflight]);
    },
  };
}
