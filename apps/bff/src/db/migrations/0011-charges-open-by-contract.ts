import { type Kysely, sql } from 'kysely';

// Never edit once merged: add a new numbered file instead.
// The open periods of given contracts (the billing scheduler's cancel pass, src/billing/ledger.ts
// cancelEnded) through a partial index holding only open periods: without it PostgreSQL reads either every
// open period of the fleet (charges_due) or every period a contract ever had (charges_contract_period), a
// cost that grows with the number of contracts or with history. Measured in bench/ (billing EXPLAIN rows).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index charges_open_by_contract on charges (contract_id) where state in ('SCHEDULED','NOTICE_SENT','DEBIT_REQUESTED')`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists charges_open_by_contract`.execute(db);
}
