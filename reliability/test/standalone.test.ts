import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// Built from parts so this file does not match its own search.
const OUTSIDE = ['..', 'shared'].join('/');

describe('the repository stands alone', () => {
  it('no tracked file refers to a folder beside the repository', () => {
    let hits = '';
    try {
      hits = execFileSync('git', ['grep', '-n', '-F', OUTSIDE], {
        cwd: REPO,
        encoding: 'utf8',
      });
    } catch (err) {
      // git grep exits 1 when nothing matches: that is the pass.
      if ((err as { status?: number }).status !== 1) throw err;
    }
    expect(hits).toBe('');
  });

  it('the TEST-ONLY fixtures are in the repository, with their warning', () => {
    for (const rel of [
      'merchant/private-key.pem',
      'platform/cert.pem',
      'platform/pubkey/id.txt',
      'apiv3-key.txt',
    ]) {
      expect(existsSync(path.join(REPO, 'fixtures', rel)), rel).toBe(true);
    }
    for (const dir of ['merchant', 'platform', 'platform/pubkey']) {
      expect(existsSync(path.join(REPO, 'fixtures', dir, 'TEST-ONLY.txt')), dir).toBe(true);
    }
  });

  it('no compiler cache is tracked', () => {
    const tracked = execFileSync('git', ['ls-files', '--', '**/.swc/**'], { cwd: REPO, encoding: 'utf8' });
    expect(tracked).toBe('');
  });
});
