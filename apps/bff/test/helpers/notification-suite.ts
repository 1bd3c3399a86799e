import { createSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { encryptResource } from '@qianyue/wechatpay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContractRow } from '../../src/db/database.ts';
import { fixture, fixtureText, type Harness } from './harness.ts';

export interface Vector {
  now: number;
  request: { headers: Record<string, string>; body: string };
  expect: { plaintext?: Record<string, unknown> };
}
export const vector = (name: string): Vector =>
  JSON.parse(readFileSync(fixture(`vectors/notifications/${name}.json`), 'utf8')) as Vector;

const VECTOR_OPENID = 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o';
const VECTOR_QS_CODE = 'QY20240501000002';

/** Puts a READY, PENDING contract in the database, as a presign would have. */
export async function seedPending(
  h: Harness,
  o: { family: 'edu-papay' | 'password-exempt'; outContractCode?: string; openid?: string },
): Promise<ContractRow> {
  const now = new Date(h.clock.now() * 1000);
  const planKey = o.family === 'edu-papay' ? 'edu-monthly' : 'vip-autopay';
  const claim = await h.app.contractsRepository.claimPresign({
    who: { openid: o.openid ?? VECTOR_OPENID, appId: 'wx-seed' },
    contract: {
      id: `c_seed_${Math.random().toString(36).slice(2)}`,
      planKey,
      family: o.family,
      outContractCode: o.outContractCode ?? `SEED${Math.random().toString(36).slice(2)}`,
      accountTemplate: 'seeded',
      periodStartDate: null,
      now,
    },
    reuseUntil: now,
    claimStaleBefore: now,
  });
  if (claim.kind !== 'claimed') throw new Error(`seed: unexpected ${claim.kind}`);
  await h.app.contractsRepository.completePresign(claim.row.id, {
    signToken: 'seed',
    navigate: JSON.stringify({ appId: 'x', path: 'y', extraData: {} }),
    expiresAt: new Date(now.getTime() + 7200_000),
    now,
  });
  const row = await h.app.contractsRepository.findById(claim.row.id);
  if (!row) throw new Error('seed: the claim vanished');
  return row;
}

/** Posts a notification (exact bytes) to a notify route. */
export async function postNotification(h: Harness, route: string, req: Vector['request']) {
  const res = await fetch(`${h.url}${route}`, { method: 'POST', headers: req.headers, body: req.body });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

/** Signs a notification of our own with the TEST-ONLY platform key (for cases the vectors do not cover). */
export function makeNotification(o: {
  now: number;
  id: string;
  eventType: string;
  resource: unknown;
  serial?: string;
}) {
  const apiV3Key = Buffer.from(fixtureText('apiv3-key.txt').trim());
  const nonce = 'AbCdEfGhIjKl';
  const ciphertext = encryptResource({
    apiV3Key,
    nonce,
    associatedData: 'papay',
    plaintext: JSON.stringify(o.resource),
  });
  const body = JSON.stringify({
    id: o.id,
    create_time: new Date(o.now * 1000).toISOString().replace('Z', '+00:00'),
    resource_type: 'encrypt-resource',
    event_type: o.eventType,
    summary: 'test',
    resource: {
      original_type: 'contract',
      algorithm: 'AEAD_AES_256_GCM',
      ciphertext,
      associated_data: 'papay',
      nonce,
    },
  });
  const ts = String(o.now);
  const wnonce = 'N0TIFYTESTONLY000000000000000000';
  const signature = createSign('RSA-SHA256')
    .update(`${ts}\n${wnonce}\n${body}\n`)
    .sign(fixtureText('platform/private-key.pem'), 'base64');
  return {
    headers: {
      'content-type': 'application/json',
      'wechatpay-timestamp': ts,
      'wechatpay-nonce': wnonce,
      'wechatpay-signature': signature,
      'wechatpay-serial': o.serial ?? fixtureText('platform/serial.txt').trim(),
      'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048',
    },
    body,
  };
}

/**
 * The notification behaviour every storage backend must show. `start` builds a harness whose clock the suite
 * sets to each vector's fixed `now`.
 */
export function notificationSuite(label: string, start: () => Promise<Harness>) {
  describe(`notifications (${label})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await start();
    });
    afterAll(async () => h?.close());

    const inboxCount = async () => (await h.app.inboxRepository.list()).length;
    const reset = async () => {
      await h.app.db.deleteFrom('notification_inbox').execute();
      await h.app.db.deleteFrom('contracts').execute();
    };

    it('edu SIGNING vector: verified, stored once, applied once (posted twice)', async () => {
      await reset();
      const v = vector('edu-papay-signed');
      h.clock.set(v.now);
      const c = await seedPending(h, { family: 'edu-papay' });
      const first = await postNotification(h, '/v1/notify/edu-papay', v.request);
      expect(first.status).toBe(204);
      const second = await postNotification(h, '/v1/notify/edu-papay', v.request);
      expect(second.status).toBe(204);
      const row = await h.app.contractsRepository.findById(c.id);
      expect(row?.state).toBe('SIGNED');
      expect(row?.wechat_contract_id).toBe('Wx15463511252015071056489715');
      const inbox = await h.app.inboxRepository.list();
      expect(inbox).toHaveLength(1);
      expect(inbox[0]).toMatchObject({
        event_type: 'ENTRUST.SIGNING',
        outcome: 'applied',
        contract_id: c.id,
      });
      expect(inbox[0]!.envelope).toBe(v.request.body);
    });

    it('concurrent duplicates of one notification are applied exactly once', async () => {
      await reset();
      const v = vector('qs-contract-signed');
      h.clock.set(v.now);
      const c = await seedPending(h, { family: 'password-exempt', outContractCode: VECTOR_QS_CODE });
      const answers = await Promise.all(
        Array.from({ length: 6 }, () => postNotification(h, '/v1/notify/password-exempt', v.request)),
      );
      expect(answers.map((a) => a.status)).toEqual([204, 204, 204, 204, 204, 204]);
      expect(await inboxCount()).toBe(1);
      const row = await h.app.contractsRepository.findById(c.id);
      expect(row?.state).toBe('SIGNED');
      expect(row?.wechat_contract_id).toBe('Wx20240501101058000000000002');
    });

    it('a resend with a NEW envelope id is still recognised as the same event', async () => {
      await reset();
      h.clock.set(1714529104);
      const c = await seedPending(h, { family: 'password-exempt', outContractCode: 'QYresend0001' });
      const resource = {
        mchid: '1900000109',
        appid: 'wxd678efh567hg6787',
        openid: VECTOR_OPENID,
        service_id: 12535,
        contract_id: 'WxRESEND0001',
        out_contract_code: 'QYresend0001',
        contract_state: 'SIGNED',
        contract_signed_time: '2024-05-01T10:04:58+08:00',
      };
      const a = makeNotification({ now: h.clock.now(), id: 'EV-A', eventType: 'ENTRUST.SIGN', resource });
      const b = makeNotification({ now: h.clock.now(), id: 'EV-B', eventType: 'ENTRUST.SIGN', resource });
      expect((await postNotification(h, '/v1/notify/password-exempt', a)).status).toBe(204);
      expect((await postNotification(h, '/v1/notify/password-exempt', b)).status).toBe(204);
      expect(await inboxCount()).toBe(1);
      expect((await h.app.contractsRepository.findById(c.id))?.state).toBe('SIGNED');
    });

    it('RELEASE before a late SIGNING: the contract stays TERMINATED', async () => {
      await reset();
      const signedV = vector('edu-papay-signed');
      const releasedV = vector('edu-papay-terminated');
      h.clock.set(signedV.now);
      const c = await seedPending(h, { family: 'edu-papay' });
      h.clock.set(releasedV.now);
      expect((await postNotification(h, '/v1/notify/edu-papay', releasedV.request)).status).toBe(204);
      expect((await h.app.contractsRepository.findById(c.id))?.state).toBe('TERMINATED');
      h.clock.set(signedV.now);
      expect((await postNotification(h, '/v1/notify/edu-papay', signedV.request)).status).toBe(204);
      const row = await h.app.contractsRepository.findById(c.id);
      expect(row?.state).toBe('TERMINATED');
      const outcomes = (await h.app.inboxRepository.list()).map((n) => [n.event_type, n.outcome]).sort();
      expect(outcomes).toEqual([
        ['ENTRUST.RELEASE', 'applied'],
        ['ENTRUST.SIGNING', 'unchanged'],
      ]);
    });

    it('matched by user and plan: only the newest handed-out contract WeChat has given no id yet', async () => {
      await reset();
      const releasedV = vector('edu-papay-terminated');
      const repo = h.app.contractsRepository;
      // An older contract of the user, EXPIRED unsigned; a newer one SIGNED under another WeChat contract id.
      h.clock.set(releasedV.now - 100);
      const older = await seedPending(h, { family: 'edu-papay' });
      await repo.transition(older.id, 'EXPIRED', { eventTime: new Date() });
      h.clock.set(releasedV.now - 50);
      const newer = await seedPending(h, { family: 'edu-papay' });
      await repo.transition(newer.id, 'SIGNED', {
        eventTime: new Date(),
        wechatContractId: 'WxSomeOtherContract',
      });
      // A RELEASE of a contract id we do not know is not pinned on the older contract.
      h.clock.set(releasedV.now);
      expect((await postNotification(h, '/v1/notify/edu-papay', releasedV.request)).status).toBe(204);
      expect((await h.app.inboxRepository.list()).map((n) => n.outcome)).toEqual(['unmatched']);
      expect(await repo.findById(older.id)).toMatchObject({ state: 'EXPIRED', wechat_contract_id: null });
      expect(await repo.findById(newer.id)).toMatchObject({
        state: 'SIGNED',
        wechat_contract_id: 'WxSomeOtherContract',
      });

      // A claim still waiting for WeChat's presign answer cannot be what the user signed.
      await reset();
      const signedV = vector('edu-papay-signed');
      h.clock.set(signedV.now);
      const now = new Date(signedV.now * 1000);
      const creating = await repo.claimPresign({
        who: { openid: VECTOR_OPENID, appId: 'wx-seed' },
        contract: {
          id: 'c_still_creating',
          planKey: 'edu-monthly',
          family: 'edu-papay',
          outContractCode: 'CREATING0001',
          accountTemplate: 'seeded',
          periodStartDate: null,
          now,
        },
        reuseUntil: now,
        claimStaleBefore: now,
      });
      expect(creating.kind).toBe('claimed');
      expect((await postNotification(h, '/v1/notify/edu-papay', signedV.request)).status).toBe(204);
      expect((await h.app.inboxRepository.list()).map((n) => n.outcome)).toEqual(['unmatched']);
      expect(await repo.findById('c_still_creating')).toMatchObject({
        state: 'PENDING',
        wechat_contract_id: null,
      });
    });

    const rejected: Array<[string, number]> = [
      ['tampered-bad-signature', 401],
      ['tampered-stale-timestamp', 401],
      ['tampered-undecryptable-resource', 400],
    ];
    for (const [name, status] of rejected) {
      it(`${name}: answers ${status} {code:FAIL} and changes nothing`, async () => {
        await reset();
        const v = vector(name);
        h.clock.set(v.now);
        const c = await seedPending(h, { family: 'edu-papay' });
        const res = await postNotification(h, '/v1/notify/edu-papay', v.request);
        expect(res.status).toBe(status);
        expect(res.body).toMatchObject({ code: 'FAIL' });
        expect(String(res.body?.message).length).toBeLessThanOrEqual(64);
        expect(await inboxCount()).toBe(0);
        expect((await h.app.contractsRepository.findById(c.id))?.state).toBe('PENDING');
      });
    }

    it('a probe signature (WECHATPAY/SIGNTEST/) → 401, nothing stored, counted', async () => {
      await reset();
      const v = vector('edu-papay-signed');
      h.clock.set(v.now);
      const headers = { ...v.request.headers, 'Wechatpay-Signature': 'WECHATPAY/SIGNTEST/abcdefghijklmnop' };
      const res = await postNotification(h, '/v1/notify/edu-papay', { ...v.request, headers });
      expect(res.status).toBe(401);
      expect(await inboxCount()).toBe(0);
      const metrics = await (await fetch(`${h.url}/metrics`)).text();
      expect(metrics).toMatch(/bff_notifications_total\{outcome="rejected_probe"\} [1-9]/);
    });

    it('an unknown Wechatpay-Serial → 500 (WeChat retries after the key is added), nothing stored', async () => {
      await reset();
      const v = vector('edu-papay-signed');
      h.clock.set(v.now);
      const headers = {
        ...v.request.headers,
        'Wechatpay-Serial': '7E57C0DE554E4B4E4F574E000000000000000003',
      };
      const res = await postNotification(h, '/v1/notify/edu-papay', { ...v.request, headers });
      expect(res.status).toBe(500);
      expect(res.body).toMatchObject({ code: 'FAIL' });
      expect(await inboxCount()).toBe(0);
    });

    it('missing signature headers → 401; a form-encoded body is refused with 415', async () => {
      await reset();
      const v = vector('edu-papay-signed');
      h.clock.set(v.now);
      const res = await postNotification(h, '/v1/notify/edu-papay', {
        headers: { 'content-type': 'application/json' },
        body: v.request.body,
      });
      expect(res.status).toBe(401);
      const text = await postNotification(h, '/v1/notify/edu-papay', {
        headers: { ...v.request.headers, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: v.request.body,
      });
      expect(text.status).toBe(415);
      expect(text.body).toMatchObject({ code: 'FAIL' });
      expect(await inboxCount()).toBe(0);
    });

    it('a verified notification for another merchant → 400, nothing stored', async () => {
      await reset();
      h.clock.set(1714529104);
      const n = makeNotification({
        now: h.clock.now(),
        id: 'EV-FOREIGN',
        eventType: 'ENTRUST.SIGN',
        resource: {
          mchid: '1999999999',
          appid: 'wxd678efh567hg6787',
          out_contract_code: 'X1',
          contract_state: 'SIGNED',
        },
      });
      const res = await postNotification(h, '/v1/notify/password-exempt', n);
      expect(res.status).toBe(400);
      expect(await inboxCount()).toBe(0);
    });

    it('a notification for no known contract is stored as unmatched and acknowledged', async () => {
      await reset();
      const v = vector('edu-papay-signed');
      h.clock.set(v.now);
      expect((await postNotification(h, '/v1/notify/edu-papay', v.request)).status).toBe(204);
      expect((await h.app.inboxRepository.list())[0]?.outcome).toBe('unmatched');
    });
  });
}
