import type { Contract } from '@qianyue/api';
import {
  ContractNotFoundError,
  ContractNotTerminableError,
  PlanNotFoundError,
  UpstreamRejectedError,
} from '../errors.ts';
import type { ContractsContext } from './context.ts';
import { toContract } from './views.ts';

/**
 * POST /v1/contracts/:id/terminate. One behaviour for both products: a double tap (the contract is already
 * TERMINATED, or WeChat says so after a lost answer) answers 200 with the terminated contract.
 */
export function createTerminate(c: ContractsContext) {
  return async function terminate(openid: string, contractId: string): Promise<Contract> {
    const row = await c.repo.findForOwner(contractId, openid);
    if (row?.presign_status !== 'READY') throw new ContractNotFoundError();
    const family = c.family(row.plan_key);
    if (!family) throw new PlanNotFoundError();
    if (row.state === 'TERMINATED') return toContract(row, family.plan);
    if (row.state !== 'SIGNED') throw new ContractNotTerminableError(row.state);
    const deadline = c.deadline();
    try {
      await family.terminate(row, deadline);
    } catch (err) {
      // A retry after a lost answer (timeout, 500 after processing), or a concurrent second tap, meets
      // "already terminated": ask WeChat what is true before calling that a rejection.
      if (!(err instanceof UpstreamRejectedError)) throw err;
      const seen = await family.queryState(row, deadline).catch(() => undefined);
      if (seen?.state !== 'TERMINATED') throw err;
    }
    const t = c.now();
    await c.repo.transition(row.id, 'TERMINATED', { eventTime: t, terminatedAt: t });
    return toContract((await c.repo.findById(row.id)) ?? row, family.plan);
  };
}
