import { CompiledQuery, type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import { CONTRACT_COLUMNS } from './contracts-repository.ts';
import type { ContractRow, Database, InboxRow, NotificationInboxTable } from './database.ts';

export type InboxInsert = { inserted: false } | { inserted: true; target: ContractRow | undefined };

export interface InboxRepository {
  /**
   * Inserts the verified notification unless the same event (type + business key, or envelope id) is in; if
   * it went in, also runs `find` (the contract it is about) in the same statement: one round trip.
   */
  insertIfNew(
    trx: Transaction<Database>,
    row: NotificationInboxTable,
    find?: RawBuilder<ContractRow>,
  ): Promise<InboxInsert>;
  list(): Promise<InboxRow[]>;
}

// Hot path: a fixed text, compiled once (no query building per notification; one prepared statement).
const INSERT_HEAD = `insert into notification_inbox (id, envelope_id, event_type, business_key, family, kind,
    envelope, resource, serial, request_id, outcome, contract_id, received_at) values`;
const INSERT_IF_NEW = `${INSERT_HEAD} ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
  on conflict do nothing
  returning id`;
/** The target's columns (all null when there is none: a left join). */
const TARGET_COLUMNS = sql.join(CONTRACT_COLUMNS.map((c) => sql.ref(`target.${c}`)));

export function createInboxRepository(db: Kysely<Database>): InboxRepository {
  return {
    async insertIfNew(trx, row, find) {
      // ON CONFLICT without a target covers both unique indexes; a concurrent duplicate waits for the first
      // transaction and then does nothing (returns no row), so it is applied exactly once.
      const values = [
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
      ];
      if (!find) {
        const r = await trx.executeQuery(CompiledQuery.raw(INSERT_IF_NEW, values));
        return r.rows.length > 0 ? { inserted: true, target: undefined } : { inserted: false };
      }
      const r = await sql<ContractRow>`with ins as (${sql.raw(INSERT_HEAD)} (${sql.join(values)})
          on conflict do nothing returning id),
        target as (${find})
        select ${TARGET_COLUMNS} from ins left join target on true`.execute(trx);
      const hit = r.rows[0];
      if (!hit) return { inserted: false };
      return { inserted: true, target: hit.id === null ? undefined : hit };
    },
    list: () =>
      db.selectFrom('notification_inbox').selectAll().orderBy('received_at').orderBy('id').execute(),
  };
}
