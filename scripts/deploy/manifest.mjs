import { copyFileSync, lstatSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FILES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'files');

/** The Dockerfile recipe, its .dockerignore and the HEALTHCHECK script, copied as they are. */
export function copyStaticFiles(dir) {
  for (const name of readdirSync(FILES)) copyFileSync(path.join(FILES, name), path.join(dir, name));
}

/**
 * `server.js` / `doctor.js` at the folder's top: they turn on source-mapped stack traces (so `node server.js` needs
 * no flag) and then load the compiled entry from lib/.
 */
export function writeLaunchers(dir, names) {
  for (const name of names) {
    writeFileSync(
      path.join(dir, `${name}.js`),
      [
        '// Stack traces name the TypeScript files and lines (lib/*.js.map), without --enable-source-maps.',
        'process.setSourceMapsEnabled(true);',
        `await import('./lib/${name}.js');`,
        '',
      ].join('\n'),
    );
  }
}

/** package.json of the folder: production dependencies pinned at the lockfile's versions, nothing else. */
export function writeManifest(dir, { name, description, version, deps, entries }) {
  const dependencies = Object.fromEntries(
    [...deps].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, d]) => [name, d.exact]),
  );
  const manifest = {
    name,
    version,
    private: true,
    description: `${description} (built by scripts/build-deploy.mjs; see docs/deploy.md)`,
    type: 'module',
    engines: { node: '>=20.18' },
    packageManager: 'pnpm@9.15.9',
    scripts: Object.fromEntries(entries.map((e, i) => [i === 0 ? 'start' : e, `node ${e}.js`])),
    dependencies,
  };
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Bytes on disk under `dir` (symlinks not followed), as a human figure. */
export function folderSize(dir, skip = []) {
  let total = 0;
  const walk = (p) => {
    const st = lstatSync(p);
    if (st.isDirectory()) {
      for (const e of readdirSync(p)) if (!skip.includes(e)) walk(path.join(p, e));
    } else total += st.size;
  };
  walk(dir);
  return total >= 1 << 20 ? `${(total / (1 << 20)).toFixed(1)} MiB` : `${(total / 1024).toFixed(0)} KiB`;
}
