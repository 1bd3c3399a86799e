import type { Contract, PresignReply } from '@qianyue/api';
import { describe, expect, it } from 'vitest';
import type { SignStart } from '../../src/platform/platform.ts';
import { ApiError } from '../../src/services/errors.ts';
import { createPendingSignStore } from '../../src/services/pending-sign.ts';
import { createContractSigning } from '../../src/services/signing.ts';
import { createMemoryStore, STORAGE_KEYS } from '../../src/services/storage.ts';
import { contract, createFakeTime } from '../support/fakes.ts';

const SIGNER = 'wx7a985467cbd06913';
const B = { initialMs: 500, factor: 2, maxMs: 4000 };

function presignReply(over: Partial<PresignReply> = {}): PresignReply {
  return {
    contractId: 'ct_1',
    navigate: { appId: SIGNER, path: 'pages/index/index', extraData: { presign_token: 'pt-1' } },
    expiresAt: new Date(1_700_000_000_000 + 3_600_000).toISOString(),
    reused: false,
    ...over,
  };
}

/** The flow with fakes around it: a scripted BFF and platform, a memory store, a fake clock. */
function setup(
  o: {
    presign?: () => Promise<PresignReply>;
    startSign?: () => Promise<SignStart>;
    answers?: Contract[];
    returnHint?: 'success' | 'fail' | 'unknown';
  } = {},
) {
  const time = createFakeTime();
  const store = createMemoryStore();
  const pending = createPendingSignStore(store, time.now);
  const opened: string[] = [];
  const jumps: unknown[] = [];
  const queries: Array<{ id: string; reconcile?: boolean }> = [];
  const answers = o.answers ?? [contract({ contractId: 'ct_1', state: 'SIGNED', confirming: false })];
  const flow = createContractSigning({
    bff: {
      presign: o.presign ?? (async () => presignReply()),
      contract: async (id, q) => {
        queries.push({ id, ...q });
        return answers[Math.min(queries.length, answers.length) - 1]!;
      },
    },
    platform: {
      startSign: async (s) => {
        jumps.push(s);
        return o.startSign ? o.startSign() : { kind: 'jumped' };
      },
      returnHint: () => o.returnHint ?? 'unknown',
    },
    pending,
    openPage: (url) => opened.push(url),
    now: time.now,
    sleep: time.sleep,
    backoff: B,
    timeoutMs: 10_000,
  });
  const stored = () => store.get<{ contractId: string }>(STORAGE_KEYS.pendingSign);
  return { flow, time, opened, jumps, queries, stored };
}

describe('signing flow: start (the tap)', () => {
  it('presigns, remembers the attempt, then jumps with exactly the BFF target', async () => {
    const t = setup();
    await expect(t.flow.start('edu-monthly')).resolves.toBe('jumped');
    expect(t.jumps).toEqual([{ navigate: presignReply().navigate, contractId: 'ct_1' }]);
    expect(t.stored()).toEqual({
      contractId: 'ct_1',
      planKey: 'edu-monthly',
      appId: SIGNER,
      expiresAt: 1_700_000_000_000 + 3_600_000,
    });
  });

  it('saves the attempt BEFORE the jump (a return can come before the promise settles)', async () => {
    let seen: unknown;
    const t = setup({
      startSign: async () => {
        seen = t.stored();
        return { kind: 'jumped' };
      },
    });
    await t.flow.start('edu-monthly');
    expect(seen).toMatchObject({ contractId: 'ct_1' });
  });

  it('forgets the attempt when the user declines the jump dialog (a normal state, no error)', async () => {
    const t = setup({ startSign: async () => ({ kind: 'cancelled' }) });
    await expect(t.flow.start('edu-monthly')).resolves.toBe('cancelled');
    expect(t.stored()).toBeUndefined();
    expect(t.flow.resume()).toBe(false);
    expect(t.opened).toEqual([]);
  });

  it('forgets the attempt when the jump fails, and passes the error on', async () => {
    const t = setup({
      startSign: async () => {
        throw new ApiError('MP_NAVIGATE_FAILED');
      },
    });
    await expect(t.flow.start('edu-monthly')).rejects.toMatchObject({ code: 'MP_NAVIGATE_FAILED' });
    expect(t.stored()).toBeUndefined();
  });

  it('never jumps or remembers anything when the BFF refuses the presign', async () => {
    const t = setup({
      presign: async () => {
        throw new ApiError('BFF_ALREADY_SIGNED', { status: 409 });
      },
    });
    await expect(t.flow.start('edu-monthly')).rejects.toMatchObject({ code: 'BFF_ALREADY_SIGNED' });
    expect(t.jumps).toEqual([]);
    expect(t.stored()).toBeUndefined();
  });

  it('trusts a presign without a usable expiry for two hours of the injected clock', async () => {
    const t = setup({ presign: async () => presignReply({ expiresAt: 'not a date' }) });
    await t.flow.start('edu-monthly');
    expect(t.stored()).toMatchObject({ expiresAt: t.time.now() + 7_200_000 });
  });
});

describe('signing flow: the return (App onShow → page onShow)', () => {
  it("opens the result page with the signing mini-program's hint", async () => {
    const t = setup();
    await t.flow.start('edu-monthly');
    t.flow.appShown({ scene: 1038, referrerInfo: { appId: SIGNER, extraData: { return_code: 'SUCCESS' } } });
    expect(t.flow.resume()).toBe(true);
    expect(t.opened).toEqual(['/pages/result/index?contractId=ct_1&hint=success']);
  });

  it('ignores extraData from another mini-program (only a hint, and not ours)', async () => {
    const t = setup();
    await t.flow.start('edu-monthly');
    t.flow.appShown({ referrerInfo: { appId: 'wx-someone-else', extraData: { return_code: 'SUCCESS' } } });
    t.flow.resume();
    expect(t.opened).toEqual(['/pages/result/index?contractId=ct_1&hint=unknown']);
  });

  it('drops the show hint on hide: a relaunch with a pending attempt still opens its result, without a hint', async () => {
    const t = setup();
    await t.flow.start('edu-monthly');
    t.flow.appShown({ referrerInfo: { appId: SIGNER, extraData: { return_code: 'FAIL' } } });
    t.flow.appHidden();
    expect(t.flow.resume()).toBe(true);
    expect(t.opened).toEqual(['/pages/result/index?contractId=ct_1&hint=unknown']);
  });

  it('does nothing on a show with no attempt pending, or one whose presign has expired', async () => {
    const t = setup();
    expect(t.flow.resume()).toBe(false);
    await t.flow.start('edu-monthly');
    t.time.advance(3_600_001);
    expect(t.flow.resume()).toBe(false);
    expect(t.opened).toEqual([]);
    expect(t.stored()).toBeUndefined();
  });
});

describe('signing flow: the result check', () => {
  it('claims the attempt once, so later shows stay on their page', async () => {
    const t = setup({
      answers: [
        contract({ contractId: 'ct_1' }),
        contract({ contractId: 'ct_1', state: 'SIGNED', confirming: false }),
      ],
    });
    await t.flow.start('edu-monthly');
    t.flow.appShown({ referrerInfo: { appId: SIGNER, extraData: { return_code: 'SUCCESS' } } });
    expect(t.flow.resume()).toBe(true);
    const r = await t.flow.check({ contractId: 'ct_1', hint: 'success' });
    expect(r).toMatchObject({ status: 'settled', outcome: 'signed' });
    expect(t.queries).toEqual([
      { id: 'ct_1', reconcile: true },
      { id: 'ct_1', reconcile: true },
    ]);
    // Waited with the injected clock only (first backoff step), no real time.
    expect(t.time.sleeps).toEqual([500]);
    expect(t.stored()).toBeUndefined();
    // Back on the plans page: nothing pending any more, no second result page.
    expect(t.flow.resume()).toBe(false);
    expect(t.opened).toHaveLength(1);
  });

  it("leaves another attempt's record alone (H5: a stale result link)", async () => {
    const t = setup();
    await t.flow.start('edu-monthly');
    await t.flow.check({ contractId: 'ct_other', hint: 'unknown' });
    expect(t.stored()).toMatchObject({ contractId: 'ct_1' });
  });

  it('says "still confirming" at the deadline of the injected clock, never "not signed"', async () => {
    const t = setup({ answers: [contract({ contractId: 'ct_1', confirming: false })] });
    const r = await t.flow.check({ contractId: 'ct_1', hint: 'success' });
    expect(r).toMatchObject({ status: 'timeout', outcome: 'confirming' });
    // 500 + 1000 + 2000 + 4000 of fake time; the next 4000 would cross the 10 s deadline.
    expect(t.time.sleeps).toEqual([500, 1000, 2000, 4000]);
  });

  it("takes the route's hint first, else the platform's (H5 return_url)", () => {
    const t = setup({ returnHint: 'fail' });
    expect(t.flow.returnHint('success')).toBe('success');
    expect(t.flow.returnHint(undefined)).toBe('fail');
    expect(t.flow.returnHint('bogus')).toBe('fail');
  });
});
