import type { Contract } from '@qianyue/api';
import { describe, expect, it } from 'vitest';
import {
  formatDate,
  hintFromExtraData,
  isSignSettled,
  OUTCOME_LABELS,
  outcomeOf,
  STATE_LABELS,
} from '../../src/services/contract-view.ts';
import { ApiError } from '../../src/services/errors.ts';
import { checkSignResult } from '../../src/services/signing.ts';
import { terminateAndConfirm } from '../../src/services/terminate.ts';
import { contract, createFakeTime } from '../support/fakes.ts';

const B = { initialMs: 500, factor: 2, maxMs: 4000 };

function scripted(answers: Array<Contract | ApiError>) {
  const calls: Array<{ id: string; reconcile?: boolean }> = [];
  return {
    calls,
    contract: async (id: string, q?: { reconcile?: boolean }) => {
      calls.push({ id, ...q });
      const a = answers[Math.min(calls.length, answers.length) - 1]!;
      if (a instanceof ApiError) throw a;
      return a;
    },
  };
}

describe('what the return page concludes', () => {
  it('shows the five plan states in Chinese', () => {
    expect(STATE_LABELS).toEqual({
      NONE: '未签约',
      PENDING: '确认中',
      SIGNED: '已签约',
      TERMINATED: '已解约',
      EXPIRED: '已过期',
    });
  });

  it('maps contract answers to outcomes', () => {
    expect(outcomeOf(contract({ state: 'SIGNED', confirming: false }))).toBe('signed');
    expect(outcomeOf(contract({ state: 'PENDING', confirming: false }))).toBe('not-signed');
    expect(outcomeOf(contract({ state: 'PENDING', confirming: true }))).toBe('confirming');
    expect(outcomeOf(contract({ state: 'TERMINATED', confirming: false }))).toBe('terminated');
    expect(outcomeOf(contract({ state: 'EXPIRED', confirming: false }))).toBe('expired');
    expect(OUTCOME_LABELS['not-signed']).toBe('未签约');
  });

  it('treats extraData only as a hint', () => {
    expect(hintFromExtraData({ return_code: 'SUCCESS', contract_id: 'x' })).toBe('success');
    expect(hintFromExtraData({ return_code: 'FAIL' })).toBe('fail');
    expect(hintFromExtraData(undefined)).toBe('unknown');
    expect(hintFromExtraData('SUCCESS')).toBe('unknown');
    // A success hint never makes a PENDING answer final; only the BFF can.
    expect(isSignSettled(contract({ state: 'PENDING', confirming: false }), 'success')).toBe(false);
    expect(isSignSettled(contract({ state: 'PENDING', confirming: false }), 'fail')).toBe(true);
    expect(isSignSettled(contract({ state: 'SIGNED', confirming: false }), 'fail')).toBe(true);
  });

  it('after a cancel hint, believes the first reconciled PENDING as "not signed" but never hides a SIGNED', async () => {
    const time = createFakeTime();
    const pending = scripted([contract({ state: 'PENDING', confirming: true })]);
    await expect(
      checkSignResult({ bff: pending, contractId: 'c1', hint: 'fail', ...time }),
    ).resolves.toMatchObject({
      status: 'settled',
      outcome: 'not-signed',
    });
    expect(pending.calls).toEqual([{ id: 'c1', reconcile: true }]);
    const signed = scripted([contract({ state: 'SIGNED', confirming: false })]);
    await expect(
      checkSignResult({ bff: signed, contractId: 'c1', hint: 'fail', ...time }),
    ).resolves.toMatchObject({
      outcome: 'signed',
    });
  });

  it('asks the BFF with reconcile=true until it is signed', async () => {
    const time = createFakeTime();
    const bff = scripted([contract(), contract(), contract({ state: 'SIGNED', confirming: false })]);
    const r = await checkSignResult({ bff, contractId: 'c1', ...time, backoff: B });
    expect(r).toMatchObject({ status: 'settled', outcome: 'signed' });
    expect(bff.calls).toEqual([
      { id: 'c1', reconcile: true },
      { id: 'c1', reconcile: true },
      { id: 'c1', reconcile: true },
    ]);
  });

  it('concludes "not signed" when the BFF is sure nothing was signed (user cancelled)', async () => {
    const time = createFakeTime();
    const bff = scripted([contract({ confirming: false })]);
    await expect(checkSignResult({ bff, contractId: 'c1', ...time })).resolves.toMatchObject({
      status: 'settled',
      outcome: 'not-signed',
    });
  });

  it('after a success hint, keeps asking past a "not yet" and settles when WeChat catches up', async () => {
    const time = createFakeTime();
    const bff = scripted([contract({ confirming: false }), contract({ state: 'SIGNED', confirming: false })]);
    const r = await checkSignResult({ bff, contractId: 'c1', hint: 'success', ...time, backoff: B });
    expect(r).toMatchObject({ status: 'settled', outcome: 'signed' });
  });

  it('says "still confirming" (never "not signed") when the deadline passes while PENDING', async () => {
    const time = createFakeTime();
    const bff = scripted([contract({ confirming: false })]);
    const r = await checkSignResult({
      bff,
      contractId: 'c1',
      hint: 'success',
      ...time,
      backoff: B,
      timeoutMs: 5000,
    });
    expect(r).toMatchObject({ status: 'timeout', outcome: 'confirming' });
  });

  it('throws a recoverable network error when the BFF never answered', async () => {
    const time = createFakeTime();
    const bff = scripted([new ApiError('MP_NETWORK_FAILED')]);
    await expect(
      checkSignResult({ bff, contractId: 'c1', ...time, backoff: B, timeoutMs: 3000 }),
    ).rejects.toMatchObject({
      code: 'MP_NETWORK_FAILED',
    });
  });

  it('terminates and returns at once when the BFF already says TERMINATED', async () => {
    const time = createFakeTime();
    const bff = {
      terminate: async () => contract({ state: 'TERMINATED', confirming: false }),
      contract: async () => {
        throw new Error('not called');
      },
    };
    await expect(terminateAndConfirm({ bff, contractId: 'c1', ...time })).resolves.toMatchObject({
      state: 'TERMINATED',
    });
  });

  it('after terminate, polls while the BFF still waits for WeChat', async () => {
    const time = createFakeTime();
    const q = scripted([
      contract({ state: 'SIGNED', confirming: true }),
      contract({ state: 'TERMINATED', confirming: false }),
    ]);
    const bff = {
      terminate: async () => contract({ state: 'SIGNED', confirming: true }),
      contract: q.contract,
    };
    await expect(terminateAndConfirm({ bff, contractId: 'c1', ...time, backoff: B })).resolves.toMatchObject({
      state: 'TERMINATED',
    });
    expect(q.calls).toHaveLength(2);
  });

  it('formats dates as yyyy-MM-dd HH:mm and tolerates missing ones', () => {
    expect(formatDate(undefined)).toBe('');
    expect(formatDate('not a date')).toBe('');
    expect(formatDate('2025-03-04T05:06:00')).toBe('2025-03-04 05:06');
  });
});
