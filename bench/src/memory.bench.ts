import { type Child, startChild } from './support/child.ts';
import { load } from './support/load.ts';
import { startPostgres } from './support/postgres.ts';

/*
 * Issue 8 row 5: BFF memory. The BFF runs in its own process (--expose-gc; a full GC before each reading) under a
 * steady presign load from a FIXED set of users, so after warm-up the data stops growing (their contracts exist,
 * later taps take the "reused" path with its reads) and any RSS growth is the process, not new rows.
 * Same run on PGlite (in memory, in-process wasm) and on PostgreSQL: the RSS difference is PGlite's share.
 * The PostgreSQL server's own memory is outside the BFF process and not counted.
 */

const MB = 1024 * 1024;
interface Mem {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

export async function memoryReport(o: { quick: boolean }): Promise<string> {
  const warm = Number(process.env.BENCH_MEMORY_WARMUP_SECONDS ?? (o.quick ? 2 : 8));
  const long = Number(process.env.BENCH_MEMORY_SECONDS ?? (o.quick ? 4 : 40));
  const users = o.quick ? 300 : 2_000;
  const responder = await startChild('responder.ts');
  const pg = startPostgres();
  const children: Child[] = [responder];
  const rows: string[] = [];
  const rssAfter: Record<string, number> = {};
  try {
    const dbs: Array<{ label: string; url: string }> = [{ label: 'PGlite (memory://)', url: 'memory://' }];
    if (pg) dbs.push({ label: 'PostgreSQL', url: pg.url });
    for (const d of dbs) {
      const prev = process.env.BENCH_CHILD_ARGS;
      process.env.BENCH_CHILD_ARGS = '--expose-gc';
      const bff = await startChild('bff-server.ts', {
        BENCH_UPSTREAM: responder.ready.url as string,
        BENCH_DATABASE_URL: d.url,
      });
      if (prev === undefined) delete process.env.BENCH_CHILD_ARGS;
      else process.env.BENCH_CHILD_ARGS = prev;
      children.push(bff);
      const start = await bff.call<Mem>('memory');
      const { tokens } = await bff.call<{ tokens: string[] }>('sessions', { n: users });
      let i = 0;
      const token = () => tokens[i++ % tokens.length] as string;
      const run = (seconds: number) =>
        load({
          url: bff.ready.url as string,
          path: '/v1/contracts/presign',
          body: '{"planKey":"edu-monthly"}',
          seconds,
          connections: 8,
          tokens: token,
        });
      const w = await run(warm);
      const warmMem = await bff.call<Mem>('memory');
      const half = await run(long / 2);
      const midMem = await bff.call<Mem>('memory');
      const rest = await run(long / 2);
      const endMem = await bff.call<Mem>('memory');
      rssAfter[d.label] = endMem.rss;
      const f = (m: Mem) =>
        `${(m.rss / MB).toFixed(0)} (heap ${(m.heapUsed / MB).toFixed(0)}, external ${(m.external / MB).toFixed(0)}, arrayBuffers ${(m.arrayBuffers / MB).toFixed(0)})`;
      const growth = ((endMem.rss - warmMem.rss) / warmMem.rss) * 100;
      rows.push(
        `| ${d.label} | ${f(start)} | ${f(warmMem)} | ${f(midMem)} | ${f(endMem)} | ${(endMem.rss / warmMem.rss).toFixed(3)}× (${growth >= 0 ? '+' : ''}${growth.toFixed(1)} %) | ${(w.ok + half.ok + rest.ok).toLocaleString('en-US')} |`,
      );
      await bff.stop();
      children.pop();
    }
  } finally {
    for (const c of children.reverse()) await c.stop();
    pg?.stop();
  }
  const lines = [
    '### BFF resident memory',
    '',
    `Presign load (autocannon, 8 connections) from ${users.toLocaleString('en-US')} fixed users: warm-up ${warm} s, then a long run of ${long} s read at half-time and at the end. MB after a full GC; RSS (heapUsed, external, arrayBuffers).`,
    '',
    '| database | at start | after warm-up | mid-run | end of long run | end ÷ warm-up RSS | requests |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ];
  const a = rssAfter['PGlite (memory://)'];
  const b = rssAfter.PostgreSQL;
  if (a !== undefined && b !== undefined)
    lines.push(
      '',
      `- PGlite's share: the PGlite BFF ends at ${(a / MB).toFixed(0)} MB RSS vs ${(b / MB).toFixed(0)} MB on PostgreSQL — ${((a - b) / MB).toFixed(0)} MB (${(((a - b) / a) * 100).toFixed(0)} % of the PGlite process) is the embedded database (wasm heap, its in-memory data files, its JS); ratio PGlite ÷ PostgreSQL = ${(a / b).toFixed(2)}×.`,
    );
  else
    lines.push('', "- PostgreSQL row skipped: no initdb/pg_ctl on PATH, so PGlite's share is not separated.");
  return lines.join('\n');
}
