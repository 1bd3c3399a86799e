import { type Static, Type } from '@sinclair/typebox';

/**
 * Every error the BFF can answer with, by stable code. The mini-program picks the message it shows
 * from the code, never from server text; the HTTP status is part of the contract.
 */
export const ERROR_CODES = {
  BFF_VALIDATION_FAILED: 400,
  BFF_UNAUTHENTICATED: 401,
  BFF_SESSION_EXPIRED: 401,
  BFF_LOGIN_CODE_INVALID: 401,
  BFF_LOGIN_BLOCKED: 403,
  BFF_LOGIN_RATE_LIMITED: 429,
  BFF_PLAN_NOT_FOUND: 404,
  BFF_CONTRACT_NOT_FOUND: 404,
  BFF_ROUTE_NOT_FOUND: 404,
  BFF_ALREADY_SIGNED: 409,
  BFF_CONTRACT_NOT_TERMINABLE: 409,
  BFF_RATE_LIMITED: 429,
  BFF_INTERNAL: 500,
  BFF_UPSTREAM_REJECTED: 502,
  BFF_UPSTREAM_UNAVAILABLE: 503,
  BFF_DATABASE_UNAVAILABLE: 503,
  // Appended by the BFF (see CHANGES-api.md): keep the names above stable.
  BFF_PAYLOAD_TOO_LARGE: 413,
  BFF_UNSUPPORTED_MEDIA_TYPE: 415,
  BFF_UPSTREAM_TIMEOUT: 504,
  BFF_NOT_READY: 503,
  // The operations console's own API (/admin/api/*): staff, not the mini-program, meet these.
  CONSOLE_UNAUTHENTICATED: 401,
  CONSOLE_TOKEN_INVALID: 401,
  CONSOLE_CHARGE_NOT_FOUND: 404,
  CONSOLE_CHARGE_NOT_RETRYABLE: 409,
  CONSOLE_CHARGE_NOT_CANCELLABLE: 409,
  CONSOLE_SANDBOX_ONLY: 403,
  CONSOLE_CLOCK_BACKWARDS: 409,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
/** Codes only the operations console answers with; the mini-program never calls its routes. */
export type ConsoleErrorCode = Extract<ErrorCode, `CONSOLE_${string}`>;

export const ErrorBody = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 64 }),
    message: Type.String({ minLength: 1 }),
    requestId: Type.Optional(Type.String()),
  },
  { $id: 'ErrorBody', additionalProperties: false },
);
/** `code` is an `ErrorCode`; typed as string on the wire so old clients survive new codes. */
export type ErrorBody = Static<typeof ErrorBody> & { code: ErrorCode | (string & {}) };

/** What a WeChat Pay notification route answers on failure (WeChat's own shape: code FAIL). */
export const NotifyFailBody = Type.Object(
  { code: Type.Literal('FAIL'), message: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);
export type NotifyFailBody = Static<typeof NotifyFailBody>;
