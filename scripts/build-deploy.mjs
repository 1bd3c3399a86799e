#!/usr/bin/env node
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle } from './deploy/bundle.mjs';
import { parseLockfile, productionDependencies, pruneLockfile } from './deploy/lockfile.mjs';
import { copyStaticFiles, folderSize, writeLaunchers, writeManifest } from './deploy/manifest.mjs';

/*
 * One command from a checkout to a folder staff can copy to a server and start with `node server.js`:
 *
 *   npx -y pnpm@9.15.9 run build:deploy <dir> [--no-install] [--sandbox]
 *
 * <dir> gets the compiled BFF (server.js) and doctor (doctor.js) with source maps, a package.json and
 * pnpm-lock.yaml holding the production dependencies only, at the monorepo lockfile's versions, a Dockerfile
 * with its healthcheck.js, and (unless --no-install) the node_modules, installed from the local pnpm store when
 * it has them. docs/deploy.md.
 *
 * --sandbox builds the WeChat Pay sandbox instead (sandbox.js), into a folder of its own: a fake WeChat Pay
 * has no place in the folder that goes to production.
 *
 * Not `pnpm deploy --prod`: it copies the package as it is (src/, test/, a tsx start script) and installs the
 * @qianyue/* workspace packages, TypeScript sources and tests included, into node_modules, because they are
 * dependencies of the BFF. Here they are bundled instead, and only third-party packages are installed.
 */

const USAGE = 'usage: build-deploy <dir> [--no-install] [--sandbox]';
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** What each kind of folder holds: launcher name → entry; the first one is `npm start`. */
const APPS = {
  bff: {
    name: 'qianyue-bff-deploy',
    description: 'Compiled Qianyue BFF and doctor',
    entries: { server: 'apps/bff/src/server.ts', doctor: 'apps/doctor/src/cli.ts' },
    manifestOf: 'apps/bff/package.json',
    container: true,
  },
  sandbox: {
    name: 'qianyue-sandbox-deploy',
    description: 'Compiled Qianyue WeChat Pay sandbox (development and staging only)',
    entries: { sandbox: 'apps/sandbox/src/server.ts' },
    manifestOf: 'apps/sandbox/package.json',
    container: false,
  },
};
const MARKER = '.qianyue-deploy';

function parseArgs(argv) {
  const dirs = argv.filter((a) => !a.startsWith('--'));
  const flags = argv.filter((a) => a.startsWith('--'));
  const unknown = flags.filter((f) => f !== '--no-install' && f !== '--sandbox');
  if (dirs.length !== 1 || unknown.length > 0) throw new Error(USAGE);
  // `pnpm run` starts scripts in the repository root; a relative <dir> means the caller's directory.
  const base = process.env.INIT_CWD ?? process.cwd();
  return {
    dir: path.resolve(base, dirs[0]),
    install: !flags.includes('--no-install'),
    app: APPS[flags.includes('--sandbox') ? 'sandbox' : 'bff'],
  };
}

/** Only an empty folder or an earlier deploy folder is (re)written: never somebody's files. */
function prepare(dir) {
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    if (!existsSync(path.join(dir, MARKER))) {
      throw new Error(`${dir} is not empty and is not a deploy folder; choose an empty or new folder`);
    }
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, MARKER), 'made by scripts/build-deploy.mjs; rebuilt in place\n');
}

/** pnpm as it was invoked for `pnpm run build:deploy`, else the pinned version through npx. */
function pnpm(args, cwd) {
  const viaPnpm = process.env.npm_execpath?.includes('pnpm');
  const [cmd, pre] = viaPnpm
    ? [process.execPath, [process.env.npm_execpath]]
    : ['npx', ['-y', 'pnpm@9.15.9']];
  execFileSync(cmd, [...pre, ...args], { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
}

async function main() {
  const { dir, install, app } = parseArgs(process.argv.slice(2));
  prepare(dir);
  const started = performance.now();
  const entries = Object.fromEntries(
    Object.entries(app.entries).map(([name, file]) => [name, path.join(REPO_ROOT, file)]),
  );
  const built = await bundle({ repoRoot: REPO_ROOT, entries, outdir: path.join(dir, 'lib') });
  writeLaunchers(dir, Object.keys(entries));
  if (app.container) copyStaticFiles(dir);

  const lock = parseLockfile(readFileSync(path.join(REPO_ROOT, 'pnpm-lock.yaml'), 'utf8'));
  const deps = productionDependencies(lock, [...built.workspaceDirs].sort());
  const undeclared = [...built.imported].filter((name) => !deps.has(name));
  if (undeclared.length > 0) {
    throw new Error(
      `imported at run time but not a production dependency of ${[...built.workspaceDirs].join(', ')}: ${undeclared.join(', ')}`,
    );
  }
  const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, app.manifestOf), 'utf8'));
  writeManifest(dir, { ...app, version, deps, entries: Object.keys(entries) });
  writeFileSync(path.join(dir, 'pnpm-lock.yaml'), pruneLockfile(lock, deps));
  const compiledMs = Math.round(performance.now() - started);

  if (install) {
    // --ignore-workspace: the folder is its own project even when it sits inside the checkout.
    pnpm(['install', '--prod', '--frozen-lockfile', '--prefer-offline', '--ignore-workspace'], dir);
  }
  process.stdout.write(
    `deploy folder ${dir}: bundled ${[...built.workspaceDirs].join(', ')} in ${compiledMs} ms; ` +
      `${deps.size} production dependencies; ${folderSize(dir, ['node_modules'])} compiled` +
      (install ? `, ${folderSize(dir)} with node_modules` : ' (node_modules not installed)') +
      '\n',
  );
}

main().catch((err) => {
  process.stderr.write(`build-deploy: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
