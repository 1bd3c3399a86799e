import type { Kysely } from 'kysely';

// Never edit once merged: add a new numbered file instead.
// The fleet-wide WeChat request budget of the billing scheduler (src/billing/budget.ts): requests granted per
// wall-clock second, shared by every replica through this table. Old seconds are pruned as it goes.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('billing_request_budget')
    .addColumn('second', 'bigint', (c) => c.primaryKey())
    .addColumn('used', 'integer', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('billing_request_budget').execute();
}
