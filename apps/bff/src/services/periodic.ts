import type { FastifyBaseLogger } from 'fastify';

/**
 * A background job on a timer: unref'd (never keeps the process alive), never overlapping (a tick while the
 * previous run is still going is skipped), errors logged not thrown, and `stop()` clears the timer and waits
 * for a run in progress, so closing the app leaves nothing behind.
 */
export interface PeriodicTask {
  /** Runs the job now (unless a run is in progress: then waits for that one). */
  runNow(): Promise<void>;
  stop(): Promise<void>;
}

export function startPeriodicTask(o: {
  name: string;
  intervalMs: number;
  run: () => Promise<unknown>;
  log: FastifyBaseLogger;
  /** Also run once right after start (next tick of the event loop). Default false. */
  runAtStart?: boolean;
}): PeriodicTask {
  let running: Promise<void> | undefined;
  let stopped = false;
  const runNow = (): Promise<void> => {
    if (running) return running;
    if (stopped) return Promise.resolve();
    running = (async () => {
      try {
        await o.run();
      } catch (err) {
        o.log.warn({ err, task: o.name }, 'background task failed; it runs again at the next interval');
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  const timer = o.intervalMs > 0 ? setInterval(() => void runNow(), o.intervalMs) : undefined;
  timer?.unref();
  if (o.runAtStart) setImmediate(() => void runNow()).unref();
  return {
    runNow,
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
