import type { ContractRow, ContractState } from './database.ts';

/** States only move forward: PENDING(0) → EXPIRED(1) → SIGNED(2) → TERMINATED(3). */
export const STATE_RANK: Record<ContractState, number> = { PENDING: 0, EXPIRED: 1, SIGNED: 2, TERMINATED: 3 };

/** Every column of a contract row, named (a statement that names its columns can stay prepared). */
export const CONTRACT_COLUMNS = [
  'id',
  'openid',
  'plan_key',
  'family',
  'state',
  'out_contract_code',
  'display_account',
  'presign_status',
  'claimed_at',
  'sign_token',
  'navigate',
  'period_start_date',
  'wechat_contract_id',
  'created_at',
  'updated_at',
  'expires_at',
  'signed_at',
  'terminated_at',
  'state_event_time',
  'last_reconciled_at',
] as const satisfies readonly (keyof ContractRow)[];
// Compile-time: a column added to ContractRow must be added above.
const everyColumn: Exclude<keyof ContractRow, (typeof CONTRACT_COLUMNS)[number]> extends never
  ? true
  : never = true;
void everyColumn;
