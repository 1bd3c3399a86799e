import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

/** Event-loop delay and CPU of this server process between a reset and a read (one load round). */
export function createProbe() {
  const h: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  let cpu0 = process.cpuUsage();
  let t0 = performance.now();
  return {
    reset: () => {
      h.reset();
      cpu0 = process.cpuUsage();
      t0 = performance.now();
      return {};
    },
    read: () => {
      const c = process.cpuUsage(cpu0);
      return {
        eldP50Ms: h.percentile(50) / 1e6,
        eldP99Ms: h.percentile(99) / 1e6,
        eldMaxMs: h.max / 1e6,
        cpuSeconds: (c.user + c.system) / 1e6,
        wallSeconds: (performance.now() - t0) / 1000,
      };
    },
    memory: () => ({ ...process.memoryUsage() }),
  };
}

/**
 * A CPU profile of this process over one load window only (issue 13): `profileStart`, then `profileStop` with
 * `file` writes a V8 .cpuprofile (`--cpu-prof` would also record start-up and session issuance).
 */
export function createProfiler() {
  // Loaded lazily: only the profiling tool uses it.
  let session: import('node:inspector').Session | undefined;
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session?.post(method, params ?? {}, (err, r) => (err ? reject(err) : resolve(r))),
    );
  return {
    profileStart: async () => {
      const { Session } = await import('node:inspector');
      session = new Session();
      session.connect();
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: 200 });
      await post('Profiler.start');
      return {};
    },
    profileStop: async (m: Record<string, unknown>) => {
      const { writeFileSync } = await import('node:fs');
      const r = (await post('Profiler.stop')) as { profile: unknown };
      writeFileSync(String(m.file), JSON.stringify(r.profile));
      session?.disconnect();
      return {};
    },
  };
}
