import type { World } from './world.ts';

interface SandboxContract {
  kind: 'edu' | 'qs';
  contractId: string;
  openid: string;
  plan_id?: string;
  service_id?: number;
  out_contract_code?: string;
  contract_state?: string;
  contract_information?: { contract_id: string; contract_status: string };
}
interface SandboxNotification {
  id: string;
  eventType: string;
  status: string;
  resource: { contract_information?: { contract_id?: string }; out_contract_code?: string };
}
export interface Delivery {
  notificationId: string;
  kind: string;
  ok: boolean;
  status?: number;
}

/** Waits until WeChat (the sandbox) has nothing left to deliver: every notification delivered or given up. */
export async function notificationsSettled(w: World, tries = 600): Promise<SandboxNotification[]> {
  for (let i = 0; i < tries; i++) {
    const { data } = await w.control<{ data: SandboxNotification[] }>('GET', '/notifications');
    if (data.every((n) => n.status === 'delivered' || n.status === 'gave-up')) return data;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('notifications did not settle');
}

export interface Consistency {
  sandboxContracts: number;
  sandboxSigned: number;
  sandboxTerminated: number;
  /** Sandbox contracts whose state the BFF does not show (missing, or another state). */
  lost: string[];
  /** More than one contract per user+plan, an event stored twice, or a contract applied twice. */
  doubled: string[];
  notifications: number;
  /** Notifications whose event is not in the BFF's inbox exactly once. */
  notInInboxOnce: string[];
  notificationsApplied: number;
  inboxOutcomes: Record<string, number>;
  deliveries: Record<string, number>;
  deliveriesOk: number;
  gaveUp: number;
}

/**
 * The end-of-run invariants, compared between what WeChat (the sandbox) holds and what the BFF's database
 * says (read through replica 0; every replica shares it):
 *  - lost: each sandbox contract maps to one BFF contract (edu by WeChat contract id, QS by out_contract_code)
 *    in the matching state (ADD/SIGNED → SIGNED, DELETE/TERMINATED → TERMINATED);
 *  - doubled: per user+plan at most one BFF contract and one sandbox contract; per (event_type, business key)
 *    one inbox row; per contract and kind (signed/terminated) at most one `applied` inbox row;
 *  - every sandbox notification's event is in the inbox exactly once.
 */
export async function checkConsistency(w: World): Promise<Consistency> {
  const db = w.bffs[0]!.app.db;
  const rows = await db.selectFrom('contracts').selectAll().execute();
  const inbox = await db.selectFrom('notification_inbox').selectAll().execute();
  const { data: contracts } = await w.control<{ data: SandboxContract[] }>('GET', '/contracts');
  const { data: notifications } = await w.control<{ data: SandboxNotification[] }>('GET', '/notifications');
  const { data: deliveries } = await w.control<{ data: Delivery[] }>('GET', '/deliveries');

  const lost: string[] = [];
  const doubled: string[] = [];
  const byWechatId = new Map(rows.filter((r) => r.wechat_contract_id).map((r) => [r.wechat_contract_id!, r]));
  const byCode = new Map(rows.map((r) => [r.out_contract_code, r]));
  let sandboxSigned = 0;
  let sandboxTerminated = 0;
  const sandboxPerUserPlan = new Map<string, number>();
  for (const c of contracts) {
    const signed =
      c.kind === 'edu' ? c.contract_information?.contract_status === 'ADD' : c.contract_state === 'SIGNED';
    if (signed) sandboxSigned++;
    else sandboxTerminated++;
    const want = signed ? 'SIGNED' : 'TERMINATED';
    const row = c.kind === 'edu' ? byWechatId.get(c.contractId) : byCode.get(c.out_contract_code ?? '');
    if (!row || row.state !== want)
      lost.push(`${c.kind} ${c.contractId}: sandbox ${want}, BFF ${row?.state ?? 'none'}`);
    const k = `${c.openid}|${c.plan_id ?? c.service_id}`;
    sandboxPerUserPlan.set(k, (sandboxPerUserPlan.get(k) ?? 0) + 1);
  }
  for (const [k, n] of sandboxPerUserPlan) if (n > 1) doubled.push(`sandbox holds ${n} contracts for ${k}`);

  const perUserPlan = new Map<string, number>();
  for (const r of rows)
    perUserPlan.set(`${r.openid}|${r.plan_key}`, (perUserPlan.get(`${r.openid}|${r.plan_key}`) ?? 0) + 1);
  for (const [k, n] of perUserPlan) if (n > 1) doubled.push(`BFF holds ${n} contracts for ${k}`);

  const perEvent = new Map<string, number>();
  const appliedPer = new Map<string, number>();
  const inboxOutcomes: Record<string, number> = {};
  for (const n of inbox) {
    const k = `${n.event_type}|${n.business_key}`;
    perEvent.set(k, (perEvent.get(k) ?? 0) + 1);
    inboxOutcomes[n.outcome] = (inboxOutcomes[n.outcome] ?? 0) + 1;
    if (n.outcome === 'applied') {
      const a = `${n.contract_id}|${n.kind}`;
      appliedPer.set(a, (appliedPer.get(a) ?? 0) + 1);
    }
  }
  for (const [k, n] of perEvent) if (n > 1) doubled.push(`inbox holds event ${k} ${n} times`);
  for (const [k, n] of appliedPer) if (n > 1) doubled.push(`contract event ${k} applied ${n} times`);

  const notInInboxOnce: string[] = [];
  for (const n of notifications) {
    const key = n.resource.contract_information?.contract_id ?? n.resource.out_contract_code ?? '';
    const count = perEvent.get(`${n.eventType}|${key}`) ?? 0;
    if (count !== 1) notInInboxOnce.push(`${n.id} (${n.eventType} ${key}): ${count} inbox rows, ${n.status}`);
  }
  const kinds: Record<string, number> = {};
  for (const d of deliveries) kinds[d.kind] = (kinds[d.kind] ?? 0) + 1;
  return {
    sandboxContracts: contracts.length,
    sandboxSigned,
    sandboxTerminated,
    lost,
    doubled,
    notifications: notifications.length,
    notInInboxOnce,
    notificationsApplied: inboxOutcomes.applied ?? 0,
    inboxOutcomes,
    deliveries: kinds,
    deliveriesOk: deliveries.filter((d) => d.ok).length,
    gaveUp: notifications.filter((n) => n.status === 'gave-up').length,
  };
}

/** Sum of a labelled prom-client counter on every replica, by label value. */
export async function counterByLabel(w: World, name: string, label: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const b of w.bffs) {
    const m = b.app.metrics.registry.getSingleMetric(name);
    if (!m) continue;
    for (const v of (await m.get()).values) {
      const k = String(v.labels[label] ?? '');
      out[k] = (out[k] ?? 0) + v.value;
    }
  }
  return out;
}
