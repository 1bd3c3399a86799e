import type { BillingState } from './billing-state.ts';
import type { SandboxClock } from './clock.ts';
import type { MerchantConfig, SandboxConfig } from './config.ts';
import type { FaultEngine } from './faults.ts';
import type { Notifier } from './notifier.ts';
import type { PlatformKeys } from './platform-keys.ts';
import type { MerchantEntry } from './plugins/verify-merchant-request.ts';
import type { NonceCache } from './replay.ts';
import type { SandboxState } from './state.ts';
import type { Validators } from './validation.ts';

/** Everything a route needs, built once per instance by buildSandbox (no module-level state). */
export interface SandboxContext {
  config: SandboxConfig;
  clock: SandboxClock;
  state: SandboxState;
  /** The edu-papay debit cycle: notices, orders, outcome knobs. */
  billing: BillingState;
  notifier: Notifier;
  faults: FaultEngine;
  platform: PlatformKeys;
  merchants: Map<string, MerchantEntry>;
  validators: Validators;
  /** Present when rejectReplayedNonces is on. */
  nonces: NonceCache | undefined;
}

export function merchantOf(ctx: SandboxContext, mchId: string): MerchantConfig {
  const m = ctx.merchants.get(mchId);
  if (!m) throw new Error('merchant vanished from the registry');
  return m.merchant;
}
