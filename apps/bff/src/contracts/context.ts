import type { Clock, WechatPayClient } from '@qianyue/wechatpay';
import type { FastifyBaseLogger } from 'fastify';
import type { AppConfig, PlanConfig } from '../config.ts';
import type { ContractsRepository } from '../db/contracts-repository.ts';
import type { InboxRepository } from '../db/inbox-repository.ts';
import { PlanNotFoundError } from '../errors.ts';
import { type ContractFamily, familyFor } from '../families/index.ts';
import type { Metrics } from '../plugins/metrics.ts';
import { createWechatCall, type WechatCall } from './wechat-call.ts';

export interface ContractsDeps {
  config: AppConfig;
  clock: Clock;
  repo: ContractsRepository;
  inbox: InboxRepository;
  client: WechatPayClient;
  metrics: Metrics;
  log: FastifyBaseLogger;
  sleep?: (ms: number) => Promise<void>;
  /** Monotonic ms for time budgets (default performance.now). */
  nowMs?: () => number;
  /** Automatic platform-certificate mode: refresh (throttled) on an unknown Wechatpay-Serial. */
  refreshKeys?: () => Promise<unknown>;
}

/** What the contract modules share: dependencies, the family of each plan, and the clocks. */
export interface ContractsContext extends Required<Omit<ContractsDeps, 'refreshKeys'>> {
  call: WechatCall;
  now(): Date;
  /** The family module serving a plan key (undefined for a plan no longer configured). */
  family(planKey: string): ContractFamily | undefined;
  /** The plan, or 404 BFF_PLAN_NOT_FOUND. */
  plan(planKey: string): PlanConfig;
  /** The end of a user request's WeChat budget, from now. */
  deadline(): number;
}

export function createContext(d: ContractsDeps): ContractsContext {
  const sleep = d.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const nowMs = d.nowMs ?? (() => performance.now());
  const now = () => new Date(d.clock.now() * 1000);
  const call = createWechatCall({
    maxAttempts: d.config.wechatpay.maxAttempts,
    metrics: d.metrics,
    log: d.log,
    sleep,
    nowMs,
    ...(d.refreshKeys ? { refreshKeys: d.refreshKeys } : {}),
  });
  const families = new Map(
    d.config.plans.map((p) => [p.planKey, familyFor(p, { config: d.config, client: d.client, call, now })]),
  );
  return {
    ...d,
    sleep,
    nowMs,
    call,
    now,
    family: (planKey) => families.get(planKey),
    plan(planKey) {
      const f = families.get(planKey);
      if (!f) throw new PlanNotFoundError();
      return f.plan;
    },
    deadline: () => nowMs() + d.config.wechatpay.budgetMs,
  };
}
