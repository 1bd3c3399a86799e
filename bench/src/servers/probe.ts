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
