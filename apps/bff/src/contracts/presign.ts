import { randomBytes, randomInt } from 'node:crypto';
import type { PresignReply } from '@qianyue/api';
import { firstDueDay } from '../billing/calendar.ts';
import type { PlanConfig } from '../config.ts';
import type { ClaimUser } from '../db/presign-claim.ts';
import {
  AlreadySignedError,
  PlanNotFoundError,
  SessionExpiredError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../errors.ts';
import { periodStartDate } from '../families/edu-papay.ts';
import type { ContractsContext } from './context.ts';
import { presignReply } from './views.ts';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const randomBase62 = (n: number) => Array.from({ length: n }, () => BASE62[randomInt(62)]).join('');

/** Never reused: 32 random base62 characters (≈190 bits), also unique in the database. */
export const newOutContractCode = () => randomBase62(32);
const newContractId = () => `c_${randomBytes(18).toString('base64url')}`;

/** A presign session about to end is not handed out again: the user could not finish signing in time. */
const REUSE_MARGIN_SECONDS = 60;

/** A logged-in user: the openid is under the mini-program they logged in with. */
export interface SessionUser {
  openid: string;
  appId: string;
}

/**
 * Who is asking for a presign: a session whose token checked out. The claim statement reads the session itself (live, and
 * whose openid under which mini-program), so a presign costs no separate session read; `learned` hears who it
 * was (the session cache keeps it for the user's next requests).
 */
export interface PresignSession {
  sessionId: string;
  learned?(user: ClaimUser): void;
}

/**
 * POST /v1/contracts/presign: claim the user's slot on the plan in the database BEFORE calling WeChat (one live
 * presign per user and plan, across requests and replicas), call the plan's family, store the sign link. Every
 * wait and every WeChat attempt fits in one budget (WECHATPAY_BUDGET_MS) that ends inside the mini-program's
 * request timeout.
 */
export function createPresign(c: ContractsContext) {
  // A CREATING claim older than one whole budget (plus margin) belongs to a request that died: take it over.
  const claimTimeoutMs = c.config.wechatpay.budgetMs + 5_000;

  async function once(
    session: PresignSession,
    p: PlanConfig,
    deadline: number,
  ): Promise<PresignReply | 'retry'> {
    const t = c.now();
    const claim = await c.repo.claimPresign({
      who: {
        sessionId: session.sessionId,
        now: t,
        defaultAppId: c.config.wechat.appId,
        loginAppId: p.loginAppId,
      },
      contract: {
        id: newContractId(),
        planKey: p.planKey,
        family: p.family,
        outContractCode: newOutContractCode(),
        accountTemplate: p.accountTemplate,
        // A billed plan debits on its dayOfMonth (what the plan card promised): the first such day after today.
        periodStartDate:
          p.family === 'edu-papay'
            ? p.billing
              ? firstDueDay(null, c.clock.now(), p.billing.dayOfMonth)
              : periodStartDate(c.clock.now())
            : null,
        now: t,
      },
      reuseUntil: new Date(t.getTime() + REUSE_MARGIN_SECONDS * 1000),
      claimStaleBefore: new Date(t.getTime() - claimTimeoutMs),
    });
    if (claim.kind === 'no-session') throw new SessionExpiredError();
    // A plan signs in one mini-program: its openid is meaningless to another one's plans.
    if (claim.kind === 'other-app') throw new PlanNotFoundError();
    session.learned?.(claim.user);
    if (claim.kind === 'retry') {
      await c.sleep(20);
      return 'retry';
    }
    if (claim.kind === 'signed') throw new AlreadySignedError();
    if (claim.kind === 'ready') return presignReply(claim.row, true, t);
    if (claim.kind === 'busy') {
      // Another request (maybe on another replica) is asking WeChat right now: wait for its answer, within
      // our own budget; past it the user taps again and gets that answer.
      while (c.nowMs() < deadline) {
        await c.sleep(50);
        const row = await c.repo.findById(claim.row.id);
        if (!row) return 'retry'; // WeChat refused it; start over (the refusal will repeat for us).
        if (row.presign_status === 'READY') return presignReply(row, true, c.now());
      }
      throw new UpstreamTimeoutError('WeChat Pay');
    }
    const family = c.family(p.planKey);
    if (!family) throw new PlanNotFoundError();
    let answer: Awaited<ReturnType<typeof family.presign>>;
    try {
      answer = await family.presign(claim.row, deadline);
    } catch (err) {
      // Nothing reached the user: drop the claim so the next tap starts clean (a new code; WeChat's session
      // for the old code, if one was made, just expires unused).
      await c.repo.abandonPresign(claim.row.id, claim.row.claimed_at);
      throw err;
    }
    const expiresAt = new Date(c.clock.now() * 1000 + answer.ttlSeconds * 1000);
    await c.repo.completePresign(claim.row.id, {
      signToken: answer.token,
      navigate: JSON.stringify(answer.navigate),
      expiresAt,
      now: c.now(),
    });
    return {
      contractId: claim.row.id,
      navigate: answer.navigate,
      expiresAt: expiresAt.toISOString(),
      reused: false,
    };
  }

  return async function presign(session: PresignSession, planKey: string): Promise<PresignReply> {
    const p = c.plan(planKey);
    const deadline = c.deadline();
    const started = performance.now();
    const observe = (outcome: string) =>
      c.metrics.presignSeconds.observe({ family: p.family, outcome }, (performance.now() - started) / 1000);
    try {
      for (let i = 0; i < 3; i++) {
        const r = await once(session, p, deadline);
        if (r !== 'retry') {
          observe(r.reused ? 'reused' : 'created');
          return r;
        }
      }
      throw new UpstreamUnavailableError('WeChat Pay');
    } catch (err) {
      observe('error');
      throw err;
    }
  };
}
