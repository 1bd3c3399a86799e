import { randomBytes } from 'node:crypto';
import type { PasswordExemptMode } from '@qianyue/wechatpay';
import { createIdentityRegistry, type IdentityRegistry } from './identities.ts';
import { alnum } from './platform-keys.ts';

export type SessionStatus = 'PENDING' | 'SIGNED' | 'CANCELLED';

export interface EduSession {
  kind: 'edu';
  token: string;
  mchId: string;
  appid: string;
  subMchid?: string;
  subAppid?: string;
  openid: string;
  subOpenid?: string;
  planId: string;
  userId: string;
  periodStartDate: string;
  createdAt: number;
  expiresAt: number;
  status: SessionStatus;
  contractId?: string;
}

/** A password-exempt signing session, any mode (`kind` 'qs' names the family, `mode` the pre-sign path). */
export interface QsSession {
  kind: 'qs';
  mode: PasswordExemptMode;
  token: string;
  mchId: string;
  /** The caller's AppID: `appid` (normal, qs) or `sp_appid` (service-provider). */
  appid: string;
  subAppid?: string;
  subMchid?: string;
  serviceId: number;
  outContractCode: string;
  notifyUrl: string;
  displayAccount: string;
  /** The user under `appid`: `openid` (normal, qs) or `sp_openid` (service-provider). */
  openid?: string;
  subOpenid?: string;
  createdAt: number;
  expiresAt: number;
  status: SessionStatus;
  contractId?: string;
}

export type Session = EduSession | QsSession;

export interface EduContract {
  kind: 'edu';
  contractId: string;
  mchId: string;
  appid: string;
  subMchid?: string;
  subAppid?: string;
  openid: string;
  subOpenid?: string;
  planId: string;
  userId: string;
  status: 'ADD' | 'DELETE';
  /** Unix seconds. */
  signedAt: number;
  terminatedAt?: number;
  terminationMode?: string;
}

export interface QsContract {
  kind: 'qs';
  mode: PasswordExemptMode;
  contractId: string;
  mchId: string;
  appid: string;
  /** The user under `appid`; when only sub_openid was sent, the same person's openid under `appid`. */
  openid: string;
  /** Whether the pre-sign itself named the user under `appid` (the notification then carries it). */
  openidSent: boolean;
  subAppid?: string;
  subMchid?: string;
  subOpenid?: string;
  serviceId: number;
  outContractCode: string;
  displayAccount: string;
  notifyUrl: string;
  state: 'SIGNED' | 'TERMINATED';
  signedAt: number;
  terminatedAt?: number;
  terminationMode?: string;
  terminationRemark?: string;
}

export type Contract = EduContract | QsContract;

export interface LoginCode {
  code: string;
  appId: string;
  openid: string;
  expiresAt: number;
}

/**
 * Per-instance, in-memory store. Every lookup the APIs need is one Map access (the reliability suite drives
 * thousands of users through one instance), so the indexes are kept in step by the few mutators below.
 */
export interface SandboxState {
  sessions: Map<string, Session>;
  contracts: Map<string, Contract>;
  /** `${mchId}|${appid}|${openid}|${planId}` → contract ids (newest last) of that user on that plan. */
  eduByUserPlan: Map<string, string[]>;
  /** `${mchId}|${serviceId}|${outContractCode}` → contract id. Never removed: codes are never reusable. */
  qsByCode: Map<string, string>;
  loginCodes: Map<string, LoginCode>;
  /** openid → [window start (unix s), count] for the jscode2session rate limit. */
  loginRate: Map<string, [number, number]>;
  highRiskOpenids: Set<string>;
  /** Which (AppID, user) every openid the sandbox issued belongs to. */
  identities: IdentityRegistry;
  newToken(kind: 'edu' | 'qs'): string;
  /** Stores a new signing session, first pruning what has expired long enough ago. */
  addSession(s: Session, nowSeconds: number): void;
  /** Stores a wx.login code, first pruning expired codes and stale rate windows. */
  addLoginCode(c: LoginCode, nowSeconds: number): void;
  /** Drops sessions expired more than `sessionRetentionSeconds` ago, expired login codes and rate windows
   *  older than a minute. Each map is swept from its oldest entry and stops at the first one still live, so
   *  the cost is proportional to what is dropped. */
  prune(nowSeconds: number): void;
  newContractId(nowSeconds: number): string;
  addContract(c: Contract): void;
  activeEduContract(mchId: string, appid: string, openid: string, planId: string): EduContract | undefined;
}

export const eduKey = (mchId: string, appid: string, openid: string, planId: string) =>
  `${mchId}|${appid}|${openid}|${planId}`;
export const qsKey = (mchId: string, serviceId: number, outContractCode: string) =>
  `${mchId}|${serviceId}|${outContractCode}`;

export interface StateOptions {
  highRiskOpenids?: string[];
  /** Seeds the openid derivation (config.seed): same seed, same openids. */
  seed?: number;
  /** How long an expired signing session stays readable (status EXPIRED) before it is dropped. */
  sessionRetentionSeconds?: number;
}

/** Deletes entries from the front (oldest insertion) while `dead` holds; stops at the first live one. */
function sweep<K, V>(m: Map<K, V>, dead: (v: V) => boolean): void {
  for (const [k, v] of m) {
    if (!dead(v)) return;
    m.delete(k);
  }
}

export function createSandboxState(o: StateOptions | string[] = {}): SandboxState {
  const opts: StateOptions = Array.isArray(o) ? { highRiskOpenids: o } : o;
  const highRiskOpenids = opts.highRiskOpenids ?? [];
  const retention = opts.sessionRetentionSeconds ?? 86_400;
  let counter = 0;
  const state: SandboxState = {
    sessions: new Map(),
    contracts: new Map(),
    eduByUserPlan: new Map(),
    qsByCode: new Map(),
    loginCodes: new Map(),
    loginRate: new Map(),
    highRiskOpenids: new Set(highRiskOpenids),
    identities: createIdentityRegistry(opts.seed ?? 1),
    // edu presign_token examples are 42 chars; pre_entrustweb_id is string(128).
    newToken: (kind) =>
      kind === 'edu' ? randomBytes(16).toString('hex') + alnum(10) : `pe${randomBytes(20).toString('hex')}`,
    newContractId(nowSeconds) {
      counter = (counter + 1) % 1_000_000;
      const stamp = new Date((nowSeconds + 8 * 3600) * 1000).toISOString().replace(/\D/g, '').slice(0, 14);
      const rand = String(randomBytes(4).readUInt32BE(0) % 1_000_000).padStart(6, '0');
      return `Wx${stamp}${String(counter).padStart(6, '0')}${rand}`;
    },
    addSession(s, now) {
      state.prune(now);
      state.sessions.set(s.token, s);
    },
    addLoginCode(c, now) {
      state.prune(now);
      state.loginCodes.set(c.code, c);
    },
    prune(now) {
      sweep(state.sessions, (s) => s.expiresAt + retention < now);
      sweep(state.loginCodes, (c) => c.expiresAt < now);
      sweep(state.loginRate, (w) => now - w[0] >= 60);
    },
    addContract(c) {
      state.contracts.set(c.contractId, c);
      if (c.kind === 'edu') {
        const k = eduKey(c.mchId, c.appid, c.openid, c.planId);
        const list = state.eduByUserPlan.get(k);
        if (list) list.push(c.contractId);
        else state.eduByUserPlan.set(k, [c.contractId]);
      } else {
        state.qsByCode.set(qsKey(c.mchId, c.serviceId, c.outContractCode), c.contractId);
      }
    },
    activeEduContract(mchId, appid, openid, planId) {
      const ids = state.eduByUserPlan.get(eduKey(mchId, appid, openid, planId));
      if (!ids) return undefined;
      for (let i = ids.length - 1; i >= 0; i--) {
        const c = state.contracts.get(ids[i]!);
        if (c?.kind === 'edu' && c.status === 'ADD') return c;
      }
      return undefined;
    },
  };
  return state;
}
