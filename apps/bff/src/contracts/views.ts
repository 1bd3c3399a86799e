import type { Contract, NavigateTarget, Plan, PresignReply } from '@qianyue/api';
import type { PlanConfig } from '../config.ts';
import type { ContractRow } from '../db/database.ts';

export function toContract(row: ContractRow, plan: PlanConfig | undefined): Contract {
  return {
    contractId: row.id,
    planKey: row.plan_key,
    planName: plan?.name ?? row.plan_key,
    family: row.family,
    state: row.state,
    displayAccount: row.display_account,
    createdAt: row.created_at.toISOString(),
    ...(row.signed_at ? { signedAt: row.signed_at.toISOString() } : {}),
    ...(row.terminated_at ? { terminatedAt: row.terminated_at.toISOString() } : {}),
    ...(row.expires_at && row.state === 'PENDING' ? { expiresAt: row.expires_at.toISOString() } : {}),
    confirming: row.state === 'PENDING',
  };
}

export function presignReply(row: ContractRow, reused: boolean, now: Date): PresignReply {
  return {
    contractId: row.id,
    navigate: JSON.parse(row.navigate ?? '{}') as NavigateTarget,
    expiresAt: (row.expires_at ?? now).toISOString(),
    reused,
  };
}

/** A plan as the mini-program sees it: mode-neutral (no ids), with its debit terms when it has some. */
export function planView(plan: PlanConfig, visible: ContractRow | undefined): Plan {
  return {
    planKey: plan.planKey,
    family: plan.family,
    name: plan.name,
    description: plan.description,
    ...(plan.family === 'edu-papay' && plan.billing ? { billing: plan.billing } : {}),
    state: visible?.state ?? 'NONE',
    ...(visible ? { contractId: visible.id } : {}),
  };
}

/** The contract that gives a plan its state for the user: signed, else pending, else the newest finished. */
export function visibleContract(rows: ContractRow[], planKey: string): ContractRow | undefined {
  const mine = rows.filter((r) => r.plan_key === planKey);
  return (
    mine.find((r) => r.state === 'SIGNED') ??
    mine.find((r) => r.state === 'PENDING') ??
    mine.find((r) => r.state === 'TERMINATED' || r.state === 'EXPIRED')
  );
}
