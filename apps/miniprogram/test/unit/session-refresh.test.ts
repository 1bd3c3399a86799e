import type { LoginReply } from '@qianyue/api';
import { describe, expect, it } from 'vitest';
import { createBffClient } from '../../src/services/bff.ts';
import { ApiError } from '../../src/services/errors.ts';
import { createHttpClient } from '../../src/services/http.ts';
import { createSession } from '../../src/services/session.ts';
import { createMemoryStore, STORAGE_KEYS } from '../../src/services/storage.ts';
import { createScriptedTransport } from '../support/fakes.ts';

const NOW = Date.parse('2025-06-01T00:00:00Z');

function setup(o: {
  answer: (url: string, auth: string | undefined, n: number) => { status: number; data: unknown };
}) {
  const store = createMemoryStore();
  let codes = 0;
  let logins = 0;
  const transport = createScriptedTransport((req, n) => {
    if (req.url.endsWith('/v1/auth/login')) {
      logins += 1;
      return {
        status: 200,
        data: {
          token: `tok-${logins}`,
          expiresAt: new Date(NOW + 3_600_000).toISOString(),
        } satisfies LoginReply,
      };
    }
    return o.answer(req.url, req.headers['Authorization'], n);
  });
  const http = createHttpClient({ baseUrl: 'http://bff', transport });
  const holder: { session?: ReturnType<typeof createSession> } = {};
  const bff = createBffClient({ http, session: () => holder.session! });
  holder.session = createSession({
    store,
    now: () => NOW,
    loginCode: async () => {
      codes += 1;
      return `code-${codes}`;
    },
    exchange: (code) => bff.login(code),
  });
  return { store, transport, bff, session: holder.session, counts: () => ({ codes, logins }) };
}

const ok = { status: 200, data: { plans: [] } };

describe('session token and silent refresh', () => {
  it('logs in once on first use, sends the login code, and reuses the stored token', async () => {
    const s = setup({ answer: () => ok });
    await s.bff.plans();
    await s.bff.plans();
    expect(s.counts()).toEqual({ codes: 1, logins: 1 });
    expect(s.transport.calls[0]).toMatchObject({ method: 'POST', body: { code: 'code-1' } });
    expect(
      s.transport.calls.filter((c) => c.url.endsWith('/v1/plans')).map((c) => c.headers['Authorization']),
    ).toEqual(['Bearer tok-1', 'Bearer tok-1']);
    expect(s.store.get(STORAGE_KEYS.session)).toMatchObject({ token: 'tok-1' });
  });

  it('runs one login for concurrent first requests', async () => {
    const s = setup({ answer: () => ok });
    await Promise.all([s.bff.plans(), s.bff.contracts(), s.bff.plans()]);
    expect(s.counts().logins).toBe(1);
  });

  it('logs in again before use when the stored token is about to expire', async () => {
    const s = setup({ answer: () => ok });
    s.store.set(STORAGE_KEYS.session, { token: 'old', expiresAt: NOW + 10_000 });
    await s.bff.plans();
    expect(s.counts().logins).toBe(1);
    expect(s.transport.calls.at(-1)!.headers['Authorization']).toBe('Bearer tok-1');
  });

  it.each(['BFF_SESSION_EXPIRED', 'BFF_UNAUTHENTICATED'])(
    'on 401 %s logs in again silently and retries the request once',
    async (code) => {
      const s = setup({
        answer: (_url, auth) =>
          auth === 'Bearer stale' ? { status: 401, data: { code, message: 'x' } } : ok,
      });
      s.store.set(STORAGE_KEYS.session, { token: 'stale', expiresAt: NOW + 3_600_000 });
      await expect(s.bff.plans()).resolves.toEqual({ plans: [] });
      expect(s.counts().logins).toBe(1);
      expect(s.transport.calls.filter((c) => c.url.endsWith('/v1/plans'))).toHaveLength(2);
    },
  );

  it('gives up after one refresh when the fresh token is refused too', async () => {
    const s = setup({ answer: () => ({ status: 401, data: { code: 'BFF_SESSION_EXPIRED', message: 'x' } }) });
    await expect(s.bff.plans()).rejects.toMatchObject({ code: 'BFF_SESSION_EXPIRED', status: 401 });
    expect(s.counts().logins).toBe(2); // the first token, then one refresh
  });

  it('does not retry other errors', async () => {
    const s = setup({
      answer: () => ({ status: 404, data: { code: 'BFF_CONTRACT_NOT_FOUND', message: 'x' } }),
    });
    await expect(s.bff.contract('nope')).rejects.toMatchObject({ code: 'BFF_CONTRACT_NOT_FOUND' });
    expect(s.transport.calls.filter((c) => c.url.includes('/v1/contracts/'))).toHaveLength(1);
  });

  it('reports a platform login failure as MP_LOGIN_FAILED and recovers on the next try', async () => {
    const store = createMemoryStore();
    let fail = true;
    const session = createSession({
      store,
      now: () => NOW,
      loginCode: async () => {
        if (fail) throw new Error('wx.login:fail');
        return 'c';
      },
      exchange: async () => ({ token: 't', expiresAt: new Date(NOW + 3_600_000).toISOString() }),
    });
    await expect(session.token()).rejects.toMatchObject({ code: 'MP_LOGIN_FAILED' });
    fail = false;
    await expect(session.token()).resolves.toBe('t');
  });

  it('keeps a coded login error from the BFF (e.g. blocked user) as it is', async () => {
    const session = createSession({
      store: createMemoryStore(),
      loginCode: async () => 'c',
      exchange: async () => {
        throw new ApiError('BFF_LOGIN_BLOCKED', { status: 403 });
      },
    });
    await expect(session.token()).rejects.toMatchObject({ code: 'BFF_LOGIN_BLOCKED' });
  });

  it('fills contract ids into the path encoded, and asks for reconcile only when told', async () => {
    const s = setup({ answer: () => ({ status: 200, data: {} }) });
    await s.bff.contract('a/b', { reconcile: true });
    await s.bff.terminate('c1');
    const urls = s.transport.calls.slice(1).map((c) => `${c.method} ${c.url}`);
    expect(urls).toEqual([
      'GET http://bff/v1/contracts/a%2Fb?reconcile=true',
      'POST http://bff/v1/contracts/c1/terminate',
    ]);
  });
});
