import { type Kysely, sql } from 'kysely';

// Never edit once merged: add a new numbered file instead.
// Member numbers: a short, readable number per user (per mini-program AppID + openid) that WeChat's signing
// page shows through the plan's account template (edu `user_id`, password-exempt `contract_display_account`),
// instead of a hash. Sessions remember which mini-program the user logged in with (null = WECHAT_APP_ID).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create sequence member_numbers start 100001`.execute(db);
  await db.schema
    .createTable('members')
    .addColumn('appid', 'text', (c) => c.notNull())
    .addColumn('openid', 'text', (c) => c.notNull())
    .addColumn('member_no', 'bigint', (c) => c.notNull().unique().defaultTo(sql`nextval('member_numbers')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('members_pkey', ['appid', 'openid'])
    .execute();
  await db.schema.alterTable('sessions').addColumn('appid', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sessions').dropColumn('appid').execute();
  await db.schema.dropTable('members').execute();
  await sql`drop sequence if exists member_numbers`.execute(db);
}
