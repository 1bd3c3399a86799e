import type { Kysely, Transaction } from 'kysely';
import type { Database, InboxRow, NotificationInboxTable } from './database.ts';

export interface InboxRepository {
  /** Inserts the verified notification unless the same event (type + business key, or envelope id) is in. */
  insertIfNew(trx: Transaction<Database>, row: NotificationInboxTable): Promise<boolean>;
  list(): Promise<InboxRow[]>;
}

export function createInboxRepository(db: Kysely<Database>): InboxRepository {
  return {
    async insertIfNew(trx, row) {
      // ON CONFLICT without a target covers both unique indexes; a concurrent duplicate waits for the first
      // transaction and then does nothing, so it is applied exactly once.
      const r = await trx
        .insertInto('notification_inbox')
        .values(row)
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
    },
    list: () =>
      db.selectFrom('notification_inbox').selectAll().orderBy('received_at').orderBy('id').execute(),
  };
}
