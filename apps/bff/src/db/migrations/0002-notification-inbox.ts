import { type Kysely, sql } from 'kysely';

// Never edit once merged: add a new numbered file instead.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('notification_inbox')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('envelope_id', 'text', (c) => c.notNull().unique())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('business_key', 'text', (c) => c.notNull())
    .addColumn('family', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('envelope', 'text', (c) => c.notNull())
    .addColumn('resource', 'text', (c) => c.notNull())
    .addColumn('serial', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('contract_id', 'text')
    .addColumn('received_at', 'timestamptz', (c) => c.notNull())
    .execute();
  // WeChat may resend with a new envelope id: the business key + event type is what must be unique.
  await sql`create unique index notification_inbox_business on notification_inbox (event_type, business_key)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('notification_inbox').execute();
}
