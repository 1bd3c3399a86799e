/**
 * The sandbox's error catalogue. Two kinds:
 * - `WechatAnswerError`: what WeChat Pay itself would answer (its status + `code`/`message`/`detail` body),
 *   thrown by APIv3 route handlers and written on the wire by the one error handler in app.ts.
 * - `SandboxError` subclasses with `SANDBOX_*` codes for configuration and the control API.
 * No message carries a key, a body or a header value.
 */
export class SandboxError extends Error {
  readonly code: string;
  readonly statusCode: number;
  constructor(code: string, message: string, statusCode = 500) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.statusCode = statusCode;
  }
}

export class ConfigError extends SandboxError {
  constructor(message: string) {
    super('SANDBOX_CONFIG_INVALID', message, 500);
  }
}

export interface WechatErrorDetail {
  field?: string;
  value?: unknown;
  issue?: string;
  location?: string;
  [k: string]: unknown;
}

/** An APIv3 error answer as WeChat Pay writes it (spec §5.2). */
export class WechatAnswerError extends SandboxError {
  readonly wechatCode: string;
  readonly detail: WechatErrorDetail | undefined;
  constructor(status: number, wechatCode: string, message: string, detail?: WechatErrorDetail) {
    super('SANDBOX_WECHAT_ANSWER', message, status);
    this.wechatCode = wechatCode;
    this.detail = detail;
  }
  body(): { code: string; message: string; detail?: WechatErrorDetail } {
    return this.detail
      ? { code: this.wechatCode, message: this.message, detail: this.detail }
      : { code: this.wechatCode, message: this.message };
  }
}

export const paramError = (message: string, detail?: WechatErrorDetail) =>
  new WechatAnswerError(400, 'PARAM_ERROR', message, detail);
export const invalidRequest = (message: string, detail?: WechatErrorDetail) =>
  new WechatAnswerError(400, 'INVALID_REQUEST', message, detail);
export const noAuth = (message: string) => new WechatAnswerError(403, 'NO_AUTH', message);
export const notFound = (message: string) => new WechatAnswerError(404, 'RESOURCE_NOT_EXISTS', message);

/** Control API (/__sandbox/*) failures. */
export class ControlError extends SandboxError {}

export const sessionNotFound = () =>
  new ControlError('SANDBOX_SESSION_NOT_FOUND', 'no signing session with this token', 404);
export const sessionExpired = () =>
  new ControlError('SANDBOX_SESSION_EXPIRED', 'the signing session has expired', 410);
export const sessionClosed = () =>
  new ControlError('SANDBOX_SESSION_CLOSED', 'the signing session was already confirmed or cancelled', 409);
export const contractExists = () =>
  new ControlError(
    'SANDBOX_CONTRACT_EXISTS',
    'the user already holds a valid contract on this plan, or the out_contract_code was used',
    409,
  );
export const contractNotFound = () =>
  new ControlError('SANDBOX_CONTRACT_NOT_FOUND', 'no contract with this id', 404);
export const contractTerminated = () =>
  new ControlError('SANDBOX_CONTRACT_TERMINATED', 'the contract is already terminated', 409);
export const badControlRequest = (message: string) => new ControlError('SANDBOX_BAD_REQUEST', message, 400);
export const controlConflict = (message: string) => new ControlError('SANDBOX_CONFLICT', message, 409);
export const controlNotFound = (message: string) => new ControlError('SANDBOX_NOT_FOUND', message, 404);

/** A control/page query string as single values: a parameter given twice is a 400, never a 500. */
export function singleQuery(query: unknown): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    if (Array.isArray(v))
      throw badControlRequest(`query parameter ${k.slice(0, 32)} is given more than once`);
    if (typeof v === 'string') out[k] = v;
  }
  return out;
}
