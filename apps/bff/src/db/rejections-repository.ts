import { randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Database, NotificationRejectionsTable } from './database.ts';

/** Rows kept: anyone can post to a notify URL, so the table is bounded (rows are per source, not per post). */
export const MAX_REJECTIONS_KEPT = 10_000;

export type RejectionRecord = Omit<NotificationRejectionsTable, 'id' | 'count' | 'first_received_at'>;

export interface RejectionsRepository {
  /** Counts one refused post into its (source, family, reason, error code) row. */
  record(r: RejectionRecord): Promise<void>;
  list(o: { limit: number }): Promise<NotificationRejectionsTable[]>;
}

export function createRejectionsRepository(
  db: Kysely<Database>,
  o: { maxRows?: number } = {},
): RejectionsRepository {
  const maxRows = o.maxRows ?? MAX_REJECTIONS_KEPT;
  return {
    async record(r) {
      await db
        .insertInto('notification_rejections')
        .values({
          id: `r_${randomBytes(18).toString('base64url')}`,
          ...r,
          count: 1,
          first_received_at: r.received_at,
        })
        .onConflict((oc) =>
          oc.columns(['source', 'family', 'reason', 'error_code']).doUpdateSet((eb) => ({
            count: sql<number>`notification_rejections.count + 1`,
            received_at: eb.ref('excluded.received_at'),
            serial: eb.ref('excluded.serial'),
            request_id: eb.ref('excluded.request_id'),
          })),
        )
        .execute();
      // Trim the least recently seen beyond the cap (only many distinct sources get here).
      await db
        .deleteFrom('notification_rejections')
        .where(
          'id',
          'in',
          db
            .selectFrom('notification_rejections')
            .select('id')
            .orderBy('received_at', 'desc')
            .offset(maxRows)
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
