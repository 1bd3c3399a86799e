/*
 * A pnpm-lock.yaml (v9) for the deploy folder, cut out of the monorepo's lockfile: one importer holding the
 * production dependencies of the bundled workspace packages, and only the packages/snapshots reachable from it.
 * `pnpm install --frozen-lockfile --prod` in the folder then installs exactly the versions the monorepo was
 * tested with, transitive ones included, without the monorepo.
 *
 * The lockfile is read as text, by indentation (pnpm writes it in one fixed layout), so no YAML library is needed
 * at build time; the lines of each kept entry are copied through unchanged.
 */

const unquote = (s) => (s.startsWith("'") && s.endsWith("'") ? s.slice(1, -1).replace(/''/g, "'") : s);
const quote = (s) => (/^[a-z0-9]/i.test(s) && !/[:'"#(]/.test(s) ? s : `'${s.replace(/'/g, "''")}'`);
const indentOf = (line) => line.length - line.trimStart().length;

/** Splits the lockfile into sections (top-level keys) of entries (two-space keys) with their raw lines. */
export function parseLockfile(text) {
  const sections = new Map();
  let section;
  let entry;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const indent = indentOf(line);
    if (indent === 0) {
      const [key, ...rest] = line.split(':');
      section = { key, inline: rest.join(':').trim(), entries: new Map(), lines: [] };
      sections.set(key, section);
      entry = undefined;
    } else if (indent === 2 && section) {
      const raw = line.trim();
      const cut = raw.endsWith(':') ? raw.length - 1 : raw.lastIndexOf(': ');
      entry = { key: unquote(raw.slice(0, cut)), lines: [line] };
      section.entries.set(entry.key, entry);
    } else if (entry) {
      entry.lines.push(line);
    } else if (section) {
      section.lines.push(line);
    }
  }
  return sections;
}

/** `{ name: version }` of the `dependencies:` (and `optionalDependencies:`) groups of an entry's lines. */
export function dependencyGroups(lines, groups = ['dependencies', 'optionalDependencies']) {
  const out = [];
  let group;
  let name;
  for (const line of lines.slice(1)) {
    const indent = indentOf(line);
    const text = line.trim();
    if (indent === 4) {
      group = groups.includes(text.replace(/:$/, '')) ? text.replace(/:$/, '') : undefined;
      name = undefined;
    } else if (!group) {
    } else if (indent === 6 && text.endsWith(':')) {
      // importers: `name:` then `specifier:` / `version:` lines.
      name = unquote(text.slice(0, -1));
      out.push({ group, name, version: undefined, specifier: undefined });
    } else if (indent === 6) {
      const i = text.lastIndexOf(': ');
      out.push({ group, name: unquote(text.slice(0, i)), version: text.slice(i + 2) });
    } else if (indent === 8 && name) {
      const [k, ...v] = text.split(': ');
      out[out.length - 1][k] = v.join(': ');
    }
  }
  return out;
}

/** The snapshot key a dependency points at (`name@version`, or the alias target `other@version`). */
function snapshotKey(name, version) {
  const head = version.split('(')[0];
  return /^[^0-9]/.test(head) && head.includes('@') ? version : `${name}@${version}`;
}

const withoutPeers = (key) => {
  const i = key.indexOf('(');
  return i === -1 ? key : key.slice(0, i);
};

/**
 * Production dependencies of the given importers (workspace paths such as `apps/bff`), links to other workspace
 * packages left out. Throws when two importers resolve the same package to different versions.
 */
export function productionDependencies(sections, importerPaths) {
  const importers = sections.get('importers');
  const deps = new Map();
  for (const p of importerPaths) {
    const entry = importers?.entries.get(p);
    if (!entry) throw new Error(`pnpm-lock.yaml has no importer ${p}`);
    for (const d of dependencyGroups(entry.lines, ['dependencies'])) {
      if (d.version.startsWith('link:')) continue;
      const seen = deps.get(d.name);
      if (seen && seen.version !== d.version) {
        throw new Error(`${d.name} is locked at ${seen.version} and ${d.version} in different packages`);
      }
      deps.set(d.name, { version: d.version, exact: withoutPeers(d.version) });
    }
  }
  return deps;
}

/** The lockfile text for a single project whose package.json pins `deps` at their exact versions. */
export function pruneLockfile(sections, deps) {
  const snapshots = sections.get('snapshots');
  const packages = sections.get('packages');
  const keep = new Set();
  const queue = [...deps].map(([name, d]) => snapshotKey(name, d.version));
  while (queue.length > 0) {
    const key = queue.pop();
    if (keep.has(key)) continue;
    const entry = snapshots.entries.get(key);
    if (!entry) throw new Error(`pnpm-lock.yaml has no snapshot ${key}`);
    keep.add(key);
    for (const d of dependencyGroups(entry.lines)) queue.push(snapshotKey(d.name, d.version));
  }
  const keepPackages = new Set([...keep].map(withoutPeers));
  const sorted = (entries, wanted) =>
    [...entries.values()].filter((e) => wanted.has(e.key)).map((e) => e.lines.join('\n'));

  const importer = ['  .:', '    dependencies:'];
  for (const [name, d] of [...deps].sort(([a], [b]) => (a < b ? -1 : 1))) {
    importer.push(`      ${quote(name)}:`, `        specifier: ${d.exact}`, `        version: ${d.version}`);
  }
  const settings = sections.get('settings');
  return [
    "lockfileVersion: '9.0'",
    '',
    'settings:',
    ...[...settings.entries.values()].flatMap((e) => e.lines),
    '',
    'importers:',
    '',
    importer.join('\n'),
    '',
    'packages:',
    '',
    sorted(packages.entries, keepPackages).join('\n\n'),
    '',
    'snapshots:',
    '',
    sorted(snapshots.entries, keep).join('\n\n'),
    '',
  ].join('\n');
}
