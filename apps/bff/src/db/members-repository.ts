import { type Kysely, sql } from 'kysely';
import type { Database } from './database.ts';

export interface MembersRepository {
  /** The user's member number, assigned on first use (one statement; stable afterwards). */
  numberFor(appid: string, openid: string, now: Date): Promise<number>;
}

export function createMembersRepository(db: Kysely<Database>): MembersRepository {
  return {
    async numberFor(appid, openid, now) {
      // One statement for the usual case (a known member, or a new one); a concurrent first insert of the same
      // user loses the race, returns nothing, and reads the winner's number.
      const r = await sql<{ member_no: string }>`with existing as (
          select member_no from members where appid = ${appid} and openid = ${openid}),
        inserted as (
          insert into members (appid, openid, created_at)
          select ${appid}, ${openid}, ${now}::timestamptz where not exists (select 1 from existing)
          on conflict do nothing returning member_no)
        select member_no from existing union all select member_no from inserted`.execute(db);
      const found =
        r.rows[0] ??
        (await db
          .selectFrom('members')
          .select('member_no')
          .where('appid', '=', appid)
          .where('openid', '=', openid)
          .executeTakeFirstOrThrow());
      return Number(found.member_no);
    },
  };
}
