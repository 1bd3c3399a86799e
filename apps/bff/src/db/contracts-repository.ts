import { CompiledQuery, type Kysely, sql, type Transaction } from 'kysely';
import { InternalError } from '../errors.ts';
import type { ContractRow, ContractState, Database, Family } from './database.ts';
import { claimPresign, type NewContract, type PresignClaim } from './presign-claim.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** States only move forward: PENDING(0) → EXPIRED(1) → SIGNED(2) → TERMINATED(3). */
export const STATE_RANK: Record<ContractState, number> = { PENDING: 0, EXPIRED: 1, SIGNED: 2, TERMINATED: 3 };

export type { NewContract, PresignClaim } from './presign-claim.ts';

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
  /** The newest contract of a user on a plan in any of `states`. */
  findLatestForUserPlan(
    openid: string,
    planKey: string,
    states: ContractState[],
    db?: Db,
  ): Promise<ContractRow | undefined>;
  /**
   * The contract a notification is about, in ONE statement: the one with WeChat's contract id; else, plan by
   * plan in `planKeys` order, the user's newest contract in `states` whose sign link was handed out (a row
   * still being created cannot be what was signed), taken only while WeChat has given it no id yet.
   */
  findNotificationTarget(
    o: {
      family: Family;
      wechatContractId?: string;
      user?: string;
      planKeys: string[];
      states: ContractState[];
    },
    db?: Db,
  ): Promise<ContractRow | undefined>;
  claimPresign(o: { contract: NewContract; reuseUntil: Date; claimStaleBefore: Date }): Promise<PresignClaim>;
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

/** Every column of a contract row, named (a statement that names its columns can stay prepared). */
const CONTRACT_COLUMNS = [
  'id',
  'openid',
  'plan_key',
  'family',
  'state',
  'out_contract_code',
  'display_account',
  'presign_status',
  'claimed_at',
  'sign_token',
  'navigate',
  'period_start_date',
  'wechat_contract_id',
  'created_at',
  'updated_at',
  'expires_at',
  'signed_at',
  'terminated_at',
  'state_event_time',
  'last_reconciled_at',
] as const satisfies readonly (keyof ContractRow)[];
// Compile-time: a column added to ContractRow must be added above.
const everyColumn: Exclude<keyof ContractRow, (typeof CONTRACT_COLUMNS)[number]> extends never
  ? true
  : never = true;
void everyColumn;
// One raw fragment of fixed identifiers: compiled as one node instead of twenty references.
const CONTRACT_COLUMN_LIST = sql.raw(CONTRACT_COLUMNS.join(', '));

/**
 * Notification hot path, ONE statement with a fixed text (compiled once, one prepared statement): moves the
 * contract forward (never backwards or sideways; the ids and times WeChat gave are kept once set) and writes
 * the notification's outcome on its inbox row. $1 contract id, $2 state, $3 now, $4 event time, $5 WeChat
 * contract id, $6 signed at, $7 terminated at (null: leave as is), $8 the target state's rank, $9 inbox row id.
 */
const MOVE_AND_RECORD = `with moved as (
    update contracts set state = $2, updated_at = $3, state_event_time = $4,
      wechat_contract_id = coalesce(wechat_contract_id, $5),
      signed_at = coalesce(signed_at, $6::timestamptz),
      terminated_at = coalesce(terminated_at, $7::timestamptz)
    where id = $1
      and (case state when 'PENDING' then 0 when 'EXPIRED' then 1 when 'SIGNED' then 2 when 'TERMINATED' then 3 end) < $8
    returning id)
  update notification_inbox
  set outcome = case when exists (select 1 from moved) then 'applied' else 'unchanged' end, contract_id = $1
  where id = $9
  returning outcome`;

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

    async findNotificationTarget(o, d = db) {
      // Named columns, no `*`: the statement can stay prepared (prepared-statements.ts).
      const cols = CONTRACT_COLUMN_LIST;
      const branches = [];
      if (o.wechatContractId)
        branches.push(sql`(select ${cols}, 0 as target_rank from contracts
          where family = ${o.family} and wechat_contract_id = ${o.wechatContractId})`);
      if (o.user && o.states.length > 0)
        for (const [i, planKey] of o.planKeys.entries())
          branches.push(sql`(select ${cols}, target_rank from (
              select ${cols}, ${i + 1}::int as target_rank from contracts
              where openid = ${o.user} and plan_key = ${planKey} and state in (${sql.join(o.states)})
                and presign_status = 'READY'
              order by created_at desc, id desc limit 1) latest
            where wechat_contract_id is null)`);
      if (branches.length === 0) return undefined;
      const r = await sql<ContractRow>`select ${cols} from (${sql.join(branches, sql` union all `)}) t
        order by target_rank limit 1`.execute(d);
      return r.rows[0];
    },

    claimPresign: (o) => claimPresign(db, repo, o),

    async completePresign(id, o) {
      const r = await db
        .updateTable('contracts')
        .set({
          presign_status: 'READY',
          sign_token: o.signToken,
          navigate: o.navigate,
          expires_at: o.expiresAt,
          updated_at: o.now,
        })
        .where('id', '=', id)
        .executeTakeFirst();
      // Only the request owning the claim deletes it (abandonPresign), so a missing row is our own bug.
      if (Number(r.numUpdatedRows) !== 1)
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
      if (f.recordOnInbox) {
        const r = await d.executeQuery<{ outcome: string }>(
          CompiledQuery.raw(MOVE_AND_RECORD, [
            id,
            to,
            new Date(),
            f.eventTime,
            f.wechatContractId || null,
            f.signedAt || null,
            f.terminatedAt || null,
            STATE_RANK[to],
            f.recordOnInbox,
          ]),
        );
        if (!r.rows[0])
          throw new InternalError({ cause: new Error(`inbox row ${f.recordOnInbox} is missing`) });
        return r.rows[0].outcome === 'applied';
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
