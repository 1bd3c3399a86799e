import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSandbox } from '@qianyue/sandbox';
import { testSandboxConfig } from '@qianyue/sandbox/testing';
import { Pool } from 'undici';
import { describe, expect, it } from 'vitest';
import { testEnv } from './helpers/harness.ts';
import { CLOSE_BOUND_MS, heldUpstream, within } from './helpers/shutdown.ts';

/*
 * What a deploy does to the BFF: SIGTERM to the real process (apps/bff/src/server.ts, close-with-grace with its
 * 10 s grace, the default 72 s keep-alive) while a client keeps its connection and a request is in flight.
 */
describe('shutdown: the BFF process on SIGTERM (server.ts, close-with-grace)', () => {
  const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

  it('answers the login in flight, then exits 0 well inside the 10 s grace', async () => {
    const sandbox = await buildSandbox(testSandboxConfig(), { logger: false });
    await sandbox.listen({ port: 0, host: '127.0.0.1' });
    const sandboxUrl = `http://127.0.0.1:${(sandbox.server.address() as { port: number }).port}`;
    const upstream = heldUpstream(() => sandboxUrl);
    const upstreamUrl = await upstream.listen();
    const proc = spawn(path.join(REPO, 'node_modules/.bin/tsx'), ['apps/bff/src/server.ts'], {
      cwd: REPO,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        ...testEnv(sandboxUrl, { WECHAT_API_BASE_URL: upstreamUrl, BFF_HOST: '127.0.0.1', BFF_PORT: '0' }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    let client: Pool | undefined;
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const onData = (d: Buffer) => {
          out += d.toString('utf8');
          const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) resolve(m[1]!);
        };
        proc.stdout.on('data', onData);
        proc.stderr.on('data', onData);
        void exited.then((code) => reject(new Error(`server.ts exited (${code}) before listening:\n${out}`)));
      });
      client = new Pool(url, { connections: 1, keepAliveTimeout: 600_000, keepAliveMaxTimeout: 600_000 });
      const pool = client;
      const login = async () => {
        const minted = (await (
          await fetch(`${sandboxUrl}/__sandbox/login-code`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{}',
          })
        ).json()) as { code: string };
        const res = await pool.request({
          method: 'POST',
          path: '/v1/auth/login',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ code: minted.code }),
        });
        return { status: res.statusCode, connection: res.headers.connection, body: await res.body.json() };
      };
      expect((await login()).connection).toBe('keep-alive');
      const held = upstream.hold();
      const inFlight = login();
      await held;
      const stopped = within(exited, CLOSE_BOUND_MS);
      proc.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 50));
      upstream.release();
      const answer = await inFlight;
      expect(answer).toMatchObject({ status: 200, connection: 'close', body: { token: expect.any(String) } });
      expect(await stopped).toBeLessThan(CLOSE_BOUND_MS);
      expect(proc.exitCode).toBe(0);
      expect(out).toMatch(/"signal":"SIGTERM".*"msg":"closing"/);
      expect(out).not.toContain('grace period');
    } finally {
      if (proc.exitCode === null) proc.kill('SIGKILL');
      await exited;
      await client?.destroy();
      await upstream.close();
      await sandbox.close();
    }
  }, 60_000);
});
