import { TEST_IDS } from '@qianyue/sandbox/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  fixtureText,
  type Harness,
  LogCapture,
  SESSION_SECRET,
  startHarness,
} from './helpers/harness.ts';
import { postNotification, seedPending, vector } from './helpers/notification-suite.ts';

/** Runs the whole BFF surface with trace logging, then greps the captured pino output for key material. */
describe('logs of a whole run contain no secret', () => {
  let h: Harness;
  const logs = new LogCapture();
  const tokens: string[] = [];
  beforeAll(async () => {
    h = await startHarness({ logs, env: { LOG_LEVEL: 'trace' } });
  });
  afterAll(async () => h?.close());

  it('exercises login, presign, signing, notifications, errors and terminate', async () => {
    const { token } = await h.login();
    tokens.push(token);
    for (const planKey of ['edu-monthly', 'vip-autopay']) {
      const p = await h.call<{ contractId: string; navigate: { extraData: Record<string, string> } }>(
        'POST',
        '/v1/contracts/presign',
        { token, body: { planKey } },
      );
      await h.control('POST', `/sessions/${Object.values(p.body.navigate.extraData)[0]}/confirm`);
      await eventually(async () => {
        const r = await h.call<{ state: string }>('GET', `/v1/contracts/${p.body.contractId}`, { token });
        return r.body.state === 'SIGNED' ? true : undefined;
      });
      expect((await h.call('POST', `/v1/contracts/${p.body.contractId}/terminate`, { token })).status).toBe(
        200,
      );
    }
    await h.call('GET', '/v1/plans', { token: `${token}x` });
    await h.call('POST', '/v1/auth/login', { body: { code: 'bogus' } });
    await h.control('PUT', '/faults', { systemErrorRate: 1 });
    await h.call('POST', '/v1/contracts/presign', { token, body: { planKey: 'edu-monthly' } });
    await h.control('DELETE', '/faults');
    const v = vector('tampered-undecryptable-resource');
    h.clock.set(v.now);
    await seedPending(h, { family: 'edu-papay' });
    await postNotification(h, '/v1/notify/edu-papay', v.request);
    expect(logs.lines.length).toBeGreaterThan(20);
  });

  it('no private key, APIv3 key, app secret, session secret, session token or session_key appears', async () => {
    const text = logs.text();
    const pemLines = (pem: string) =>
      pem
        .split('\n')
        .filter((l) => l.length > 40 && !l.startsWith('-----'))
        .slice(0, 5);
    const secrets = [
      ...pemLines(fixtureText('merchant/private-key.pem')),
      fixtureText('apiv3-key.txt').trim(),
      TEST_IDS.appSecret,
      SESSION_SECRET,
      ...tokens,
      ...tokens.map((t) => t.split('.')[1]!),
    ];
    const sessionKeys = (await h.app.db.selectFrom('sessions').select('session_key').execute()).map(
      (r) => r.session_key,
    );
    expect(sessionKeys.length).toBeGreaterThan(0);
    for (const s of [...secrets, ...sessionKeys]) {
      expect(text.includes(s), `log contains a secret (${s.slice(0, 4)}…)`).toBe(false);
    }
    expect(text).not.toMatch(/Bearer v1\./);
  });

  it('the logger redacts authorization headers, tokens and secrets wherever they are put', () => {
    const before = logs.lines.length;
    h.app.log.info(
      {
        req: { headers: { authorization: 'Bearer LEAK1' } },
        token: 'LEAK2',
        config: { appSecret: 'LEAK3' },
        session_key: 'LEAK4',
      },
      'redaction probe',
    );
    const line = logs.lines.slice(before).join('');
    expect(line).toContain('[redacted]');
    expect(line).not.toMatch(/LEAK[1-4]/);
  });
});
