import { CompiledQuery, type Kysely, sql, type Transaction } from 'kysely';
import { InternalError } from '../errors.ts';
import { STATE_RANK } from './contract-columns.ts';
import type { ContractRow, ContractState, Database, Family } from './database.ts';
import {
  createNotificationMove,
  type MoveResult,
  type NotificationMove,
  type NotificationTarget,
} from './notification-move.ts';
import { type ClaimIdentity, claimPresign, type NewContract, type PresignClaim } from './presign-claim.ts';

type Db = Kysely<Database> | Transaction<Database>;

export { STATE_RANK } from './contract-columns.ts';

export type { ClaimIdentity, ClaimUser, NewContract, PresignClaim } from './presign-claim.ts';

export interface TransitionFields {
  eventTime: Date;
  wechatContractId?: string | null;
  signedAt?: Date | null;
  terminatedAt?: Date | null;
}

export interface ContractsRepository {
  findById(id: string, db?: Db): Promise<ContractRow | undefined>;
  findForOwner(id: string, openid: string): Promise<ContractRow | undefined>;
  listForOwner(openid: string): Promise<ContractRow[]>;
  findByWechatId(family: Family, wechatContractId: string, db?: Db): Promise<ContractRow | undefined>;
  /** The newest contract of a user on a plan in any of `states`. */
  findLatestForUserPlan(
    openid: string,
    planKey: string,
    states: ContractState[],
    db?: Db,
  ): Promise<ContractRow | undefined>;
  /**
   * A verified notification, after its inbox row was inserted: find its contract, move it and record the
   * outcome, in ONE statement inside the notification's transaction (notification-move.ts).
   */
  findMoveAndRecord(
    trx: Transaction<Database>,
    target: NotificationTarget,
    move: NotificationMove,
    inboxId: string,
  ): Promise<MoveResult>;
  claimPresign(o: {
    contract: NewContract;
    who: ClaimIdentity;
    reuseUntil: Date;
    claimStaleBefore: Date;
  }): Promise<PresignClaim>;
  /** Stores WeChat's answer on the claim (nothing is read back: the caller knows what it wrote). */
  completePresign(
    id: string,
    o: { signToken: string; navigate: string; expiresAt: Date; now: Date },
  ): Promise<void>;
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

/** Presign hot path, a fixed text (one prepared statement): WeChat's answer stored on the claim. */
const COMPLETE_PRESIGN = `update contracts
  set presign_status = 'READY', sign_token = $2, navigate = $3, expires_at = $4, updated_at = $5
  where id = $1
  returning id`;

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
    findByWechatId: (family, wechatContractId, d = db) =>
      d
        .selectFrom('contracts')
        .selectAll()
        .where('family', '=', family)
        .where('wechat_contract_id', '=', wechatContractId)
        .executeTakeFirst(),
    findLatestForUserPlan: (openid, planKey, states, d = db) =>
      d
        .selectFrom('contracts')
        .selectAll()
        .where('openid', '=', openid)
        .where('plan_key', '=', planKey)
        .where('state', 'in', states)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst(),

    findMoveAndRecord: createNotificationMove(),

    claimPresign: (o) => claimPresign(db, repo, o),

    async completePresign(id, o) {
      const r = await db.executeQuery(
        CompiledQuery.raw(COMPLETE_PRESIGN, [id, o.signToken, o.navigate, o.expiresAt, o.now]),
      );
      // Only the request owning the claim deletes it (abandonPresign), so a missing row is our own bug.
      if (r.rows.length !== 1)
        throw new InternalError({
          cause: new Error(`presign claim ${id} vanished before its answer was stored`),
        });
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
