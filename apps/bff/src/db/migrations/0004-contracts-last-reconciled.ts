import { type Kysely, sql } from 'kysely';

// Never edit once merged: add a new numbered file instead.
// The background reconciler (src/services/reconciler.ts) stamps each contract it checks, so stale PENDING and
// long-unchecked SIGNED contracts are found cheaply and two replicas never check the same one in one pass.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('contracts').addColumn('last_reconciled_at', 'timestamptz').execute();
  // Only the states the reconciler looks at.
  await sql`create index contracts_reconcile on contracts (state, (coalesce(last_reconciled_at, signed_at, created_at))) where state in ('PENDING', 'SIGNED')`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists contracts_reconcile`.execute(db);
  await db.schema.alterTable('contracts').dropColumn('last_reconciled_at').execute();
}
