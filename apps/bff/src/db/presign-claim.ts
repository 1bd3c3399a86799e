import { type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import type { ContractRow, Database, Family } from './database.ts';

export interface NewContract {
  id: string;
  /** The mini-program the openid is under: the member number is per AppID + openid. */
  appId: string;
  openid: string;
  planKey: string;
  family: Family;
  outContractCode: string;
  /** The plan's account template: `{member}` becomes the user's member number (zero-padded to 6 digits). */
  accountTemplate: string;
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

/** The insert's values, from a row source `m` that has the user's `member_no`. */
const insertValues = (c: NewContract) =>
  sql`${c.id}::text, ${c.openid}::text, ${c.planKey}::text, ${c.family}::text, 'PENDING',
    ${c.outContractCode}::text, ${displayAccountSql(c.accountTemplate, sql`m.member_no`)}, 'CREATING',
    ${c.now}::timestamptz, ${c.periodStartDate}::text, ${c.now}::timestamptz, ${c.now}::timestamptz,
    ${c.now}::timestamptz`;

/** The claim row as inserted: built here rather than read back (RETURNING *), it is exactly what was written. */
const claimRow = (c: NewContract, displayAccount: string): ContractRow => ({
  id: c.id,
  openid: c.openid,
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
 * Claims the user's presign slot on a plan before WeChat is called. Hot path, ONE statement: the member number
 * (found, or assigned on first use) and the claim row, inserted only when the user has no SIGNED or PENDING
 * contract on the plan. It inserts nothing when that guard fails, when the partial unique index
 * contracts_one_pending meets a concurrent twin (any replica), or when a concurrent first request of the same
 * new member won the members insert (not visible to this statement's snapshot). All three then take the
 * locked path, which reads what is committed.
 */
export async function claimPresign(
  db: Kysely<Database>,
  reads: ClaimReads,
  o: { contract: NewContract; reuseUntil: Date; claimStaleBefore: Date },
): Promise<PresignClaim> {
  const c = o.contract;
  const inserted = await sql<{ display_account: string }>`with existing as (
      select member_no from members where appid = ${c.appId} and openid = ${c.openid}),
    joined as (
      insert into members (appid, openid, created_at)
      select ${c.appId}, ${c.openid}, ${c.now}::timestamptz where not exists (select 1 from existing)
      on conflict do nothing returning member_no),
    m as (select member_no from existing union all select member_no from joined)
    insert into contracts (${INSERT_COLUMNS})
    select ${insertValues(c)} from m
    where not exists (
      select 1 from contracts
      where openid = ${c.openid} and plan_key = ${c.planKey} and state in ('SIGNED', 'PENDING'))
    on conflict do nothing
    returning display_account`.execute(db);
  const fresh = inserted.rows[0];
  if (fresh) return { kind: 'claimed', row: claimRow(c, fresh.display_account), takenOver: false };
  return db.transaction().execute(async (trx) => {
    // Serialises presigns of one user on one plan across requests AND replicas (PostgreSQL); the partial
    // unique index contracts_one_pending is the backstop if anything slipped through.
    await sql`select pg_advisory_xact_lock(hashtextextended(${`presign:${c.openid}:${c.planKey}`}, 0))`.execute(
      trx,
    );
    const signed = await reads.findLatestForUserPlan(c.openid, c.planKey, ['SIGNED'], trx);
    if (signed) return { kind: 'signed', row: signed } as const;
    const pending = await reads.findLatestForUserPlan(c.openid, c.planKey, ['PENDING'], trx);
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
      select ${insertValues(c)} from members m where m.appid = ${c.appId} and m.openid = ${c.openid}
      on conflict do nothing
      returning display_account`.execute(trx);
    const row = r.rows[0];
    // A hot-path insert that is not committed yet holds the pending slot: ask again (then busy).
    if (!row) return { kind: 'retry' } as const;
    return { kind: 'claimed', row: claimRow(c, row.display_account), takenOver: false } as const;
  });
}
