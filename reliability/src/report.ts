import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PARTS_DIR } from './paths.ts';

export type Counts = Record<string, unknown>;

/** Writes one scenario's counts (merged by the global teardown) and prints them for the CI log. */
export function reportPart(scenario: string, counts: Counts): void {
  mkdirSync(PARTS_DIR, { recursive: true });
  writeFileSync(path.join(PARTS_DIR, `${scenario}.json`), `${JSON.stringify(counts, null, 2)}\n`);
  console.log(`[reliability] ${scenario}: ${JSON.stringify(counts)}`);
}
