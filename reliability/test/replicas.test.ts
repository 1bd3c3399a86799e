import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkConsistency, counterByLabel, notificationsSettled } from '../src/invariants.ts';
import { pgDescribe, startPostgres, type TestPostgres } from '../src/postgres.ts';
import { reportPart } from '../src/report.ts';
import { findSecrets } from '../src/secrets.ts';
import { startWorld, type World } from '../src/world.ts';

/*
 * Two BFF replicas on one PostgreSQL. WeChat's notifications go through a fan-out on loopback that forwards
 * every delivery (exact bytes and headers) to BOTH replicas at the same moment; the sandbox also duplicates
 * (sequentially and concurrently). Afterwards every captured delivery is replayed to both replicas again,
 * concurrently. Each notification must be stored and applied exactly once across the two.
 */
const USERS = 24;

interface Presign {
  contractId: string;
  navigate: { extraData: Record<string, string> };
}

pgDescribe('two replicas')('two BFF replicas on one PostgreSQL', () => {
  let pg: TestPostgres;
  let w: World;
  let fanout: Server;
  const captured: Array<{ path: string; headers: Record<string, string>; body: Buffer }> = [];
  const forwardStatuses: Record<string, number> = {};

  const forward = (urls: string[], path: string, headers: Record<string, string>, body: Buffer) =>
    Promise.all(
      urls.map((u) => fetch(`${u}${path}`, { method: 'POST', headers, body }).then((r) => r.status)),
    );

  beforeAll(async () => {
    pg = await startPostgres();
    w = await startWorld({
      replicas: 2,
      databaseUrl: await pg.createDatabase('replicas'),
      sandbox: {
        notify: { timeScale: 0.001 },
        faults: { notify: { duplicateRate: 0.5, concurrentDuplicateRate: 0.5 } },
      },
      notifyTarget: async (urls) => {
        fanout = createServer((req, res) => {
          const chunks: Buffer[] = [];
          req.on('data', (c: Buffer) => chunks.push(c));
          req.on('end', async () => {
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(req.headers)) {
              if (typeof v === 'string' && (k.startsWith('wechatpay-') || k === 'content-type'))
                headers[k] = v;
            }
            const body = Buffer.concat(chunks);
            captured.push({ path: req.url ?? '', headers, body });
            const statuses = await forward(urls, req.url ?? '', headers, body).catch(() => [599]);
            for (const s of statuses) forwardStatuses[s] = (forwardStatuses[s] ?? 0) + 1;
            res.statusCode = statuses.every((s) => s === 204 || s === 200) ? 204 : 500;
            res.end();
          });
        });
        await new Promise<void>((r) => fanout.listen(0, '127.0.0.1', r));
        return `http://127.0.0.1:${(fanout.address() as { port: number }).port}`;
      },
    });
  });
  afterAll(async () => {
    await w?.close();
    await new Promise((r) => (fanout ? fanout.close(r) : r(undefined)));
    await pg?.stop();
  });

  it('the same notifications reach both replicas concurrently: each is applied once', async () => {
    await Promise.all(
      Array.from({ length: USERS }, async (_, i) => {
        const { token } = await w.login({ bff: i % 2 });
        const planKey = i % 3 ? 'edu-monthly' : 'vip-autopay';
        // A double tap landing on both replicas at once: one contract, one WeChat session.
        const [a, b] = await Promise.all(
          [0, 1].map((bff) =>
            w.call<Presign>('POST', '/v1/contracts/presign', { token, bff, body: { planKey } }),
          ),
        );
        expect([a!.status, b!.status]).toEqual([200, 200]);
        expect(a!.body.contractId).toBe(b!.body.contractId);
        await w.control('POST', `/sessions/${Object.values(a!.body.navigate.extraData)[0]}/confirm`);
      }),
    );
    await notificationsSettled(w);
    for (const b of w.bffs) await b.app.contracts.drain();
    const replays = await Promise.all(
      captured.flatMap((c) =>
        [0, 1, 2].map(() =>
          forward(
            w.bffs.map((b) => b.url),
            c.path,
            c.headers,
            c.body,
          ),
        ),
      ),
    );
    expect(new Set(replays.flat())).toEqual(new Set([204]));

    const c = await checkConsistency(w);
    expect(c.lost).toEqual([]);
    expect(c.doubled).toEqual([]);
    expect(c.notInInboxOnce).toEqual([]);
    expect(c.sandboxSigned).toBe(USERS);
    const outcomes = await counterByLabel(w, 'bff_notifications_total', 'outcome');
    expect(outcomes.applied).toBe(c.notifications);
    const perReplica = await Promise.all(
      w.bffs.map(
        async (b) =>
          (await b.app.metrics.registry.getSingleMetric('bff_notifications_total')?.get())?.values ?? [],
      ),
    );
    const leaks = findSecrets(w.logs.text() + w.answers.join('\n'));
    reportPart('replicas', {
      users: USERS,
      replicas: 2,
      notifications: c.notifications,
      deliveriesToFanout: captured.length,
      deliveriesToReplicas: Object.values(forwardStatuses).reduce((x, y) => x + y, 0) + replays.flat().length,
      notificationDeliveries: c.deliveriesOk,
      notificationsApplied: c.notificationsApplied,
      bffNotificationOutcomes: outcomes,
      appliedPerReplica: perReplica.map((v) => v.find((x) => x.labels.outcome === 'applied')?.value ?? 0),
      lost: c.lost.length,
      doubled: c.doubled.length,
      secretLeaks: leaks.length,
    });
    expect(leaks).toEqual([]);
  });
});
