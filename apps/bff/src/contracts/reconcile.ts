import type { ContractRow } from '../db/database.ts';
import type { Observed } from '../families/index.ts';
import type { ContractsContext } from './context.ts';

export type ReconcileTrigger = 'background' | 'console' | 'user';

/**
 * Asking WeChat about one contract and applying the answer. Moves are monotonic (repository.transition):
 * PENDING → SIGNED / EXPIRED, SIGNED → TERMINATED (a lost notification), never backwards.
 */
export function createReconcile(c: ContractsContext) {
  /** Applies what WeChat said. A contract id already bound to another row of ours is never bound twice. */
  async function apply(row: ContractRow, seen: Observed, at: Date): Promise<void> {
    if (seen.state === 'SIGNED' || seen.state === 'TERMINATED') {
      if (seen.wechatContractId && !row.wechat_contract_id) {
        const other = await c.repo.findByWechatId(row.family, seen.wechatContractId);
        if (other && other.id !== row.id) return;
      }
      await c.repo.transition(row.id, seen.state, {
        eventTime: seen.state === 'TERMINATED' ? (seen.terminatedAt ?? at) : (seen.signedAt ?? at),
        wechatContractId: seen.wechatContractId,
        signedAt: seen.signedAt,
        ...(seen.state === 'TERMINATED' ? { terminatedAt: seen.terminatedAt ?? at } : {}),
      });
      return;
    }
    if (row.state === 'PENDING' && row.expires_at && row.expires_at <= at) {
      await c.repo.transition(row.id, 'EXPIRED', { eventTime: at });
    } else if (row.state === 'SIGNED' && seen.state === 'NONE') {
      c.log.warn({ contractId: row.id }, 'reconcile: WeChat does not know a SIGNED contract');
    }
  }

  async function check(row: ContractRow, deadline: number): Promise<ContractRow> {
    const family = c.family(row.plan_key);
    const due = (row.state === 'PENDING' && row.presign_status === 'READY') || row.state === 'SIGNED';
    if (!family || !due) return row;
    const at = c.now();
    try {
      await apply(row, await family.queryState(row, deadline), at);
    } catch (err) {
      // The signing session is over whatever WeChat answers: a PENDING row must not poll errors forever. A
      // late SIGN notification still moves EXPIRED → SIGNED.
      if (!(row.state === 'PENDING' && row.expires_at && row.expires_at <= at)) throw err;
      c.log.warn({ contractId: row.id }, 'reconcile failed after the signing session ended: EXPIRED');
      await c.repo.transition(row.id, 'EXPIRED', { eventTime: at });
    }
    return (await c.repo.findById(row.id)) ?? row;
  }

  // Nobody waits on a background check: every attempt may use its whole timeout.
  const backgroundDeadline = () =>
    c.nowMs() + c.config.wechatpay.timeoutMs * c.config.wechatpay.maxAttempts + 2_000;

  async function reconcileContract(row: ContractRow, trigger: ReconcileTrigger): Promise<ContractRow> {
    const from = row.state;
    try {
      const after = await check(row, trigger === 'background' ? backgroundDeadline() : c.deadline());
      c.metrics.reconciliations.inc({
        trigger,
        from,
        outcome: after.state === from ? 'unchanged' : after.state.toLowerCase(),
      });
      if (after.state !== from)
        c.log.info({ contractId: row.id, trigger, from, to: after.state }, 'contract reconciled with WeChat');
      return after;
    } catch (err) {
      c.metrics.reconciliations.inc({ trigger, from, outcome: 'error' });
      throw err;
    }
  }

  /**
   * The mini-program's `?reconcile=true`: at most one WeChat query per contract per
   * RECONCILE_USER_MIN_INTERVAL_SECONDS (stamped in the database, so it holds across replicas); within the
   * window the stored state is the answer.
   */
  async function forUser(row: ContractRow): Promise<ContractRow> {
    if (row.state !== 'PENDING') return row;
    const at = c.now();
    const window = c.config.background.reconcile.userMinIntervalSeconds * 1000;
    const claimed = await c.repo.claimCheck(row.id, at, new Date(at.getTime() - window));
    return claimed ? reconcileContract(claimed, 'user') : row;
  }

  return { reconcileContract, forUser, apply };
}
