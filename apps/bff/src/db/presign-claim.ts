import { CompiledQuery, type Kysely, sql, type Transaction } from 'kysely';
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
  /** A caller that already knows the user and has checked the plan's mini-program itself (seeding, tests). */
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

/*
 * Fixed statement texts (one prepared statement each; no query building per presign). The claim row's values
 * come from a row source `m` holding the user's member number; $1–$7 are always the contract's own values
 * (contractParams), in this order.
 *
 * display_account is what WeChat's signing page shows as the user's account (edu `user_id`, QS
 * `contract_display_account`): the plan's template with its first `{member}` replaced by the member number,
 * zero-padded to at least 6 digits. Written in SQL because the number is assigned by the same statement.
 */
const INSERT_COLUMNS = `id, openid, plan_key, family, state, out_contract_code, display_account, presign_status,
  claimed_at, period_start_date, created_at, updated_at, state_event_time`;
const claimValues = (openid: string) => `$1::text, ${openid}, $2::text, $3::text, 'PENDING', $4::text,
  regexp_replace($5::text, '\\{member\\}',
    case when m.member_no < 100000 then lpad(m.member_no::text, 6, '0') else m.member_no::text end),
  'CREATING', $6::timestamptz, $7::text, $6::timestamptz, $6::timestamptz, $6::timestamptz`;
const contractParams = (c: NewContract) => [
  c.id,
  c.planKey,
  c.family,
  c.outContractCode,
  c.accountTemplate,
  c.now,
  c.periodStartDate,
];

/**
 * Who the claim is for, as one row (`openid`, `appid`), then the mini-program the plan signs in: the live
 * session's user ($8 default AppID for a session row's null appid, $9 session id, $10 now, $11 plan's AppID),
 * or the identity given ($8 openid, $9 AppID, $10 plan's AppID). No row: no live session.
 */
const WHO_BY_SESSION = `select openid, coalesce(appid, $8::text) as appid from sessions
  where id = $9::text and expires_at > $10::timestamptz`;
const WHO_GIVEN = 'select $8::text as openid, $9::text as appid';

const claimText = (who: string, loginApp: string) => `with
  who as (${who}),
  me as (select openid, appid from who where appid = ${loginApp}::text),
  existing as (
    select m.member_no from members m join me on m.appid = me.appid and m.openid = me.openid),
  joined as (
    insert into members (appid, openid, created_at)
    select appid, openid, $6::timestamptz from me where not exists (select 1 from existing)
    on conflict do nothing returning member_no),
  m as (select member_no from existing union all select member_no from joined),
  claimed as (
    insert into contracts (${INSERT_COLUMNS})
    select ${claimValues('(select openid from me)')} from m
    where not exists (
      select 1 from contracts
      where openid = (select openid from me) and plan_key = $2::text and state in ('SIGNED', 'PENDING'))
    on conflict do nothing
    returning display_account)
  select openid, appid, (select display_account from claimed) as display_account from who`;
const CLAIM_BY_SESSION = claimText(WHO_BY_SESSION, '$11');
const CLAIM_GIVEN = claimText(WHO_GIVEN, '$10');

/** The locked path's insert, for a user whose member row exists: $8 openid, $9 AppID. */
const CLAIM_LOCKED = `insert into contracts (${INSERT_COLUMNS})
  select ${claimValues('$8::text')} from members m where m.appid = $9::text and m.openid = $8::text
  on conflict do nothing
  returning display_account`;

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
  const r = await db.executeQuery<{ openid: string; appid: string; display_account: string | null }>(
    'sessionId' in o.who
      ? CompiledQuery.raw(CLAIM_BY_SESSION, [
          ...contractParams(c),
          o.who.defaultAppId,
          o.who.sessionId,
          o.who.now,
          o.who.loginAppId,
        ])
      : CompiledQuery.raw(CLAIM_GIVEN, [...contractParams(c), o.who.openid, o.who.appId, o.who.appId]),
  );
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
    const r = await trx.executeQuery<{ display_account: string }>(
      CompiledQuery.raw(CLAIM_LOCKED, [...contractParams(c), openid, appId]),
    );
    const row = r.rows[0];
    // A hot-path insert that is not committed yet holds the pending slot: ask again (then busy).
    if (!row) return { kind: 'retry' } as const;
    return { kind: 'claimed', row: claimRow(c, openid, row.display_account), takenOver: false } as const;
  });
}
