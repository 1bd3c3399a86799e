import { describe, expect, it } from 'vitest';
import { ApiError, transportErrorCode } from '../../src/services/errors.ts';
import { buildUrl, createHttpClient } from '../../src/services/http.ts';
import { createScriptedTransport } from '../support/fakes.ts';

describe('http client over a transport', () => {
  it('joins base URL, path and query, dropping undefined values', () => {
    expect(buildUrl('http://127.0.0.1:8700/', '/v1/contracts/a%2Fb', { reconcile: true, x: undefined })).toBe(
      'http://127.0.0.1:8700/v1/contracts/a%2Fb?reconcile=true',
    );
  });

  it('returns the parsed body of a 2xx answer and sends the bearer token and JSON headers', async () => {
    const t = createScriptedTransport(() => ({ status: 200, data: '{"plans":[]}' }));
    const http = createHttpClient({ baseUrl: 'http://bff', transport: t, timeoutMs: 1234 });
    await expect(http.send({ method: 'POST', path: '/v1/x', body: { a: 1 }, token: 'tok' })).resolves.toEqual(
      {
        plans: [],
      },
    );
    expect(t.calls[0]).toMatchObject({
      method: 'POST',
      url: 'http://bff/v1/x',
      body: { a: 1 },
      timeoutMs: 1234,
      headers: { Authorization: 'Bearer tok', 'Content-Type': 'application/json' },
    });
  });

  it('sends no Content-Type and no Authorization when there is no body and no token', async () => {
    const t = createScriptedTransport(() => ({ status: 200, data: {} }));
    await createHttpClient({ baseUrl: 'http://bff', transport: t }).send({
      method: 'GET',
      path: '/v1/plans',
    });
    expect(t.calls[0]!.headers).toEqual({ Accept: 'application/json' });
  });

  it('turns a non-2xx answer into an ApiError carrying the BFF code and status, not its text', async () => {
    const t = createScriptedTransport(() => ({
      status: 409,
      data: { code: 'BFF_ALREADY_SIGNED', message: 'secret-ish server text', requestId: 'r-1' },
    }));
    const err = await createHttpClient({ baseUrl: 'http://bff', transport: t })
      .send({ method: 'POST', path: '/v1/contracts/presign', body: {} })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'BFF_ALREADY_SIGNED', status: 409, requestId: 'r-1' });
    expect((err as Error).message).not.toContain('secret-ish');
  });

  it('codes an answer without an error body as malformed (4xx) or internal (5xx)', async () => {
    const four = createScriptedTransport(() => ({ status: 404, data: '<html>nginx</html>' }));
    const five = createScriptedTransport(() => ({ status: 502, data: null }));
    await expect(
      createHttpClient({ baseUrl: 'b', transport: four }).send({ method: 'GET', path: '/' }),
    ).rejects.toMatchObject({ code: 'MP_ANSWER_MALFORMED', status: 404 });
    await expect(
      createHttpClient({ baseUrl: 'b', transport: five }).send({ method: 'GET', path: '/' }),
    ).rejects.toMatchObject({ code: 'BFF_INTERNAL', status: 502 });
  });

  it('lets a transport failure (no answer) through unchanged', async () => {
    const t = createScriptedTransport(() => {
      throw new ApiError('MP_NETWORK_TIMEOUT');
    });
    await expect(
      createHttpClient({ baseUrl: 'b', transport: t }).send({ method: 'GET', path: '/' }),
    ).rejects.toMatchObject({
      code: 'MP_NETWORK_TIMEOUT',
      status: 0,
    });
  });

  it('classifies request failures of both platforms as timeout or network loss', () => {
    expect(transportErrorCode({ errMsg: 'request:fail timeout' })).toBe('MP_NETWORK_TIMEOUT');
    expect(
      transportErrorCode(Object.assign(new Error('The user aborted a request.'), { name: 'AbortError' })),
    ).toBe('MP_NETWORK_TIMEOUT');
    expect(transportErrorCode(new TypeError('Failed to fetch'))).toBe('MP_NETWORK_FAILED');
    expect(transportErrorCode({ errMsg: 'request:fail net::ERR_CONNECTION_REFUSED' })).toBe(
      'MP_NETWORK_FAILED',
    );
    expect(transportErrorCode(undefined)).toBe('MP_NETWORK_FAILED');
  });
});
