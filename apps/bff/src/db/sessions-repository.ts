import type { Kysely } from 'kysely';
import type { Database, SessionRow } from './database.ts';

export interface SessionsRepository {
  create(row: {
    id: string;
    openid: string;
    /** The login mini-program; null/undefined = WECHAT_APP_ID. */
    appid?: string | null;
    sessionKey: string;
    createdAt: Date;
    expiresAt: Date;
  }): Promise<void>;
  /** Who the live session is (the session_key is not read: authentication never needs it). */
  findValid(id: string, now: Date): Promise<Pick<SessionRow, 'openid' | 'appid'> | undefined>;
  /** Logout: the session row goes (with its session_key). */
  delete(id: string): Promise<void>;
  /** Deletes up to `limit` sessions expired at `now` (oldest first); returns how many went. */
  deleteExpired(now: Date, limit?: number): Promise<number>;
}

export function createSessionsRepository(db: Kysely<Database>): SessionsRepository {
  return {
    async create(row) {
      await db
        .insertInto('sessions')
        .values({
          id: row.id,
          openid: row.openid,
          appid: row.appid ?? null,
          session_key: row.sessionKey,
          created_at: row.createdAt,
          expires_at: row.expiresAt,
        })
        .execute();
    },
    async findValid(id, now) {
      return db
        .selectFrom('sessions')
        .select(['openid', 'appid'])
        .where('id', '=', id)
        .where('expires_at', '>', now)
        .executeTakeFirst();
    },
    async delete(id) {
      await db.deleteFrom('sessions').where('id', '=', id).execute();
    },
    async deleteExpired(now, limit = 1000) {
      // Bounded, and SKIP LOCKED so replicas sweeping at the same moment share the work instead of waiting.
      const r = await db
        .deleteFrom('sessions')
        .where(
          'id',
          'in',
          db
            .selectFrom('sessions')
            .select('id')
            .where('expires_at', '<=', now)
            .orderBy('expires_at')
            .limit(limit)
            .forUpdate()
            .skipLocked(),
        )
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
