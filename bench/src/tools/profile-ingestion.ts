import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { ingestionSuites } from '../ingestion.bench.ts';

/*
 * Issue 13: CPU profiles of notification ingestion on PostgreSQL, the BFF's path (parseNotification +
 * contracts.applyNotification) and the ingestion limit, in this process (inspector Profiler, 100 µs sampling),
 * over BENCH_PROFILE_OPS notifications each, new events then duplicate-heavy. Files land in BENCH_PROFILE_DIR
 * (default /tmp/qianyue-ingest-profile); summarise one with `tsx src/tools/summarise-profile.ts <file> <ops>`.
 */
const dir = path.resolve(process.env.BENCH_PROFILE_DIR ?? '/tmp/qianyue-ingest-profile');
const ops = Number(process.env.BENCH_PROFILE_OPS ?? 1_000);
const { suites, teardown } = await ingestionSuites();
const session = new Session();
session.connect();
try {
  for (const suite of suites.filter((s) => s.name.includes('PostgreSQL'))) {
    const kind = suite.name.includes('duplicate') ? 'dup' : 'new';
    for (const v of suite.variants.filter((x) => x.name === suite.baseline || x.name.startsWith('BFF'))) {
      const who = v.name.startsWith('BFF') ? 'bff' : 'limit';
      await v.run(100); // warm-up
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 100 });
      await session.post('Profiler.start');
      const t0 = performance.now();
      await v.run(ops);
      const ms = performance.now() - t0;
      const { profile } = await session.post('Profiler.stop');
      const file = path.join(dir, `${who}-${kind}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      console.log(JSON.stringify({ file, ops, wallMsPerOp: ms / ops }));
    }
  }
} finally {
  session.disconnect();
  await teardown();
}
