import { Value } from '@sinclair/typebox/value';
import { decryptResource } from './aes-gcm.ts';
import { AEAD_ALGORITHM } from './constants.ts';
import { NotificationFormatError, WechatPayError } from './errors.ts';
import type { Clock } from './nonce.ts';
import { EduContractResource, PasswordExemptContractResource } from './operations/notification-resources.ts';
import { type HeaderBag, validateSignedMessage } from './signed-message.ts';
import type { Verifier } from './verifier.ts';

export interface NotificationEnvelope {
  id: string;
  create_time: string;
  event_type: string;
  resource_type: string;
  summary?: string;
  resource: {
    algorithm: string;
    ciphertext: string;
    nonce: string;
    associated_data?: string;
    original_type?: string;
  };
}

export interface EventTypeMap {
  [eventType: string]: { family: 'edu-papay' | 'password-exempt'; kind: 'signed' | 'terminated' };
}

/**
 * THE one place event names are mapped. The edu names are documented; the password-exempt names are
 * UNCONFIRMED (contract-apis.md §2.5, best analogue), so callers can pass their own map via `eventTypes`.
 */
export const DEFAULT_EVENT_TYPES: EventTypeMap = Object.freeze({
  'ENTRUST.SIGNING': Object.freeze({ family: 'edu-papay', kind: 'signed' }),
  'ENTRUST.RELEASE': Object.freeze({ family: 'edu-papay', kind: 'terminated' }),
  'ENTRUST.SIGN': Object.freeze({ family: 'password-exempt', kind: 'signed' }),
  'ENTRUST.TERMINATE': Object.freeze({ family: 'password-exempt', kind: 'terminated' }),
} as const);

interface EventCommon {
  envelope: NotificationEnvelope;
  plaintext: string;
  serial: string;
  requestId?: string;
}

export type ContractEvent =
  | ({ family: 'edu-papay'; kind: 'signed' | 'terminated'; resource: EduContractResource } & EventCommon)
  | ({
      family: 'password-exempt';
      kind: 'signed' | 'terminated';
      resource: PasswordExemptContractResource;
    } & EventCommon)
  | ({ family: 'unknown'; kind: 'unknown'; resource: unknown } & EventCommon);

const isString = (v: unknown): v is string => typeof v === 'string';
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function parseEnvelope(body: string, requestId: string | undefined): NotificationEnvelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new NotificationFormatError('notification body is not JSON', { requestId });
  }
  if (
    !isObject(parsed) ||
    !isString(parsed.id) ||
    !isString(parsed.create_time) ||
    !isString(parsed.event_type) ||
    !isString(parsed.resource_type) ||
    !isObject(parsed.resource)
  ) {
    throw new NotificationFormatError('notification envelope lacks id/create_time/event_type/resource', {
      requestId,
    });
  }
  const r = parsed.resource;
  if (
    !isString(r.algorithm) ||
    !isString(r.ciphertext) ||
    !isString(r.nonce) ||
    (r.associated_data !== undefined && r.associated_data !== null && !isString(r.associated_data))
  ) {
    throw new NotificationFormatError('notification resource lacks algorithm/ciphertext/nonce', {
      requestId,
    });
  }
  return parsed as unknown as NotificationEnvelope;
}

/**
 * Raw notification → typed event. The signature is validated FIRST, over the raw body string; nothing
 * is parsed or decrypted before that. Then: envelope shape, algorithm, AES-GCM (tag checked), JSON.
 */
export function parseNotification(
  req: { headers: HeaderBag; body: string },
  o: {
    verifier: Verifier;
    apiV3Key: Buffer;
    clock?: Clock;
    eventTypes?: EventTypeMap;
    maxSkewSeconds?: number;
  },
): ContractEvent {
  const signed = validateSignedMessage(req.headers, req.body, {
    verifier: o.verifier,
    ...(o.clock ? { clock: o.clock } : {}),
    ...(o.maxSkewSeconds !== undefined ? { maxSkewSeconds: o.maxSkewSeconds } : {}),
  });
  const { requestId } = signed;
  const envelope = parseEnvelope(req.body, requestId);
  if (envelope.resource.algorithm !== AEAD_ALGORITHM) {
    throw new NotificationFormatError('notification resource algorithm is not AEAD_AES_256_GCM', {
      requestId,
    });
  }
  let plaintext: string;
  try {
    plaintext = decryptResource({
      apiV3Key: o.apiV3Key,
      nonce: envelope.resource.nonce,
      associatedData: envelope.resource.associated_data ?? '',
      ciphertext: envelope.resource.ciphertext,
    });
  } catch (err) {
    if (err instanceof WechatPayError) err.requestId = requestId;
    throw err;
  }
  let resource: unknown;
  try {
    resource = JSON.parse(plaintext);
  } catch {
    throw new NotificationFormatError('decrypted notification resource is not JSON', { requestId });
  }
  if (!isObject(resource))
    throw new NotificationFormatError('decrypted resource is not an object', { requestId });

  const common: EventCommon = { envelope, plaintext, serial: signed.serial };
  if (requestId !== undefined) common.requestId = requestId;
  const mapping = Object.hasOwn(o.eventTypes ?? DEFAULT_EVENT_TYPES, envelope.event_type)
    ? (o.eventTypes ?? DEFAULT_EVENT_TYPES)[envelope.event_type]
    : undefined;
  if (mapping === undefined) return { family: 'unknown', kind: 'unknown', resource, ...common };
  // The resource is typed only after it matches its family's schema, so callers use it without casts.
  if (mapping.family === 'edu-papay') {
    if (!Value.Check(EduContractResource, resource)) {
      throw new NotificationFormatError('decrypted resource is not an edu-papay contract resource', {
        requestId,
      });
    }
    return { family: 'edu-papay', kind: mapping.kind, resource, ...common };
  }
  if (!Value.Check(PasswordExemptContractResource, resource)) {
    throw new NotificationFormatError('decrypted resource is not a password-exempt contract resource', {
      requestId,
    });
  }
  return { family: 'password-exempt', kind: mapping.kind, resource, ...common };
}
