import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildSandbox } from '@qianyue/sandbox';
import { testSandboxConfig } from '@qianyue/sandbox/testing';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildDeployFolder,
  type DeployedProcess,
  installedPackages,
  listFiles,
  startDeployed,
  transitivelyRequired,
  workspaceDevDependencies,
} from './helpers/deploy-folder.ts';
import { testEnv } from './helpers/harness.ts';
import { postgresBinaries, startPostgres, type TestPostgres } from './helpers/postgres.ts';

/*
 * Issue 15: the compiled deploy folder, built by the one command staff run, started with plain `node` from a
 * temporary directory against a real PostgreSQL and the real sandbox (in this process, as the harness does),
 * on PGlite in a data directory, and beside the compiled sandbox folder (`--sandbox`). What the folders must
 * not carry is checked on the files themselves.
 */

const execFileAsync = promisify(execFile);
const ADMIN_TOKEN = 'deploy-artifact-admin-token-0123456789';
const suite = postgresBinaries() !== undefined || process.env.CI ? describe : describe.skip;

/** No TypeScript to transpile at run time, no fixture, no key, no test-only material (node_modules aside). */
function expectShippable(folder: string) {
  const files = listFiles(folder);
  expect(files.filter((f) => /\.(c|m)?tsx?$/.test(f))).toEqual([]);
  expect(files.filter((f) => /(^|\/)fixtures?\//.test(f) || /\.(pem|p12|key)$/.test(f))).toEqual([]);
  for (const f of files) {
    const text = readFileSync(path.join(folder, f), 'utf8');
    expect(text, f).not.toMatch(/TEST-?ONLY|-----BEGIN [A-Z ]*PRIVATE KEY-----\s*[A-Za-z0-9+/]{16}/);
    if (f.endsWith('.js')) expect(text, f).not.toMatch(/from ["']@qianyue\/|\.ts["']\)?;?$/m);
  }
}

suite('deploy folder (scripts/build-deploy.mjs)', () => {
  let dir: string;
  let work: string;
  let pgc: TestPostgres;
  let sandbox: FastifyInstance;
  let sandboxUrl: string;
  let buildMs: number;
  const running: DeployedProcess[] = [];

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'qianyue-deploy-'));
    dir = path.join(work, 'bff');
    const t0 = performance.now();
    buildDeployFolder(dir);
    buildMs = performance.now() - t0;
    buildDeployFolder(path.join(work, 'sandbox'), ['--sandbox']);
    pgc = await startPostgres();
    sandbox = await buildSandbox(testSandboxConfig(), { logger: false });
    await sandbox.listen({ port: 0, host: '127.0.0.1' });
    sandboxUrl = `http://127.0.0.1:${(sandbox.server.address() as { port: number }).port}`;
  }, 180_000);

  afterAll(async () => {
    for (const p of running) await p.stop();
    await sandbox?.close();
    await pgc?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const start = async (env: Record<string, string>) => {
    const p = await startDeployed(dir, { ...testEnv(sandboxUrl), ADMIN_TOKEN, ...env });
    running.push(p);
    return p;
  };
  const get = async (url: string, headers: Record<string, string> = {}) => {
    const res = await fetch(url, { headers });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };
  const post = async (url: string, body: unknown, token?: string) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  // Asynchronous: the sandbox the doctor calls answers from this process's event loop.
  const runDoctor = async (env: Record<string, string>) => {
    let out: string;
    try {
      const args = [path.join(dir, 'doctor.js'), '--json'];
      ({ stdout: out } = await execFileAsync(process.execPath, args, {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', ...env },
      }));
    } catch (err) {
      out = String((err as { stdout?: string }).stdout ?? ''); // exit 1: a check failed, the report is on stdout
    }
    return JSON.parse(out) as { ok: boolean; checks: Array<{ id: string; status: string }> };
  };
  const healthcheck = async (port: string) => {
    try {
      await execFileAsync(process.execPath, [path.join(dir, 'healthcheck.js')], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', BFF_PORT: port },
      });
      return 0;
    } catch (err) {
      return (err as { code?: number }).code;
    }
  };
  const login = async (url: string) => {
    const minted = await post(`${sandboxUrl}/__sandbox/login-code`, {});
    const res = await post(`${url}/v1/auth/login`, { code: minted.body.code });
    expect(res.status).toBe(200);
    return { token: res.body.token as string, openid: minted.body.openid as string };
  };

  it('holds compiled JavaScript, a lockfile and production dependencies only', () => {
    console.info(`deploy folder built and installed in ${(buildMs / 1000).toFixed(1)} s`);
    const files = listFiles(dir);
    expect(files).toEqual(
      expect.arrayContaining([
        'server.js',
        'doctor.js',
        'healthcheck.js',
        'Dockerfile',
        'package.json',
        'pnpm-lock.yaml',
      ]),
    );
    expectShippable(dir);

    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    expect(manifest.devDependencies).toBeUndefined();
    for (const [name, version] of Object.entries(manifest.dependencies)) {
      expect(version, name).toMatch(/^\d+\.\d+\.\d+/); // pinned, not a range
    }
    const installed = installedPackages(dir);
    expect(installed.has('fastify') && installed.has('pg') && installed.has('@electric-sql/pglite')).toBe(
      true,
    );
    // A workspace dev dependency may only be there because a production dependency needs it too
    // (@fastify/swagger-ui → @fastify/static); never on its own.
    const required = transitivelyRequired(dir);
    const dev = [...workspaceDevDependencies()].filter((d) => installed.has(d) && !required.has(d));
    expect(dev).toEqual([]);
    expect(required.size).toBeGreaterThan(20); // the lockfile was read
    expect([...installed].filter((d) => /^@qianyue\/|^(tsx|esbuild|typescript|vitest)$/.test(d))).toEqual([]);
  });

  it('runs with node against PostgreSQL: /readyz, a login, a presign, the console page, SIGTERM', {
    timeout: 90_000,
  }, async () => {
    const databaseUrl = await pgc.createDatabase(`deploy_${process.pid}`);
    const bff = await start({ DATABASE_URL: databaseUrl });

    expect((await get(`${bff.url}/healthz`)).status).toBe(200);
    const ready = await get(`${bff.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.text)).toMatchObject({ checks: { database: 'ok', keys: 'ok' } });

    const { token, openid } = await login(bff.url);
    const presign = await post(`${bff.url}/v1/contracts/presign`, { planKey: 'edu-monthly' }, token);
    expect(presign.status).toBe(200);
    expect(presign.body).toMatchObject({ reused: false, navigate: { appId: 'wx7a985467cbd06913' } });

    // The rows are in PostgreSQL: the compiled migrations ran there, and the presign was stored.
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const rows = await client.query('select openid, state from contracts');
      expect(rows.rows).toEqual([{ openid, state: 'PENDING' }]);
    } finally {
      await client.end();
    }

    // The console's page and script are read from files next to the bundle (copied as assets).
    const page = await get(`${bff.url}/admin/`);
    expect(page.status).toBe(200);
    expect(page.type).toMatch(/text\/html/);
    expect((await get(`${bff.url}/admin/console.js`)).status).toBe(200);
    // The modules console.js imports, copied as assets the same way.
    for (const module of ['charges.js', 'api-client.js', 'dom.js', 'chart.js']) {
      expect((await get(`${bff.url}/admin/${module}`)).status, module).toBe(200);
    }

    // Source maps: stack frames name the TypeScript files (no --enable-source-maps needed).
    const map = JSON.parse(readFileSync(path.join(dir, 'lib/server.js.map'), 'utf8')) as {
      sources: string[];
    };
    expect(map.sources).toEqual(['apps/bff/src/server.ts']); // repository-relative, no build-machine path

    // The compiled doctor, run beside it with the same variables, passes every check (database migrated,
    // signed call to the sandbox verified).
    const report = await runDoctor({ ...testEnv(sandboxUrl), ADMIN_TOKEN, DATABASE_URL: databaseUrl });
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(report.ok).toBe(true);

    // What the image's HEALTHCHECK runs: 0 while the BFF answers, 1 once it is gone.
    const port = new URL(bff.url).port;
    expect(await healthcheck(port)).toBe(0);
    expect(await bff.stop()).toBe(0);
    expect(await healthcheck(port)).toBe(1);
    expect(bff.output()).toMatch(/"signal":"SIGTERM".*"msg":"closing"/);
  });

  it('the compiled sandbox folder serves the compiled BFF with its generated dev keys (the demo, compiled)', {
    timeout: 90_000,
  }, async () => {
    const keys = path.join(work, 'sandbox-keys');
    const sandboxDir = path.join(work, 'sandbox');
    expectShippable(sandboxDir);
    const compiledSandbox = await startDeployed(
      sandboxDir,
      { SANDBOX_HOST: '127.0.0.1', SANDBOX_PORT: '0', SANDBOX_DATA_DIR: keys },
      { script: 'sandbox.js', listening: /sandbox listening on (http:\/\/127\.0\.0\.1:\d+)/ },
    );
    running.push(compiledSandbox);
    const bff = await startDeployed(dir, {
      WECHATPAY_MODE: 'sandbox',
      WECHATPAY_SANDBOX_URL: compiledSandbox.url,
      WECHATPAY_SANDBOX_KEYS_PATH: path.join(keys, 'sandbox-merchant.json'),
      NOTIFY_BASE_URL: 'http://127.0.0.1:9',
      SESSION_SECRET: testEnv(sandboxUrl).SESSION_SECRET as string,
      DATABASE_URL: await pgc.createDatabase(`deploy_demo_${process.pid}`),
    });
    running.push(bff);
    expect((await get(`${bff.url}/readyz`)).status).toBe(200);
    const minted = await post(`${compiledSandbox.url}/__sandbox/login-code`, {});
    const logged = await post(`${bff.url}/v1/auth/login`, { code: minted.body.code });
    expect(logged.status).toBe(200);
    const plans = await fetch(`${bff.url}/v1/plans`, {
      headers: { authorization: `Bearer ${logged.body.token}` },
    });
    const planKey = ((await plans.json()) as { plans: Array<{ planKey: string }> }).plans[0]?.planKey;
    const presign = await post(`${bff.url}/v1/contracts/presign`, { planKey }, logged.body.token as string);
    expect(presign.status).toBe(200);
    expect(await bff.stop()).toBe(0);
    expect(await compiledSandbox.stop()).toBe(0);
  });

  it('runs with node on the embedded PGlite database in a data directory', { timeout: 90_000 }, async () => {
    const bff = await start({ DATABASE_URL: path.join(work, 'pglite') });
    const ready = await get(`${bff.url}/readyz`);
    expect(ready.status).toBe(200);
    await login(bff.url);
    expect(await bff.stop()).toBe(0);
  });
});
