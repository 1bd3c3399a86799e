import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import type { Suite } from '../harness.ts';
import { outboundSuites } from '../outbound.bench.ts';
import { primitiveSuites } from '../primitives.bench.ts';

/*
 * Issue 13: a CPU profile of ONE benchmark variant run alone in a loop (no interleaving, so every sample is
 * that variant's). Usage: tsx src/tools/profile-variant.ts <suite-substring> <variant-substring> [seconds]
 * [out.cpuprofile]; then `tsx src/tools/summarise-profile.ts <out> <ops>`. The profile starts after a warm-up,
 * so JIT compilation and fixture loading stay out of it. 100 µs sampling.
 */
const [suiteName = '', variantName = '', secondsText = '4', out = '/tmp/qianyue-variant.cpuprofile'] =
  process.argv.slice(2);
const seconds = Number(secondsText);

const primitives = primitiveSuites();
const outbound = suiteName.includes('outbound') ? await outboundSuites() : undefined;
const suites: Suite[] = [...primitives, ...(outbound?.suites ?? [])];
const suite = suites.find((s) => s.name.includes(suiteName));
const variant = suite?.variants.find((v) => v.name.includes(variantName));
if (!suite || !variant) throw new Error(`no variant matching "${suiteName}" / "${variantName}"`);

try {
  const batch = suite.batch;
  const warmUntil = Date.now() + 1_000;
  while (Date.now() < warmUntil) await variant.run(batch);

  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  let ops = 0;
  const cpu0 = process.cpuUsage();
  const until = Date.now() + seconds * 1_000;
  while (Date.now() < until) {
    await variant.run(batch);
    ops += batch;
  }
  const cpu = process.cpuUsage(cpu0);
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  writeFileSync(out, JSON.stringify(profile));
  const cpuMs = (cpu.user + cpu.system) / 1_000;
  console.log(
    `${variant.name}: ${ops} ops, ${((cpuMs * 1_000) / ops).toFixed(2)} µs CPU per op (profiler on) → ${out}`,
  );
} finally {
  await outbound?.teardown();
}
