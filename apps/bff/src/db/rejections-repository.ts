import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, NotificationRejectionsTable } from './database.ts';

/** Rows kept: anyone can post to a notify URL, so the table is bounded. */
export const MAX_REJECTIONS_KEPT = 10_000;

export interface RejectionsRepository {
  record(r: Omit<NotificationRejectionsTable, 'id'>): Promise<void>;
  list(o: { limit: number }): Promise<NotificationRejectionsTable[]>;
}

export function createRejectionsRepository(db: Kysely<Database>): RejectionsRepository {
  return {
    async record(r) {
      await db
        .insertInto('notification_rejections')
        .values({ id: `r_${randomBytes(18).toString('base64url')}`, ...r })
        .execute();
      // Trim the oldest beyond the cap (cheap: the index is on received_at).
      await db
        .deleteFrom('notification_rejections')
        .where(
          'id',
          'in',
          db
            .selectFrom('notification_rejections')
            .select('id')
            .orderBy('received_at', 'desc')
            .offset(MAX_REJECTIONS_KEPT)
            .limit(1000),
        )
        .execute();
    },
    list: ({ limit }) =>
      db
        .selectFrom('notification_rejections')
        .selectAll()
        .orderBy('received_at', 'desc')
        .orderBy('id')
        .limit(limit)
        .execute(),
  };
}
