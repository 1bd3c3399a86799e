import { ERROR_CODES } from '@qianyue/api';
import { describe, expect, it } from 'vitest';
import { ApiError, CLIENT_ERROR_CODES, isSessionError, isTransient } from '../../src/services/errors.ts';
import { ERROR_MESSAGES, messageFor, UNKNOWN_ERROR_MESSAGE } from '../../src/services/messages.ts';

// The console's codes answer only /admin/api/*, which the mini-program never calls.
const MINIPROGRAM_CODES = Object.keys(ERROR_CODES).filter((c) => !c.startsWith('CONSOLE_'));

describe('error messages chosen by code', () => {
  it('has a Chinese message for every BFF code in the contract and every client code', () => {
    for (const code of [...MINIPROGRAM_CODES, ...CLIENT_ERROR_CODES]) {
      const m = messageFor(code);
      expect(m, code).not.toBe(UNKNOWN_ERROR_MESSAGE);
      expect(m, code).toMatch(/[\u4e00-\u9fff]/);
    }
    // and nothing else (no stale entries)
    expect(Object.keys(ERROR_MESSAGES).sort()).toEqual([...MINIPROGRAM_CODES, ...CLIENT_ERROR_CODES].sort());
  });

  it('falls back to a generic message for a code this version does not know', () => {
    expect(messageFor('BFF_SOMETHING_NEW')).toBe(UNKNOWN_ERROR_MESSAGE);
  });

  it('tells network losses, timeouts and 5xx apart from errors a retry cannot fix', () => {
    expect(isTransient(new ApiError('MP_NETWORK_FAILED'))).toBe(true);
    expect(isTransient(new ApiError('MP_NETWORK_TIMEOUT'))).toBe(true);
    expect(isTransient(new ApiError('BFF_RATE_LIMITED', { status: 429 }))).toBe(true);
    expect(isTransient(new ApiError('BFF_UPSTREAM_TIMEOUT', { status: 504 }))).toBe(true);
    expect(isTransient(new ApiError('BFF_ALREADY_SIGNED', { status: 409 }))).toBe(false);
    expect(isSessionError(new ApiError('BFF_SESSION_EXPIRED', { status: 401 }))).toBe(true);
    expect(isSessionError(new ApiError('BFF_LOGIN_CODE_INVALID', { status: 401 }))).toBe(false);
  });
});
