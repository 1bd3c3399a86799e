import { CompiledQuery, type Transaction } from 'kysely';
import { InternalError } from '../errors.ts';
import { CONTRACT_COLUMNS, STATE_RANK } from './contract-columns.ts';
import type { ContractRow, ContractState, Database, Family } from './database.ts';

/** Which contract a verified notification is about, and whose it may be. */
export interface NotificationTarget {
  family: Family;
  /** Our own key (password-exempt): the row with this code. */
  outContractCode?: string;
  /** WeChat's contract id (edu): the row WeChat gave this id. */
  wechatContractId?: string;
  /** Edu's fallback: the user's newest handed-out contract on each plan, taken while WeChat gave it no id. */
  user?: string;
  /** The user-and-plan fallback looks at contracts in these states. */
  states: ContractState[];
  /**
   * The plans whose module accepts the payload as ours, in priority order, each with the user the payload
   * names under that plan's identity field (null: names nobody) and whether such a payload may still move a
   * row found by its own key. The row that is found must be on one of them and belong to that user.
   */
  plans: Array<{ planKey: string; owner: string | null; unnamedMayMatch: boolean }>;
}

export interface NotificationMove {
  to: ContractState;
  eventTime: Date;
  wechatContractId: string | null;
  signedAt: Date | null;
  terminatedAt: Date | null;
}

export type MoveResult = { outcome: 'unmatched' } | { outcome: 'applied' | 'unchanged'; row: ContractRow };

const COLS = CONTRACT_COLUMNS.join(', ');
const T_COLS = CONTRACT_COLUMNS.map((c) => `t.${c}`).join(', ');

/*
 * The notification hot path after the inbox insert, ONE statement with a fixed text (one prepared statement
 * per connection): find the contract, check it is one of ours and names the payload's user, move it forward
 * (never backwards or sideways; ids and times WeChat gave are kept once set) and write the outcome on the inbox
 * row. The row is chosen FIRST (WeChat's id or our code beats the user fallback) and only then checked: a
 * payload naming contract X and another user must not fall through to that user's pending contract.
 *  $1 family  $2 WeChat contract id  $3 out_contract_code  $4 user  $5 states  $6 plan keys (priority order)
 *  $7 owner per plan  $8 "unnamed may match" per plan  $9 target state  $10 its rank  $11 now  $12 event time
 *  $13 WeChat id to keep  $14 signed at  $15 terminated at  $16 inbox row id
 */
const FIND_MOVE_AND_RECORD = `with picked as (
    select ${COLS} from (
      (select ${COLS}, 0 as target_rank from contracts where family = $1 and wechat_contract_id = $2)
      union all
      (select ${COLS}, 0 as target_rank from contracts where out_contract_code = $3)
      union all
      (select ${T_COLS}, p.ord as target_rank
        from unnest($6::text[]) with ordinality as p(plan_key, ord)
        cross join lateral (
          select ${COLS} from contracts
          where openid = $4 and plan_key = p.plan_key and state = any($5::text[]) and presign_status = 'READY'
          order by created_at desc, id desc limit 1) t
        where t.wechat_contract_id is null)
    ) candidates
    order by target_rank limit 1),
  target as (
    select ${T_COLS} from picked t
    join unnest($6::text[], $7::text[], $8::boolean[]) as o(plan_key, owner, unnamed_may_match)
      on o.plan_key = t.plan_key
    where t.openid = o.owner or (o.owner is null and o.unnamed_may_match)),
  moved as (
    update contracts c set state = $9, updated_at = $11, state_event_time = $12,
      wechat_contract_id = coalesce(c.wechat_contract_id, $13),
      signed_at = coalesce(c.signed_at, $14::timestamptz),
      terminated_at = coalesce(c.terminated_at, $15::timestamptz)
    where c.id = (select id from target)
      and (case c.state when 'PENDING' then 0 when 'EXPIRED' then 1 when 'SIGNED' then 2 when 'TERMINATED' then 3 end) < $10
    returning c.id),
  recorded as (
    update notification_inbox
    set outcome = case when exists (select 1 from moved) then 'applied' else 'unchanged' end,
      contract_id = (select id from target)
    where id = $16 and exists (select 1 from target)
    returning outcome)
  select ${T_COLS}, (select outcome from recorded) as outcome from target t`;

/**
 * Runs inside the notification's transaction, after its inbox row was inserted: the caller re-checks the row
 * in code before committing. No row: nothing matched (the inbox row keeps its `unmatched`).
 */
export async function findMoveAndRecord(
  trx: Transaction<Database>,
  target: NotificationTarget,
  move: NotificationMove,
  inboxId: string,
): Promise<MoveResult> {
  const r = await trx.executeQuery<ContractRow & { outcome: 'applied' | 'unchanged' | null }>(
    CompiledQuery.raw(FIND_MOVE_AND_RECORD, [
      target.family,
      target.outContractCode === undefined ? (target.wechatContractId ?? null) : null,
      target.outContractCode ?? null,
      target.outContractCode === undefined ? (target.user ?? null) : null,
      target.states,
      target.plans.map((p) => p.planKey),
      target.plans.map((p) => p.owner),
      target.plans.map((p) => p.unnamedMayMatch),
      move.to,
      STATE_RANK[move.to],
      new Date(),
      move.eventTime,
      move.wechatContractId,
      move.signedAt,
      move.terminatedAt,
      inboxId,
    ]),
  );
  const found = r.rows[0];
  if (!found) return { outcome: 'unmatched' };
  const { outcome, ...row } = found;
  if (!outcome) throw new InternalError({ cause: new Error(`inbox row ${inboxId} is missing`) });
  return { outcome, row };
}
