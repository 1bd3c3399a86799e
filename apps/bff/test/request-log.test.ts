import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, LogCapture, startHarness } from './helpers/harness.ts';

describe('request log: one line per request, when it ends', () => {
  let h: Harness;
  const logs = new LogCapture();
  beforeAll(async () => {
    h = await startHarness({ logs });
  });
  afterAll(async () => h?.close());

  it('names the request and its answer, and holds no bearer token', async () => {
    const { token } = await h.login();
    logs.lines.length = 0;
    const res = await h.call<{ code: string }>('POST', '/v1/contracts/presign', {
      token,
      body: { planKey: 'no-such-plan' },
    });
    expect(res.status).toBe(404);
    const lines = logs.lines.map(
      (l) =>
        JSON.parse(l) as {
          msg: string;
          reqId?: unknown;
          responseTime?: unknown;
          req?: { method: string; url: string };
          res?: { statusCode: number };
        },
    );
    expect(lines.filter((l) => l.msg === 'incoming request')).toHaveLength(0);
    const done = lines.filter((l) => l.msg === 'request completed');
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({
      req: { method: 'POST', url: '/v1/contracts/presign' },
      res: { statusCode: 404 },
    });
    expect(typeof done[0]!.reqId).toBe('string');
    expect(typeof done[0]!.responseTime).toBe('number');
    expect(logs.text()).not.toContain(token.split('.')[1]!);
  });
});
