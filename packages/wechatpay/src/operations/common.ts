import { type TString, Type } from '@sinclair/typebox';

/** `string(N)` in the official docs: 1..N characters (an empty required field is as good as missing). */
export function str(max: number, extra: { pattern?: string; description?: string } = {}): TString {
  return Type.String({ minLength: 1, maxLength: max, ...extra });
}

/** The shape every operation file exports: enough for the client to call it and the sandbox to route it. */
export interface Operation<P extends unknown[]> {
  readonly method: 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH';
  /** Fastify-style route for the sandbox, e.g. `/v3/edu-papay/contracts/id/:contract_id`. */
  readonly route: string;
  /** The concrete path with every parameter percent-encoded (the bytes that are signed and sent). */
  path(...params: P): string;
}

export const enc = encodeURIComponent;

/** RFC 3339 date-time as WeChat sends it; kept as a string (format not enforced: answers are WeChat's). */
export const DateTime = Type.String({ minLength: 1, maxLength: 64 });
