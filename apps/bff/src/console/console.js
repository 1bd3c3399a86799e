// @ts-check
// Qianyue operations console: vanilla JS, no framework, no external resources, served as written (CSP
// script-src 'self', no build step). Type-checked by `tsconfig.json` beside it against the API's own schemas
// (schemas.ts), so a changed reply shape fails the BFF's typecheck instead of the page. Data is only ever put
// into the page with textContent / DOM nodes (never innerHTML), so nothing from the API can become markup.

/**
 * @typedef {import('./schemas.ts').SessionReply} SessionReply
 * @typedef {import('./schemas.ts').ConsolePlansReply} ConsolePlansReply
 * @typedef {import('./schemas.ts').ConsoleContractsReply} ConsoleContractsReply
 * @typedef {import('./schemas.ts').ConsoleContract} ConsoleContract
 * @typedef {import('./schemas.ts').ReconcileReply} ReconcileReply
 * @typedef {import('./schemas.ts').InboxReply} InboxReply
 * @typedef {import('./schemas.ts').InboxItem} InboxItem
 * @typedef {import('./schemas.ts').DailyReply} DailyReply
 * @typedef {import('@qianyue/api').ErrorBody} ErrorBody
 */

import { createChargesView } from './charges.js';

(() => {
  const KEY = 'qianyue-admin-token';
  const STAFF_KEY = 'qianyue-staff';
  let token = sessionStorage.getItem(KEY) || '';

  /**
   * The element with this id, checked to be of the expected kind (a changed page fails loudly at start).
   * @template {HTMLElement} T
   * @param {string} id
   * @param {{ new (): T }} kind
   * @returns {T}
   */
  function byId(id, kind) {
    const node = document.getElementById(id);
    if (!(node instanceof kind)) throw new Error(`console page: #${id} is missing or not a ${kind.name}`);
    return node;
  }
  const ui = {
    login: byId('login', HTMLElement),
    loginForm: byId('login-form', HTMLFormElement),
    loginError: byId('login-error', HTMLElement),
    token: byId('token', HTMLInputElement),
    app: byId('app', HTMLElement),
    logout: byId('logout', HTMLButtonElement),
    mode: byId('mode', HTMLElement),
    filters: byId('filters', HTMLFormElement),
    filterState: byId('filter-state', HTMLSelectElement),
    filterPlan: byId('filter-plan', HTMLSelectElement),
    filterFrom: byId('filter-from', HTMLInputElement),
    filterTo: byId('filter-to', HTMLInputElement),
    toast: byId('toast', HTMLElement),
    contractsTotal: byId('contracts-total', HTMLElement),
    contracts: byId('contracts', HTMLElement),
    inboxStatus: byId('inbox-status', HTMLSelectElement),
    inbox: byId('inbox', HTMLElement),
    chart: byId('chart', HTMLElement),
    staff: byId('staff', HTMLInputElement),
  };
  ui.staff.value = sessionStorage.getItem(STAFF_KEY) || '';
  ui.staff.addEventListener('change', () => sessionStorage.setItem(STAFF_KEY, ui.staff.value.trim()));

  class ApiError extends Error {
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

  /**
   * One call to /admin/api. The reply's type is the caller's promise (`@returns` on the typed wrappers below).
   * A body is sent as JSON; every call names the staff member (X-Staff), which staff actions record.
   * @param {'GET' | 'POST'} method
   * @param {string} path
   * @param {unknown} [json]
   * @returns {Promise<unknown>}
   */
  async function call(method, path, json) {
    /** @type {Record<string, string>} */
    const headers = { authorization: `Bearer ${token}` };
    const staff = ui.staff.value.trim();
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

  // The API's routes, each with its reply type from schemas.ts.
  const api = {
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

  /** @typedef {Node | string | number | null | undefined} Child */

  /**
   * @template {keyof HTMLElementTagNameMap} K
   * @param {K} tag
   * @param {Record<string, unknown>} props `class`, `data-*` attributes, or element properties
   * @param {...Child} children text (never markup) or nodes
   * @returns {HTMLElementTagNameMap[K]}
   */
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (k === 'class') node.className = String(v);
      else if (k.startsWith('data-')) node.setAttribute(k, String(v));
      else Object.assign(node, { [k]: v });
    }
    for (const c of children)
      node.append(c instanceof Node ? c : document.createTextNode(c == null ? '' : String(c)));
    return node;
  }
  /** @param {string | null} s */
  const when = (s) => (s ? s.replace('T', ' ').slice(0, 19) : '');
  /** @param {string | null} s */
  const short = (s) => (s && s.length > 14 ? `${s.slice(0, 8)}…${s.slice(-4)}` : s || '');
  /** @param {unknown} err */
  const describe = (err) =>
    err instanceof ApiError
      ? `${err.message}${err.code ? ` (${err.code})` : ''}`
      : err instanceof Error
        ? err.message
        : String(err);

  /** @param {string} message */
  function showLogin(message) {
    ui.login.hidden = false;
    ui.app.hidden = true;
    ui.logout.hidden = true;
    ui.loginError.textContent = message;
  }

  async function login() {
    try {
      const s = await api.session();
      sessionStorage.setItem(KEY, token);
      ui.login.hidden = true;
      ui.app.hidden = false;
      ui.logout.hidden = false;
      ui.mode.textContent = `${s.mode} mode`;
      const { plans } = await api.plans();
      ui.filterPlan.replaceChildren(el('option', { value: '' }, 'any'));
      for (const p of plans)
        ui.filterPlan.append(el('option', { value: p.planKey }, `${p.name} (${p.planKey})`));
      charges.setup(plans, s.mode);
      await refresh();
    } catch (err) {
      sessionStorage.removeItem(KEY);
      showLogin(err instanceof ApiError && err.status === 401 ? describe(err) : 'Cannot reach the BFF');
    }
  }

  const refresh = () => Promise.all([loadContracts(), loadInbox(), loadChart(), charges.load()]);

  function filterQuery() {
    const q = new URLSearchParams();
    /** @type {Array<[string, HTMLInputElement | HTMLSelectElement]>} */
    const fields = [
      ['state', ui.filterState],
      ['plan', ui.filterPlan],
      ['from', ui.filterFrom],
      ['to', ui.filterTo],
    ];
    for (const [param, field] of fields) if (field.value) q.set(param, field.value);
    return q.toString();
  }

  /** @param {ConsoleContract} c */
  const contractRow = (c) =>
    el(
      'tr',
      { 'data-id': c.id, 'data-state': c.state, 'data-plan': c.planKey },
      el('td', { class: 'mono' }, when(c.createdAt)),
      el('td', {}, c.planKey, el('div', { class: 'muted' }, c.family)),
      el('td', {}, el('span', { class: `badge s-${c.state}` }, c.state)),
      el('td', { class: 'mono' }, c.openid),
      el('td', {}, c.displayAccount),
      el('td', { class: 'mono', title: c.id }, short(c.id)),
      el('td', { class: 'mono', title: c.wechatContractId || '' }, short(c.wechatContractId)),
      el(
        'td',
        { class: 'mono' },
        when(c.signedAt),
        c.terminatedAt ? el('div', {}, when(c.terminatedAt)) : '',
      ),
      el(
        'td',
        {},
        el('button', { class: 'reconcile', type: 'button', onclick: () => reconcile(c.id) }, 'Reconcile now'),
      ),
    );

  async function loadContracts() {
    const { contracts, total } = await api.contracts(filterQuery());
    ui.contractsTotal.textContent = `(${contracts.length} of ${total})`;
    const rows = contracts.map(contractRow);
    if (rows.length === 0)
      rows.push(el('tr', {}, el('td', { colSpan: 9, class: 'muted' }, 'No contracts match.')));
    ui.contracts.replaceChildren(...rows);
  }

  /** @param {string} id */
  async function reconcile(id) {
    ui.toast.className = '';
    ui.toast.textContent = `Asking WeChat Pay about ${short(id)}…`;
    try {
      const r = await api.reconcile(id);
      ui.toast.textContent = r.changed
        ? `Reconciled ${short(id)}: ${r.before} → ${r.contract.state}`
        : `Reconciled ${short(id)}: still ${r.contract.state} (WeChat Pay agrees)`;
      await refresh();
    } catch (err) {
      ui.toast.className = 'error';
      ui.toast.textContent = `Reconcile failed: ${describe(err)}`;
      if (err instanceof ApiError && err.status === 401) showLogin(err.message);
    }
  }

  /** @param {InboxItem} n */
  const inboxRow = (n) =>
    el(
      'tr',
      { 'data-status': n.status, 'data-outcome': n.outcome },
      el('td', { class: 'mono' }, when(n.receivedAt)),
      el('td', {}, el('span', { class: `badge st-${n.status}` }, n.status)),
      el('td', {}, n.family),
      el('td', { class: 'mono' }, n.eventType || ''),
      el('td', { class: 'reason' }, n.reason),
      el('td', { class: 'mono', title: n.contractId || '' }, short(n.contractId)),
      el('td', { class: 'mono' }, n.serial || ''),
    );

  async function loadInbox() {
    const { notifications } = await api.inbox(ui.inboxStatus.value);
    const rows = notifications.map(inboxRow);
    if (rows.length === 0)
      rows.push(el('tr', {}, el('td', { colSpan: 7, class: 'muted' }, 'No notifications yet.')));
    ui.inbox.replaceChildren(...rows);
  }

  const SVG = 'http://www.w3.org/2000/svg';
  /**
   * @param {string} tag
   * @param {Record<string, string | number>} attrs
   * @param {string} [text]
   */
  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  async function loadChart() {
    const { days } = await api.daily(30);
    const W = 960;
    const H = 220;
    const pad = { l: 36, r: 8, t: 10, b: 28 };
    const max = Math.max(1, ...days.map((d) => Math.max(d.signed, d.terminated)));
    const slot = (W - pad.l - pad.r) / days.length;
    const bar = Math.max(2, slot / 2 - 2);
    /** @param {number} v */
    const y = (v) => pad.t + (H - pad.t - pad.b) * (1 - v / max);
    const root = svg('svg', {
      viewBox: `0 0 ${W} ${H}`,
      width: '100%',
      role: 'img',
      'aria-label': 'signings and terminations per day',
    });
    for (const v of [0, Math.ceil(max / 2), max]) {
      root.append(svg('line', { x1: pad.l, x2: W - pad.r, y1: y(v), y2: y(v), stroke: '#e3e5ea' }));
      root.append(
        svg(
          'text',
          { x: pad.l - 6, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#667' },
          String(v),
        ),
      );
    }
    days.forEach((d, i) => {
      const x = pad.l + i * slot + 1;
      const bars = [
        { kind: 'signed', value: d.signed, color: '#07a35a', dx: 0 },
        { kind: 'terminated', value: d.terminated, color: '#d9363e', dx: bar + 1 },
      ];
      for (const { kind, value, color, dx } of bars) {
        if (value === 0) continue;
        const r = svg('rect', {
          x: x + dx,
          y: y(value),
          width: bar,
          height: y(0) - y(value),
          fill: color,
          'data-date': d.date,
          'data-kind': kind,
          'data-value': value,
        });
        r.append(svg('title', {}, `${d.date}: ${value} ${kind}`));
        root.append(r);
      }
      if (i % 5 === 0 || i === days.length - 1) {
        root.append(
          svg(
            'text',
            { x: x + bar, y: H - 8, 'text-anchor': 'middle', 'font-size': 11, fill: '#667' },
            d.date.slice(5),
          ),
        );
      }
    });
    ui.chart.replaceChildren(root);
    charges.renderCollected(days);
  }

  const charges = createChargesView({
    call,
    el,
    svg,
    when,
    short,
    describe,
    byId,
    afterAction: () => refresh().catch(() => undefined),
  });

  ui.loginForm.addEventListener('submit', (e) => {
    e.preventDefault();
    token = ui.token.value.trim();
    login();
  });
  ui.filters.addEventListener('submit', (e) => {
    e.preventDefault();
    loadContracts().catch((err) => {
      ui.toast.className = 'error';
      ui.toast.textContent = describe(err);
    });
  });
  ui.inboxStatus.addEventListener('change', () => loadInbox());
  ui.logout.addEventListener('click', () => {
    token = '';
    sessionStorage.removeItem(KEY);
    showLogin('Logged out.');
  });

  if (token) login();
  else showLogin('');
})();
