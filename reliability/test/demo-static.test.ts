import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_DIR } from '../src/paths.ts';

/*
 * Issue 12 finding 3: `GET /%` killed scripts/demo.mjs (an uncaught URIError in its hand-written static
 * server, which also supervises the BFF and sandbox), and its path check was a string-prefix match
 * (`/work/h5` also accepted `/work/h5-secrets`). The demo's static server runs here as its own process, as in
 * the demo, and must survive every hostile path and never serve a file outside its folder.
 */
describe('the demo H5 server', () => {
  let scratch: string;
  let child: ChildProcess;
  let url: string;
  let exited: number | null | undefined;
  beforeAll(async () => {
    scratch = mkdtempSync(path.join(tmpdir(), 'qianyue-h5-'));
    const dir = path.join(scratch, 'h5');
    mkdirSync(path.join(dir, 'js'), { recursive: true });
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>h5</title>');
    writeFileSync(path.join(dir, 'js', 'app.js'), 'console.log(1)');
    // Siblings a prefix check would let through.
    mkdirSync(path.join(scratch, 'h5-secrets'));
    writeFileSync(path.join(scratch, 'h5-secrets', 'key.txt'), 'TOP-SECRET-SIBLING');
    writeFileSync(path.join(scratch, 'outside.txt'), 'TOP-SECRET-PARENT');
    child = spawn(process.execPath, [path.join(REPO_DIR, 'scripts/h5-server.mjs'), dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.on('exit', (code) => {
      exited = code;
    });
    url = await new Promise<string>((resolve, reject) => {
      child.stdout!.setEncoding('utf8').once('data', (d: string) => resolve(d.trim()));
      child.once('exit', () => reject(new Error('h5 server did not start')));
    });
  });
  afterAll(() => {
    child?.kill('SIGTERM');
  });

  const get = async (p: string) => {
    const res = await fetch(`${url}${p}`).catch((e: Error) => ({ status: -1, text: async () => e.message }));
    return { status: res.status, text: await res.text() };
  };

  it('serves the build and its config', async () => {
    expect((await get('/')).text).toContain('<title>h5</title>');
    expect((await get('/js/app.js')).status).toBe(200);
    expect((await get('/config.js')).text).toContain('__QIANYUE_CONFIG__');
  });

  it('survives hostile paths and never leaves its folder', async () => {
    const hostile = [
      '/%',
      '/%ZZ',
      '/%E0%A4%A',
      '/%00',
      '/..%2f..%2fetc/passwd',
      '/..%2F..%2F..%2Fetc%2Fpasswd',
      '/%2e%2e/outside.txt',
      '/%2e%2e/h5-secrets/key.txt',
      '/..%5c..%5coutside.txt',
      '/js/%2e%2e/%2e%2e/outside.txt',
      '/js/../../outside.txt',
    ];
    for (const p of hostile) {
      const r = await get(p);
      expect(r.status, p).toBeGreaterThanOrEqual(400);
      expect(r.status, p).toBeLessThan(500);
      expect(r.text, p).not.toMatch(/TOP-SECRET|root:/);
    }
    expect((await get('/')).status).toBe(200);
    expect(exited).toBeUndefined();
  });
});
