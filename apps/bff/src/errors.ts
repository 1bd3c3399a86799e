import { ERROR_CODES, type ErrorCode } from '@qianyue/api';

/**
 * Every error the BFF throws on purpose. The code comes from the shared catalogue in `@qianyue/api`, so the
 * HTTP status is decided there, once; `plugins/error-handler.ts` is the only place that turns these into
 * answers. Messages are for the mini-program developer: never a key, a token, a body or a header value.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.statusCode = ERROR_CODES[code];
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = 'A session token is required (Authorization: Bearer <token>)') {
    super('BFF_UNAUTHENTICATED', message);
  }
}
export class SessionExpiredError extends AppError {
  constructor() {
    super('BFF_SESSION_EXPIRED', 'The session has expired; log in again');
  }
}
export class LoginCodeInvalidError extends AppError {
  constructor() {
    super(
      'BFF_LOGIN_CODE_INVALID',
      'The wx.login code is invalid, expired or already used; call wx.login again',
    );
  }
}
export class LoginBlockedError extends AppError {
  constructor() {
    super('BFF_LOGIN_BLOCKED', 'WeChat refused this login (risk control)');
  }
}
export class LoginRateLimitedError extends AppError {
  constructor() {
    super('BFF_LOGIN_RATE_LIMITED', 'Too many logins for this user; try again in a minute');
  }
}
export class PlanNotFoundError extends AppError {
  constructor() {
    super('BFF_PLAN_NOT_FOUND', 'No such plan');
  }
}
export class ContractNotFoundError extends AppError {
  constructor() {
    super('BFF_CONTRACT_NOT_FOUND', 'No such contract');
  }
}
export class RouteNotFoundError extends AppError {
  constructor(method: string, url: string) {
    super('BFF_ROUTE_NOT_FOUND', `Route ${method} ${url.split('?')[0]} not found`);
  }
}
export class AlreadySignedError extends AppError {
  constructor() {
    super('BFF_ALREADY_SIGNED', 'This plan is already signed; terminate it before signing again');
  }
}
export class ContractNotTerminableError extends AppError {
  constructor(state: string) {
    super('BFF_CONTRACT_NOT_TERMINABLE', `Only a SIGNED contract can be terminated (this one is ${state})`);
  }
}
export class RateLimitedError extends AppError {
  constructor() {
    super('BFF_RATE_LIMITED', 'Too many requests; slow down');
  }
}
export class ValidationError extends AppError {
  constructor(message: string) {
    super('BFF_VALIDATION_FAILED', message);
  }
}
/** WeChat answered with a definite "no" (4xx that retrying cannot fix). `apiCode` is WeChat's own code. */
export class UpstreamRejectedError extends AppError {
  readonly apiCode: string;
  constructor(service: string, apiCode: string, options?: { cause?: unknown }) {
    super('BFF_UPSTREAM_REJECTED', `${service} rejected the request: ${apiCode}`, options);
    this.apiCode = apiCode;
  }
}
export class UpstreamUnavailableError extends AppError {
  constructor(service: string, options?: { cause?: unknown }) {
    super('BFF_UPSTREAM_UNAVAILABLE', `${service} is unavailable; try again shortly`, options);
  }
}
export class UpstreamTimeoutError extends AppError {
  constructor(service: string, options?: { cause?: unknown }) {
    super('BFF_UPSTREAM_TIMEOUT', `${service} did not answer in time; try again shortly`, options);
  }
}
export class DatabaseUnavailableError extends AppError {
  constructor(options?: { cause?: unknown }) {
    super('BFF_DATABASE_UNAVAILABLE', 'The database is unavailable', options);
  }
}
/** Our own failure (e.g. a request we built wrong): 500 without internals. */
export class InternalError extends AppError {
  constructor(options?: { cause?: unknown }) {
    super('BFF_INTERNAL', 'Internal error', options);
  }
}
export class NotReadyError extends AppError {
  constructor(what: string) {
    super('BFF_NOT_READY', `Not ready: ${what}`);
  }
}

/** Start-up configuration problems. The message names the variable, never its value. */
export class BffConfigError extends Error {
  readonly code = 'BFF_CONFIG_INVALID';
  readonly variable: string;
  constructor(variable: string, problem: string, options?: { cause?: unknown }) {
    super(`${variable}: ${problem}`, options);
    this.name = 'BffConfigError';
    this.variable = variable;
  }
}

/**
 * A verified notification whose payload names another merchant or app. Not an AppError: it only ever answers
 * WeChat (notification routes), as 400 {code:'FAIL'}.
 */
export class NotificationForeignError extends Error {
  readonly code = 'BFF_NOTIFICATION_FOREIGN';
  constructor() {
    super('notification is not for this merchant');
    this.name = 'NotificationForeignError';
  }
}
