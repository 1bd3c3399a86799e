import { type Kysely, sql } from 'kysely';

// Never edit once merged: add a new numbered file instead.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('openid', 'text', (c) => c.notNull())
    .addColumn('session_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_expires_at').on('sessions').column('expires_at').execute();

  await db.schema
    .createTable('contracts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('openid', 'text', (c) => c.notNull())
    .addColumn('plan_key', 'text', (c) => c.notNull())
    .addColumn('family', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) =>
      c.notNull().check(sql`state in ('PENDING','SIGNED','TERMINATED','EXPIRED')`),
    )
    .addColumn('out_contract_code', 'text', (c) => c.notNull().unique())
    .addColumn('display_account', 'text', (c) => c.notNull())
    .addColumn('presign_status', 'text', (c) =>
      c.notNull().check(sql`presign_status in ('CREATING','READY')`),
    )
    .addColumn('claimed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('sign_token', 'text')
    .addColumn('navigate', 'text')
    .addColumn('period_start_date', 'text')
    .addColumn('wechat_contract_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz')
    .addColumn('signed_at', 'timestamptz')
    .addColumn('terminated_at', 'timestamptz')
    .addColumn('state_event_time', 'timestamptz')
    .execute();
  // At most one live presign per user and plan: a double tap can never create a second one.
  await sql`create unique index contracts_one_pending on contracts (openid, plan_key) where state = 'PENDING'`.execute(
    db,
  );
  await sql`create unique index contracts_wechat_id on contracts (family, wechat_contract_id) where wechat_contract_id is not null`.execute(
    db,
  );
  await db.schema.createIndex('contracts_openid').on('contracts').columns(['openid', 'plan_key']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('contracts').execute();
  await db.schema.dropTable('sessions').execute();
}
