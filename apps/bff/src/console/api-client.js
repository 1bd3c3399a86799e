// @ts-check
// The console's calls to /admin/api, each typed with its reply from schemas.ts.

/**
 * @typedef {import('./schemas.ts').SessionReply} SessionReply
 * @typedef {import('./schemas.ts').ConsolePlansReply} ConsolePlansReply
 * @typedef {import('./schemas.ts').ConsoleContractsReply} ConsoleContractsReply
 * @typedef {import('./schemas.ts').ReconcileReply} ReconcileReply
 * @typedef {import('./schemas.ts').InboxReply} InboxReply
 * @typedef {import('./schemas.ts').DailyReply} DailyReply
 * @typedef {import('@qianyue/api').ErrorBody} ErrorBody
 */

export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {Partial<ErrorBody> | undefined} body
   */
  constructor(status, body) {
    super(body?.message || `HTTP ${status}`);
    this.status = status;
    this.code = body?.code;
  }
}

/** @param {unknown} err */
export const describe = (err) =>
  err instanceof ApiError
    ? `${err.message}${err.code ? ` (${err.code})` : ''}`
    : err instanceof Error
      ? err.message
      : String(err);

/**
 * @param {{ token: () => string, staff: () => string }} who the current credential and staff label
 */
export function createApi(who) {
  /**
   * One call to /admin/api. The reply's type is the caller's promise (the typed wrappers below).
   * A body is sent as JSON; every call names the staff member (X-Staff), which staff actions record.
   * @param {'GET' | 'POST'} method
   * @param {string} path
   * @param {unknown} [json]
   * @returns {Promise<unknown>}
   */
  async function call(method, path, json) {
    /** @type {Record<string, string>} */
    const headers = { authorization: `Bearer ${who.token()}` };
    const staff = who.staff();
    if (staff) headers['x-staff'] = staff;
    if (json !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`/admin/api${path}`, {
      method,
      headers,
      ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
    });
    /** @type {unknown} */
    let body;
    try {
      body = await res.json();
    } catch {
      body = undefined;
    }
    if (!res.ok) throw new ApiError(res.status, /** @type {Partial<ErrorBody> | undefined} */ (body));
    return body;
  }

  return {
    call,
    session: async () => /** @type {SessionReply} */ (await call('GET', '/session')),
    plans: async () => /** @type {ConsolePlansReply} */ (await call('GET', '/plans')),
    /** @param {string} query */
    contracts: async (query) =>
      /** @type {ConsoleContractsReply} */ (await call('GET', `/contracts${query ? `?${query}` : ''}`)),
    /** @param {string} id */
    reconcile: async (id) =>
      /** @type {ReconcileReply} */ (await call('POST', `/contracts/${encodeURIComponent(id)}/reconcile`)),
    /** @param {string} status */
    inbox: async (status) =>
      /** @type {InboxReply} */ (
        await call('GET', `/notifications${status ? `?status=${encodeURIComponent(status)}` : ''}`)
      ),
    /** @param {number} days */
    daily: async (days) => /** @type {DailyReply} */ (await call('GET', `/stats/daily?days=${days}`)),
  };
}
