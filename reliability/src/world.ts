import { type AppConfig, buildApp, loadConfig } from '@qianyue/bff';
import { buildSandbox } from '@qianyue/sandbox';
import { type SandboxConfigOverrides, testSandboxConfig } from '@qianyue/sandbox/testing';
import { systemClock } from '@qianyue/wechatpay';
import type { FastifyInstance } from 'fastify';
import type { Dispatcher } from 'undici';
import { LogCapture, testEnv } from '../../apps/bff/test/helpers/harness.ts';
import { type AuditResult, auditLogs, createProduced, type Produced } from './log-audit.ts';
import { reportPart } from './report.ts';
import { findSecrets } from './secrets.ts';
import { createRecordingDispatcher, type UpstreamCall } from './upstream.ts';

export interface Bff {
  app: FastifyInstance;
  url: string;
  config: AppConfig;
}

export interface Answer<T> {
  status: number;
  body: T;
  headers: Headers;
  /** performance.now() when the request was sent / the answer was read. */
  t0: number;
  t1: number;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  /** Exact body (string or bytes); `headers` must then say the content type. */
  raw?: string | Uint8Array;
  headers?: Record<string, string>;
  /** Which replica (index into `bffs`). */
  bff?: number;
}

export interface World {
  sandbox: FastifyInstance;
  sandboxUrl: string;
  bffs: Bff[];
  /** pino output of the sandbox AND every BFF replica. */
  logs: LogCapture;
  /** pino output of the BFF replicas alone (the log audit's subject). */
  bffLogs: LogCapture;
  /** Every session_key, openid, session token and id, decrypted resource the run produced. */
  produced: Produced;
  /** Checks every BFF log line so far against the secrets and everything produced (also run by close()). */
  audit(): Promise<AuditResult>;
  /** Every answer the suite saw from the BFF (status line, headers, body), for the secrets check. */
  answers: string[];
  upstream: { calls: UpstreamCall[] };
  call<T = Record<string, unknown>>(method: string, path: string, o?: CallOptions): Promise<Answer<T>>;
  control<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T>;
  /** A fresh (or given) openid logs in through the sandbox's wx.login stand-in. */
  login(o?: { openid?: string; bff?: number }): Promise<{ token: string; openid: string }>;
  close(): Promise<void>;
}

export interface WorldOptions {
  replicas?: number;
  databaseUrl?: string;
  sandbox?: SandboxConfigOverrides;
  env?: Record<string, string>;
  /** Names this world's log-audit report part (audit-<name>). */
  name?: string;
  /** Where WeChat sends notifications (default: the first replica); gets the replicas' base URLs. */
  notifyTarget?: (bffUrls: string[]) => Promise<string>;
}

/**
 * The real sandbox and N real BFF replicas (same config, same database) on loopback, with real time, every
 * log line captured and every APIv3 call recorded. Built from the BFF's own test helpers (testEnv, LogCapture).
 */
/** A LogCapture that also forwards every line to another (the combined log). */
class TeeCapture extends LogCapture {
  constructor(private readonly next: LogCapture) {
    super();
  }
  override _write(chunk: Buffer, enc: BufferEncoding, cb: () => void) {
    this.next.write(chunk);
    super._write(chunk, enc, cb);
  }
}

let worlds = 0;

export async function startWorld(o: WorldOptions = {}): Promise<World> {
  const logs = new LogCapture();
  const bffLogs = new TeeCapture(logs);
  const produced = createProduced();
  const auditName = `audit-${o.name ?? 'world'}-${++worlds}`;
  const sandboxConfig = testSandboxConfig(o.sandbox);
  const sandbox = await buildSandbox(sandboxConfig, { clock: systemClock, logStream: logs });
  const bffs: Bff[] = [];
  const env = {
    WECHATPAY_TIMEOUT_MS: '1000',
    RATE_LIMIT_MAX: '100000',
    LOGIN_RATE_LIMIT_MAX: '100000',
    NOTIFY_UNVERIFIED_MAX_PER_MINUTE: '1000000',
    ...(o.databaseUrl ? { DATABASE_URL: o.databaseUrl } : {}),
    ...o.env,
  };
  const upstream: { calls: UpstreamCall[] } = { calls: [] };
  const dispatchers: Dispatcher[] = [];
  try {
    await sandbox.listen({ port: 0, host: '127.0.0.1' });
    const sandboxUrl = `http://127.0.0.1:${(sandbox.server.address() as { port: number }).port}`;
    for (let i = 0; i < (o.replicas ?? 1); i++) {
      const config = await loadConfig(testEnv(sandboxUrl, env));
      const dispatcher = createRecordingDispatcher(sandboxUrl, {
        verifier: () => app.wechatpay.verifier,
        sandbox,
        calls: upstream.calls,
        produced,
      });
      dispatchers.push(dispatcher);
      const app: FastifyInstance = await buildApp(config, {
        clock: systemClock,
        logStream: bffLogs,
        dispatcher,
      });
      bffs.push({ app, config, url: '' });
      await app.listen({ port: 0, host: '127.0.0.1' });
      bffs[i]!.url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    }
    const target = o.notifyTarget ? await o.notifyTarget(bffs.map((b) => b.url)) : bffs[0]!.url;
    for (const b of bffs) b.config.notifyBaseUrl = target;
    for (const m of sandboxConfig.merchants) m.eduNotifyUrl = `${target}/v1/notify/edu-papay`;

    const answers: string[] = [];
    const w: World = {
      sandbox,
      sandboxUrl,
      bffs,
      logs,
      bffLogs,
      produced,
      answers,
      upstream,
      async call(method, path, c = {}) {
        const headers: Record<string, string> = { ...(c.headers ?? {}) };
        if (c.token) headers.authorization = `Bearer ${c.token}`;
        let body: string | Uint8Array | undefined = c.raw;
        if (c.body !== undefined) {
          body = JSON.stringify(c.body);
          headers['content-type'] ??= 'application/json';
        }
        const t0 = performance.now();
        const res = await fetch(`${bffs[c.bff ?? 0]!.url}${path}`, {
          method,
          headers,
          ...(body !== undefined ? { body } : {}),
        });
        const text = await res.text();
        const t1 = performance.now();
        answers.push(`${res.status} ${JSON.stringify([...res.headers])} ${text}`);
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {}
        return { status: res.status, body: parsed as never, headers: res.headers, t0, t1 };
      },
      async control(method, path, body) {
        const res = await fetch(`${sandboxUrl}/__sandbox${path}`, {
          method,
          ...(body !== undefined
            ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
            : {}),
        });
        const text = await res.text();
        if (res.status >= 400) throw new Error(`sandbox control ${method} ${path}: ${res.status} ${text}`);
        return (text ? JSON.parse(text) : undefined) as never;
      },
      async login(l = {}) {
        const minted = await w.control<{ code: string; openid: string }>(
          'POST',
          '/login-code',
          l.openid ? { openid: l.openid } : {},
        );
        const res = await w.call<{ token: string }>('POST', '/v1/auth/login', {
          body: { code: minted.code },
          ...(l.bff !== undefined ? { bff: l.bff } : {}),
        });
        if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
        produced.add('openid', minted.openid);
        produced.add('session token', res.body.token);
        produced.add('session id', res.body.token.split('.')[1]);
        return { token: res.body.token, openid: minted.openid };
      },
      async audit() {
        await collectProduced(w);
        // The BFF's lines against everything; the sandbox's (WeChat's stand-in: its request URLs carry openids
        // by WeChat's design) against the configured secrets.
        const bff = auditLogs(bffLogs.lines, produced);
        const sandboxLeaks = findSecrets(logs.text()).filter((s) => !bff.leaks.includes(s));
        return { ...bff, linesAudited: logs.lines.length, leaks: [...bff.leaks, ...sandboxLeaks] };
      },
      async close() {
        const audit = await w.audit();
        reportPart(auditName, {
          logLinesAudited: audit.linesAudited,
          sensitiveValuesTracked: audit.valuesTracked,
          auditLeaks: audit.leaks.length,
        });
        for (const b of bffs) await b.app.close();
        await sandbox.close();
        for (const d of dispatchers) await d.close();
        if (audit.leaks.length > 0) throw new Error(`log audit: ${audit.leaks.join(', ')} in the BFF logs`);
      },
    };
    return w;
  } catch (err) {
    for (const b of bffs) await b.app.close().catch(() => {});
    await sandbox.close().catch(() => {});
    for (const d of dispatchers) await d.close().catch(() => {});
    throw err;
  }
}

/** What the database and the sandbox hold that the logs must not: read at audit time (best effort: the
 * database may be down on purpose). */
async function collectProduced(w: World): Promise<void> {
  for (const c of w.sandbox.sandbox.state.contracts.values()) w.produced.add('openid', c.openid);
  for (const openid of w.sandbox.sandbox.state.loginRate.keys()) w.produced.add('openid', openid);
  for (const b of w.bffs) {
    try {
      const db = b.app.db;
      for (const s of await db.selectFrom('sessions').select(['id', 'openid', 'session_key']).execute()) {
        w.produced.add('session id', s.id);
        w.produced.add('openid', s.openid);
        w.produced.add('session_key', s.session_key);
      }
      for (const n of await db.selectFrom('notification_inbox').select(['resource']).execute()) {
        w.produced.add('decrypted resource', n.resource);
      }
      for (const c of await db.selectFrom('contracts').select(['openid']).execute())
        w.produced.add('openid', c.openid);
    } catch {}
  }
}

/** Polls (bounded by count) until `check` returns a value; `what` names the condition in the error. */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  o: { tries?: number; everyMs?: number } = {},
): Promise<T> {
  for (let i = 0; i < (o.tries ?? 400); i++) {
    const v = await check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, o.everyMs ?? 50));
  }
  throw new Error(`condition not reached: ${what}`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A user logged in with one SIGNED contract of `planKey` (the user confirmed in the sandbox, the notification
 * applied, the BFF's queue drained): the state the fuzz suites start from.
 */
export async function signedContract(
  w: World,
  planKey = 'vip-autopay',
): Promise<{ token: string; contractId: string }> {
  const { token } = await w.login();
  const p = await w.call<{ contractId: string; navigate: { extraData: Record<string, string> } }>(
    'POST',
    '/v1/contracts/presign',
    { token, body: { planKey } },
  );
  const contractId = p.body.contractId;
  await w.control('POST', `/sessions/${Object.values(p.body.navigate.extraData)[0]}/confirm`);
  await until('signed', async () => {
    const r = await w.call<{ state: string }>('GET', `/v1/contracts/${contractId}`, { token });
    return r.body.state === 'SIGNED' ? true : undefined;
  });
  await w.bffs[0]!.app.contracts.drain();
  return { token, contractId };
}
