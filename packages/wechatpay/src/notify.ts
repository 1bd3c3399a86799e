import { TypeCompiler } from '@sinclair/typebox/compiler';
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

export interface NotificationParserOptions {
  verifier: Verifier;
  apiV3Key: Buffer;
  clock?: Clock;
  eventTypes?: EventTypeMap;
  maxSkewSeconds?: number;
}

export interface NotificationParser {
  /** Raw notification → typed event, exactly as parseNotification does it (same checks, order and errors). */
  parse(req: { headers: HeaderBag; body: string }): ContractEvent;
}

/** The schema check of each family's decrypted resource: the resource is typed only once it passes. */
interface ResourceChecks {
  edu(resource: unknown): resource is EduContractResource;
  passwordExempt(resource: unknown): resource is PasswordExemptContractResource;
}

// A one-off parse walks the schema (Value.Check): compiling it would cost more than the check it saves.
const INTERPRETED_CHECKS: ResourceChecks = Object.freeze({
  edu: (r: unknown): r is EduContractResource => Value.Check(EduContractResource, r),
  passwordExempt: (r: unknown): r is PasswordExemptContractResource =>
    Value.Check(PasswordExemptContractResource, r),
});

/**
 * The same schemas compiled to plain JS once per parser (TypeCompiler): about 100× cheaper per check than
 * walking the schema, which was the largest share of parseNotification's cost beyond raw verify + decrypt.
 */
function compiledChecks(): ResourceChecks {
  const edu = TypeCompiler.Compile(EduContractResource);
  const passwordExempt = TypeCompiler.Compile(PasswordExemptContractResource);
  // Frozen like INTERPRETED_CHECKS, so both kinds share one object shape where parseWith reads them.
  return Object.freeze({
    edu: (r: unknown): r is EduContractResource => edu.Check(r),
    passwordExempt: (r: unknown): r is PasswordExemptContractResource => passwordExempt.Check(r),
  });
}

/**
 * A notification parser for a server: built once (options fixed, resource schemas compiled and owned by
 * this instance), then `parse` per delivery. Same guarantees as parseNotification.
 */
export function createNotificationParser(o: NotificationParserOptions): NotificationParser {
  const options: NotificationParserOptions = { ...o };
  const checks = compiledChecks();
  return { parse: (req) => parseWith(req, options, checks) };
}

/**
 * Raw notification → typed event, for one-off use (a server builds a parser once: createNotificationParser).
 * The signature is validated FIRST, over the raw body string; nothing is parsed or decrypted before that.
 * Then: envelope shape, algorithm, AES-GCM (tag checked), JSON, the family's resource schema.
 */
export function parseNotification(
  req: { headers: HeaderBag; body: string },
  o: NotificationParserOptions,
): ContractEvent {
  return parseWith(req, o, INTERPRETED_CHECKS);
}

function parseWith(
  req: { headers: HeaderBag; body: string },
  o: NotificationParserOptions,
  checks: ResourceChecks,
): ContractEvent {
  // `o` carries exactly the validator's verifier, clock and maxSkewSeconds: passed as is, not copied.
  const signed = validateSignedMessage(req.headers, req.body, o);
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

  const eventTypes = o.eventTypes ?? DEFAULT_EVENT_TYPES;
  const mapping = Object.hasOwn(eventTypes, envelope.event_type)
    ? eventTypes[envelope.event_type]
    : undefined;
  const { serial } = signed;
  let event: ContractEvent;
  if (mapping === undefined) {
    event = { family: 'unknown', kind: 'unknown', resource, envelope, plaintext, serial };
  } else if (mapping.family === 'edu-papay') {
    // The resource is typed only after it matches its family's schema, so callers use it without casts.
    if (!checks.edu(resource)) {
      throw new NotificationFormatError('decrypted resource is not an edu-papay contract resource', {
        requestId,
      });
    }
    event = { family: 'edu-papay', kind: mapping.kind, resource, envelope, plaintext, serial };
  } else {
    if (!checks.passwordExempt(resource)) {
      throw new NotificationFormatError('decrypted resource is not a password-exempt contract resource', {
        requestId,
      });
    }
    event = { family: 'password-exempt', kind: mapping.kind, resource, envelope, plaintext, serial };
  }
  if (requestId !== undefined) event.requestId = requestId;
  return event;
}
