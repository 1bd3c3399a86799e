import { type Kysely, sql } from 'kysely';

// Never edit once merged: add a new numbered file instead.
// Refused notify posts are aggregated per (source, family, reason, error code): a flood becomes one row whose
// count grows, so it can neither fill the table nor push the real records (WeChat's own refused posts after a
// key rotation) out of the cap. received_at is the LAST time seen; first_received_at the first.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('notification_rejections')
    .addColumn('source', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema
    .alterTable('notification_rejections')
    .addColumn('count', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema
    .alterTable('notification_rejections')
    .addColumn('first_received_at', 'timestamptz')
    .execute();
  // Existing rows (no source) collapse into one per key, keeping the newest row's serial and request id.
  await sql`update notification_rejections r set count = g.n, first_received_at = g.first
    from (select family, reason, error_code, count(*)::int as n, min(received_at) as first
          from notification_rejections group by family, reason, error_code) g
    where r.family = g.family and r.reason = g.reason and r.error_code = g.error_code`.execute(db);
  await sql`delete from notification_rejections r using notification_rejections o
    where o.family = r.family and o.reason = r.reason and o.error_code = r.error_code
      and (o.received_at > r.received_at or (o.received_at = r.received_at and o.id > r.id))`.execute(db);
  await sql`alter table notification_rejections alter column first_received_at set not null`.execute(db);
  await sql`create unique index notification_rejections_key on notification_rejections (source, family, reason, error_code)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists notification_rejections_key`.execute(db);
  for (const c of ['first_received_at', 'count', 'source'])
    await db.schema.alterTable('notification_rejections').dropColumn(c).execute();
}
