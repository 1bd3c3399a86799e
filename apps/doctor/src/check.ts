import type { KeyObject } from 'node:crypto';
import type { Clock } from '@qianyue/wechatpay';
import type { Dispatcher } from 'undici';
import type { ConfigProblem, PlanConfig } from './bff.ts';
import type { CheckStatus } from './report.ts';
import type { Sources } from './sources.ts';

/*
 * What a check is. Each one lives in checks/<id>.ts and states what it needs; the runner (runner.ts) orders
 * the checks by those needs and hands each one the facts the checks it needs established. Nothing is shared
 * through mutable state: a check's only output is its finding.
 */

/** A platform certificate as parsed, once, by the `platform-certificates` check. */
export interface ParsedCertificate {
  serialNo: string;
  publicKey: KeyObject;
  notAfter: Date;
}

/** The fact each check establishes when it passes (or warns). `undefined`: the check only reports. */
export interface Facts {
  environment: undefined;
  'sandbox-keys-file': undefined;
  'merchant-id': string;
  'merchant-private-key': KeyObject;
  'merchant-serial': string;
  'apiv3-key': undefined;
  'wechatpay-public-key': KeyObject;
  'public-key-id': string;
  /** Every certificate read (`all`) and those not expired (`usable`), to verify WeChat Pay with. */
  'platform-certificates': { all: ParsedCertificate[]; usable: ParsedCertificate[] };
  'merchant-certificate': undefined;
  'notify-url': undefined;
  database: undefined;
  'admin-token': undefined;
  'bff-config': undefined;
  /** The plans as the BFF resolved them (only when the whole configuration resolves). */
  plans: PlanConfig[];
  'signed-call': undefined;
}
export type CheckId = keyof Facts;

/** What one check found. `fact` is passed to the checks that need or use this one. */
export interface Finding<F> {
  status: CheckStatus;
  detail: string;
  variable?: string;
  fix?: string;
  fact?: F;
}

export interface DoctorContext {
  sources: Sources;
  /** The resolver's problems with any of `variables` (what the BFF would say about them). */
  problemsFor(...variables: string[]): ConfigProblem[];
  mode: 'sandbox' | 'production';
  /** Deadline for each network step (database, BFF readiness, signed call). */
  timeoutMs: number;
  /** Milliseconds since the epoch (the injected clock in tests). */
  now(): number;
  clock?: Clock;
  dispatcher?: Dispatcher;
}

/** The facts a check receives: those it needs are there; those it only uses may be missing. */
export type Given<N extends readonly CheckId[], U extends readonly CheckId[]> = {
  readonly [K in N[number]]: Facts[K];
} & { readonly [K in U[number]]?: Facts[K] };

export interface Check<
  Id extends CheckId = CheckId,
  N extends readonly CheckId[] = readonly CheckId[],
  U extends readonly CheckId[] = readonly CheckId[],
> {
  readonly id: Id;
  readonly title: string;
  /** Checks that must pass (or warn) first. When one did not, this check is skipped, saying which and why. */
  readonly needs: N;
  /** Checks whose facts help when they are there; they only order this check after them. */
  readonly uses: U;
  /**
   * The variables this check reports on: every problem the BFF's resolver finds with one of them fails this
   * check, with the resolver's message and fix. `'*'`: every problem no other check reports.
   */
  readonly variables: readonly string[];
  run(ctx: DoctorContext, given: Given<N, U>): Finding<Facts[Id]> | Promise<Finding<Facts[Id]>>;
}

/** Declares a check with its needs typed from the literal lists. */
export function defineCheck<
  const Id extends CheckId,
  const N extends readonly CheckId[],
  const U extends readonly CheckId[],
>(check: Check<Id, N, U>): Check<Id, N, U> {
  return check;
}
