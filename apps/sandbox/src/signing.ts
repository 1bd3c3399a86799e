import { merchantOf, type SandboxContext } from './context.ts';
import {
  contractExists,
  contractNotFound,
  contractTerminated,
  sessionClosed,
  sessionExpired,
  sessionNotFound,
} from './errors.ts';
import type { NotificationRecord } from './notifier.ts';
import { rfc3339Cst } from './platform-keys.ts';
import { eduResource, passwordExemptNotifyResource } from './resources.ts';
import type { Contract, Session } from './state.ts';

/*
 * The user's side of signing — what WeChat's signing mini-program does — shared by the HTML page and the
 * JSON control API, plus the notifications each outcome produces.
 */

export interface SessionView {
  kind: 'edu' | 'qs';
  /** Password-exempt only: the pre-sign path (normal, service-provider, qs). */
  mode?: string;
  token: string;
  status: Session['status'] | 'EXPIRED';
  expiresAt: string;
  mchId: string;
  appid: string;
  openid?: string;
  subOpenid?: string;
  /** What the signing page shows: edu plan + merchant-side user id; QS display account. */
  planId?: string;
  userId?: string;
  serviceId?: number;
  outContractCode?: string;
  contractDisplayAccount?: string;
  contractId?: string;
}

function findSession(ctx: SandboxContext, token: string): Session {
  const s = ctx.state.sessions.get(token);
  if (!s) throw sessionNotFound();
  return s;
}

const isExpired = (ctx: SandboxContext, s: Session) => ctx.clock.now() > s.expiresAt;

export function viewSession(ctx: SandboxContext, token: string): SessionView {
  const s = findSession(ctx, token);
  const status: SessionView['status'] = s.status === 'PENDING' && isExpired(ctx, s) ? 'EXPIRED' : s.status;
  const base = {
    token: s.token,
    status,
    expiresAt: rfc3339Cst(s.expiresAt),
    mchId: s.mchId,
    appid: s.appid,
    ...(s.openid ? { openid: s.openid } : {}),
    ...(s.subOpenid ? { subOpenid: s.subOpenid } : {}),
    ...(s.contractId ? { contractId: s.contractId } : {}),
  };
  return s.kind === 'edu'
    ? { kind: 'edu', ...base, planId: s.planId, userId: s.userId }
    : {
        kind: 'qs',
        mode: s.mode,
        ...base,
        serviceId: s.serviceId,
        outContractCode: s.outContractCode,
        contractDisplayAccount: s.displayAccount,
      };
}

export interface ConfirmResult {
  result: 'SUCCESS';
  contractId: string;
  notificationId?: string;
  /** What the signing mini-program hands back (v2-style return_code; UNCONFIRMED for v3). */
  extraData: { return_code: 'SUCCESS'; contract_id: string };
}

export function confirmSession(ctx: SandboxContext, token: string): ConfirmResult {
  const s = findSession(ctx, token);
  if (s.status !== 'PENDING') throw sessionClosed();
  if (isExpired(ctx, s)) throw sessionExpired();
  const { state, clock } = ctx;
  const now = clock.now();
  let contract: Contract;
  if (s.kind === 'edu') {
    if (state.activeEduContract(s.mchId, s.appid, s.openid, s.planId)) throw contractExists();
    contract = {
      kind: 'edu',
      contractId: state.newContractId(now),
      mchId: s.mchId,
      appid: s.appid,
      openid: s.openid,
      planId: s.planId,
      userId: s.userId,
      status: 'ADD',
      signedAt: now,
      ...(s.subMchid ? { subMchid: s.subMchid } : {}),
      ...(s.subAppid ? { subAppid: s.subAppid } : {}),
      ...(s.subOpenid ? { subOpenid: s.subOpenid } : {}),
    };
  } else {
    if (state.qsByCode.has(`${s.mchId}|${s.serviceId}|${s.outContractCode}`)) throw contractExists();
    contract = {
      kind: 'qs',
      mode: s.mode,
      contractId: state.newContractId(now),
      mchId: s.mchId,
      appid: s.appid,
      // The answer's openid is required (§2.9): with only sub_openid sent, WeChat knows the same person's
      // openid under appid; so does the sandbox (identities.translate).
      openid: s.openid ?? state.identities.translate(s.subOpenid ?? '', s.appid),
      openidSent: s.openid !== undefined,
      serviceId: s.serviceId,
      outContractCode: s.outContractCode,
      displayAccount: s.displayAccount,
      notifyUrl: s.notifyUrl,
      state: 'SIGNED',
      signedAt: now,
      ...(s.subMchid ? { subMchid: s.subMchid } : {}),
      ...(s.subAppid ? { subAppid: s.subAppid } : {}),
      ...(s.subOpenid ? { subOpenid: s.subOpenid } : {}),
    };
  }
  state.addContract(contract);
  s.status = 'SIGNED';
  s.contractId = contract.contractId;
  const n = notifyContract(ctx, contract, 'signed');
  return {
    result: 'SUCCESS',
    contractId: contract.contractId,
    ...(n ? { notificationId: n.id } : {}),
    extraData: { return_code: 'SUCCESS', contract_id: contract.contractId },
  };
}

export function cancelSession(ctx: SandboxContext, token: string): { result: 'CANCEL' } {
  const s = findSession(ctx, token);
  if (s.status !== 'PENDING') throw sessionClosed();
  s.status = 'CANCELLED';
  return { result: 'CANCEL' };
}

export type TerminationMode = 'USER_TERMINATE' | 'MCH_API_TERMINATE';

/** Terminates; returns the notification it sent, if any. Throws when unknown or already terminated. */
export function terminateContract(
  ctx: SandboxContext,
  contract: Contract,
  mode: TerminationMode,
  remark?: string,
): NotificationRecord | undefined {
  const now = ctx.clock.now();
  if (contract.kind === 'edu') {
    if (contract.status === 'DELETE') throw contractTerminated();
    contract.status = 'DELETE';
  } else {
    if (contract.state === 'TERMINATED') throw contractTerminated();
    contract.state = 'TERMINATED';
    if (remark !== undefined) contract.terminationRemark = remark;
  }
  contract.terminatedAt = now;
  contract.terminationMode = mode;
  if (mode === 'MCH_API_TERMINATE' && !ctx.config.notify.notifyOnMerchantTerminate) return undefined;
  return notifyContract(ctx, contract, 'terminated');
}

export function userTerminate(ctx: SandboxContext, contractId: string) {
  const c = ctx.state.contracts.get(contractId);
  if (!c) throw contractNotFound();
  const n = terminateContract(ctx, c, 'USER_TERMINATE');
  return { result: 'TERMINATED' as const, contractId, ...(n ? { notificationId: n.id } : {}) };
}

function notifyContract(
  ctx: SandboxContext,
  c: Contract,
  what: 'signed' | 'terminated',
): NotificationRecord | undefined {
  const m = merchantOf(ctx, c.mchId);
  const ev = ctx.config.notify.eventTypes;
  if (c.kind === 'edu') {
    if (!m.eduNotifyUrl) return undefined; // nothing configured at "onboarding": WeChat has nowhere to send
    return ctx.notifier.send({
      url: m.eduNotifyUrl,
      eventType: what === 'signed' ? ev.eduSigned : ev.eduTerminated,
      summary: what === 'signed' ? '签约成功' : '解约成功',
      contractId: c.contractId,
      apiV3Key: m.apiV3Key,
      associatedData: 'papay',
      originalType: 'contract',
      resource: eduResource(c),
    });
  }
  return ctx.notifier.send({
    url: c.notifyUrl,
    eventType: what === 'signed' ? ev.qsSigned : ev.qsTerminated,
    summary: what === 'signed' ? '签约成功' : '解约成功',
    contractId: c.contractId,
    apiV3Key: m.apiV3Key,
    associatedData: '',
    originalType: 'contract',
    resource: passwordExemptNotifyResource(c, ctx.config.notify.passwordExemptNaming),
  });
}
