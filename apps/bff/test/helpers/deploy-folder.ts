import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * The production artifact as staff get it: `scripts/build-deploy.mjs <dir>` builds and installs the folder, and
 * `node <dir>/server.js` runs it in a process of its own, from the folder, with only the variables given (no
 * inherited NODE_OPTIONS, no tsx, no workspace on the module path).
 */

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Builds the deploy folder into `dir` (production dependencies from the local pnpm store when it has them). */
export function buildDeployFolder(dir: string, flags: string[] = []): void {
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'scripts/build-deploy.mjs'), dir, ...flags], {
    cwd: REPO_ROOT,
    stdio: 'pipe',
  });
}

export interface DeployedProcess {
  proc: ChildProcess;
  /** `http://127.0.0.1:<port>` once the server logged that it listens. */
  url: string;
  output(): string;
  /** SIGTERM, then the exit code (SIGKILL after 15 s). */
  stop(): Promise<number | null>;
}

/**
 * `node <dir>/<script>` with exactly `env` (+ PATH); resolves with the URL once its output matches `listening`
 * (the BFF's "Server listening at …" log line by default).
 */
export async function startDeployed(
  dir: string,
  env: Record<string, string>,
  { script = 'server.js', listening = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/ } = {},
): Promise<DeployedProcess> {
  const proc = spawn(process.execPath, [path.join(dir, script)], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      BFF_HOST: '127.0.0.1',
      BFF_PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const m = listening.exec(out);
      if (m) resolve(m[1] as string);
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    exited.then((code) => reject(new Error(`${script} exited (${code}) before listening:\n${out}`)));
    // Bounded: a start-up that hangs is stopped, not left behind.
    setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${script} did not listen within 90 s:\n${out}`));
    }, 90_000).unref();
  });
  return {
    proc,
    url,
    output: () => out,
    async stop() {
      if (proc.exitCode !== null) return proc.exitCode;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Every file under `dir`, relative, `node_modules` left out unless asked. */
export function listFiles(dir: string, o: { nodeModules?: boolean } = {}): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(dir, rel))) {
      const r = path.join(rel, name);
      if (name === 'node_modules' && !o.nodeModules) continue;
      const st = statSync(path.join(dir, r), { throwIfNoEntry: false });
      if (st?.isDirectory()) walk(r);
      else if (st) out.push(r);
    }
  };
  walk('');
  return out;
}

/** Package names installed in a pnpm node_modules (from its virtual store's `name@version` folders). */
export function installedPackages(dir: string): Set<string> {
  const store = path.join(dir, 'node_modules/.pnpm');
  const names = new Set<string>();
  if (!existsSync(store)) return names;
  for (const entry of readdirSync(store)) {
    if (entry === 'node_modules' || entry.startsWith('lock')) continue;
    // `@scope+name@1.2.3_peer…` → `@scope/name`
    const at = entry.indexOf('@', 1);
    names.add(entry.slice(0, at).replace('+', '/'));
  }
  return names;
}

/** devDependencies declared anywhere in the workspace (that no bundled package also needs at run time). */
export function workspaceDevDependencies(): Set<string> {
  const manifests = ['package.json'];
  for (const group of ['apps', 'packages']) {
    for (const name of readdirSync(path.join(REPO_ROOT, group))) {
      if (existsSync(path.join(REPO_ROOT, group, name, 'package.json')))
        manifests.push(path.join(group, name, 'package.json'));
    }
  }
  const dev = new Set<string>();
  const prod = new Set<string>();
  for (const m of manifests) {
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, m), 'utf8'));
    for (const d of Object.keys(pkg.devDependencies ?? {})) dev.add(d);
    for (const d of Object.keys(pkg.dependencies ?? {})) prod.add(d);
  }
  return new Set([...dev].filter((d) => !prod.has(d)));
}

/** Packages some installed package depends on, per the folder's pnpm-lock.yaml `snapshots:` section. */
export function transitivelyRequired(dir: string): Set<string> {
  const lock = readFileSync(path.join(dir, 'pnpm-lock.yaml'), 'utf8');
  const snapshots = lock.slice(lock.indexOf('\nsnapshots:'));
  const names = new Set<string>();
  for (const m of snapshots.matchAll(/^ {6}'?(@?[^:'@]+(?:\/[^:'@]+)?)'?: \S/gm)) names.add(m[1] as string);
  return names;
}
