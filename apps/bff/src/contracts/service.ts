import type { Contract, Plan, PresignReply } from '@qianyue/api';
import type { ContractEvent } from '@qianyue/wechatpay';
import type { ContractRow } from '../db/database.ts';
import { ContractNotFoundError } from '../errors.ts';
import { type ContractsDeps, createContext } from './context.ts';
import { type ApplyOutcome, createNotifications } from './notifications.ts';
import { createPresign, type PresignSession, type SessionUser } from './presign.ts';
import { createReconcile, type ReconcileTrigger } from './reconcile.ts';
import { createTerminate } from './terminate.ts';
import { planView, toContract, visibleContract } from './views.ts';

export type { ContractsDeps } from './context.ts';
export type { PresignSession, SessionUser } from './presign.ts';

/** The `contracts` decorator: what routes, the console and the background reconciler call. */
export interface ContractsService {
  /** The plans of the mini-program the user logged in with, each with the user's state on it. */
  plans(user: SessionUser): Promise<Plan[]>;
  /** The session is read by the claim itself (no separate session read): see PresignSession. */
  presign(session: PresignSession, planKey: string): Promise<PresignReply>;
  list(openid: string): Promise<Contract[]>;
  /** `reconcile`: the user just came back from signing; ask WeChat (throttled per contract). */
  get(openid: string, contractId: string, reconcile: boolean): Promise<Contract>;
  terminate(openid: string, contractId: string): Promise<Contract>;
  /** Stores the verified event in the inbox and applies it, once. Returns the outcome for metrics. */
  applyNotification(event: ContractEvent, rawBody: string): Promise<ApplyOutcome>;
  /** Asks WeChat for the true state of one contract and applies it (console, background reconciler). */
  reconcileContract(row: ContractRow, trigger: ReconcileTrigger): Promise<ContractRow>;
  /** Background work started by notifications; awaited on close. */
  drain(): Promise<void>;
}

export function createContractsService(d: ContractsDeps): ContractsService {
  const c = createContext(d);
  const reconcile = createReconcile(c);
  const notifications = createNotifications(c, reconcile);
  const planOf = (row: ContractRow) => c.family(row.plan_key)?.plan;
  return {
    async plans(user) {
      // One query for all plans (newest first).
      const rows = await c.repo.listForOwner(user.openid);
      return c.config.plans
        .filter((p) => p.loginAppId === user.appId)
        .map((p) => planView(p, visibleContract(rows, p.planKey)));
    },
    presign: createPresign(c),
    async list(openid) {
      return (await c.repo.listForOwner(openid)).map((r) => toContract(r, planOf(r)));
    },
    async get(openid, contractId, doReconcile) {
      const row = await c.repo.findForOwner(contractId, openid);
      if (row?.presign_status !== 'READY') throw new ContractNotFoundError();
      return toContract(doReconcile ? await reconcile.forUser(row) : row, planOf(row));
    },
    terminate: createTerminate(c),
    applyNotification: notifications.applyNotification,
    reconcileContract: reconcile.reconcileContract,
    drain: notifications.drain,
  };
}
