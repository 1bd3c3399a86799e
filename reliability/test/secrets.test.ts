import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_DIR } from '../src/paths.ts';
import { reportPart } from '../src/report.ts';
import { findSecrets, fixtureSecrets } from '../src/secrets.ts';

/*
 * Secrets in the built mini-program. (The logs and answers of every scenario are checked by that scenario's
 * own last test, on everything it captured: BFF + sandbox pino output, every BFF answer's status, headers and
 * body.) The bundles are built by the mini-program's own test setup; they are not rebuilt here.
 */
const APP = path.join(REPO_DIR, 'apps/miniprogram');
const BUNDLES = ['dist', 'dist-h5'].map((d) => path.join(APP, d));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

describe('the built mini-program holds no secret', () => {
  it('dist (weapp) and dist-h5 contain no private key, APIv3 key, app secret or session secret', async () => {
    const missing = BUNDLES.filter((d) => !existsSync(d));
    if (missing.length > 0) {
      if (!process.env.CI) {
        console.warn(
          `\n!!! mini-program bundle(s) not built (${missing.map((m) => path.basename(m)).join(', ')}): building them once. !!!\n`,
        );
      }
      const { ensureBuilt } = await import('../../apps/miniprogram/test/support/build.ts');
      for (const d of missing) await ensureBuilt(d.endsWith('-h5') ? 'h5' : 'weapp', d);
    }
    const secrets = fixtureSecrets();
    const leaks: string[] = [];
    let scanned = 0;
    let bytes = 0;
    for (const dir of BUNDLES) {
      for (const f of files(dir)) {
        const text = readFileSync(f).toString('latin1');
        scanned++;
        bytes += text.length;
        for (const name of findSecrets(text, secrets)) leaks.push(`${path.relative(APP, f)}: ${name}`);
      }
    }
    reportPart('miniprogram-secrets', {
      filesScanned: scanned,
      bytesScanned: bytes,
      secretsChecked: secrets.length,
      secretLeaks: leaks.length,
    });
    expect(scanned).toBeGreaterThan(5);
    expect(leaks).toEqual([]);
  }, 240_000);
});
