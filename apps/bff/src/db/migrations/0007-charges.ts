import { type Kysely, sql } from 'kysely';

// Never edit once merged: add a new numbered file instead.
// The edu-papay charge ledger (src/billing): one row per contract and period, the debit attempts (one
// out_trade_no each, stored before the call) and every WeChat call's outcome.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('charges')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('contract_id', 'text', (c) => c.notNull().references('contracts.id'))
    .addColumn('plan_key', 'text', (c) => c.notNull())
    .addColumn('period', 'text', (c) => c.notNull())
    .addColumn('due_date', 'text', (c) => c.notNull())
    .addColumn('amount', 'integer', (c) => c.notNull().check(sql`amount > 0`))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) =>
      c
        .notNull()
        .check(sql`state in ('SCHEDULED','NOTICE_SENT','DEBIT_REQUESTED','PAID','FAILED','CANCELLED')`),
    )
    .addColumn('notice_day', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('out_trade_no', 'text')
    .addColumn('transaction_id', 'text')
    .addColumn('failure_code', 'text')
    .addColumn('failure_reason', 'text')
    .addColumn('next_action_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('paid_at', 'timestamptz')
    .addColumn('closed_at', 'timestamptz')
    .execute();
  // The guarantee "a period is never charged twice" starts here: one row per contract and period.
  await sql`create unique index charges_contract_period on charges (contract_id, period)`.execute(db);
  // The scheduler's claim reads only open rows that are due: its cost does not grow with history.
  await sql`create index charges_due on charges (next_action_at) where state in ('SCHEDULED','NOTICE_SENT','DEBIT_REQUESTED')`.execute(
    db,
  );

  await db.schema
    .createTable('charge_attempts')
    .addColumn('out_trade_no', 'text', (c) => c.primaryKey())
    .addColumn('charge_id', 'text', (c) => c.notNull().references('charges.id'))
    .addColumn('attempt_no', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('CREATED','ACCEPTED','SUCCESS','PAY_FAIL','REJECTED')`),
    )
    .addColumn('trade_state', 'text')
    .addColumn('reason', 'text')
    .addColumn('transaction_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await sql`create unique index charge_attempts_number on charge_attempts (charge_id, attempt_no)`.execute(
    db,
  );

  await db.schema
    .createTable('charge_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('charge_id', 'text', (c) => c.notNull().references('charges.id'))
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('call', 'text', (c) => c.notNull())
    .addColumn('out_trade_no', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('code', 'text')
    .addColumn('detail', 'text')
    .execute();
  await db.schema
    .createIndex('charge_events_charge')
    .on('charge_events')
    .columns(['charge_id', 'at'])
    .execute();

  // Signed edu contracts not yet given their first period: found through a partial index, not a scan.
  await db.schema.alterTable('contracts').addColumn('billing_planned_at', 'timestamptz').execute();
  await sql`create index contracts_billing_unplanned on contracts (signed_at) where family = 'edu-papay' and state = 'SIGNED' and billing_planned_at is null`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists contracts_billing_unplanned`.execute(db);
  await db.schema.alterTable('contracts').dropColumn('billing_planned_at').execute();
  await db.schema.dropTable('charge_events').execute();
  await db.schema.dropTable('charge_attempts').execute();
  await db.schema.dropTable('charges').execute();
}
