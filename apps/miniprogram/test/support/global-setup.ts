import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureBuilt } from './build.ts';
import { ARTIFACTS_DIR, H5_DIR, WEAPP_DIR } from './paths.ts';

/**
 * Builds both bundles once per run (one after the other: the box has 2 cores), skipping a bundle that is
 * newer than every source file. The weapp test scans `dist/`, the browser tests serve `dist-h5/`.
 */
export default async function setup(): Promise<void> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const weapp = await ensureBuilt('weapp', WEAPP_DIR);
  // The app's package.json says "type": "module"; the weapp output is CommonJS for Node's require (simulate).
  writeFileSync(path.join(WEAPP_DIR, 'package.json'), '{ "type": "commonjs" }\n');
  const h5 = await ensureBuilt('h5', H5_DIR);
  for (const b of [weapp, h5]) {
    console.log(
      `[miniprogram] ${b.type} build: ${b.cached ? 'up to date' : `${(b.ms / 1000).toFixed(1)} s`}`,
    );
  }
}
