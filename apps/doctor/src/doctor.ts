import type { Clock } from '@qianyue/wechatpay';
import type { Dispatcher } from 'undici';
import type { Check, DoctorContext } from './check.ts';
import { CHECKS } from './checks/index.ts';
import type { DoctorReport } from './report.ts';
import { runChecks } from './runner.ts';
import { type Env, resolveSources } from './sources.ts';

export interface DoctorOptions {
  clock?: Clock;
  /** undici dispatcher for the signed call (tests). */
  dispatcher?: Dispatcher;
  /** Deadline for the network checks (database, signed call); default: WECHATPAY_TIMEOUT_MS capped at 10 s. */
  timeoutMs?: number;
  /** The checks to run (tests); default: all of them. */
  checks?: readonly Check[];
}

export interface DoctorRun {
  report: DoctorReport;
  /** Every secret value the run read: the caller scrubs printed output with it. */
  secrets: string[];
}

const MAX_TIMEOUT_MS = 10_000;

/**
 * Runs every check against `env` — the same variables the BFF reads — and never throws for a bad setting:
 * each problem becomes a `fail` line naming its variable, with a fix. A check runs unless a check it needs
 * failed (then it is skipped, saying which): a broken APIv3 key still lets the signed call run.
 */
export async function runDoctor(env: Env, o: DoctorOptions = {}): Promise<DoctorRun> {
  const ctx = createContext(env, o);
  const checks = await runChecks(o.checks ?? CHECKS, ctx);
  return {
    report: {
      ok: checks.every((c) => c.status !== 'fail'),
      mode: ctx.mode,
      checks,
      problems: ctx.sources.resolved.problems,
    },
    secrets: ctx.sources.secretValues(),
  };
}

/** What every check is given: the settings as the BFF resolves them, the mode, the clock and the deadline. */
export function createContext(env: Env, o: DoctorOptions = {}): DoctorContext {
  const sources = resolveSources(env);
  return {
    sources,
    problemsFor: (...variables) => sources.resolved.problems.filter((p) => variables.includes(p.variable)),
    mode: sources.mode,
    timeoutMs:
      o.timeoutMs ?? Math.min(Number(sources.raw.WECHATPAY_TIMEOUT_MS) || MAX_TIMEOUT_MS, MAX_TIMEOUT_MS),
    now: () => (o.clock ? o.clock.now() * 1000 : Date.now()),
    ...(o.clock ? { clock: o.clock } : {}),
    ...(o.dispatcher ? { dispatcher: o.dispatcher } : {}),
  };
}
