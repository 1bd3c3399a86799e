import { type Kysely, sql } from 'kysely';

// Never edit once merged: add a new numbered file instead.
// Ended contracts whose open periods the billing scheduler has not cancelled yet, found through a partial
// index (a row enters it when its contract stops being SIGNED and leaves once stamped), so the cancel pass
// costs per ended contract, not per open period.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('contracts').addColumn('billing_closed_at', 'timestamptz').execute();
  await sql`create index contracts_billing_unclosed on contracts (id) where billing_planned_at is not null and billing_closed_at is null and state <> 'SIGNED'`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists contracts_billing_unclosed`.execute(db);
  await db.schema.alterTable('contracts').dropColumn('billing_closed_at').execute();
}
