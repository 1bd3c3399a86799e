import { type Kysely, sql } from 'kysely';

// Never edit once merged: add a new numbered file instead.
// Posts to the notify URLs that did not verify (or were not ours): what the operations console's inbox lists
// as "rejected". Only what we can say without believing the body: when, which route, why, the claimed serial.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('notification_rejections')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull())
    .addColumn('family', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('error_code', 'text', (c) => c.notNull())
    .addColumn('serial', 'text')
    .addColumn('request_id', 'text')
    .execute();
  await sql`create index notification_rejections_received on notification_rejections (received_at desc)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('notification_rejections').execute();
}
