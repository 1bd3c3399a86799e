import { type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import type { ContractRow, Database, Family } from './database.ts';

export interface NewContract {
  id: string;
  planKey: string;
  family: Family;
  outContractCode: string;
  /** The plan's account template: `{member}` becomes the user's member number (zero-padded to 6 digits). */
  accountTemplate: string;
  periodStartDate: string | null;
  now: Date;
}

/**
 * Whose claim it is. A user request names its session: the claim statement reads who it is (and that the
 * session is live and under the plan's mini-program) itself, so authentication costs no round trip of its own.
 * The member number is per AppID + openid (the mini-program the user logged in with).
 */
export type ClaimIdentity =
  | { openid: string; appId: string }
  | { sessionId: string; now: Date; defaultAppId: string; loginAppId: string };

/** Who the claim turned out to be for (the session's user, or the identity given). */
export interface ClaimUser {
  openid: string;
  appId: string;
}

export type PresignClaim =
  /** The session is unknown, expired or logged out: 401, nothing written. */
  { kind: 'no-session' } | (ClaimOutcome & { user: ClaimUser });

type ClaimOutcome =
  /** The session's user is under another mini-program than the plan's: 404, nothing written. */
  | { kind: 'other-app' }
  /** The plan is signed already: 409. */
  | { kind: 'signed'; row: ContractRow }
  /** A live presign exists: hand it back. */
  | { kind: 'ready'; row: ContractRow }
  /** Another request is calling WeChat for this user and plan right now: wait for it. */
  | { kind: 'busy'; row: ContractRow }
  /** This request owns the WeChat call (a new row, or a stale claim taken over with the SAME code). */
  | { kind: 'claimed'; row: ContractRow; takenOver: boolean }
  /** Lost a race with a claim (or a member number) that is not visible yet: ask again. */
  | { kind: 'retry' };

/** What the locked path needs from the contracts repository (it reads and moves rows inside the lock). */
export interface ClaimReads {
  findLatestForUserPlan(
    openid: string,
    planKey: string,
    states: ('SIGNED' | 'PENDING')[],
    db: Transaction<Database>,
  ): Promise<ContractRow | undefined>;
  transition(id: string, to: 'EXPIRED', f: { eventTime: Date }, db: Transaction<Database>): Promise<boolean>;
}

/**
 * What WeChat's signing page shows as the user's account (edu `user_id`, QS `contract_display_account`): the
 * template with its first `{member}` replaced by the member number, zero-padded to at least 6 digits. Written
 * in SQL because the number is assigned by the same statement that inserts the claim.
 */
const displayAccountSql = (template: string, memberNo: RawBuilder<unknown>) =>
  sql<string>`regexp_replace(${template}::text, '\\{member\\}',
    case when ${memberNo} < 100000 then lpad(${memberNo}::text, 6, '0') else ${memberNo}::text end)`;

const INSERT_COLUMNS = sql`id, openid, plan_key, family, state, out_contract_code, display_account, presign_status,
  claimed_at, period_start_date, created_at, updated_at, state_event_time`;

/** The insert's values, from a row source `m` that has the user's `member_no`; `openid` is the user's. */
const insertValues = (c: NewContract, openid: RawBuilder<unknown>) =>
  sql`${c.id}::text, ${openid}, ${c.planKey}::text, ${c.family}::text, 'PENDING',
    ${c.outContractCode}::text, ${displayAccountSql(c.accountTemplate, sql`m.member_no`)}, 'CREATING',
    ${c.now}::timestamptz, ${c.periodStartDate}::text, ${c.now}::timestamptz, ${c.now}::timestamptz,
    ${c.now}::timestamptz`;

/** The claim row as inserted: built here rather than read back (RETURNING *), it is exactly what was written. */
const claimRow = (c: NewContract, openid: string, displayAccount: string): ContractRow => ({
  id: c.id,
  openid,
  plan_key: c.planKey,
  family: c.family,
  state: 'PENDING',
  out_contract_code: c.outContractCode,
  display_account: displayAccount,
  presign_status: 'CREATING',
  claimed_at: c.now,
  sign_token: null,
  navigate: null,
  period_start_date: c.periodStartDate,
  wechat_contract_id: null,
  created_at: c.now,
  updated_at: c.now,
  expires_at: null,
  signed_at: null,
  terminated_at: null,
  state_event_time: c.now,
  last_reconciled_at: null,
});

/**
 * Who the claim is for, as one row (`openid`, `appid`): the live session's user, or the identity given. No
 * row: no live session. A session row's null appid is the default mini-program's.
 */
const identitySql = (who: ClaimIdentity) =>
  'sessionId' in who
    ? sql`select openid, coalesce(appid, ${who.defaultAppId}::text) as appid from sessions
        where id = ${who.sessionId}::text and expires_at > ${who.now}::timestamptz`
    : sql`select ${who.openid}::text as openid, ${who.appId}::text as appid`;

const loginAppOf = (who: ClaimIdentity) => ('sessionId' in who ? who.loginAppId : who.appId);

/**
 * Claims the user's presign slot on a plan before WeChat is called. Hot path, ONE statement: who the session
 * is (live, and under the plan's mini-program), the member number (found, or assigned on first use) and the
 * claim row, inserted only when the user has no SIGNED or PENDING contract on the plan. It inserts nothing when
 * that guard fails, when the partial unique index contracts_one_pending meets a concurrent twin (any replica),
 * or when a concurrent first request of the same new member won the members insert (not visible to this
 * statement's snapshot). All three then take the locked path, which reads what is committed.
 */
export async function claimPresign(
  db: Kysely<Database>,
  reads: ClaimReads,
  o: { contract: NewContract; who: ClaimIdentity; reuseUntil: Date; claimStaleBefore: Date },
): Promise<PresignClaim> {
  const c = o.contract;
  const r = await sql<{ openid: string; appid: string; display_account: string | null }>`with
    who as (${identitySql(o.who)}),
    me as (select openid, appid from who where appid = ${loginAppOf(o.who)}::text),
    existing as (
      select m.member_no from members m join me on m.appid = me.appid and m.openid = me.openid),
    joined as (
      insert into members (appid, openid, created_at)
      select appid, openid, ${c.now}::timestamptz from me where not exists (select 1 from existing)
      on conflict do nothing returning member_no),
    m as (select member_no from existing union all select member_no from joined),
    claimed as (
      insert into contracts (${INSERT_COLUMNS})
      select ${insertValues(c, sql`(select openid from me)`)} from m
      where not exists (
        select 1 from contracts
        where openid = (select openid from me) and plan_key = ${c.planKey}::text
          and state in ('SIGNED', 'PENDING'))
      on conflict do nothing
      returning display_account)
    select openid, appid, (select display_account from claimed) as display_account from who`.execute(db);
  const found = r.rows[0];
  if (!found) return { kind: 'no-session' };
  const user: ClaimUser = { openid: found.openid, appId: found.appid };
  if (user.appId !== loginAppOf(o.who)) return { kind: 'other-app', user };
  if (found.display_account !== null)
    return { kind: 'claimed', row: claimRow(c, user.openid, found.display_account), takenOver: false, user };
  return { ...(await claimLocked(db, reads, { ...o, user })), user };
}

/** The slow path: serialised per user and plan, it reads what is committed and decides. */
function claimLocked(
  db: Kysely<Database>,
  reads: ClaimReads,
  o: { contract: NewContract; user: ClaimUser; reuseUntil: Date; claimStaleBefore: Date },
): Promise<ClaimOutcome> {
  const c = o.contract;
  const { openid, appId } = o.user;
  return db.transaction().execute(async (trx) => {
    // Serialises presigns of one user on one plan across requests AND replicas (PostgreSQL); the partial
    // unique index contracts_one_pending is the backstop if anything slipped through.
    await sql`select pg_advisory_xact_lock(hashtextextended(${`presign:${openid}:${c.planKey}`}, 0))`.execute(
      trx,
    );
    const signed = await reads.findLatestForUserPlan(openid, c.planKey, ['SIGNED'], trx);
    if (signed) return { kind: 'signed', row: signed } as const;
    const pending = await reads.findLatestForUserPlan(openid, c.planKey, ['PENDING'], trx);
    if (pending) {
      if (pending.presign_status === 'READY') {
        if (pending.expires_at && pending.expires_at > o.reuseUntil)
          return { kind: 'ready', row: pending } as const;
        // The old session is (nearly) over: close it so a new one can be made. A SIGN notification for it
        // may still come and moves it EXPIRED → SIGNED (WeChat's word wins over our timer).
        await reads.transition(pending.id, 'EXPIRED', { eventTime: c.now }, trx);
      } else if (pending.claimed_at > o.claimStaleBefore) {
        return { kind: 'busy', row: pending } as const;
      } else {
        // The request that claimed it died mid-call: retry with the SAME out_contract_code (idempotent).
        const row = await trx
          .updateTable('contracts')
          .set({ claimed_at: c.now, updated_at: c.now })
          .where('id', '=', pending.id)
          .returningAll()
          .executeTakeFirstOrThrow();
        return { kind: 'claimed', row, takenOver: true } as const;
      }
    }
    // The member row exists by now: the hot-path statement inserted it, found it, or waited for the
    // concurrent insert that beat it to commit.
    const r = await sql<{ display_account: string }>`insert into contracts (${INSERT_COLUMNS})
      select ${insertValues(c, sql`${openid}::text`)} from members m where m.appid = ${appId} and m.openid = ${openid}
      on conflict do nothing
      returning display_account`.execute(trx);
    const row = r.rows[0];
    // A hot-path insert that is not committed yet holds the pending slot: ask again (then busy).
    if (!row) return { kind: 'retry' } as const;
    return { kind: 'claimed', row: claimRow(c, openid, row.display_account), takenOver: false } as const;
  });
}
