import { CompiledQuery, type Transaction } from 'kysely';
import { InternalError } from '../errors.ts';
import { CONTRACT_COLUMNS, STATE_RANK } from './contract-columns.ts';
import type { TransitionFields } from './contracts-repository.ts';
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

/** A forward move of the contract the notification is about: the repository's transition, in one statement. */
export type NotificationMove = { to: ContractState } & TransitionFields;

export type MoveResult = { outcome: 'unmatched' } | { outcome: 'applied' | 'unchanged'; row: ContractRow };

const COLS = CONTRACT_COLUMNS.join(', ');
const RANK_SQL = `(case c.state when 'PENDING' then 0 when 'EXPIRED' then 1 when 'SIGNED' then 2 when 'TERMINATED' then 3 end)`;

/** The statement's shape: which key finds the row, how many plans the user fallback looks at, which states. */
interface Shape {
  key: 'out_contract_code' | 'wechat_contract_id';
  userPlans: number;
  states: ContractState[];
  plans: number;
}

/*
 * The notification hot path after the inbox insert, ONE statement (one prepared statement per shape and
 * connection; a deployment has a handful of shapes): find the contract, check it is on a plan that accepts the
 * payload and is the payload's user's, move it forward (never backwards or sideways; ids and times WeChat gave
 * are kept once set) and write the outcome on the inbox row. The row is chosen FIRST (our code or WeChat's id
 * beats the user fallback) and only then checked: a payload naming contract X and another user must not fall
 * through to that user's pending contract. Small on purpose: one flat statement per shape keeps PostgreSQL's
 * planning cheap (a generic form with arrays and a lateral join cost 0.6 ms of planning per call).
 *  $1 family  $2 the key  $3 inbox row id  $4 target state  $5 its rank  $6 now  $7 event time  $8 WeChat id
 *  to keep  $9 signed at  $10 terminated at; with a fallback, the user and its plan keys; then per plan (plan
 *  key, owner, whether a payload naming nobody may match). Every placeholder is used (PostgreSQL types them).
 */
function statementFor(shape: Shape): string {
  // States come from our own enum (never from a payload); checked anyway, since they are written inline.
  for (const s of shape.states) if (!(s in STATE_RANK)) throw new Error(`not a contract state: ${s}`);
  const states = shape.states.map((s) => `'${s}'`).join(', ');
  let n = 10;
  const user = shape.userPlans > 0 ? `$${++n}` : '';
  const byKey =
    shape.key === 'out_contract_code'
      ? 'select id, openid, plan_key, 0 as target_rank from contracts where family = $1 and out_contract_code = $2'
      : 'select id, openid, plan_key, 0 as target_rank from contracts where family = $1 and wechat_contract_id = $2';
  const fallback = Array.from({ length: shape.userPlans }, (_, i) => {
    const plan = `$${++n}`;
    return `(select id, openid, plan_key, ${i + 1} as target_rank from (
        select id, openid, plan_key, wechat_contract_id from contracts
        where openid = ${user} and plan_key = ${plan} and state in (${states}) and presign_status = 'READY'
        order by created_at desc, id desc limit 1) latest
      where wechat_contract_id is null)`;
  });
  const accepted = Array.from({ length: shape.plans }, () => {
    const [plan, owner, unnamed] = [++n, ++n, ++n];
    return `(plan_key = $${plan} and (openid = $${owner} or ($${owner}::text is null and $${unnamed}::boolean)))`;
  });
  return `with picked as (
    select id, openid, plan_key from (${[`(${byKey})`, ...fallback].join(' union all ')}) candidates
    order by target_rank limit 1),
  target as (select id from picked where ${accepted.length > 0 ? accepted.join(' or ') : 'false'}),
  moved as (
    update contracts c set state = $4, updated_at = $6, state_event_time = $7,
      wechat_contract_id = coalesce(c.wechat_contract_id, $8),
      signed_at = coalesce(c.signed_at, $9::timestamptz),
      terminated_at = coalesce(c.terminated_at, $10::timestamptz)
    where c.id = (select id from target) and ${RANK_SQL} < $5
    returning c.id),
  recorded as (
    update notification_inbox
    set outcome = case when exists (select 1 from moved) then 'applied' else 'unchanged' end,
      contract_id = (select id from target)
    where id = $3 and exists (select 1 from target)
    returning outcome)
  select ${COLS}, (select outcome from recorded) as outcome from contracts where id = (select id from target)`;
}

/**
 * Runs inside the notification's transaction, after its inbox row was inserted; the caller re-checks the row
 * in code before committing. The row returned is as it was before the move. No row: nothing matched (the
 * inbox row keeps its `unmatched`).
 */
export function createNotificationMove() {
  const texts = new Map<string, string>();
  const textFor = (shape: Shape) => {
    const id = `${shape.key}:${shape.userPlans}:${shape.plans}:${shape.states.join(',')}`;
    const known = texts.get(id);
    if (known) return known;
    const text = statementFor(shape);
    texts.set(id, text);
    return text;
  };

  return async function findMoveAndRecord(
    trx: Transaction<Database>,
    target: NotificationTarget,
    move: NotificationMove,
    inboxId: string,
  ): Promise<MoveResult> {
    const byCode = target.outContractCode !== undefined;
    const key = byCode ? target.outContractCode : target.wechatContractId;
    // The user fallback only when the payload has no key of ours (edu: WeChat's id may be new to us).
    const userPlans = !byCode && target.user ? target.plans.map((p) => p.planKey) : [];
    const text = textFor({
      key: byCode ? 'out_contract_code' : 'wechat_contract_id',
      userPlans: userPlans.length,
      states: target.states,
      plans: target.plans.length,
    });
    const r = await trx.executeQuery<ContractRow & { outcome: 'applied' | 'unchanged' | null }>(
      CompiledQuery.raw(text, [
        target.family,
        key ?? null,
        inboxId,
        move.to,
        STATE_RANK[move.to],
        new Date(),
        move.eventTime,
        // An empty id from WeChat is no id: '' would be kept for ever by coalesce and collide in the unique
        // (family, wechat_contract_id) index with the next contract given ''.
        move.wechatContractId || null,
        move.signedAt || null,
        move.terminatedAt || null,
        ...(userPlans.length > 0 ? [target.user, ...userPlans] : []),
        ...target.plans.flatMap((p) => [p.planKey, p.owner, p.unnamedMayMatch]),
      ]),
    );
    const found = r.rows[0];
    if (!found) return { outcome: 'unmatched' };
    const { outcome, ...row } = found;
    if (!outcome) throw new InternalError({ cause: new Error(`inbox row ${inboxId} is missing`) });
    return { outcome, row };
  };
}
