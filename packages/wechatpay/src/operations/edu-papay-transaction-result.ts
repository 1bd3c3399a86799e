import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { NotificationFormatError } from '../errors.ts';
import { EduOrder } from './edu-papay-order-query.ts';

/** What a debit-result event means for the ledger. */
export type DebitResultKind = 'success' | 'fail';

/**
 * Debit-result `event_type` → meaning. The product page lists TRANSACTION.SUCCESS / TRANSACTION.FAIL
 * (contract-apis-next.md §5.4); which of them a PAY_FAIL sends is not stated anywhere, so the map is
 * configurable (BFF: EDU_DEBIT_EVENT_TYPES) and the trade_state inside the resource is what decides.
 */
export interface DebitResultEventTypes {
  [eventType: string]: DebitResultKind;
}
export const DEFAULT_DEBIT_RESULT_EVENT_TYPES: DebitResultEventTypes = Object.freeze({
  'TRANSACTION.SUCCESS': 'success',
  'TRANSACTION.FAIL': 'fail',
});

/** The decrypted debit-result resource, checked against the order schema (tolerant of added fields); one-off use. */
export function readDebitResult(resource: unknown, requestId?: string): EduOrder {
  return checked((r): r is EduOrder => Value.Check(EduOrder, r), resource, requestId);
}

/**
 * readDebitResult for a server: the order schema compiled once (owned by the returned reader), then one cheap
 * check per delivery, like createNotificationParser does for the contract resources.
 */
export function createDebitResultReader(): (resource: unknown, requestId?: string) => EduOrder {
  const order = TypeCompiler.Compile(EduOrder);
  return (resource, requestId) => checked((r): r is EduOrder => order.Check(r), resource, requestId);
}

function checked(is: (r: unknown) => r is EduOrder, resource: unknown, requestId?: string): EduOrder {
  if (!is(resource)) {
    const first = Value.Errors(EduOrder, resource).First();
    throw new NotificationFormatError(
      `debit-result resource does not match the order schema (${first?.path ?? '/'})`,
      requestId === undefined ? {} : { requestId },
    );
  }
  return resource;
}
