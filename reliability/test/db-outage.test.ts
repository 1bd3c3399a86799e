import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkConsistency, type Delivery } from '../src/invariants.ts';
import { pgDescribe, startPostgres, type TestPostgres } from '../src/postgres.ts';
import { reportPart } from '../src/report.ts';
import { findSecrets } from '../src/secrets.ts';
import { startWorld, until, type World } from '../src/world.ts';

/*
 * Database outage: users presign, then PostgreSQL is stopped (pg_ctl stop as user postgres: the postmaster by
 * its own pid) while they confirm in WeChat. Every notification is answered with a failure (so WeChat keeps
 * retrying), presign answers 503 BFF_DATABASE_UNAVAILABLE, /readyz 503. After PostgreSQL restarts, WeChat's
 * retries land and every contract is SIGNED: nothing lost, nothing doubled.
 */
const USERS = 12;

interface Presign {
  contractId: string;
  navigate: { extraData: Record<string, string> };
}

pgDescribe('database outage')('database outage', () => {
  let pg: TestPostgres;
  let w: World;
  const counts: Record<string, unknown> = {};

  beforeAll(async () => {
    pg = await startPostgres();
    w = await startWorld({
      databaseUrl: await pg.createDatabase('outage'),
      // Retries every 15s,15s,30s,3m,10m… × 0.005 → 75 ms, 75 ms, 150 ms, 0.9 s, 3 s, 6 s…
      sandbox: { notify: { timeScale: 0.005 } },
    });
  });
  let halted = false;
  afterAll(async () => {
    await w?.close();
    if (halted) pg.restart(); // a failed run must still leave nothing behind
    await pg?.stop();
  });

  it('notifications fail while PostgreSQL is down, presign is 503, and after the restart nothing is lost', async () => {
    const users = [];
    for (let i = 0; i < USERS; i++) {
      const { token } = await w.login();
      const planKey = i % 2 ? 'vip-autopay' : 'edu-monthly';
      const p = await w.call<Presign>('POST', '/v1/contracts/presign', { token, body: { planKey } });
      expect(p.status).toBe(200);
      users.push({
        token,
        contractId: p.body.contractId,
        session: Object.values(p.body.navigate.extraData)[0]!,
      });
    }
    const late = await w.login(); // logged in before the outage, presigns during it

    const pid = pg.pid();
    pg.halt();
    halted = true;
    counts.postgresPidStopped = pid > 0;
    const ready = await w.call('GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ code: 'BFF_NOT_READY' });
    const presign = await w.call('POST', '/v1/contracts/presign', {
      token: late.token,
      body: { planKey: 'edu-monthly' },
    });
    expect(presign.status).toBe(503);
    expect(presign.body).toMatchObject({ code: 'BFF_DATABASE_UNAVAILABLE' });

    const notificationIds: string[] = [];
    for (const u of users) {
      const c = await w.control<{ notificationId: string }>('POST', `/sessions/${u.session}/confirm`);
      notificationIds.push(c.notificationId);
    }
    // WeChat sees failures (so it retries): at least two failed deliveries of every notification.
    const failed = await until('every notification failed twice', async () => {
      const { data } = await w.control<{ data: Delivery[] }>('GET', '/deliveries');
      const per = notificationIds.map((id) =>
        data.filter((d) => d.notificationId === id && !d.ok && d.kind === 'delivery'),
      );
      return per.every((f) => f.length >= 2) ? per.flat() : undefined;
    });
    // Answered 503 {code:'FAIL'}; on a loaded machine an answer may also come after WeChat's 5 s (here 2 s)
    // deadline, which WeChat counts as a failure too. Every notification got at least one 503.
    for (const id of notificationIds) {
      const mine = failed.filter((d) => d.notificationId === id);
      expect(
        mine.some((d) => d.status === 503),
        JSON.stringify(mine),
      ).toBe(true);
      expect(mine.every((d) => d.status === 503 || d.status === undefined)).toBe(true);
    }
    counts.deliveryAnswersDuringOutage = Object.fromEntries(
      [...new Set(failed.map((d) => String(d.status ?? 'no answer in time')))].map((k) => [
        k,
        failed.filter((d) => String(d.status ?? 'no answer in time') === k).length,
      ]),
    );
    // A notify answer during the outage is WeChat's FAIL shape.
    const probe = await w.call('POST', '/v1/notify/edu-papay', {
      raw: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(probe.status).toBeGreaterThanOrEqual(400);
    expect(probe.body).toMatchObject({ code: 'FAIL' });
    counts.failedDeliveriesDuringOutage = failed.length;

    pg.restart();
    halted = false;
    await until(
      'every notification delivered after the restart',
      async () => {
        const { data } = await w.control<{ data: Array<{ id: string; status: string }> }>(
          'GET',
          '/notifications',
        );
        return data.filter((n) => notificationIds.includes(n.id)).every((n) => n.status === 'delivered')
          ? true
          : undefined;
      },
      { tries: 600 },
    );
    for (const u of users) {
      const r = await w.call<{ state: string }>('GET', `/v1/contracts/${u.contractId}`, { token: u.token });
      expect(r.body.state).toBe('SIGNED');
    }
    const again = await w.call('POST', '/v1/contracts/presign', {
      token: late.token,
      body: { planKey: 'edu-monthly' },
    });
    expect(again.status).toBe(200);
    expect((await w.call('GET', '/readyz')).status).toBe(200);

    const c = await checkConsistency(w);
    expect(c.lost).toEqual([]);
    expect(c.doubled).toEqual([]);
    expect(c.notInInboxOnce).toEqual([]);
    expect(c.sandboxSigned).toBe(USERS);
    Object.assign(counts, {
      users: USERS + 1,
      notifications: c.notifications,
      notificationDeliveries: c.deliveriesOk,
      deliveriesByKind: c.deliveries,
      notificationsApplied: c.notificationsApplied,
      lost: c.lost.length,
      doubled: c.doubled.length,
    });
  });

  it('the captured logs and every answer seen hold no secret', () => {
    const leaks = findSecrets(w.logs.text() + w.answers.join('\n'));
    reportPart('db-outage', { ...counts, logBytes: w.logs.text().length, secretLeaks: leaks.length });
    expect(leaks).toEqual([]);
  });
});
