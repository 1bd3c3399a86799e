import { afterEach, describe, expect, it, vi } from 'vitest';

describe('examples/sign-and-verify.ts', () => {
  afterEach(() => vi.restoreAllMocks());

  it('runs end to end: signs, verifies an answer and parses a notification', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      lines.push(args.join(' '));
    });
    await import('../examples/sign-and-verify.ts');
    expect(lines).toEqual([
      'Authorization scheme: WECHATPAY2-SHA256-RSA2048',
      'answer verified, signed by PUB_KEY_ID_0000000000000000EXAMPLE',
      'notification: edu-papay signed',
    ]);
  });
});
