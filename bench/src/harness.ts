/**
 * A small interleaving benchmark harness. Variants of one suite run round by round in rotating order,
 * each for a fixed batch of operations, so drift (thermal, GC, other load) hits all of them alike.
 * Every figure is reported as a ratio to the suite's baseline measured in the same rounds.
 *
 * Batches are timed in CPU time of this process (process.cpuUsage, user+system), not wall time: on a
 * shared machine other processes steal wall time from whichever variant happens to be running, while
 * the CPU time a batch itself consumes barely moves. Wall-clock ops/s is reported alongside.
 */

export interface Variant {
  name: string;
  /** Runs `n` operations. May be async (the await costs once per batch, not per operation). */
  run(n: number): void | Promise<void>;
}

export interface Suite {
  name: string;
  /** Name of the variant every other one is compared with (the raw node:crypto ceiling). */
  baseline: string;
  variants: Variant[];
  /** Operations per variant per round. */
  batch: number;
  /**
   * What a batch is timed by. 'cpu' (default): CPU time of this process — right when all the work runs here.
   * 'wall': elapsed time — needed when part of the work runs in another process (a PostgreSQL server).
   */
  timing?: 'cpu' | 'wall';
}

export interface VariantResult {
  name: string;
  /** Operations per CPU-second of this process. */
  opsPerSec: number;
  /** Operations per wall-clock second (inflated by any other load on the machine). */
  wallOpsPerSec: number;
  /** Median over rounds of (variant ops/s ÷ baseline ops/s in the same round). */
  ratio: number;
  /** Spread of the per-round ratio (min–max), to show how much the figure can be trusted. */
  ratioMin: number;
  ratioMax: number;
}

export interface SuiteResult {
  suite: string;
  timing: 'cpu' | 'wall';
  baseline: string;
  rounds: number;
  batch: number;
  results: VariantResult[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

async function timeBatch(v: Variant, n: number): Promise<{ cpu: number; wall: number }> {
  const wall0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  await v.run(n);
  const cpu = process.cpuUsage(cpu0);
  return { cpu: (cpu.user + cpu.system) / 1e6, wall: Number(process.hrtime.bigint() - wall0) / 1e9 };
}

export async function runSuite(
  suite: Suite,
  o: { rounds: number; warmupRounds: number },
): Promise<SuiteResult> {
  const { variants, batch } = suite;
  const timing = suite.timing ?? 'cpu';
  if (!variants.some((v) => v.name === suite.baseline)) throw new Error(`baseline ${suite.baseline} missing`);
  const perRound = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  const total = new Map<string, number>(variants.map((v) => [v.name, 0]));
  const totalWall = new Map<string, number>(variants.map((v) => [v.name, 0]));

  for (let round = 0; round < o.warmupRounds + o.rounds; round++) {
    // Rotate the starting variant each round so no one always runs first (or right after GC).
    for (let i = 0; i < variants.length; i++) {
      const v = variants[(i + round) % variants.length] as Variant;
      const t = await timeBatch(v, batch);
      if (round >= o.warmupRounds) {
        const spent = timing === 'cpu' ? t.cpu : t.wall;
        perRound.get(v.name)?.push(batch / Math.max(spent, 1e-6));
        total.set(v.name, (total.get(v.name) ?? 0) + spent);
        totalWall.set(v.name, (totalWall.get(v.name) ?? 0) + t.wall);
      }
    }
  }

  const base = perRound.get(suite.baseline) as number[];
  const results = variants.map((v) => {
    const ops = perRound.get(v.name) as number[];
    const ratios = ops.map((x, i) => x / (base[i] as number));
    return {
      name: v.name,
      opsPerSec: (batch * o.rounds) / (total.get(v.name) as number),
      wallOpsPerSec: (batch * o.rounds) / (totalWall.get(v.name) as number),
      ratio: median(ratios),
      ratioMin: Math.min(...ratios),
      ratioMax: Math.max(...ratios),
    };
  });
  return { suite: suite.name, timing, baseline: suite.baseline, rounds: o.rounds, batch, results };
}

const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');

/** Median of a list (exported for the load and memory reports). */
export { median };

export function formatTable(r: SuiteResult): string {
  const lines = [
    `### ${r.suite}`,
    '',
    `Baseline: \`${r.baseline}\` · ${r.rounds} interleaved rounds × ${r.batch} ops per variant · timed by ${r.timing === 'cpu' ? 'process CPU time' : 'wall time'}`,
    '',
    `| variant | ${r.timing === 'cpu' ? 'ops per CPU-s' : 'ops/s (wall)'} | ratio vs baseline (median) | per-round min–max | wall ops/s |`,
    '|---|---:|---:|---:|---:|',
  ];
  for (const x of r.results) {
    lines.push(
      `| ${x.name} | ${fmt(x.opsPerSec)} | ${x.ratio.toFixed(3)}× | ${x.ratioMin.toFixed(2)}–${x.ratioMax.toFixed(2)} | ${fmt(x.wallOpsPerSec)} |`,
    );
  }
  return lines.join('\n');
}
