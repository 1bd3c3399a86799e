import { describe, expect, it } from 'vitest';
import {
  CHECKS,
  type Check,
  type CheckId,
  CheckOrderError,
  createContext,
  type Finding,
  orderByNeeds,
  runChecks,
} from '../src/index.ts';

/** A check for the runner's own rules: records the facts it was given and returns a fixed finding. */
function probe(
  id: CheckId,
  o: {
    needs?: CheckId[];
    uses?: CheckId[];
    variables?: string[];
    finding?: Finding<unknown>;
    throws?: Error;
  } = {},
  seen: Record<string, unknown> = {},
): Check {
  return {
    id,
    title: `Title of ${id}`,
    needs: o.needs ?? [],
    uses: o.uses ?? [],
    variables: o.variables ?? [],
    run(_ctx, given) {
      seen[id] = { ...given };
      if (o.throws) throw o.throws;
      return o.finding ?? { status: 'pass', detail: `${id} ok`, fact: `fact of ${id}` };
    },
  } as Check;
}

const ctx = createContext({ WECHATPAY_SANDBOX_KEYS_PATH: '' });

describe('orderByNeeds', () => {
  it.each([
    {
      name: 'a check runs after what it needs, whatever the listed order',
      checks: [probe('signed-call', { needs: ['merchant-id'] }), probe('merchant-id')],
      order: ['merchant-id', 'signed-call'],
    },
    {
      name: 'uses order too',
      checks: [probe('merchant-serial', { uses: ['platform-certificates'] }), probe('platform-certificates')],
      order: ['platform-certificates', 'merchant-serial'],
    },
    {
      name: 'independent checks keep the listed order',
      checks: [probe('notify-url'), probe('database'), probe('apiv3-key')],
      order: ['notify-url', 'database', 'apiv3-key'],
    },
    {
      name: 'a chain is followed through',
      checks: [
        probe('signed-call', { needs: ['merchant-serial'] }),
        probe('merchant-serial', { needs: ['merchant-id'] }),
        probe('merchant-id'),
      ],
      order: ['merchant-id', 'merchant-serial', 'signed-call'],
    },
  ])('$name', ({ checks, order }) => {
    expect(orderByNeeds(checks).map((c) => c.id)).toEqual(order);
  });

  it.each([
    {
      name: 'a need that is not a check',
      checks: [probe('signed-call', { needs: ['merchant-id'] })],
      message: 'signed-call needs merchant-id, which is not a check',
    },
    {
      name: 'a cycle',
      checks: [
        probe('merchant-id', { needs: ['merchant-serial'] }),
        probe('merchant-serial', { uses: ['merchant-id'] }),
      ],
      message: 'the needs of merchant-id, merchant-serial form a cycle',
    },
  ])('refuses $name', ({ checks, message }) => {
    expect(() => orderByNeeds(checks)).toThrow(CheckOrderError);
    expect(() => orderByNeeds(checks)).toThrow(message);
  });

  it("orders the doctor's own checks: every check after what it needs and uses", () => {
    const order = orderByNeeds(CHECKS).map((c) => c.id);
    for (const c of CHECKS) {
      for (const n of [...c.needs, ...c.uses]) expect(order.indexOf(n)).toBeLessThan(order.indexOf(c.id));
    }
    expect(new Set(order).size).toBe(CHECKS.length);
  });
});

describe('runChecks', () => {
  it.each([
    {
      name: 'a need that failed skips the check, naming the need and why',
      need: { status: 'fail', detail: 'is not a merchant number (8–12 digits)' } as Finding<unknown>,
      status: 'skip',
      detail:
        'not run: it needs merchant-id (Title of merchant-id), which failed: is not a merchant number (8–12 digits)',
    },
    {
      name: 'a need that was skipped skips the check too',
      need: { status: 'skip', detail: 'not set' } as Finding<unknown>,
      status: 'skip',
      detail: 'not run: it needs merchant-id (Title of merchant-id), which was skipped: not set',
    },
    {
      name: 'a need that warned is good enough',
      need: { status: 'warn', detail: 'loose', fact: 'x' } as Finding<unknown>,
      status: 'pass',
      detail: 'signed-call ok',
    },
  ])('$name', async ({ need, status, detail }) => {
    const seen: Record<string, unknown> = {};
    const results = await runChecks(
      [probe('signed-call', { needs: ['merchant-id'] }, seen), probe('merchant-id', { finding: need })],
      ctx,
    );
    expect(results.map((r) => r.id)).toEqual(['signed-call', 'merchant-id']); // listed order
    expect(results[0]).toMatchObject({ status, detail });
    expect('signed-call' in seen).toBe(status !== 'skip');
  });

  it('lists every need that did not pass', async () => {
    const [call] = await runChecks(
      [
        probe('signed-call', { needs: ['merchant-id', 'merchant-serial'] }),
        probe('merchant-id', { finding: { status: 'fail', detail: 'not set' } }),
        probe('merchant-serial', { finding: { status: 'fail', detail: 'is not hexadecimal' } }),
      ],
      ctx,
    );
    expect(call!.detail).toBe(
      'not run: it needs merchant-id (Title of merchant-id), which failed: not set; and merchant-serial (Title of merchant-serial), which failed: is not hexadecimal',
    );
  });

  it('passes facts: those of needs, and those of used checks even when they failed', async () => {
    const seen: Record<string, unknown> = {};
    await runChecks(
      [
        probe('merchant-id'),
        probe('platform-certificates', { finding: { status: 'fail', detail: 'expired', fact: 'parsed' } }),
        probe('wechatpay-public-key', { finding: { status: 'skip', detail: 'not set' } }),
        probe(
          'signed-call',
          { needs: ['merchant-id'], uses: ['platform-certificates', 'wechatpay-public-key'] },
          seen,
        ),
      ],
      ctx,
    );
    expect(seen['signed-call']).toEqual({
      'merchant-id': 'fact of merchant-id',
      'platform-certificates': 'parsed',
    });
  });

  it('turns a check that throws into a failure that names the error class and code only', async () => {
    const boom = Object.assign(new TypeError('secret-looking input ABC'), { code: 'ERR_X' });
    const [r] = await runChecks([probe('database', { throws: boom })], ctx);
    expect(r).toMatchObject({ status: 'fail', detail: 'the check itself failed (TypeError ERR_X)' });
    expect(JSON.stringify(r)).not.toContain('ABC');
  });

  it("fails a check whose variables the BFF refuses, with the BFF's messages and fixes", async () => {
    const bad = createContext({
      WECHATPAY_MCH_ID: '12345',
      TRUST_PROXY: 'everyone',
      WECHATPAY_SANDBOX_KEYS_PATH: '',
    });
    const [id, mine, rest] = await runChecks(
      [
        probe('merchant-id', { variables: ['WECHATPAY_MCH_ID'] }),
        probe('merchant-serial', {
          variables: ['WECHATPAY_MERCHANT_SERIAL_NO'],
          finding: { status: 'fail', detail: 'my own words', fix: 'my fix' },
        }),
        probe('environment', { variables: ['*'] }),
      ],
      bad,
    );
    expect(id).toMatchObject({
      status: 'fail',
      variable: 'WECHATPAY_MCH_ID',
      detail: 'WECHATPAY_MCH_ID: is not a merchant number (8–12 digits)',
      fix: 'WECHATPAY_MCH_ID: copy the 商户号 exactly',
    });
    // Its own finding first, then what the BFF says about the same variable.
    expect(mine).toMatchObject({
      status: 'fail',
      detail: 'my own words (the BFF: WECHATPAY_MERCHANT_SERIAL_NO is required)',
      fix: 'my fix',
    });
    // '*': every problem no other check claims, each with its fix; none twice.
    expect(rest!.status).toBe('fail');
    expect(rest!.variable!.split(', ')).toContain('TRUST_PROXY');
    expect(rest!.variable).not.toContain('WECHATPAY_MCH_ID');
    expect(rest!.detail).toContain(
      'TRUST_PROXY: is neither false, a hop count nor a list of IP addresses/CIDRs',
    );
    expect(rest!.fix).toContain('TRUST_PROXY: e.g. TRUST_PROXY=1');
  });

  it('never shows a fact in the report', async () => {
    const [r] = await runChecks([probe('merchant-id')], ctx);
    expect(r).toEqual({
      id: 'merchant-id',
      title: 'Title of merchant-id',
      status: 'pass',
      detail: 'merchant-id ok',
    });
  });
});
