import { readFileSync } from 'node:fs';

/* Self time per function and per package/area of a V8 .cpuprofile (what `node --cpu-prof` writes). */
interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
  children?: number[];
}
const prof = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as { nodes: Node[] };
// Percentages of BUSY time: idle samples are left out (how loaded the process was is in the load figures).
const total = prof.nodes.reduce((a, n) => a + (n.callFrame.functionName === '(idle)' ? 0 : n.hitCount), 0);
const area = (url: string, fn: string): string => {
  if (!url) return fn.startsWith('(') ? fn : `native ${fn}`;
  const m =
    url.match(/node_modules\/\.pnpm\/([^/]+)\//) ?? url.match(/node_modules\/(@[^/]+\/[^/]+|[^/]+)\//);
  if (m) return (m[1] as string).replace(/@\d.*$/, '').replace(/\+/g, '/');
  if (url.startsWith('node:')) return url;
  const w = url.match(/\/(packages|apps)\/([^/]+)\/src\/(.*)$/);
  return w ? `${w[1]}/${w[2]}/${w[3]}` : url;
};
const byFn = new Map<string, number>();
const byArea = new Map<string, number>();
for (const n of prof.nodes) {
  const k = `${n.callFrame.functionName || '(anonymous)'} ${area(n.callFrame.url, n.callFrame.functionName)}:${n.callFrame.lineNumber + 1}`;
  byFn.set(k, (byFn.get(k) ?? 0) + n.hitCount);
  const a = area(n.callFrame.url, n.callFrame.functionName).replace(
    /^(apps\/bff\/[^/]+|packages\/[^/]+\/[^/]+).*/,
    '$1',
  );
  byArea.set(a, (byArea.get(a) ?? 0) + n.hitCount);
}
const top = (m: Map<string, number>, k: number) =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .map(([name, hits]) => `${((100 * hits) / total).toFixed(1).padStart(5)} %  ${name}`)
    .join('\n');
console.log(
  `busy samples: ${total}\n\n# self time by area\n${top(byArea, 30)}\n\n# self time by function\n${top(byFn, 40)}`,
);
