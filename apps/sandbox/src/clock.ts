/** Unix time in whole SECONDS (structurally the same as @qianyue/wechatpay's Clock). */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Math.floor(Date.now() / 1000) };

/** The sandbox's clock: the injected base clock plus an offset the control API can move. */
export interface SandboxClock extends Clock {
  offsetSeconds: number;
}

export function createSandboxClock(base: Clock = systemClock): SandboxClock {
  const c: SandboxClock = {
    offsetSeconds: 0,
    now: () => base.now() + c.offsetSeconds,
  };
  return c;
}
