import { createHash, randomBytes, randomInt } from 'node:crypto';
import type { Contract, NavigateTarget, Plan, PresignReply } from '@qianyue/api';
import { type Clock, type ContractEvent, isRetryable, type WechatPayClient } from '@qianyue/wechatpay';
import type { FastifyBaseLogger } from 'fastify';
import { firstDueDay } from '../billing/calendar.ts';
import type { AppConfig, PlanConfig } from '../config.ts';
import type { ContractsRepository } from '../db/contracts-repository.ts';
import type { ContractRow, ContractState } from '../db/database.ts';
import type { InboxRepository } from '../db/inbox-repository.ts';
import {
  AlreadySignedError,
  ContractNotFoundError,
  ContractNotTerminableError,
  NotificationForeignError,
  PlanNotFoundError,
  UpstreamRejectedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../errors.ts';
import type { Metrics } from '../plugins/metrics.ts';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const randomBase62 = (n: number) => Array.from({ length: n }, () => BASE62[randomInt(62)]).join('');

/** Never reused: 32 random base62 characters (≈190 bits), also unique in the database. */
export const newOutContractCode = () => randomBase62(32);
const newContractId = () => `c_${randomBytes(18).toString('base64url')}`;

/** A valid first-debit date: the first day from tomorrow (China time) whose day-of-month is 1–28. */
export function periodStartDate(nowSeconds: number): string {
  const china = new Date((nowSeconds + 8 * 3600) * 1000);
  const d = new Date(Date.UTC(china.getUTCFullYear(), china.getUTCMonth(), china.getUTCDate() + 1));
  if (d.getUTCDate() > 28) d.setUTCMonth(d.getUTCMonth() + 1, 1);
  return d.toISOString().slice(0, 10);
}

/** The merchant-side account shown on WeChat's signing page: stable per user, reveals nothing. */
export function userIdFor(mchId: string, openid: string): string {
  const h = createHash('sha256').update(`${mchId}\0${openid}`).digest();
  let out = 'QY';
  for (let i = 0; i < 16; i++) out += BASE62[h[i]! % 62];
  return out;
}

export interface ContractsService {
  plans(openid: string): Promise<Plan[]>;
  presign(openid: string, planKey: string): Promise<PresignReply>;
  list(openid: string): Promise<Contract[]>;
  get(openid: string, contractId: string, reconcile: boolean): Promise<Contract>;
  terminate(openid: string, contractId: string): Promise<Contract>;
  /** Stores the verified event in the inbox and applies it, once. Returns the outcome for metrics. */
  applyNotification(
    event: ContractEvent,
    rawBody: string,
  ): Promise<'applied' | 'unchanged' | 'unmatched' | 'ignored' | 'duplicate'>;
  /** QS: ask WeChat for the authoritative state after a notification (best effort, logged). */
  requery(contractId: string): Promise<void>;
  /**
   * Asks WeChat for the true state of one contract and applies it (monotonic): PENDING → signed / expired,
   * SIGNED → terminated (a lost RELEASE / TERMINATE notification). Used by the console and the background
   * reconciler; counted in bff_reconciliations_total. Returns the row after.
   */
  reconcileContract(row: ContractRow, trigger: 'background' | 'console' | 'user'): Promise<ContractRow>;
  /** Background work started by notifications; awaited on close. */
  drain(): Promise<void>;
}

export interface ContractsServiceDeps {
  config: AppConfig;
  clock: Clock;
  repo: ContractsRepository;
  inbox: InboxRepository;
  client: WechatPayClient;
  metrics: Metrics;
  log: FastifyBaseLogger;
  sleep?: (ms: number) => Promise<void>;
  /**
   * Automatic platform-certificate mode: an answer named an unknown Wechatpay-Serial → refresh the
   * certificates (throttled) before the bounded retry.
   */
  refreshKeys?: () => Promise<unknown>;
}

interface EduResource {
  sp_mchid?: string;
  mchid?: string;
  appid?: string;
  sub_appid?: string;
  openid?: string;
  plan_id?: string;
  contract_information?: { contract_id?: string; contract_status?: string; create_time?: string };
}
interface QsResource {
  mchid?: string;
  appid?: string;
  openid?: string;
  service_id?: number;
  contract_id?: string;
  out_contract_code?: string;
  contract_state?: string;
  contract_signed_time?: string;
  contract_terminate_info?: { contract_terminated_time?: string };
}

const parseTime = (s: string | undefined, fallback: Date): Date => {
  const t = s ? Date.parse(s) : Number.NaN;
  return Number.isNaN(t) ? fallback : new Date(t);
};

export function createContractsService(d: ContractsServiceDeps): ContractsService {
  const { config, repo, client, metrics, log } = d;
  const sleep = d.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = () => new Date(d.clock.now() * 1000);
  const background = new Set<Promise<void>>();
  const planByKey = new Map(config.plans.map((p) => [p.planKey, p]));
  // How long a CREATING claim is honoured before another request may take it over with the same code.
  const claimTimeoutMs = config.wechatpay.timeoutMs * config.wechatpay.maxAttempts + 5_000;
  const REUSE_MARGIN_SECONDS = 60;

  /** WeChat Pay call with bounded retries (429/5xx/transport/unverifiable), then a typed BFF error. */
  async function callWechat<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    const attempts = config.wechatpay.maxAttempts;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const e = err as { code?: string; apiCode?: string; status?: number };
        if (typeof e.code !== 'string' || !e.code.startsWith('WECHATPAY_')) throw err;
        metrics.upstreamErrors.inc({ operation, code: e.apiCode ?? e.code });
        const retry = isRetryable(err);
        log.warn(
          { operation, code: e.code, apiCode: e.apiCode, status: e.status, attempt, retry },
          'WeChat Pay call failed',
        );
        if (retry && attempt < attempts) {
          if (e.code === 'WECHATPAY_SERIAL_UNKNOWN' && d.refreshKeys) await d.refreshKeys();
          else await sleep(Math.min(2_000, 100 * 2 ** (attempt - 1)));
          continue;
        }
        if (!retry && e.code === 'WECHATPAY_API_ERROR') {
          throw new UpstreamRejectedError('WeChat Pay', e.apiCode ?? 'UNKNOWN', { cause: err });
        }
        if (e.code === 'WECHATPAY_TRANSPORT_TIMEOUT')
          throw new UpstreamTimeoutError('WeChat Pay', { cause: err });
        throw new UpstreamUnavailableError('WeChat Pay', { cause: err });
      }
    }
  }

  /** 404 from a query means "no such contract (yet)". */
  const notFoundAsNull = async <T>(p: Promise<T>): Promise<T | null> => {
    try {
      return await p;
    } catch (err) {
      const e = err as { code?: string; status?: number };
      if (e.code === 'WECHATPAY_API_ERROR' && e.status === 404) return null;
      throw err;
    }
  };

  const terminatedCodes = new Set(config.eduTerminatedApiCodes);
  /**
   * edu query-by-id of a contract we know WeChat signed: answered `contract_status: DELETE`, or an error whose
   * code is one of EDU_TERMINATED_API_CODES (the sandbox and, reportedly, WeChat answer 404 RESOURCE_NOT_EXISTS
   * for a terminated contract; the real code is UNCONFIRMED, hence configurable) → terminated.
   */
  async function eduIsTerminated(p: PlanConfig, wechatContractId: string): Promise<boolean> {
    const c = await callWechat('edu-papay.query-by-id', async () => {
      try {
        return await client.eduPapay.queryById(wechatContractId, {
          appid: config.wechat.appId,
          ...('subMchId' in p ? { sub_mchid: p.subMchId } : {}),
        });
      } catch (err) {
        const e = err as { code?: string; apiCode?: string; verified?: boolean };
        // TERMINATED is final: only WeChat's own (signed, verified) word may put a contract there.
        if (e.code === 'WECHATPAY_API_ERROR' && e.verified && e.apiCode && terminatedCodes.has(e.apiCode))
          return null;
        throw err;
      }
    });
    return c === null || c.contract_information?.contract_status === 'DELETE';
  }

  /** SIGNED → ask WeChat whether it is still signed; a termination whose notification was lost is applied. */
  async function reconcileSigned(row: ContractRow): Promise<ContractRow> {
    const p = planByKey.get(row.plan_key);
    if (!p || row.state !== 'SIGNED') return row;
    const t = now();
    if (p.family === 'edu-papay') {
      if (!row.wechat_contract_id) return row;
      if (await eduIsTerminated(p, row.wechat_contract_id)) {
        await repo.transition(row.id, 'TERMINATED', { eventTime: t, terminatedAt: t });
      }
    } else {
      const c = await callWechat('password-exempt.query', () =>
        notFoundAsNull(client.passwordExempt.queryByOutContractCode(p.serviceId, row.out_contract_code)),
      );
      if (c) await applyQsState(row, c as QsResource, t);
      else
        log.warn({ contractId: row.id }, 'reconcile: WeChat does not know a SIGNED password-exempt contract');
    }
    return (await repo.findById(row.id)) ?? row;
  }

  async function reconcileContract(
    row: ContractRow,
    trigger: 'background' | 'console' | 'user',
  ): Promise<ContractRow> {
    const from = row.state;
    try {
      const after =
        row.state === 'PENDING'
          ? await reconcile(row)
          : row.state === 'SIGNED'
            ? await reconcileSigned(row)
            : row;
      metrics.reconciliations.inc({
        trigger,
        from,
        outcome: after.state === from ? 'unchanged' : after.state.toLowerCase(),
      });
      if (after.state !== from) {
        log.info({ contractId: row.id, trigger, from, to: after.state }, 'contract reconciled with WeChat');
      }
      return after;
    } catch (err) {
      metrics.reconciliations.inc({ trigger, from, outcome: 'error' });
      throw err;
    }
  }

  function plan(planKey: string): PlanConfig {
    const p = planByKey.get(planKey);
    if (!p) throw new PlanNotFoundError();
    return p;
  }

  function toContract(row: ContractRow): Contract {
    const p = planByKey.get(row.plan_key);
    return {
      contractId: row.id,
      planKey: row.plan_key,
      planName: p?.name ?? row.plan_key,
      family: row.family,
      state: row.state,
      displayAccount: row.display_account,
      createdAt: row.created_at.toISOString(),
      ...(row.signed_at ? { signedAt: row.signed_at.toISOString() } : {}),
      ...(row.terminated_at ? { terminatedAt: row.terminated_at.toISOString() } : {}),
      ...(row.expires_at && row.state === 'PENDING' ? { expiresAt: row.expires_at.toISOString() } : {}),
      confirming: row.state === 'PENDING',
    };
  }

  function presignReply(row: ContractRow, reused: boolean): PresignReply {
    return {
      contractId: row.id,
      navigate: JSON.parse(row.navigate ?? '{}') as NavigateTarget,
      expiresAt: (row.expires_at ?? now()).toISOString(),
      reused,
    };
  }

  async function callPresign(
    p: PlanConfig,
    row: ContractRow,
  ): Promise<{ token: string; navigate: NavigateTarget; ttl: number }> {
    const w = config.wechat;
    if (p.family === 'edu-papay') {
      const answer = await callWechat('edu-papay.presign', () =>
        client.eduPapay.presign({
          appid: w.appId,
          ...('subMchId' in p ? { sub_mchid: p.subMchId } : {}),
          openid: row.openid,
          plan_id: p.planId,
          user_id: row.display_account,
          period_start_date: row.period_start_date ?? periodStartDate(d.clock.now()),
          trade_scene: 'EDUCATION_PERIOD',
        }),
      );
      return {
        token: answer.presign_token,
        navigate: {
          appId: config.sign.eduAppId,
          path: config.sign.eduPath,
          extraData: { presign_token: answer.presign_token },
        },
        ttl: config.presign.eduTtlSeconds,
      };
    }
    const answer = await callWechat('password-exempt.pre-entrust-sign', () =>
      client.passwordExempt.preEntrustSignMiniProgram({
        appid: w.appId,
        sub_appid: 'subAppId' in p ? p.subAppId : '',
        sub_mchid: 'subMchId' in p ? p.subMchId : '',
        service_id: p.serviceId,
        out_contract_code: row.out_contract_code,
        notify_url: `${config.notifyBaseUrl}/v1/notify/password-exempt`,
        contract_display_account: row.display_account,
        openid: row.openid,
      }),
    );
    return {
      token: answer.pre_entrustweb_id,
      navigate: {
        appId: answer.sign_mp_appid,
        path: answer.sign_mp_path,
        extraData: { [config.sign.qsExtraDataKey]: answer.pre_entrustweb_id },
      },
      ttl: config.presign.qsTtlSeconds,
    };
  }

  async function presignOnce(openid: string, p: PlanConfig): Promise<PresignReply | 'retry'> {
    const t = now();
    const userId = userIdFor(config.wechatpay.mchId, openid);
    const claim = await repo.claimPresign({
      contract: {
        id: newContractId(),
        openid,
        planKey: p.planKey,
        family: p.family,
        outContractCode: newOutContractCode(),
        displayAccount: userId,
        // A billed plan debits on its dayOfMonth (what the plan card promised): the first such day after today.
        periodStartDate:
          p.family === 'edu-papay'
            ? p.billing
              ? firstDueDay(null, d.clock.now(), p.billing.dayOfMonth)
              : periodStartDate(d.clock.now())
            : null,
        now: t,
      },
      reuseUntil: new Date(t.getTime() + REUSE_MARGIN_SECONDS * 1000),
      claimStaleBefore: new Date(t.getTime() - claimTimeoutMs),
    });
    if (claim.kind === 'retry') {
      await sleep(20);
      return 'retry';
    }
    if (claim.kind === 'signed') throw new AlreadySignedError();
    if (claim.kind === 'ready') return presignReply(claim.row, true);
    if (claim.kind === 'busy') {
      // Another request (maybe on another replica) is asking WeChat right now: wait for its answer.
      for (let waited = 0; waited < claimTimeoutMs; waited += 50) {
        await sleep(50);
        const row = await repo.findById(claim.row.id);
        if (!row) return 'retry'; // WeChat refused it; start over (the refusal will repeat for us).
        if (row.presign_status === 'READY') return presignReply(row, true);
      }
      return 'retry';
    }
    let answer: Awaited<ReturnType<typeof callPresign>>;
    try {
      answer = await callPresign(p, claim.row);
    } catch (err) {
      // Nothing reached the user: drop the claim so the next tap starts clean (a new code for QS; WeChat's
      // session for the old code, if one was made, just expires unused).
      await repo.abandonPresign(claim.row.id, claim.row.claimed_at);
      throw err;
    }
    const row = await repo.completePresign(claim.row.id, {
      signToken: answer.token,
      navigate: JSON.stringify(answer.navigate),
      expiresAt: new Date(d.clock.now() * 1000 + answer.ttl * 1000),
      now: now(),
    });
    return presignReply(row, false);
  }

  async function reconcile(row: ContractRow): Promise<ContractRow> {
    const p = planByKey.get(row.plan_key);
    if (!p || row.state !== 'PENDING' || row.presign_status !== 'READY') return row;
    const t = now();
    if (p.family === 'edu-papay') {
      const list = await callWechat('edu-papay.query-by-user', () =>
        notFoundAsNull(
          client.eduPapay.queryByUser(row.openid, {
            appid: config.wechat.appId,
            plan_id: p.planId,
            contract_status: 'ADD',
            ...('subMchId' in p ? { sub_mchid: p.subMchId } : {}),
          }),
        ),
      );
      const signed = list?.data?.find(
        (c) => c.contract_information?.contract_status === 'ADD' && (!c.plan_id || c.plan_id === p.planId),
      );
      const info = signed?.contract_information;
      if (info?.contract_id) {
        const other = await repo.findByWechatId('edu-papay', info.contract_id);
        if (!other || other.id === row.id) {
          const at = parseTime(info.create_time, t);
          await repo.transition(row.id, 'SIGNED', {
            eventTime: at,
            wechatContractId: info.contract_id,
            signedAt: at,
          });
        }
      } else if (row.expires_at && row.expires_at <= t) {
        await repo.transition(row.id, 'EXPIRED', { eventTime: t });
      }
    } else {
      const c = await callWechat('password-exempt.query', () =>
        notFoundAsNull(client.passwordExempt.queryByOutContractCode(p.serviceId, row.out_contract_code)),
      );
      if (c) await applyQsState(row, c as QsResource, t);
      else if (row.expires_at && row.expires_at <= t)
        await repo.transition(row.id, 'EXPIRED', { eventTime: t });
    }
    return (await repo.findById(row.id)) ?? row;
  }

  async function applyQsState(row: ContractRow, c: QsResource, t: Date): Promise<boolean> {
    const signedAt = parseTime(c.contract_signed_time, t);
    if (c.contract_state === 'TERMINATED' || c.contract_terminate_info) {
      const at = parseTime(c.contract_terminate_info?.contract_terminated_time, t);
      return repo.transition(row.id, 'TERMINATED', {
        eventTime: at,
        wechatContractId: c.contract_id ?? null,
        signedAt,
        terminatedAt: at,
      });
    }
    if (c.contract_state === 'SIGNED') {
      return repo.transition(row.id, 'SIGNED', {
        eventTime: signedAt,
        wechatContractId: c.contract_id ?? null,
        signedAt,
      });
    }
    return false;
  }

  async function requery(contractId: string): Promise<void> {
    const row = await repo.findById(contractId);
    if (row?.family !== 'password-exempt') return;
    const p = planByKey.get(row.plan_key);
    if (p?.family !== 'password-exempt') return;
    const c = await callWechat('password-exempt.query', () =>
      notFoundAsNull(client.passwordExempt.queryByOutContractCode(p.serviceId, row.out_contract_code)),
    );
    if (c) await applyQsState(row, c as QsResource, now());
  }

  function checkOwnership(event: ContractEvent): void {
    const mch = config.wechatpay.mchId;
    const app = config.wechat.appId;
    if (event.family === 'edu-papay') {
      const r = event.resource as EduResource;
      const payloadMch = r.sp_mchid ?? r.mchid;
      if ((payloadMch !== undefined && payloadMch !== mch) || r.appid !== app)
        throw new NotificationForeignError();
    } else if (event.family === 'password-exempt') {
      const r = event.resource as QsResource;
      if (r.mchid !== mch || r.appid !== app) throw new NotificationForeignError();
    }
  }

  function businessKey(event: ContractEvent): string {
    if (event.family === 'edu-papay') {
      const id = (event.resource as EduResource).contract_information?.contract_id;
      if (id) return id;
    } else if (event.family === 'password-exempt') {
      const r = event.resource as QsResource;
      const key = r.out_contract_code ?? r.contract_id;
      if (key) return key;
    } else {
      return `envelope:${event.envelope.id}`;
    }
    throw Object.assign(new Error('notification resource has no contract key'), {
      code: 'WECHATPAY_NOTIFICATION_MALFORMED',
    });
  }

  /** Finds the local contract a verified event is about. */
  async function target(
    event: ContractEvent,
    trx: Parameters<Parameters<ContractsRepository['transaction']>[0]>[0],
  ) {
    if (event.family === 'edu-papay') {
      const r = event.resource as EduResource;
      const id = r.contract_information?.contract_id;
      const byId = id ? await repo.findByWechatId('edu-papay', id, trx) : undefined;
      if (byId) return byId;
      const p = config.plans.find((x) => x.family === 'edu-papay' && x.planId === r.plan_id);
      if (!p || !r.openid) return undefined;
      // A RELEASE may overtake its SIGNING (reordered delivery): then it applies to the pending contract.
      const states: ContractState[] =
        event.kind === 'signed' ? ['PENDING', 'EXPIRED'] : ['SIGNED', 'PENDING', 'EXPIRED'];
      // Only rows whose sign link was handed out: a row still being created cannot be what was signed.
      const row = await repo.findLatestReadyForUserPlan(r.openid, p.planKey, states, trx);
      return row && !row.wechat_contract_id ? row : undefined;
    }
    if (event.family === 'password-exempt') {
      const r = event.resource as QsResource;
      const row = r.out_contract_code
        ? await repo.findByOutContractCode(r.out_contract_code, trx)
        : undefined;
      // The payload must describe OUR contract for that code (same user), or it changes nothing.
      return row && (!r.openid || row.openid === r.openid) ? row : undefined;
    }
    return undefined;
  }

  async function applyNotification(event: ContractEvent, rawBody: string) {
    checkOwnership(event);
    const key = businessKey(event);
    const t = now();
    const eventTime = parseTime(event.envelope.create_time, t);
    let requeryId: string | undefined;
    const outcome = await repo.transaction(async (trx) => {
      // Recorded first: a concurrent duplicate blocks on the inbox's unique index until this commits, then
      // inserts nothing and stops (3 statements). The outcome is written by the same statement that moves
      // the contract, so a new event costs one insert, the lookup and one update.
      const inboxId = `n_${randomBytes(18).toString('base64url')}`;
      const fresh = await d.inbox.insertIfNew(trx, {
        id: inboxId,
        envelope_id: event.envelope.id,
        event_type: event.envelope.event_type,
        business_key: key,
        family: event.family,
        kind: event.kind,
        envelope: rawBody,
        resource: event.plaintext,
        serial: event.serial,
        request_id: event.requestId ?? null,
        outcome: event.family === 'unknown' ? 'ignored' : 'unmatched',
        contract_id: null,
        received_at: t,
      });
      if (!fresh) return 'duplicate' as const;
      if (event.family === 'unknown') return 'ignored' as const;
      const row = await target(event, trx);
      if (!row) return 'unmatched' as const;
      let changed: boolean;
      if (event.family === 'edu-papay') {
        const info = (event.resource as EduResource).contract_information;
        const signedAt = parseTime(info?.create_time, eventTime);
        const wechatContractId = info?.contract_id ?? null;
        changed =
          event.kind === 'signed'
            ? await repo.transition(
                row.id,
                'SIGNED',
                { eventTime, wechatContractId, signedAt, recordOnInbox: inboxId },
                trx,
              )
            : await repo.transition(
                row.id,
                'TERMINATED',
                { eventTime, wechatContractId, signedAt, terminatedAt: eventTime, recordOnInbox: inboxId },
                trx,
              );
      } else {
        const r = event.resource as QsResource;
        const signedAt = parseTime(r.contract_signed_time, eventTime);
        const wechatContractId = r.contract_id ?? null;
        if (event.kind === 'signed') {
          changed = await repo.transition(
            row.id,
            'SIGNED',
            { eventTime, wechatContractId, signedAt, recordOnInbox: inboxId },
            trx,
          );
        } else {
          const at = parseTime(r.contract_terminate_info?.contract_terminated_time, eventTime);
          changed = await repo.transition(
            row.id,
            'TERMINATED',
            { eventTime: at, wechatContractId, signedAt, terminatedAt: at, recordOnInbox: inboxId },
            trx,
          );
        }
        requeryId = row.id;
      }
      return changed ? ('applied' as const) : ('unchanged' as const);
    });
    if (outcome === 'ignored') {
      // Answered 204 and never redelivered: if this is a contract event under a name we do not map (the
      // password-exempt names are UNCONFIRMED), NOTIFY_EVENT_TYPES must learn it; reconcile catches up.
      log.warn(
        { eventType: event.envelope.event_type, envelopeId: event.envelope.id },
        'notification event type is not mapped (NOTIFY_EVENT_TYPES): stored as ignored',
      );
    }
    if (outcome === 'unmatched') {
      log.warn(
        { eventType: event.envelope.event_type, envelopeId: event.envelope.id },
        'notification matches no contract',
      );
    }
    if (requeryId && config.qsRequeryAfterNotify) {
      const id = requeryId;
      const job = requery(id)
        .catch((err) => log.warn({ err, contractId: id }, 'QS re-query after notification failed'))
        .finally(() => background.delete(job));
      background.add(job);
    }
    return outcome;
  }

  return {
    async plans(openid) {
      // One query for all plans (newest first), instead of up to three per plan.
      const rows = await repo.listForOwner(openid);
      const pick = (planKey: string) => {
        const mine = rows.filter((r) => r.plan_key === planKey);
        return (
          mine.find((r) => r.state === 'SIGNED') ??
          mine.find((r) => r.state === 'PENDING') ??
          mine.find((r) => r.state === 'TERMINATED' || r.state === 'EXPIRED')
        );
      };
      return config.plans.map((p): Plan => {
        const visible = pick(p.planKey);
        return {
          planKey: p.planKey,
          family: p.family,
          name: p.name,
          description: p.description,
          state: visible?.state ?? 'NONE',
          ...(visible ? { contractId: visible.id } : {}),
          ...(p.family === 'edu-papay' && p.billing ? { billing: p.billing } : {}),
        };
      });
    },

    async presign(openid, planKey) {
      const p = plan(planKey);
      const started = performance.now();
      try {
        for (let i = 0; i < 3; i++) {
          const r = await presignOnce(openid, p);
          if (r !== 'retry') {
            metrics.presignSeconds.observe(
              { family: p.family, outcome: r.reused ? 'reused' : 'created' },
              (performance.now() - started) / 1000,
            );
            return r;
          }
        }
        throw new UpstreamUnavailableError('WeChat Pay');
      } catch (err) {
        metrics.presignSeconds.observe(
          { family: p.family, outcome: 'error' },
          (performance.now() - started) / 1000,
        );
        throw err;
      }
    },

    async list(openid) {
      return (await repo.listForOwner(openid)).map(toContract);
    },

    async get(openid, contractId, doReconcile) {
      const row = await repo.findForOwner(contractId, openid);
      if (row?.presign_status !== 'READY') throw new ContractNotFoundError();
      return toContract(doReconcile && row.state === 'PENDING' ? await reconcileContract(row, 'user') : row);
    },

    async terminate(openid, contractId) {
      const row = await repo.findForOwner(contractId, openid);
      if (row?.presign_status !== 'READY') throw new ContractNotFoundError();
      if (row.state !== 'SIGNED') throw new ContractNotTerminableError(row.state);
      const p = planByKey.get(row.plan_key);
      if (!p) throw new PlanNotFoundError();
      const family = p.family;
      const wechatId = row.wechat_contract_id;
      if (family === 'edu-papay' && !wechatId) throw new ContractNotTerminableError(row.state);
      try {
        if (p.family === 'edu-papay') {
          await callWechat('edu-papay.terminate', () => client.eduPapay.terminate(wechatId!));
        } else {
          await callWechat('password-exempt.terminate', () =>
            client.passwordExempt.terminate(p.serviceId, row.out_contract_code, {
              contract_termination_remark: '用户在小程序内申请解约',
            }),
          );
        }
      } catch (err) {
        // A retry after a lost answer (timeout, 500 after processing) meets "already terminated": WeChat did
        // terminate it. Ask WeChat what is true before calling that a rejection.
        if (!(err instanceof UpstreamRejectedError)) throw err;
        const terminated = await (p.family === 'edu-papay'
          ? eduIsTerminated(p, wechatId!)
          : callWechat('password-exempt.query', () =>
              notFoundAsNull(
                client.passwordExempt.queryByOutContractCode(p.serviceId, row.out_contract_code),
              ),
            ).then((c) => (c as QsResource | null)?.contract_state === 'TERMINATED')
        ).catch(() => false);
        if (!terminated) throw err;
      }
      const t = now();
      await repo.transition(row.id, 'TERMINATED', { eventTime: t, terminatedAt: t });
      return toContract((await repo.findById(row.id)) ?? row);
    },

    applyNotification,
    requery,
    reconcileContract,
    async drain() {
      await Promise.allSettled([...background]);
    },
  };
}
