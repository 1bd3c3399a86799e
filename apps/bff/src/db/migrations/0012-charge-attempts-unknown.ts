import { type Kysely, sql } from 'kysely';

// Never edit once merged: add a new numbered file instead.
// Debits whose outcome was still unknown when their period closed (src/billing/ledger.ts claimUnknownOfClosed):
// the scheduler keeps asking WeChat about them, found through this partial index of just those attempts, so the
// follow-up never reads the attempt history.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index charge_attempts_closed_unknown on charge_attempts (updated_at) where reason = 'PERIOD_CLOSED' and status in ('CREATED','ACCEPTED')`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists charge_attempts_closed_unknown`.execute(db);
}
