import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/*
 * esbuild bundles our own TypeScript (the entry apps plus the @qianyue/* workspace packages they import, read
 * through their unchanged `exports` → ./src/index.ts) into ESM JavaScript with source maps. Every other bare
 * import stays external and is installed from the pruned lockfile. Bundling them too was tried: the 5 MB
 * bundle stops at start-up on `__dirname is not defined`, and behind that are files read relative to each
 * package's own module (PGlite's pglite.wasm / pglite.data, @fastify/swagger's package.json,
 * @fastify/swagger-ui's static/ folder, pino's and thread-stream's worker scripts) that a bundle does not
 * carry. As packages they also keep their licences and `npm audit` intact.
 */

const WORKSPACE_SCOPE = '@qianyue/';

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
export const packageName = (specifier) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

/** Bare imports of third-party packages are left to node_modules; the names are collected for the manifest. */
function externalPackages(imported) {
  return {
    name: 'external-packages',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith(WORKSPACE_SCOPE)) return undefined;
        if (args.path.startsWith('node:')) return { external: true };
        imported.add(packageName(args.path));
        return { external: true };
      });
    },
  };
}

/**
 * Files read at run time through `new URL('./file', import.meta.url)` (the console's page and script) are copied
 * to `assets/` beside the bundle, and the URL rewritten to point there: bundled, `import.meta.url` is the output
 * file, not the source file the path was written against. A `#!… tsx` line of an entry is dropped too: the
 * compiled file is started by its launcher, and tsx is not there.
 */
function sourceRewrites(outdir, copied) {
  const pattern = /new URL\(\s*(['"])(\.{1,2}\/[^'"]+)\1\s*,\s*import\.meta\.url\s*\)/g;
  const copyAsset = (fromFile, rel) => {
    const file = path.resolve(path.dirname(fromFile), rel);
    const hash = createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 8);
    const ext = path.extname(file);
    const name = `${path.basename(file, ext)}-${hash}${ext}`;
    mkdirSync(path.join(outdir, 'assets'), { recursive: true });
    copyFileSync(file, path.join(outdir, 'assets', name));
    copied.push(file);
    return `./assets/${name}`;
  };
  return {
    name: 'source-rewrites',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes('import.meta.url') && !source.startsWith('#!')) return undefined;
        const contents = source
          .replace(/^#!.*\n/, '')
          .replace(pattern, (_m, q, rel) => `new URL(${q}${copyAsset(args.path, rel)}${q}, import.meta.url)`);
        return { contents, loader: 'ts' };
      });
    },
  };
}

/**
 * Source paths in the maps are made repository-relative (`apps/bff/src/server.ts`), so a stack frame reads
 * `<folder>/lib/apps/bff/src/server.ts:12` wherever the folder was built or installed, and the map does not
 * carry the build machine's directories.
 */
function relativeSources(mapFile, outdir, repoRoot) {
  const map = JSON.parse(readFileSync(mapFile, 'utf8'));
  map.sources = map.sources.map((s) => path.relative(repoRoot, path.resolve(outdir, s)));
  writeFileSync(mapFile, JSON.stringify(map));
}

/**
 * Bundles `entries` ({ outName: absolute entry path }) into `outdir`. Shared code goes into chunks in the same
 * folder (so `./assets/…` resolves from every output file). Returns the third-party packages imported, the
 * workspace package folders bundled and the assets copied.
 */
export async function bundle({ repoRoot, entries, outdir }) {
  // esbuild is a devDependency of the BFF (pnpm does not hoist it to the root).
  const require = createRequire(path.join(repoRoot, 'apps/bff/package.json'));
  const esbuild = await import(require.resolve('esbuild'));
  const imported = new Set();
  const assets = [];
  const result = await esbuild.build({
    absWorkingDir: repoRoot,
    entryPoints: entries,
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.18',
    sourcemap: 'linked',
    // Stack traces only need file:line; the TypeScript text itself stays out of the artifact.
    sourcesContent: false,
    chunkNames: 'chunk-[hash]',
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    plugins: [externalPackages(imported), sourceRewrites(outdir, assets)],
  });
  for (const file of Object.keys(result.metafile.outputs)) {
    if (file.endsWith('.map')) relativeSources(path.join(repoRoot, file), outdir, repoRoot);
  }
  const workspaceDirs = new Set();
  for (const input of Object.keys(result.metafile.inputs)) {
    const m = /^((?:apps|packages)\/[^/]+)\//.exec(input);
    if (m) workspaceDirs.add(m[1]);
  }
  return { imported, workspaceDirs, assets };
}
