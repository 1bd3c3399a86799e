import { randomBytes } from 'node:crypto';
import type { ContractEvent } from '@qianyue/wechatpay';
import type { ContractRow, ContractState } from '../db/database.ts';
import type { NotificationTarget } from '../db/notification-move.ts';
import { InternalError, NotificationForeignError } from '../errors.ts';
import type { ContractFamily, KnownEvent } from '../families/index.ts';
import type { StoredOutcome } from '../notifications/outcomes.ts';
import type { ContractsContext } from './context.ts';
import type { createReconcile } from './reconcile.ts';

export type ApplyOutcome = StoredOutcome | 'duplicate';

/**
 * A verified notification: is it ours (some plan of its family accepts the payload), then inbox insert and
 * state move in ONE transaction, so it is applied exactly once even when WeChat delivers it twice at once.
 */
export function createNotifications(c: ContractsContext, reconcile: ReturnType<typeof createReconcile>) {
  const background = new Set<Promise<void>>();
  const familiesOf = (event: KnownEvent): ContractFamily[] =>
    c.config.plans
      .map((p) => c.family(p.planKey))
      .filter((f): f is ContractFamily => f?.accepts(event) === true);

  /**
   * Where the database looks for the event's contract: our key, WeChat's key, or (edu) plan by plan the user's
   * newest handed-out contract; and on which plans, for which user, a found row counts as the event's.
   */
  function targetOf(event: KnownEvent, candidates: ContractFamily[]): NotificationTarget {
    const key = candidates[0]!.lookup(event);
    // A RELEASE may overtake its SIGNING (reordered delivery): then it applies to the pending contract.
    const states: ContractState[] =
      event.kind === 'signed' ? ['PENDING', 'EXPIRED'] : ['SIGNED', 'PENDING', 'EXPIRED'];
    return {
      family: event.family,
      ...(key.outContractCode ? { outContractCode: key.outContractCode } : {}),
      ...(key.wechatContractId ? { wechatContractId: key.wechatContractId } : {}),
      ...(key.user ? { user: key.user } : {}),
      states,
      plans: candidates
        .filter((f) => f.isOurs(event))
        .map((f) => {
          const { openid, unnamedMayMatch } = f.owner(event);
          return { planKey: f.plan.planKey, owner: openid, unnamedMayMatch };
        }),
    };
  }

  /** The row's own plan module must accept the payload and find its own user in it. */
  const matches = (event: KnownEvent, row: ContractRow | undefined): ContractFamily | undefined => {
    const f = row ? c.family(row.plan_key) : undefined;
    return row && f?.accepts(event) && f.isOurs(event) && f.names(event, row) ? f : undefined;
  };

  function requeryLater(row: ContractRow, f: ContractFamily) {
    const job = f
      .queryState(row, c.nowMs() + c.config.wechatpay.budgetMs)
      .then(async (seen) => {
        const fresh = await c.repo.findById(row.id);
        if (fresh) await reconcile.apply(fresh, seen, c.now());
      })
      .catch((err) => c.log.warn({ err, contractId: row.id }, 're-query after notification failed'))
      .finally(() => background.delete(job));
    background.add(job);
  }

  async function applyNotification(event: ContractEvent, rawBody: string): Promise<ApplyOutcome> {
    const known = event.family === 'unknown' ? undefined : event;
    const candidates = known ? familiesOf(known) : [];
    if (known && !candidates.some((f) => f.isOurs(known))) throw new NotificationForeignError();
    const key = known ? candidates[0]!.contractKey(known) : `envelope:${event.envelope.id}`;
    const t = c.now();
    let applied: { row: ContractRow; family: ContractFamily } | undefined;
    const outcome = await c.repo.transaction(async (trx): Promise<ApplyOutcome> => {
      // Recorded first: a concurrent duplicate blocks on the inbox's unique index until this commits, then
      // inserts nothing and stops. The outcome is written by the same statement that moves the contract.
      const inboxId = `n_${randomBytes(18).toString('base64url')}`;
      const fresh = await c.inbox.insertIfNew(trx, {
        id: inboxId,
        envelope_id: event.envelope.id,
        event_type: event.envelope.event_type,
        business_key: key,
        family: event.family,
        kind: event.kind,
        envelope: rawBody,
        resource: event.plaintext,
        serial: event.serial,
        request_id: event.requestId ?? null,
        outcome: known ? 'unmatched' : 'ignored',
        contract_id: null,
        received_at: t,
      });
      if (!fresh) return 'duplicate';
      if (!known) return 'ignored';
      // Each family kind moves a contract the same way for every plan and mode: the event decides.
      const move = candidates[0]!.transitionFor(known, t);
      const found = await c.repo.findMoveAndRecord(trx, targetOf(known, candidates), move, inboxId);
      if (found.outcome === 'unmatched') return 'unmatched';
      // The database checked plan and user while it found the row; the row's own module checks again in code
      // before anything commits (two independent statements of one identity rule).
      const family = matches(known, found.row);
      if (!family)
        throw new InternalError({
          cause: new Error(`contract ${found.row.id} was moved by a notification its plan does not accept`),
        });
      applied = { row: found.row, family };
      return found.outcome;
    });
    if (outcome === 'ignored') {
      // Answered 204 and never redelivered: if this is a contract event under a name we do not map (the
      // password-exempt names are UNCONFIRMED), NOTIFY_EVENT_TYPES must learn it; reconcile catches up.
      c.log.warn(
        { eventType: event.envelope.event_type, envelopeId: event.envelope.id },
        'notification event type is not mapped (NOTIFY_EVENT_TYPES): stored as ignored',
      );
    } else if (outcome === 'unmatched') {
      c.log.warn(
        { eventType: event.envelope.event_type, envelopeId: event.envelope.id },
        'notification matches no contract',
      );
    }
    // Password-exempt notifications are UNCONFIRMED in shape: WeChat's query is the authoritative state.
    if (applied && applied.row.family === 'password-exempt' && c.config.qsRequeryAfterNotify)
      requeryLater(applied.row, applied.family);
    return outcome;
  }

  return {
    applyNotification,
    async drain() {
      await Promise.allSettled([...background]);
    },
  };
}
