import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { control, type Running, startSandbox } from './helpers.ts';

describe('control API and pages: hostile inputs and origins (issue 12, findings 9 and 10)', () => {
  let sb: Running | undefined;
  afterEach(async () => {
    await sb?.close();
    sb = undefined;
  });

  it('a query parameter given twice is a 400 with a code, never a 500', async () => {
    sb = await startSandbox();
    for (const p of ['/login?openid=a&openid=b', '/sign?presign_token=a&presign_token=b']) {
      const res = await fetch(sb.url + p);
      expect(res.status, p).toBe(400);
      expect(((await res.json()) as { code: string }).code).toBe('SANDBOX_BAD_REQUEST');
    }
    for (const p of ['/contracts?openid=a&openid=b', '/deliveries?contractId=a&contractId=b']) {
      const a = await control(sb.url, 'GET', p);
      expect([a.status, a.json.code], p).toEqual([400, 'SANDBOX_BAD_REQUEST']);
    }
  });

  it('never answers Access-Control-Allow-Origin: *; a foreign origin gets no CORS grant; a configured one does', async () => {
    sb = await startSandbox();
    const ask = (url: string, origin: string) =>
      fetch(`${url}/__sandbox/login-code`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin },
        body: '{}',
      });
    const foreign = await ask(sb.url, 'https://evil.example');
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    const loopback = await ask(sb.url, 'http://localhost:10086');
    expect(loopback.headers.get('access-control-allow-origin')).toBe('http://localhost:10086');
    await sb.close();
    sb = await startSandbox({ controlAllowOrigin: 'http://192.168.1.5:10086' });
    expect((await ask(sb.url, 'http://192.168.1.5:10086')).headers.get('access-control-allow-origin')).toBe(
      'http://192.168.1.5:10086',
    );
    // With an origin configured, loopback pages are no longer let in either.
    expect(
      (await ask(sb.url, 'http://127.0.0.1:10086')).headers.get('access-control-allow-origin'),
    ).toBeNull();
  });

  it('a client trickling its request is cut off after requestTimeoutMs', async () => {
    sb = await startSandbox({ requestTimeoutMs: 1000 });
    const { port } = new URL(sb.url);
    const started = Date.now();
    const closedAfter = await new Promise<number>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write('GET /__sandbox/health HTTP/1.1\r\nHost: x\r\n');
        const drip = setInterval(() => socket.write('X-Slow: 1\r\n'), 200);
        socket.on('close', () => {
          clearInterval(drip);
          resolve(Date.now() - started);
        });
      });
      socket.on('error', () => {});
      setTimeout(() => reject(new Error('still open after 8 s')), 8000);
    });
    expect(closedAfter).toBeLessThan(4000);
  });
});
