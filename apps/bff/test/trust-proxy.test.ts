import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './helpers/harness.ts';

/** Issue 12 finding 1: a spoofed X-Forwarded-For must not buy a fresh rate-limit bucket. */
describe('TRUST_PROXY and the login rate limit', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function bogusLogins(forwardedFor: (i: number) => string, n = 5): Promise<number[]> {
    const statuses: number[] = [];
    for (let i = 0; i < n; i++) {
      const res = await h!.call('POST', '/v1/auth/login', {
        body: { code: `bogus-code-${i}` },
        headers: { 'x-forwarded-for': forwardedFor(i) },
      });
      statuses.push(res.status);
    }
    return statuses;
  }

  it('trusting only the proxy address: the client is what the proxy appended, whatever the client wrote', async () => {
    // The test client plays the proxy on 127.0.0.1; 203.0.113.7 is the client it appended after the spoof.
    h = await startHarness({ env: { TRUST_PROXY: '127.0.0.1', LOGIN_RATE_LIMIT_MAX: '3' } });
    const statuses = await bogusLogins((i) => `198.51.100.${i}, 203.0.113.7`);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });

  it('not behind a proxy (default): X-Forwarded-For is ignored', async () => {
    h = await startHarness({ env: { LOGIN_RATE_LIMIT_MAX: '3' } });
    expect(await bogusLogins((i) => `198.51.100.${i}`)).toEqual([401, 401, 401, 429, 429]);
  });

  it('a proxy list that does not include the sender: its X-Forwarded-For is not believed', async () => {
    h = await startHarness({ env: { TRUST_PROXY: '10.0.0.0/8', LOGIN_RATE_LIMIT_MAX: '3' } });
    expect(await bogusLogins((i) => `198.51.100.${i}`)).toEqual([401, 401, 401, 429, 429]);
  });

  it('why `true` is refused in production: with it every spoofed request gets its own bucket', async () => {
    h = await startHarness({ env: { TRUST_PROXY: 'true', LOGIN_RATE_LIMIT_MAX: '3' } });
    expect(await bogusLogins((i) => `198.51.100.${i}`)).toEqual([401, 401, 401, 401, 401]);
  });
});
