import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTable, runSuite, type Suite, type SuiteResult } from './harness.ts';
import { primitiveSuites } from './primitives.bench.ts';

/*
 * Entry point: `pnpm bench` (root, via turbo) or `pnpm --filter @qianyue/bench bench [filter]`.
 * Short batches and many rounds: the median of per-round ratios then shrugs off bursts of other load.
 * Later benchmarks (client, BFF route, ingestion) add a `<area>.bench.ts` exporting suites and one
 * line in GROUPS below. BENCH_ROUNDS / BENCH_WARMUP tune the run and `QUICK=1` is a smoke run; turbo's
 * strict env mode does not pass them through, so set them with `pnpm --filter @qianyue/bench bench`.
 */

const GROUPS: Array<{ group: string; suites: () => Suite[] | Promise<Suite[]> }> = [
  { group: 'primitives (issue 3)', suites: primitiveSuites },
];

const quick = process.env.QUICK === '1';
const rounds = Number(process.env.BENCH_ROUNDS ?? (quick ? 3 : 60));
const warmupRounds = Number(process.env.BENCH_WARMUP ?? (quick ? 1 : 8));
const filter = process.argv[2];

const out: string[] = [];
for (const g of GROUPS) {
  for (const suite of await g.suites()) {
    if (filter && !suite.name.includes(filter) && !g.group.includes(filter)) continue;
    if (quick) suite.batch = Math.max(10, Math.floor(suite.batch / 10));
    const result: SuiteResult = await runSuite(suite, { rounds, warmupRounds });
    const table = formatTable(result);
    console.log(`${table}\n`);
    out.push(table);
  }
}

if (!quick && !filter) {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const doc = [
    '# Benchmark results',
    '',
    'Not a test: figures depend on the machine. Variants run interleaved round by round (rotating order);',
    'each ratio is the median of per-round ratios against the baseline measured in the same round.',
    'Batches are timed in CPU time of the benchmark process (shared machine: wall time is disturbed by other',
    'load); wall-clock ops/s are shown too.',
    '',
    `- Command: \`pnpm bench\` (= \`turbo run bench\` → \`tsx src/run.ts\` in \`bench/\`), BENCH_ROUNDS=${rounds}, BENCH_WARMUP=${warmupRounds}`,
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${cpu}, ${os.cpus().length} CPUs, Node ${process.version}, ${os.platform()} ${os.arch()}`,
    // Other work on a shared machine widens the per-round spread; the load shows how much there was.
    `- Load average at the end (1/5/15 min): ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' / ')}`,
    '',
    ...out.flatMap((t) => [t, '']),
  ].join('\n');
  const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../RESULTS.md');
  writeFileSync(file, doc);
  console.log(`wrote ${file}`);
}
