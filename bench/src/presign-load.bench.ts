import { median } from './harness.ts';
import { type Child, startChild } from './support/child.ts';
import { type LoadResult, load } from './support/load.ts';
import { type Postgres, startPostgres } from './support/postgres.ts';

/*
 * Issue 8 row 3: POST /v1/contracts/presign under load (autocannon as a library, loopback), the upstream played
 * by the pre-signed responder. Every BFF request is a NEW user (sessions issued up front), so each one claims a
 * contract row, calls "WeChat" once (sign + send + verify) and completes the row — the real path, not the
 * "reused" shortcut a repeated user+plan takes. The responder's request counter proves it.
 * Baseline: a minimal Fastify route doing the same sign + upstream call + verify (sync crypto, like ours).
 * Reference: the same minimal route with the callback (libuv pool) form of crypto.sign/verify.
 * Variants run interleaved in short rounds (rotating order); figures are medians over rounds; each server
 * reports its own event-loop delay (perf_hooks.monitorEventLoopDelay) and CPU for the round.
 */

interface Round extends LoadResult {
  eldP50Ms: number;
  eldP99Ms: number;
  eldMaxMs: number;
  cpuPerReqMs: number;
  /** The PostgreSQL cluster's CPU per request in this variant's round (NaN: the variant does not use it). */
  pgCpuPerReqMs: number;
  upstreamCalls: number;
}

const BASE = 'minimal Fastify: sync sign + undici + verify';
const OURS = 'BFF POST /v1/contracts/presign (PGlite, new user per request)';
const CB = 'minimal Fastify: callback crypto.sign/verify (libuv pool)';
const OURS_PG = 'BFF POST /v1/contracts/presign (PostgreSQL, new user per request)';
const OURS_PG_LOGIN =
  'BFF POST /v1/contracts/presign (PostgreSQL, new user per request, logged in on this replica just before)';
const LIMIT = 'presign limit: node:http + raw pg, claim + answer in 2 round trips (PostgreSQL)';

export async function presignLoadReport(o: { quick: boolean }): Promise<string> {
  const seconds = Number(process.env.BENCH_LOAD_SECONDS ?? (o.quick ? 2 : 4));
  const rounds = Number(process.env.BENCH_LOAD_ROUNDS ?? (o.quick ? 1 : 3));
  const connections = 16;
  const responder = await startChild('responder.ts');
  const upstream = responder.ready.url as string;
  const children: Child[] = [responder];
  const pg: Postgres | undefined = startPostgres();
  try {
    const bff = await startChild('bff-server.ts', { BENCH_UPSTREAM: upstream });
    children.push(bff);
    const base = await startChild('minimal-server.ts', { BENCH_UPSTREAM: upstream });
    children.push(base);
    const cb = await startChild('minimal-server.ts', { BENCH_UPSTREAM: upstream, BENCH_CRYPTO: 'callback' });
    children.push(cb);

    const bffPg = pg
      ? await startChild('bff-server.ts', { BENCH_UPSTREAM: upstream, BENCH_DATABASE_URL: pg.url })
      : undefined;
    if (bffPg) children.push(bffPg);
    const limit = pg
      ? await startChild('presign-limit-server.ts', { BENCH_UPSTREAM: upstream, BENCH_DATABASE_URL: pg.url })
      : undefined;
    if (limit) children.push(limit);

    // Enough fresh users for the warm-up, every throughput round and every fixed-load round at up to 1,000 req/s.
    const need = Math.ceil(1_000 * seconds * (2 * rounds + 1));
    const t0 = Date.now();
    let wrapped = false;
    /** Issues `n` sessions on the server; hands out one token per request, in order. */
    const pool = async (c: Child, n = need) => {
      const { tokens } = await c.call<{ tokens: string[] }>('sessions', { n });
      let next = 0;
      return () => {
        if (next >= tokens.length) {
          next = 0;
          wrapped = true;
        }
        return tokens[next++] as string;
      };
    };
    const token = await pool(bff);
    const tokenPg = bffPg ? await pool(bffPg) : undefined;
    const sessionSeconds = (Date.now() - t0) / 1000;
    // Users who logged in on this replica moments before: their sessions are in its session cache, as after a
    // real login. Issued right before each of this variant's rounds (not timed), within the cache's bounds.
    const justLoggedIn = (c: Child) => pool(c, Math.min(9_000, 2_500 * seconds));

    type V = { name: string; child: Child; tokens?: () => string; login?: boolean; usesPg?: boolean };
    const pgCpu = () => pg?.cpuSeconds() ?? Number.NaN;
    const variants: V[] = [
      { name: BASE, child: base },
      { name: OURS, child: bff, tokens: token },
      ...(limit ? [{ name: LIMIT, child: limit, usesPg: true }] : []),
      ...(bffPg && tokenPg ? [{ name: OURS_PG, child: bffPg, tokens: tokenPg, usesPg: true }] : []),
      ...(bffPg ? [{ name: OURS_PG_LOGIN, child: bffPg, login: true, usesPg: true }] : []),
      { name: CB, child: cb },
    ];
    const results = new Map<string, Round[]>(variants.map((v) => [v.name, []]));
    const body = JSON.stringify({ planKey: 'edu-monthly' });
    for (let round = -1; round < rounds; round++) {
      for (let i = 0; i < variants.length; i++) {
        const v = variants[(i + round + 1) % variants.length] as (typeof variants)[number];
        const tokens = v.login ? await justLoggedIn(v.child) : v.tokens;
        const before = (await responder.call<{ served: number }>('served')).served;
        await v.child.call('reset');
        const pgBefore = v.usesPg ? pgCpu() : Number.NaN;
        const r = await load({
          url: v.child.ready.url as string,
          path: '/v1/contracts/presign',
          body,
          seconds: round < 0 ? 1 : seconds,
          connections,
          ...(tokens ? { tokens } : {}),
        });
        const s = await v.child.call<{
          eldP50Ms: number;
          eldP99Ms: number;
          eldMaxMs: number;
          cpuSeconds: number;
        }>('read');
        const pgCpuPerReqMs = ((pgCpu() - pgBefore) * 1000) / Math.max(1, r.ok);
        const after = (await responder.call<{ served: number }>('served')).served;
        if (round >= 0)
          results.get(v.name)?.push({
            ...r,
            ...s,
            cpuPerReqMs: (s.cpuSeconds * 1000) / Math.max(1, r.ok),
            pgCpuPerReqMs,
            upstreamCalls: after - before,
          });
      }
    }
    const contracts = (await bff.call<{ contracts: number }>('contracts')).contracts;

    // Latency at a FIXED offered load: 60 % of the limit's median throughput, the same for both, interleaved.
    const fixed: V[] =
      limit && bffPg && tokenPg
        ? [
            { name: LIMIT, child: limit, usesPg: true },
            { name: OURS_PG, child: bffPg, tokens: tokenPg, usesPg: true },
            { name: OURS_PG_LOGIN, child: bffPg, login: true, usesPg: true },
          ]
        : [];
    const rate = Math.round(0.6 * median((results.get(LIMIT) ?? []).map((r) => r.reqPerSec)));
    const fixedResults = new Map<string, Round[]>(fixed.map((v) => [v.name, []]));
    for (let round = 0; round < rounds && fixed.length > 0; round++) {
      for (let i = 0; i < fixed.length; i++) {
        const v = fixed[(i + round) % fixed.length] as V;
        const tokens = v.login ? await justLoggedIn(v.child) : v.tokens;
        await v.child.call('reset');
        const pgBefore = v.usesPg ? pgCpu() : Number.NaN;
        const r = await load({
          url: v.child.ready.url as string,
          path: '/v1/contracts/presign',
          body,
          seconds,
          connections,
          rate,
          ...(tokens ? { tokens } : {}),
        });
        const s = await v.child.call<{
          eldP50Ms: number;
          eldP99Ms: number;
          eldMaxMs: number;
          cpuSeconds: number;
        }>('read');
        const pgCpuPerReqMs = ((pgCpu() - pgBefore) * 1000) / Math.max(1, r.ok);
        fixedResults.get(v.name)?.push({
          ...r,
          ...s,
          cpuPerReqMs: (s.cpuSeconds * 1000) / Math.max(1, r.ok),
          pgCpuPerReqMs,
          upstreamCalls: 0,
        });
      }
    }

    const baseRounds = results.get(BASE) as Round[];
    const fmt = (x: number, d = 0) =>
      x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
    const lines = [
      '### presign route under load',
      '',
      `autocannon, ${connections} connections, ${rounds} interleaved rounds × ${seconds} s per variant (+1 s warm-up round), loopback; ` +
        `servers and the pre-signed responder each in their own process. Ratios are medians of per-round ratios to the baseline.`,
      '',
      '| variant | req/s (median) | ratio vs minimal (ceiling) | ratio vs presign limit | p50 ms | p99 ms | server CPU ms/req | PostgreSQL CPU ms/req | event-loop delay p50 / p99 / max ms | upstream calls / 2xx | errors |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ];
    const pgMs = (rs: Round[]) => {
      const xs = rs.map((r) => r.pgCpuPerReqMs).filter((x) => Number.isFinite(x));
      return xs.length > 0 ? fmt(median(xs), 2) : '—';
    };
    const headline: Record<string, number> = {};
    for (const v of variants) {
      const rs = results.get(v.name) as Round[];
      const ratio = median(rs.map((r, i) => r.reqPerSec / (baseRounds[i] as Round).reqPerSec));
      headline[v.name] = ratio;
      const limitRounds = results.get(LIMIT);
      const vsLimit = limitRounds
        ? `${median(rs.map((r, i) => r.reqPerSec / (limitRounds[i] as Round).reqPerSec)).toFixed(3)}×`
        : '—';
      const up = rs.reduce((a, r) => a + r.upstreamCalls, 0);
      const ok = rs.reduce((a, r) => a + r.ok, 0);
      lines.push(
        `| ${v.name} | ${fmt(median(rs.map((r) => r.reqPerSec)))} | ${ratio.toFixed(3)}× | ${vsLimit} | ${fmt(median(rs.map((r) => r.p50)), 1)} | ${fmt(median(rs.map((r) => r.p99)), 1)} | ${fmt(median(rs.map((r) => r.cpuPerReqMs)), 2)} | ${pgMs(rs)} | ${fmt(median(rs.map((r) => r.eldP50Ms)), 1)} / ${fmt(median(rs.map((r) => r.eldP99Ms)), 1)} / ${fmt(Math.max(...rs.map((r) => r.eldMaxMs)), 0)} | ${fmt(up)} / ${fmt(ok)} | ${rs.reduce((a, r) => a + r.errors, 0)} |`,
      );
    }
    if (fixed.length > 0) {
      const lim = fixedResults.get(LIMIT) as Round[];
      lines.push(
        '',
        `At a fixed offered load of ${fmt(rate)} req/s (60 % of the presign limit's median throughput above), ${rounds} interleaved rounds × ${seconds} s, ${connections} connections:`,
        '',
        '| variant | req/s served | p50 ms | p99 ms | p99 ÷ limit p99 | server CPU ms/req | ÷ limit CPU | PostgreSQL CPU ms/req | server + PostgreSQL ÷ limit | errors |',
        '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      );
      for (const v of fixed) {
        const rs = fixedResults.get(v.name) as Round[];
        const p99 = median(rs.map((r) => r.p99));
        const cpu = median(rs.map((r) => r.cpuPerReqMs));
        const both = median(rs.map((r) => r.cpuPerReqMs + r.pgCpuPerReqMs));
        const limitBoth = median(lim.map((r) => r.cpuPerReqMs + r.pgCpuPerReqMs));
        lines.push(
          `| ${v.name} | ${fmt(median(rs.map((r) => r.reqPerSec)))} | ${fmt(median(rs.map((r) => r.p50)), 1)} | ${fmt(p99, 1)} | ${(p99 / median(lim.map((r) => r.p99))).toFixed(2)}× | ${fmt(cpu, 2)} | ${(cpu / median(lim.map((r) => r.cpuPerReqMs))).toFixed(2)}× | ${pgMs(rs)} | ${Number.isFinite(both / limitBoth) ? `${(both / limitBoth).toFixed(2)}×` : '—'} | ${rs.reduce((a, r) => a + r.errors, 0)} |`,
        );
      }
    }
    lines.push(
      '',
      `- Users: ${fmt(need)} sessions per BFF issued up front through the BFF's own session service (${sessionSeconds.toFixed(1)} s); ` +
        `each BFF request used a fresh one${wrapped ? ' — the pool RAN OUT and wrapped, so some requests took the cheap "reused" path' : ' (pool never wrapped)'}; ` +
        `${fmt(contracts)} contract rows in the PGlite BFF at the end.` +
        (pg
          ? ' PostgreSQL: a throwaway local cluster; its CPU (postmaster and backends, from /proc, over each round) is the "PostgreSQL CPU" column, not in "server CPU ms/req".'
          : ' PostgreSQL row skipped: no initdb/pg_ctl on PATH.'),
      `- Per-round ratios (ours/baseline): ${(results.get(OURS) as Round[]).map((r, i) => (r.reqPerSec / (baseRounds[i] as Round).reqPerSec).toFixed(2)).join(', ')}.`,
      '- Off the event loop? The BFF signs with `createRsaSigner`, i.e. synchronous one-shot `crypto.sign`, and verifies with ' +
        'synchronous `crypto.verify`: the RSA work runs ON the event loop (its event-loop delay above grows with load like the ' +
        "sync baseline's). The callback form moves it to the libuv pool (reference row).",
    );
    (globalThis as { __benchHeadlines?: Record<string, number> }).__benchHeadlines = {
      ...((globalThis as { __benchHeadlines?: Record<string, number> }).__benchHeadlines ?? {}),
      row3: headline[OURS] as number,
      ...(headline[LIMIT] ? { presignPgVsLimit: (headline[OURS_PG] as number) / headline[LIMIT] } : {}),
    };
    return lines.join('\n');
  } finally {
    for (const c of children.reverse()) await c.stop();
    pg?.stop();
  }
}
