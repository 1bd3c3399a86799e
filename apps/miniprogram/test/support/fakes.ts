import type { Contract } from '@qianyue/api';
import type { Transport, TransportRequest, TransportResponse } from '../../src/services/http.ts';

/** A clock that only moves when the code under test sleeps: no real waiting, no timed assertions. */
export function createFakeTime(start = 1_700_000_000_000) {
  let t = start;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    advance: (ms: number) => {
      t += ms;
    },
    sleeps,
  };
}

/** A transport answering from a queue of handlers, recording every request. */
export function createScriptedTransport(
  handler: (req: TransportRequest, n: number) => TransportResponse | Promise<TransportResponse>,
): Transport & { calls: TransportRequest[] } {
  const calls: TransportRequest[] = [];
  const t = (async (req: TransportRequest) => {
    calls.push(req);
    return handler(req, calls.length);
  }) as Transport & { calls: TransportRequest[] };
  t.calls = calls;
  return t;
}

export function contract(over: Partial<Contract> = {}): Contract {
  return {
    contractId: 'c1',
    planKey: 'edu-monthly',
    planName: '教育月度续费',
    family: 'edu-papay',
    state: 'PENDING',
    displayAccount: '张三',
    createdAt: '2025-01-01T00:00:00.000Z',
    confirming: true,
    ...over,
  };
}
