import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/services/errors.ts';
import { backoffDelay, createAbortable, poll } from '../../src/services/poll.ts';
import { createFakeTime } from '../support/fakes.ts';

const B = { initialMs: 1000, factor: 2, maxMs: 5000 };

describe('polling with backoff', () => {
  it('grows waits exponentially from the initial delay and caps them', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, B))).toEqual([1000, 2000, 4000, 5000, 5000, 5000]);
  });

  it('asks at once and stops as soon as the answer is done, without sleeping', async () => {
    const time = createFakeTime();
    const r = await poll({ fetch: async () => 'SIGNED', isDone: (v) => v === 'SIGNED', ...time, backoff: B });
    expect(r).toEqual({ status: 'done', value: 'SIGNED', attempts: 1 });
    expect(time.sleeps).toEqual([]);
  });

  it('keeps asking with growing waits until done, reporting each attempt', async () => {
    const time = createFakeTime();
    const answers = ['PENDING', 'PENDING', 'PENDING', 'SIGNED'];
    const seen: number[] = [];
    const r = await poll({
      fetch: async (n) => answers[n - 1]!,
      isDone: (v) => v === 'SIGNED',
      onProgress: (p) => seen.push(p.attempt),
      ...time,
      backoff: B,
      timeoutMs: 60_000,
    });
    expect(r).toMatchObject({ status: 'done', value: 'SIGNED', attempts: 4 });
    expect(time.sleeps).toEqual([1000, 2000, 4000]);
    expect(seen).toEqual([1, 2, 3, 4]);
  });

  it('times out with the last answer, never sleeping past the deadline', async () => {
    const time = createFakeTime();
    const start = time.now();
    const r = await poll({
      fetch: async () => 'PENDING',
      isDone: () => false,
      ...time,
      backoff: B,
      timeoutMs: 10_000,
    });
    expect(r).toMatchObject({ status: 'timeout', value: 'PENDING' });
    // 1000 + 2000 + 4000 = 7000; the next wait (5000) would end at 12000 > 10000, so it stops.
    expect(time.sleeps).toEqual([1000, 2000, 4000]);
    expect(time.now() - start).toBeLessThanOrEqual(10_000);
  });

  it('rides through transient errors (network, timeout, 5xx) and keeps the last good answer', async () => {
    const time = createFakeTime();
    const script: Array<() => string> = [
      () => {
        throw new ApiError('MP_NETWORK_FAILED');
      },
      () => {
        throw new ApiError('BFF_UPSTREAM_UNAVAILABLE', { status: 503 });
      },
      () => 'SIGNED',
    ];
    const r = await poll({
      fetch: async (n) => script[n - 1]!(),
      isDone: (v) => v === 'SIGNED',
      ...time,
      backoff: B,
    });
    expect(r).toMatchObject({ status: 'done', attempts: 3 });
  });

  it('ends at once on an error that asking again cannot fix', async () => {
    const time = createFakeTime();
    await expect(
      poll({
        fetch: async () => {
          throw new ApiError('BFF_CONTRACT_NOT_FOUND', { status: 404 });
        },
        isDone: () => true,
        ...time,
      }),
    ).rejects.toMatchObject({ code: 'BFF_CONTRACT_NOT_FOUND' });
    expect(time.sleeps).toEqual([]);
  });

  it('reports timeout with the error when no answer ever came', async () => {
    const time = createFakeTime();
    const r = await poll({
      fetch: async () => {
        throw new ApiError('MP_NETWORK_TIMEOUT');
      },
      isDone: () => true,
      ...time,
      backoff: B,
      timeoutMs: 3000,
    });
    expect(r.status).toBe('timeout');
    expect(r).not.toHaveProperty('value');
    expect((r as { error: ApiError }).error.code).toBe('MP_NETWORK_TIMEOUT');
  });

  it('stops when aborted (the page went away)', async () => {
    const time = createFakeTime();
    const ctl = createAbortable();
    const r = await poll({
      fetch: async (n) => {
        if (n === 2) ctl.abort();
        return 'PENDING';
      },
      isDone: () => false,
      ...time,
      signal: ctl.signal,
      backoff: B,
    });
    expect(r).toEqual({ status: 'aborted', attempts: 2 });
  });
});
