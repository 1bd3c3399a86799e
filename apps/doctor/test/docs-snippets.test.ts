import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from './helpers.ts';

/*
 * "Code snippets in docs are run by a test": every ```ts block in docs/*.md preceded by `<!-- doctest -->`
 * is written to a file and run with tsx as a child process (cwd = repo root), against a sandbox started the
 * way the docs say (apps/sandbox/src/server.ts with generated dev keys) and a BFF started from its
 * server.ts in sandbox mode. Snippets get SANDBOX_URL, SANDBOX_DATA_DIR, BFF_URL and ADMIN_TOKEN.
 */

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const TSX = path.join(REPO, 'node_modules/.bin/tsx');
const DOCS = path.join(REPO, 'docs');
// Inside the package, so bare imports (@qianyue/wechatpay, wechatpay-axios-plugin) resolve like user code.
const SNIPPET_DIR = path.join(REPO, 'apps/doctor/test/.snippets');

export interface Snippet {
  doc: string;
  line: number;
  code: string;
}

/** Runnable snippets: a ```ts fence directly after a `<!-- doctest -->` line (blank lines allowed). */
export function extractSnippets(markdown: string, doc: string): Snippet[] {
  const lines = markdown.split('\n');
  const out: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '<!-- doctest -->') continue;
    let j = i + 1;
    while (j < lines.length && lines[j]!.trim() === '') j++;
    if (!/^```(ts|typescript)\s*$/.test(lines[j] ?? ''))
      throw new Error(`${doc}:${i + 1}: doctest marker without a ts block`);
    const start = j + 1;
    let end = start;
    while (end < lines.length && lines[end] !== '```') end++;
    out.push({ doc, line: start + 1, code: lines.slice(start, end).join('\n') });
    i = end;
  }
  return out;
}

const snippets = readdirSync(DOCS)
  .filter((f) => f.endsWith('.md'))
  .sort()
  .flatMap((f) => extractSnippets(readFileSync(path.join(DOCS, f), 'utf8'), `docs/${f}`));

/** Starts a server with tsx and waits (bounded tries) until `probeUrl` answers; kills it on failure. */
async function startProcess(
  script: string,
  env: Record<string, string>,
  probeUrl: string,
): Promise<ChildProcess> {
  const child = spawn(TSX, [script], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  for (let i = 0; i < 300 && child.exitCode === null; i++) {
    try {
      if ((await fetch(probeUrl)).ok) return child;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop(child);
  throw new Error(`${script} did not become ready:\n${out}`);
}

function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return Promise.resolve();
  return new Promise((r) => {
    child.on('exit', () => r());
    child.kill('SIGTERM');
  });
}

function runSnippet(s: Snippet, index: number, env: Record<string, string>) {
  mkdirSync(SNIPPET_DIR, { recursive: true });
  const file = path.join(SNIPPET_DIR, `${path.basename(s.doc, '.md')}-${index}-${process.pid}.ts`);
  writeFileSync(file, `${s.code}\n`);
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(TSX, [file], {
      cwd: REPO,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => {
      rmSync(file, { force: true });
      resolve({ code, output });
    });
  });
}

let sandbox: ChildProcess | undefined;
let bff: ChildProcess | undefined;
const dataDir = mkdtempSync(path.join(tmpdir(), 'qianyue-docs-'));
const env: Record<string, string> = {};

beforeAll(async () => {
  const sandboxPort = await closedPort();
  const bffPort = await closedPort();
  const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
  const bffUrl = `http://127.0.0.1:${bffPort}`;
  const adminToken = 'TESTONLY-docs-admin-token-0123456789abcdef';
  sandbox = await startProcess(
    'apps/sandbox/src/server.ts',
    {
      SANDBOX_PORT: String(sandboxPort),
      SANDBOX_DATA_DIR: dataDir,
      SANDBOX_EDU_NOTIFY_URL: `${bffUrl}/v1/notify/edu-papay`,
      SANDBOX_NOTIFY_TIME_SCALE: '0.001',
    },
    `${sandboxUrl}/__sandbox/health`,
  );
  bff = await startProcess(
    'apps/bff/src/server.ts',
    {
      WECHATPAY_MODE: 'sandbox',
      WECHATPAY_SANDBOX_URL: sandboxUrl,
      WECHATPAY_SANDBOX_KEYS_PATH: path.join(dataDir, 'sandbox-merchant.json'),
      BFF_PORT: String(bffPort),
      NOTIFY_BASE_URL: bffUrl,
      DATABASE_URL: 'memory://',
      ADMIN_TOKEN: adminToken,
      LOG_LEVEL: 'warn',
    },
    `${bffUrl}/healthz`,
  ).catch(async (err) => {
    await stop(sandbox);
    throw err;
  });
  Object.assign(env, {
    SANDBOX_URL: sandboxUrl,
    SANDBOX_DATA_DIR: dataDir,
    BFF_URL: bffUrl,
    ADMIN_TOKEN: adminToken,
  });
});

afterAll(async () => {
  await stop(bff);
  await stop(sandbox);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('runnable snippets in docs/', () => {
  it('finds the runnable snippets of sandbox.md and operations.md', () => {
    const docs = new Set(snippets.map((s) => s.doc));
    expect(docs.has('docs/sandbox.md')).toBe(true);
    expect(docs.has('docs/operations.md')).toBe(true);
  });

  it.each(snippets.map((s, i) => [`${s.doc}:${s.line}`, s, i] as const))('%s runs', async (_name, s, i) => {
    const r = await runSnippet(s, i, env);
    expect(r.output).not.toMatch(/Error/);
    expect(r.code, r.output).toBe(0);
  });
});
