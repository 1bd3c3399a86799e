import { type Kysely, sql } from 'kysely';

// Never edit once merged: add a new numbered file instead.
// Staff actions from the operations console (retry a FAILED period, cancel an open one, run the billing cycle
// as of a date in sandbox mode): who, when, from where, on what, and how it ended (applied, unchanged,
// refused). A staff retry grants one attempt beyond the retry policy, until a day: both live on the period,
// so the scheduler honours them on whichever replica steps it.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('staff_actions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // Insertion order: the clock has whole seconds, and staff act faster than that.
    .addColumn('seq', 'serial', (c) => c.notNull().unique())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('charge_id', 'text', (c) => c.references('charges.id'))
    .addColumn('staff', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome in ('applied','unchanged','refused')`))
    .addColumn('detail', 'text')
    .execute();
  await db.schema
    .alterTable('charges')
    .addColumn('staff_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('charges').addColumn('retry_until', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('charges').dropColumn('retry_until').execute();
  await db.schema.alterTable('charges').dropColumn('staff_attempts').execute();
  await db.schema.dropTable('staff_actions').execute();
}
