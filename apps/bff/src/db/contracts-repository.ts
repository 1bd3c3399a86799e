import { type Kysely, sql, type Transaction } from 'kysely';
import type { ContractRow, ContractState, Database, Family } from './database.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** States only move forward: PENDING(0) → EXPIRED(1) → SIGNED(2) → TERMINATED(3). */
export const STATE_RANK: Record<ContractState, number> = { PENDING: 0, EXPIRED: 1, SIGNED: 2, TERMINATED: 3 };

export interface NewContract {
  id: string;
  openid: string;
  planKey: string;
  family: Family;
  outContractCode: string;
  displayAccount: string;
  periodStartDate: string | null;
  now: Date;
}

export type PresignClaim =
  /** The plan is signed already: 409. */
  | { kind: 'signed'; row: ContractRow }
  /** A live presign exists: hand it back. */
  | { kind: 'ready'; row: ContractRow }
  /** Another request is calling WeChat for this user and plan right now: wait for it. */
  | { kind: 'busy'; row: ContractRow }
  /** This request owns the WeChat call (a new row, or a stale claim taken over with the SAME code). */
  | { kind: 'claimed'; row: ContractRow; takenOver: boolean }
  /** Lost a race with a claim that is not visible yet: ask again. */
  | { kind: 'retry' };

export interface TransitionFields {
  eventTime: Date;
  /** Inbox row id: record the notification's outcome (applied / unchanged) in the same statement. */
  recordOnInbox?: string;
  wechatContractId?: string | null;
  signedAt?: Date | null;
  terminatedAt?: Date | null;
}

export interface ContractsRepository {
  findById(id: string, db?: Db): Promise<ContractRow | undefined>;
  findForOwner(id: string, openid: string): Promise<ContractRow | undefined>;
  listForOwner(openid: string): Promise<ContractRow[]>;
  findByOutContractCode(code: string, db?: Db): Promise<ContractRow | undefined>;
  findByWechatId(family: Family, wechatContractId: string, db?: Db): Promise<ContractRow | undefined>;
  /**
   * The newest contract of a user on a plan in any of `states`; `readyOnly`: among contracts whose sign link
   * was handed out (presign READY).
   */
  findLatestForUserPlan(
    openid: string,
    planKey: string,
    states: ContractState[],
    db?: Db,
    o?: { readyOnly?: boolean },
  ): Promise<ContractRow | undefined>;
  claimPresign(o: { contract: NewContract; reuseUntil: Date; claimStaleBefore: Date }): Promise<PresignClaim>;
  completePresign(
    id: string,
    o: { signToken: string; navigate: string; expiresAt: Date; now: Date },
  ): Promise<ContractRow>;
  /** Forget a presign WeChat definitely refused (no token ever reached the user), if still ours. */
  abandonPresign(id: string, claimedAt: Date): Promise<void>;
  /** Moves a contract forward; a move backwards or sideways changes nothing and returns false. */
  transition(id: string, to: ContractState, f: TransitionFields, db?: Db): Promise<boolean>;
  transaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T>;
  /**
   * Takes the right to ask WeChat about one contract now: stamps last_reconciled_at = now unless it was stamped
   * after `notBefore` (by a user poll, the console or the background pass, on any replica). Undefined = asked
   * too recently: answer the stored state.
   */
  claimCheck(id: string, now: Date, notBefore: Date): Promise<ContractRow | undefined>;
  /**
   * Claims up to `limit` contracts due for a background check and stamps them `last_reconciled_at = now` in
   * the same statement: PENDING (presign READY) created before `pendingBefore` and not checked since then;
   * SIGNED not checked (or signed) since `signedBefore`. Rows locked by a concurrent claim (another replica)
   * are skipped, and once stamped they are not due any more, so two reconcilers never take the same row.
   */
  claimForReconcile(o: {
    now: Date;
    pendingBefore: Date;
    signedBefore: Date;
    limit: number;
  }): Promise<ContractRow[]>;
}

function newContractValues(contract: NewContract) {
  return {
    id: contract.id,
    openid: contract.openid,
    plan_key: contract.planKey,
    family: contract.family,
    state: 'PENDING' as const,
    out_contract_code: contract.outContractCode,
    display_account: contract.displayAccount,
    presign_status: 'CREATING' as const,
    claimed_at: contract.now,
    period_start_date: contract.periodStartDate,
    created_at: contract.now,
    updated_at: contract.now,
    state_event_time: contract.now,
  };
}

const rankSql = sql<number>`case state when 'PENDING' then 0 when 'EXPIRED' then 1 when 'SIGNED' then 2 when 'TERMINATED' then 3 end`;

export function createContractsRepository(db: Kysely<Database>): ContractsRepository {
  const repo: ContractsRepository = {
    findById: (id, d = db) => d.selectFrom('contracts').selectAll().where('id', '=', id).executeTakeFirst(),
    findForOwner: (id, openid) =>
      db
        .selectFrom('contracts')
        .selectAll()
        .where('id', '=', id)
        .where('openid', '=', openid)
        .executeTakeFirst(),
    listForOwner: (openid) =>
      db
        .selectFrom('contracts')
        .selectAll()
        .where('openid', '=', openid)
        .where('presign_status', '=', 'READY')
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .execute(),
    findByOutContractCode: (code, d = db) =>
      d.selectFrom('contracts').selectAll().where('out_contract_code', '=', code).executeTakeFirst(),
    findByWechatId: (family, wechatContractId, d = db) =>
      d
        .selectFrom('contracts')
        .selectAll()
        .where('family', '=', family)
        .where('wechat_contract_id', '=', wechatContractId)
        .executeTakeFirst(),
    findLatestForUserPlan: (openid, planKey, states, d = db, o = {}) =>
      d
        .selectFrom('contracts')
        .selectAll()
        .where('openid', '=', openid)
        .where('plan_key', '=', planKey)
        .where('state', 'in', states)
        .$if(o.readyOnly === true, (q) => q.where('presign_status', '=', 'READY'))
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst(),

    async claimPresign({ contract, reuseUntil, claimStaleBefore }) {
      // Hot path, one statement: the user has no SIGNED or PENDING contract on this plan, so insert the claim.
      // The partial unique index contracts_one_pending makes a concurrent twin (any replica) insert nothing,
      // and that twin then takes the locked path below, which sees this claim as busy.
      const values = newContractValues(contract);
      const timestamps = new Set(['claimed_at', 'created_at', 'updated_at', 'state_event_time']);
      const columns = Object.keys(values);
      // INSERT … SELECT resolves untyped parameters as text, so the timestamp columns are cast explicitly.
      const inserted =
        await sql<ContractRow>`insert into contracts (${sql.join(columns.map((c) => sql.ref(c)))})
        select ${sql.join(
          Object.entries(values).map(([k, v]) =>
            timestamps.has(k) ? sql`${v}::timestamptz` : sql`${v}::text`,
          ),
        )}
        where not exists (
          select 1 from contracts
          where openid = ${contract.openid} and plan_key = ${contract.planKey} and state in ('SIGNED', 'PENDING'))
        on conflict do nothing
        returning *`.execute(db);
      const fresh = inserted.rows[0];
      if (fresh) return { kind: 'claimed', row: fresh, takenOver: false } as const;
      return db.transaction().execute(async (trx) => {
        // Serialises presigns of one user on one plan across requests AND replicas (PostgreSQL); the partial
        // unique index contracts_one_pending is the backstop if anything slipped through.
        await sql`select pg_advisory_xact_lock(hashtextextended(${`presign:${contract.openid}:${contract.planKey}`}, 0))`.execute(
          trx,
        );
        const signed = await repo.findLatestForUserPlan(contract.openid, contract.planKey, ['SIGNED'], trx);
        if (signed) return { kind: 'signed', row: signed } as const;
        const pending = await repo.findLatestForUserPlan(contract.openid, contract.planKey, ['PENDING'], trx);
        if (pending) {
          if (pending.presign_status === 'READY') {
            if (pending.expires_at && pending.expires_at > reuseUntil)
              return { kind: 'ready', row: pending } as const;
            // The old session is (nearly) over: close it so a new one can be made. A SIGN notification for it
            // may still come and moves it EXPIRED → SIGNED (WeChat's word wins over our timer).
            await repo.transition(pending.id, 'EXPIRED', { eventTime: contract.now }, trx);
          } else if (pending.claimed_at > claimStaleBefore) {
            return { kind: 'busy', row: pending } as const;
          } else {
            // The request that claimed it died mid-call: retry with the SAME out_contract_code (idempotent).
            const row = await trx
              .updateTable('contracts')
              .set({ claimed_at: contract.now, updated_at: contract.now })
              .where('id', '=', pending.id)
              .returningAll()
              .executeTakeFirstOrThrow();
            return { kind: 'claimed', row, takenOver: true } as const;
          }
        }
        const row = await trx
          .insertInto('contracts')
          .values(values)
          .onConflict((oc) => oc.doNothing())
          .returningAll()
          .executeTakeFirst();
        // A hot-path insert that is not committed yet holds the pending slot: treat it as busy.
        if (!row) return { kind: 'retry' } as const;
        return { kind: 'claimed', row, takenOver: false } as const;
      });
    },

    async completePresign(id, o) {
      return db
        .updateTable('contracts')
        .set({
          presign_status: 'READY',
          sign_token: o.signToken,
          navigate: o.navigate,
          expires_at: o.expiresAt,
          updated_at: o.now,
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
    },

    async abandonPresign(id, claimedAt) {
      // Only the claim this request still owns (a takeover re-stamps claimed_at), and never a contract a
      // notification has already moved on.
      await db
        .deleteFrom('contracts')
        .where('id', '=', id)
        .where('presign_status', '=', 'CREATING')
        .where('state', '=', 'PENDING')
        .where('claimed_at', '=', claimedAt)
        .execute();
    },

    async transition(id, to, f, d = db) {
      const move = (qc: Pick<Db, 'updateTable'>) =>
        qc
          .updateTable('contracts')
          .set({
            state: to,
            updated_at: new Date(),
            state_event_time: f.eventTime,
            ...(f.wechatContractId
              ? { wechat_contract_id: sql<string>`coalesce(wechat_contract_id, ${f.wechatContractId})` }
              : {}),
            ...(f.signedAt ? { signed_at: sql<Date>`coalesce(signed_at, ${f.signedAt})` } : {}),
            ...(f.terminatedAt
              ? { terminated_at: sql<Date>`coalesce(terminated_at, ${f.terminatedAt})` }
              : {}),
          })
          .where('id', '=', id)
          .where(rankSql, '<', STATE_RANK[to]);
      if (f.recordOnInbox) {
        // One statement moves the contract and writes the notification's outcome on its inbox row.
        const r = await d
          .with('moved', (qc) => move(qc).returning('id'))
          .updateTable('notification_inbox')
          .set({
            outcome: sql<
              'applied' | 'unchanged'
            >`case when exists (select 1 from moved) then 'applied' else 'unchanged' end`,
            contract_id: id,
          })
          .where('id', '=', f.recordOnInbox)
          .returning('outcome')
          .executeTakeFirstOrThrow();
        return r.outcome === 'applied';
      }
      const r = await move(d).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    transaction: (fn) => db.transaction().execute(fn),

    claimCheck: (id, now, notBefore) =>
      db
        .updateTable('contracts')
        .set({ last_reconciled_at: now })
        .where('id', '=', id)
        .where((eb) =>
          eb.or([eb('last_reconciled_at', 'is', null), eb('last_reconciled_at', '<=', notBefore)]),
        )
        .returningAll()
        .executeTakeFirst(),

    async claimForReconcile({ now, pendingBefore, signedBefore, limit }) {
      const lastChecked = sql`coalesce(last_reconciled_at, signed_at, created_at)`;
      const r = await sql<ContractRow>`update contracts set last_reconciled_at = ${now}::timestamptz
        where id in (
          select id from contracts
          where (state = 'PENDING' and presign_status = 'READY' and created_at <= ${pendingBefore}::timestamptz
                 and coalesce(last_reconciled_at, created_at) <= ${pendingBefore}::timestamptz)
             or (state = 'SIGNED' and ${lastChecked} <= ${signedBefore}::timestamptz)
          order by ${lastChecked}, id
          limit ${limit}
          for update skip locked)
        returning *`.execute(db);
      return r.rows;
    },
  };
  return repo;
}
