import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { billingReport } from './billing.bench.ts';
import { formatTable, runSuite, type Suite, type SuiteResult } from './harness.ts';
import { ingestionSuites } from './ingestion.bench.ts';
import { memoryReport } from './memory.bench.ts';
import { miniprogramReport } from './miniprogram.bench.ts';
import { outboundSuites } from './outbound.bench.ts';
import { presignLoadReport } from './presign-load.bench.ts';
import { primitiveSuites } from './primitives.bench.ts';
import { rsaPoolReport } from './rsa-pool.bench.ts';
import { startupReport } from './startup.bench.ts';

/*
 * Entry point: `pnpm bench` (root, via turbo) or `pnpm --filter @qianyue/bench bench [filter]`.
 * Short batches and many rounds: the median of per-round ratios then shrugs off bursts of other load.
 * Later benchmarks (client, BFF route, ingestion) add a `<area>.bench.ts` exporting suites and one
 * line in GROUPS below. BENCH_ROUNDS / BENCH_WARMUP tune the run and `QUICK=1` is a smoke run; turbo's
 * strict env mode does not pass them through, so set them with `pnpm --filter @qianyue/bench bench`.
 */

/** Suites for the interleaving harness, optionally with a teardown (child servers, databases). */
type SuiteSet = Suite[] | { suites: Suite[]; teardown: () => Promise<void> };
/** A group either yields harness suites or writes its own markdown (load tests, memory, bundle sizes). */
type Group =
  | { group: string; suites: () => SuiteSet | Promise<SuiteSet>; rounds?: number }
  | { group: string; report: (o: { quick: boolean }) => Promise<string> };

const GROUPS: Group[] = [
  { group: 'primitives (issue 3; issue 8 row 1)', suites: primitiveSuites },
  { group: 'outbound call (issue 8 row 2)', suites: outboundSuites, rounds: 60 },
  { group: 'outbound call, RSA signing on the libuv pool? (issue 13)', report: rsaPoolReport },
  { group: 'BFF presign under load (issue 8 row 3)', report: presignLoadReport },
  { group: 'notification ingestion (issue 8 row 4)', suites: ingestionSuites, rounds: 12 },
  { group: 'BFF memory (issue 8 row 5)', report: memoryReport },
  { group: 'mini-program size and first screen (issue 8 row 6)', report: miniprogramReport },
  { group: 'BFF start-up, compiled vs tsx (issue 15)', report: startupReport },
  { group: 'edu-papay billing scheduler and scale (issue 16)', report: billingReport },
];

const quick = process.env.QUICK === '1';
const rounds = Number(process.env.BENCH_ROUNDS ?? (quick ? 3 : 60));
const warmupRounds = Number(process.env.BENCH_WARMUP ?? (quick ? 1 : 8));
const filter = process.argv[2];

const out: string[] = [];
const started = Date.now();
for (const g of GROUPS) {
  if (filter && !g.group.includes(filter)) continue;
  const t0 = Date.now();
  console.log(`## ${g.group}\n`);
  out.push(`## ${g.group}`);
  if ('report' in g) {
    const md = await g.report({ quick });
    console.log(`${md}\n`);
    out.push(md);
  } else {
    const set = await g.suites();
    const suites = Array.isArray(set) ? set : set.suites;
    try {
      for (const suite of suites) {
        if (quick) suite.batch = Math.max(10, Math.floor(suite.batch / 10));
        // Groups whose operations are slow (network, database) run fewer, longer rounds.
        const r = process.env.BENCH_ROUNDS || quick ? rounds : (g.rounds ?? rounds);
        const result: SuiteResult = await runSuite(suite, {
          rounds: r,
          warmupRounds: Math.min(warmupRounds, r),
        });
        const table = formatTable(result);
        console.log(`${table}\n`);
        out.push(table);
      }
    } finally {
      if (!Array.isArray(set)) await set.teardown();
    }
  }
  console.error(`[bench] ${g.group}: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
const elapsed = (Date.now() - started) / 1000;

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
    `- Date: ${new Date().toISOString()} · whole run ${elapsed.toFixed(0)} s`,
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
