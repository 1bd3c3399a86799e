import { readFileSync } from 'node:fs';

/*
 * Where the time goes in a V8 .cpuprofile (issue 13): busy time per request by area, INCLUSIVE (a sample counts
 * for every area on its stack, so areas overlap: pg calls made by Kysely count for both), then the top
 * functions by self time. Usage: tsx src/tools/summarise-profile.ts <file.cpuprofile> <requests served>.
 */
interface Frame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface Node {
  id: number;
  callFrame: Frame;
  hitCount: number;
  children?: number[];
}
const prof = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as {
  nodes: Node[];
  startTime: number;
  endTime: number;
  samples: number[];
};
const requests = Number(process.argv[3] ?? 1);
const AREAS: Record<string, (f: Frame) => boolean> = {
  'RSA sign (sync crypto.sign)': (f) =>
    f.functionName === 'signOneShot' || (f.functionName === 'run' && !f.url),
  'RSA verify': (f) => f.functionName === 'verifyOneShot',
  'Kysely query compilation': (f) => /kysely/.test(f.url) && /compile|visit/i.test(f.functionName),
  'Kysely (all, incl. the pg calls it makes)': (f) => /kysely/.test(f.url),
  'pg driver (pg, pg-protocol, pg-pool, type parsers)': (f) =>
    /node_modules\/\.pnpm\/pg[@-]|pg-protocol|pg-pool|pg-types|postgres-date/.test(f.url),
  'logging (pino)': (f) => /pino|sonic-boom/.test(f.url),
  'metrics (prom-client)': (f) => /prom-client/.test(f.url),
  'rate limiting': (f) => /rate-limit/.test(f.url),
  'Fastify (routing, hooks, reply)': (f) => /fastify/.test(f.url) && !/rate-limit/.test(f.url),
  'schema validation / serialisation': (f) => /ajv|fast-json-stringify/.test(f.url),
  'undici (outbound call)': (f) => /undici/.test(f.url),
  'socket write syscalls (writev, writeString)': (f) =>
    f.functionName === 'writev' || f.functionName === 'writeString',
  'session authentication': (f) => f.functionName === 'authenticate',
  'garbage collection': (f) => f.functionName === '(garbage collector)',
};
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const msPerSample = (prof.endTime - prof.startTime) / prof.samples.length / 1000;
const inclusive = new Map<string, number>(Object.keys(AREAS).map((k) => [k, 0]));
const self = new Map<string, number>();
let busy = 0;
for (const n of prof.nodes) {
  if (!n.hitCount || n.callFrame.functionName === '(idle)') continue;
  busy += n.hitCount;
  const hit = new Set<string>();
  for (let p: number | undefined = n.id; p !== undefined; p = parent.get(p)) {
    const f = (byId.get(p) as Node).callFrame;
    for (const [k, test] of Object.entries(AREAS)) if (test(f)) hit.add(k);
  }
  for (const k of hit) inclusive.set(k, (inclusive.get(k) ?? 0) + n.hitCount);
  const f = n.callFrame;
  const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*node_modules\/\.pnpm\//, '').replace(/^.*\/(apps|packages)\//, '$1/')}:${f.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + n.hitCount);
}
const ms = (hits: number) => ((hits * msPerSample) / requests).toFixed(3);
const pct = (hits: number) => ((100 * hits) / busy).toFixed(1);
console.log(`busy: ${ms(busy)} ms per request (${requests} requests)\n`);
console.log('| area (inclusive) | share of busy time | ms per request |\n|---|---:|---:|');
for (const [k, v] of inclusive) console.log(`| ${k} | ${pct(v)} % | ${ms(v)} |`);
console.log('\ntop functions by self time:');
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25))
  console.log(`${pct(v).padStart(5)} %  ${k}`);
