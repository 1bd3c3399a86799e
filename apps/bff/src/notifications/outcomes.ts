import type { WechatPayErrorCode } from '@qianyue/wechatpay';

/*
 * THE vocabulary of what happened to a post on a notify URL: the notify route answers and counts with it,
 * the inbox stores it, the operations console explains it. Typed tables, so a new outcome or a new
 * WeChat Pay error code that is not placed here fails typecheck.
 */

/** A verified notification, stored in the inbox (204: WeChat stops retrying). */
export type StoredOutcome = 'applied' | 'unchanged' | 'unmatched' | 'ignored';
/** Refused before anything was stored: WeChat sees a 4xx/5xx {code:'FAIL'} and retries. */
export type RejectedOutcome =
  | 'rejected_signature'
  | 'rejected_unknown_serial'
  | 'rejected_stale'
  | 'rejected_probe'
  | 'rejected_decrypt'
  | 'rejected_malformed'
  | 'rejected_foreign';
export type NotificationOutcome = StoredOutcome | 'duplicate' | RejectedOutcome | 'error';

export interface OutcomeEntry {
  /** HTTP status WeChat is answered with. */
  status: number;
  /** The `message` of the {code:'FAIL'} answer (≤64 chars); empty for 204. */
  answer: string;
  /** Why, in words for staff (operations console). */
  reason: string;
}

export const NOTIFICATION_OUTCOMES: Record<NotificationOutcome, OutcomeEntry> = {
  applied: { status: 204, answer: '', reason: 'verified and applied to the contract' },
  unchanged: {
    status: 204,
    answer: '',
    reason: 'verified; the contract was already in that state (duplicate or older event)',
  },
  unmatched: { status: 204, answer: '', reason: 'verified; no contract here matches it' },
  ignored: { status: 204, answer: '', reason: 'verified; event type not handled' },
  duplicate: { status: 204, answer: '', reason: 'verified; the same event was stored before' },
  rejected_signature: {
    status: 401,
    answer: 'signature verification failed',
    reason: 'signature does not verify: forged or altered',
  },
  // 5xx so WeChat keeps retrying while the operator adds the new key.
  rejected_unknown_serial: {
    status: 500,
    answer: 'unknown Wechatpay-Serial',
    reason: 'signed with a key id this BFF does not have (key rotated?)',
  },
  rejected_stale: {
    status: 401,
    answer: 'timestamp outside the accepted window',
    reason: 'timestamp more than 5 minutes off: a replay, or clock drift',
  },
  rejected_probe: {
    status: 401,
    answer: 'signature verification failed',
    reason: 'WeChat Pay signature probe (expected to be refused)',
  },
  rejected_decrypt: {
    status: 400,
    answer: 'resource cannot be decrypted',
    reason: 'cannot be decrypted: APIv3 key changed?',
  },
  rejected_malformed: { status: 400, answer: 'malformed notification', reason: 'not a valid notification' },
  rejected_foreign: {
    status: 400,
    answer: 'notification is not for this merchant',
    reason: 'verified, but for another merchant or app',
  },
  error: { status: 500, answer: 'internal error', reason: 'the BFF failed while handling it' },
};

/** Which outcome each WeChat Pay error is when it stops a notification (every code placed once). */
export const OUTCOME_OF_ERROR: Record<WechatPayErrorCode | 'BFF_NOTIFICATION_FOREIGN', NotificationOutcome> =
  {
    WECHATPAY_HEADER_MISSING: 'rejected_signature',
    WECHATPAY_SIGNATURE_TYPE_UNSUPPORTED: 'rejected_signature',
    WECHATPAY_SIGNATURE_INVALID: 'rejected_signature',
    WECHATPAY_AUTHORIZATION_MALFORMED: 'rejected_signature',
    WECHATPAY_SIGNATURE_PROBE: 'rejected_probe',
    WECHATPAY_CLOCK_SKEW: 'rejected_stale',
    WECHATPAY_SERIAL_UNKNOWN: 'rejected_unknown_serial',
    WECHATPAY_DECRYPT_FAILED: 'rejected_decrypt',
    WECHATPAY_NOTIFICATION_MALFORMED: 'rejected_malformed',
    BFF_NOTIFICATION_FOREIGN: 'rejected_foreign',
    // Not produced while reading a notification; if one ever is, it is our failure (5xx, WeChat retries).
    WECHATPAY_CONFIG_INVALID: 'error',
    WECHATPAY_SENSITIVE_FIELD_INVALID: 'error',
    WECHATPAY_REQUEST_INVALID: 'error',
    WECHATPAY_ANSWER_MALFORMED: 'error',
    WECHATPAY_API_ERROR: 'error',
    WECHATPAY_TRANSPORT_FAILED: 'error',
    WECHATPAY_TRANSPORT_TIMEOUT: 'error',
  };

/** The outcome of anything thrown on a notify route. */
export function outcomeOfError(err: unknown): NotificationOutcome {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && Object.hasOwn(OUTCOME_OF_ERROR, code)
    ? OUTCOME_OF_ERROR[code as keyof typeof OUTCOME_OF_ERROR]
    : 'error';
}

export const isRejected = (o: NotificationOutcome): o is RejectedOutcome => o.startsWith('rejected_');
