/** Paths logged or redacted: every place a secret could sit in a log object. */
export const REDACT_PATHS = [
  'authorization',
  'token',
  'sessionKey',
  'session_key',
  'secret',
  'appSecret',
  'privateKey',
  'apiV3Key',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["set-cookie"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  '*.authorization',
  '*.Authorization',
  '*.token',
  '*.sessionKey',
  '*.session_key',
  '*.secret',
  '*.appSecret',
  '*.privateKey',
  '*.apiV3Key',
  '*.password',
];

export function loggerOptions(level: string) {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
}
