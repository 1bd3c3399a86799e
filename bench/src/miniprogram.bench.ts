import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { median } from './harness.ts';

/*
 * Issue 8 row 6: the mini-program against a bare Taro page (bench/taro-bare: one page, one <View>) built the
 * same way — same Taro 4.2.1 toolchain (apps/miniprogram/node_modules, linked), same config pattern, same
 * commands (`taro build --type weapp`; `NODE_ENV=production taro build --type h5`). The mini-program is
 * built from a copy under bench/.build/ so its own dist/ (used by its tests) is left alone.
 * weapp: main-package bytes (everything in dist/: there are no subpackages). H5: first contentful paint and
 * time until the first screen's root element is visible (`#plans-page` / `#bare-page`), headless Chromium,
 * a fresh browser context (cold cache) per load, loads interleaved. The H5 page's plan list needs a BFF;
 * none runs here, so "first screen" is the page shell (the BFF call fails fast on a closed port).
 */

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BENCH = path.resolve(HERE, '..');
const MP = path.resolve(BENCH, '../apps/miniprogram');
const CHROMIUM = process.env.BENCH_CHROMIUM ?? '/usr/bin/chromium';

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}
const bytes = (files: string[]) => files.reduce((a, f) => a + statSync(f).size, 0);
const gzBytes = (files: string[]) =>
  files.filter((f) => /\.(js|wxss|css)$/.test(f)).reduce((a, f) => a + gzipSync(readFileSync(f)).length, 0);

function prepare(name: string, src: string): string {
  const dir = path.join(BENCH, '.build', name);
  rmSync(dir, { recursive: true, force: true });
  for (const f of [
    'src',
    'config',
    'types',
    'babel.config.cjs',
    'project.config.json',
    'package.json',
    'tsconfig.json',
  ]) {
    if (existsSync(path.join(src, f))) cpSync(path.join(src, f), path.join(dir, f), { recursive: true });
  }
  symlinkSync(path.join(MP, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

function build(dir: string): { weappSeconds: number; h5Seconds: number } {
  const taro = path.join(dir, 'node_modules/.bin/taro');
  const run = (type: string, env: Record<string, string>) => {
    const t0 = Date.now();
    execFileSync(taro, ['build', '--type', type], {
      cwd: dir,
      env: { ...process.env, ...env },
      stdio: 'ignore',
    });
    return (Date.now() - t0) / 1000;
  };
  const weappSeconds = run('weapp', {});
  const h5Seconds = run('h5', { NODE_ENV: 'production' });
  return { weappSeconds, h5Seconds };
}

function serve(root: string): Promise<http.Server> {
  const types: Record<string, string> = {
    '.html': 'text/html',
    '.js': 'text/javascript',
    '.css': 'text/css',
  };
  const server = http.createServer((req, res) => {
    const p = path.join(root, decodeURIComponent((req.url ?? '/').split('?')[0] as string));
    const file = p.endsWith('/') ? path.join(p, 'index.html') : p;
    if (!file.startsWith(root) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

export async function miniprogramReport(o: { quick: boolean }): Promise<string> {
  if (!existsSync(path.join(MP, 'node_modules/.bin/taro')))
    return 'Skipped: apps/miniprogram dependencies are not installed.';
  const apps = [
    {
      name: 'bare Taro page (baseline)',
      dir: prepare('taro-bare', path.join(BENCH, 'taro-bare')),
      selector: '#bare-page',
    },
    { name: 'apps/miniprogram', dir: prepare('miniprogram', MP), selector: '#plans-page' },
  ];
  const builds = apps.map((a) => build(a.dir));
  const sizes = apps.map((a) => {
    const files = listFiles(path.join(a.dir, 'dist'));
    const h5 = listFiles(path.join(a.dir, 'dist-h5'));
    return { bytes: bytes(files), gz: gzBytes(files), files: files.length, h5: bytes(h5) };
  });

  // H5 first screen.
  const loads = o.quick ? 2 : 8;
  const timings = apps.map(() => ({ fcp: [] as number[], visible: [] as number[] }));
  let browserNote = '';
  if (existsSync(CHROMIUM)) {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    const servers = await Promise.all(apps.map((a) => serve(path.join(a.dir, 'dist-h5'))));
    try {
      for (let i = 0; i < loads + 1; i++) {
        for (let k = 0; k < apps.length; k++) {
          const j = (k + i) % apps.length;
          const app = apps[j] as (typeof apps)[number];
          const ctx = await browser.newContext();
          const page = await ctx.newPage();
          const port = ((servers[j] as http.Server).address() as { port: number }).port;
          const t0 = Date.now();
          await page.goto(`http://127.0.0.1:${port}/index.html`, { waitUntil: 'commit' });
          await page.waitForSelector(app.selector, { state: 'visible', timeout: 30_000 });
          const visible = Date.now() - t0;
          const fcp = await page.evaluate(async () => {
            for (let n = 0; n < 50; n++) {
              const e = performance.getEntriesByName('first-contentful-paint')[0];
              if (e) return e.startTime;
              await new Promise((r) => setTimeout(r, 20));
            }
            return Number.NaN;
          });
          await ctx.close();
          if (i === 0) continue; // first load of each warms the OS file cache
          timings[j]?.fcp.push(fcp);
          timings[j]?.visible.push(visible);
        }
      }
    } finally {
      await browser.close();
      for (const s of servers) s.close();
    }
  } else browserNote = `Chromium not found at ${CHROMIUM}: the H5 timings are skipped.`;

  const base = sizes[0] as (typeof sizes)[number];
  const kb = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
  const t = (xs: number[]) => (xs.length ? median(xs) : Number.NaN);
  const lines = [
    '### mini-program bundle and H5 first screen',
    '',
    `Ratios are ours ÷ bare (lower is better for both bytes and time). H5: ${loads} interleaved cold loads each (after one warm-up load), medians.`,
    '',
    '| app | weapp main package | ratio | JS+WXSS gzip | files | H5 dist | FCP ms | ratio | first screen visible ms | ratio | build weapp / H5 s |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  apps.forEach((a, i) => {
    const s = sizes[i] as (typeof sizes)[number];
    const tm = timings[i] as (typeof timings)[number];
    const b = timings[0] as (typeof timings)[number];
    lines.push(
      `| ${a.name} (\`${a.selector}\`) | ${kb(s.bytes)} | ${(s.bytes / base.bytes).toFixed(2)}× | ${kb(s.gz)} | ${s.files} | ${kb(s.h5)} | ${t(tm.fcp).toFixed(0)} | ${(t(tm.fcp) / t(b.fcp)).toFixed(2)}× | ${t(tm.visible).toFixed(0)} | ${(t(tm.visible) / t(b.visible)).toFixed(2)}× | ${builds[i]?.weappSeconds.toFixed(0)} / ${builds[i]?.h5Seconds.toFixed(0)} |`,
    );
  });
  if (browserNote) lines.push('', `- ${browserNote}`);
  lines.push(
    '',
    '- WeChat caps a main package at 2 MiB; "first screen visible" is measured from navigation start (page.goto) in the benchmark process.',
  );
  return lines.join('\n');
}
