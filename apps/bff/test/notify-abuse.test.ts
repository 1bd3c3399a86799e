import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, migrateToLatest } from '../src/db/create-database.ts';
import { createRejectionsRepository } from '../src/db/rejections-repository.ts';
import { notifySource } from '../src/plugins/notify-guard.ts';
import { type Harness, LogCapture, startHarness } from './helpers/harness.ts';
import { makeNotification, postNotification, vector } from './helpers/notification-suite.ts';

/*
 * Issue 12 finding 4: the notify URLs are public, so a refused post must cost little and store little.
 * Unverified posts are limited per source; refused posts are aggregated (source + reason → count, first and
 * last seen) instead of one row each; an unknown Wechatpay-Serial is answered without an error-level stack
 * trace and logged once per serial per minute.
 */
const MAX = 30;
const unsigned = { headers: { 'content-type': 'application/json' }, body: '{"id":"x"}' };

describe('notification floods', () => {
  let h: Harness;
  const logs = new LogCapture();
  beforeAll(async () => {
    h = await startHarness({ logs, env: { NOTIFY_UNVERIFIED_MAX_PER_MINUTE: String(MAX) } });
  });
  afterAll(async () => h?.close());
  const rejections = () =>
    h.app.db.selectFrom('notification_rejections').selectAll().orderBy('reason').execute();

  it('a flood of unsigned posts is limited per source and stored as one aggregated row', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 100; i++) {
      const route = i % 2 ? '/v1/notify/edu-papay' : '/v1/notify/password-exempt';
      const r = await postNotification(h, route, unsigned);
      statuses.push(r.status);
      expect(r.body).toMatchObject({ code: 'FAIL' });
    }
    expect(statuses.slice(0, MAX).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(MAX).every((s) => s === 429)).toBe(true);
    const rows = await rejections();
    expect(rows.length).toBeLessThanOrEqual(2); // one per (source, route family, reason)
    expect(rows.reduce((n, r) => n + Number((r as { count?: number }).count), 0)).toBe(MAX);
    // A genuine notification from the same (limited) source still goes through: posts are always verified.
    const v = vector('edu-papay-signed');
    const saved = h.clock.now();
    h.clock.set(v.now);
    const genuine = await postNotification(h, '/v1/notify/edu-papay', v.request);
    expect(genuine.status).not.toBe(429);
    expect(genuine.status).toBeLessThan(500);
    h.clock.set(saved);
    // One minute later the source may post again.
    h.clock.advance(61);
    expect((await postNotification(h, '/v1/notify/edu-papay', unsigned)).status).toBe(401);
  });

  it('an unknown-serial flood answers 500 FAIL without error-level stack traces, logged once per serial per minute', async () => {
    h.clock.advance(61);
    const first = logs.lines.length;
    const serials = ['5157F09EFDC096DE15EBE81A47057A7232F1B8E1', '1111111111111111111111111111111111111111'];
    for (let i = 0; i < 20; i++) {
      const n = makeNotification({
        now: h.clock.now(),
        id: `EV-SERIAL-${i}`,
        eventType: 'ENTRUST.SIGNING',
        resource: { x: 1 },
        serial: serials[i % 2],
      });
      const r = await postNotification(h, '/v1/notify/edu-papay', n);
      expect(r.status).toBe(500);
      expect(r.body).toMatchObject({ code: 'FAIL' });
    }
    const lines = logs.lines.slice(first).map((l) => JSON.parse(l) as { level: number; msg: string });
    const loud = lines.filter((l) => l.level >= 40);
    expect(loud.filter((l) => l.level >= 50)).toEqual([]);
    expect(logs.lines.slice(first).join('')).not.toContain('"stack"');
    expect(loud.length).toBeLessThanOrEqual(serials.length);
  });

  it('the debit-result route is guarded too: a flood of unsigned posts is limited and logged throttled', async () => {
    h.clock.advance(61);
    const first = logs.lines.length;
    const statuses: number[] = [];
    for (let i = 0; i < MAX + 20; i++)
      statuses.push((await postNotification(h, '/v1/notify/edu-papay-transactions', unsigned)).status);
    expect(statuses.slice(0, MAX).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(MAX).every((s) => s === 429)).toBe(true);
    const warned = logs.lines.slice(first).filter((l) => l.includes('"level":40'));
    expect(warned.length).toBeLessThanOrEqual(3);
  });
});

describe('notifySource', () => {
  it('charges IPv4 per address and IPv6 per /64 (one host can hold a whole /64)', () => {
    expect(notifySource('203.0.113.7')).toBe('203.0.113.7');
    expect(notifySource('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(notifySource('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(notifySource('2001:db8:1:2::99')).toBe(notifySource('2001:db8:1:2:ffff::1'));
  });
});

describe('rejections storage', () => {
  it('stays bounded under a flood and keeps the real records', async () => {
    const db = createDatabase('memory://');
    try {
      await migrateToLatest(db);
      const repo = createRejectionsRepository(db, { maxRows: 50 });
      const t0 = Date.now();
      const at = (i: number) => new Date(t0 + i * 1000);
      const base = { family: 'edu-papay', serial: null, request_id: null };
      // A real one: WeChat itself, after a key rotation the BFF has not caught up with.
      await repo.record({
        ...base,
        received_at: at(0),
        source: '203.0.113.7',
        reason: 'rejected_unknown_serial',
        error_code: 'WECHATPAY_SERIAL_UNKNOWN',
        serial: 'PUB_KEY_ID_NEW',
      });
      for (let i = 1; i <= 300; i++) {
        await repo.record({
          ...base,
          received_at: at(i),
          source: '198.51.100.9',
          reason: 'rejected_signature',
          error_code: 'WECHATPAY_SIGNATURE_INVALID',
          request_id: randomBytes(4).toString('hex'),
        });
      }
      const rows = await repo.list({ limit: 100 });
      expect(rows.length).toBe(2);
      const flood = rows.find((r) => r.source === '198.51.100.9');
      expect(flood?.count).toBe(300);
      expect(flood?.first_received_at.getTime()).toBe(at(1).getTime());
      expect(flood?.received_at.getTime()).toBe(at(300).getTime());
      expect(rows.find((r) => r.source === '203.0.113.7')?.serial).toBe('PUB_KEY_ID_NEW');
      // Many sources: bounded by maxRows.
      for (let i = 0; i < 80; i++) {
        await repo.record({
          ...base,
          received_at: at(400 + i),
          source: `192.0.2.${i}`,
          reason: 'rejected_signature',
          error_code: 'WECHATPAY_SIGNATURE_INVALID',
        });
      }
      expect((await repo.list({ limit: 1000 })).length).toBeLessThanOrEqual(50);
    } finally {
      await db.destroy();
    }
  });
});
