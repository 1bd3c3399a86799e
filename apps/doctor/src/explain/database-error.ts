/** Why a database could not be reached, from the error's code (errno or SQLSTATE). */
const WHY: Record<string, (timeoutMs: number) => string> = {
  ECONNREFUSED: () => 'connection refused',
  ENOTFOUND: () => 'host not found',
  ETIMEDOUT: (ms) => `no answer within ${ms} ms`,
  '28P01': () => 'password authentication failed',
  '3D000': () => 'database does not exist',
};

export function explainDatabaseError(err: unknown, timeoutMs: number): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string') return 'cannot connect';
  return WHY[code]?.(timeoutMs) ?? `error ${code}`;
}
