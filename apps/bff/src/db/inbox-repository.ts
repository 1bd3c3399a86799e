import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import type { Database, InboxRow, NotificationInboxTable } from './database.ts';

export interface InboxRepository {
  /** Inserts the verified notification unless the same event (type + business key, or envelope id) is in. */
  insertIfNew(trx: Transaction<Database>, row: NotificationInboxTable): Promise<boolean>;
  list(): Promise<InboxRow[]>;
}

// Hot path: a fixed text, compiled once (no query building per notification; one prepared statement).
const INSERT_IF_NEW = `insert into notification_inbox (id, envelope_id, event_type, business_key, family, kind,
    envelope, resource, serial, request_id, outcome, contract_id, received_at)
  values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
  on conflict do nothing
  returning id`;

export function createInboxRepository(db: Kysely<Database>): InboxRepository {
  return {
    async insertIfNew(trx, row) {
      // ON CONFLICT without a target covers both unique indexes; a concurrent duplicate waits for the first
      // transaction and then does nothing, so it is applied exactly once.
      const r = await trx.executeQuery(
        CompiledQuery.raw(INSERT_IF_NEW, [
          row.id,
          row.envelope_id,
          row.event_type,
          row.business_key,
          row.family,
          row.kind,
          row.envelope,
          row.resource,
          row.serial,
          row.request_id,
          row.outcome,
          row.contract_id,
          row.received_at,
        ]),
      );
      return r.rows.length > 0;
    },
    list: () =>
      db.selectFrom('notification_inbox').selectAll().orderBy('received_at').orderBy('id').execute(),
  };
}
