import { requestMessage } from './canonical.ts';
import { AUTH_SCHEME } from './constants.ts';
import { AuthorizationFormatError } from './errors.ts';
import { type Clock, type NonceSource, randomNonce, systemClock } from './nonce.ts';
import type { Signer } from './signer.ts';

export interface AuthorizationFields {
  mchid: string;
  nonce_str: string;
  signature: string;
  timestamp: string;
  serial_no: string;
}

const FIELDS = ['mchid', 'nonce_str', 'signature', 'timestamp', 'serial_no'] as const;

/** Signs (method, path+query exactly as sent, body exactly as sent) and returns the header value. */
export function buildAuthorization(o: {
  signer: Signer;
  method: string;
  pathWithQuery: string;
  body: string;
  clock?: Clock;
  nonce?: NonceSource;
}): { authorization: string; timestamp: string; nonce: string } {
  const timestamp = String((o.clock ?? systemClock).now());
  const nonce = (o.nonce ?? randomNonce)();
  const signature = o.signer.sign(
    requestMessage(o.method.toUpperCase(), o.pathWithQuery, timestamp, nonce, o.body),
  );
  const authorization = formatAuthorization({
    mchid: o.signer.mchId,
    nonce_str: nonce,
    signature,
    timestamp,
    serial_no: o.signer.serialNo,
  });
  return { authorization, timestamp, nonce };
}

/** The SDKs' layout: scheme, one space, five quoted attributes, commas without spaces. */
export function formatAuthorization(f: AuthorizationFields): string {
  return `${AUTH_SCHEME} mchid="${f.mchid}",nonce_str="${f.nonce_str}",signature="${f.signature}",timestamp="${f.timestamp}",serial_no="${f.serial_no}"`;
}

const ATTRIBUTE = /^\s*([a-z_]+)="([^"]*)"\s*$/;

/**
 * Parses in any attribute order with optional whitespace after commas (the sandbox must be tolerant,
 * spec §1.3). Duplicate, unknown or missing attributes are refused: the message says which NAME.
 */
export function parseAuthorization(header: string): AuthorizationFields {
  const space = header.indexOf(' ');
  if (space < 0 || header.slice(0, space) !== AUTH_SCHEME) {
    throw new AuthorizationFormatError(`Authorization scheme is not ${AUTH_SCHEME}`);
  }
  const found: Partial<Record<(typeof FIELDS)[number], string>> = {};
  for (const part of header.slice(space + 1).split(',')) {
    const m = ATTRIBUTE.exec(part);
    if (!m) throw new AuthorizationFormatError('Authorization attribute is not key="value"');
    const name = m[1] as (typeof FIELDS)[number];
    if (!FIELDS.includes(name)) throw new AuthorizationFormatError('Authorization has an unknown attribute');
    if (found[name] !== undefined) throw new AuthorizationFormatError(`Authorization repeats ${name}`);
    found[name] = m[2] as string;
  }
  for (const name of FIELDS) {
    if (!found[name]) throw new AuthorizationFormatError(`Authorization lacks ${name}`);
  }
  return found as AuthorizationFields;
}
