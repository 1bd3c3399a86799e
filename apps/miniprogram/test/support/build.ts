import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { APP_DIR, BUILD_INFO } from './paths.ts';

const SOURCES = ['src', 'config', 'babel.config.cjs', 'package.json', 'project.config.json'];

function newestMtime(p: string): number {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, name)));
  return newest;
}

export interface BuildInfo {
  type: 'weapp' | 'h5';
  ms: number;
  builtAt: number;
  cached?: boolean;
}

export function readBuildInfo(outDir: string): BuildInfo | undefined {
  const f = path.join(outDir, BUILD_INFO);
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as BuildInfo) : undefined;
}

/** `taro build --type <type>` (NODE_ENV=production) unless `outDir` is newer than every source file. */
export async function ensureBuilt(type: 'weapp' | 'h5', outDir: string): Promise<BuildInfo> {
  const info = readBuildInfo(outDir);
  const newestSource = Math.max(...SOURCES.map((s) => newestMtime(path.join(APP_DIR, s))));
  if (info && info.builtAt > newestSource && process.env.QIANYUE_FORCE_BUILD !== '1')
    return { ...info, cached: true };

  const started = Date.now();
  const bin = path.join(APP_DIR, 'node_modules', '.bin', 'taro');
  const out: string[] = [];
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(bin, ['build', '--type', type], {
      cwd: APP_DIR,
      env: { ...process.env, NODE_ENV: 'production', CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => out.push(d.toString()));
    child.stderr.on('data', (d: Buffer) => out.push(d.toString()));
    child.on('error', reject);
    child.on('close', (c) => resolve(c ?? 1));
  });
  const text = out.join('');
  if (code !== 0 || /Failed to compile|compiled with \d+ errors?|ERROR in/i.test(text)) {
    throw new Error(`taro build --type ${type} failed (exit ${code}):\n${text.slice(-4000)}`);
  }
  const built: BuildInfo = { type, ms: Date.now() - started, builtAt: Date.now() };
  writeFileSync(path.join(outDir, BUILD_INFO), JSON.stringify(built));
  return built;
}
