// @ts-check
// Qianyue operations console: vanilla JS, no framework, no external resources, served as written (CSP
// script-src 'self', no build step), as ES modules: dom.js (page helpers), api-client.js (typed calls),
// chart.js (daily chart), charges.js (charges ledger), and this entry (login, contracts, inbox, wiring).
// Type-checked by `tsconfig.json` beside it against the API's own schemas (schemas.ts), so a changed reply
// shape fails the BFF's typecheck instead of the page.

/**
 * @typedef {import('./schemas.ts').ConsoleContract} ConsoleContract
 * @typedef {import('./schemas.ts').InboxItem} InboxItem
 */

import { ApiError, createApi, describe } from './api-client.js';
import { createChargesView } from './charges.js';
import { dailyChart } from './chart.js';
import { byId, el, short, when } from './dom.js';

(() => {
  const KEY = 'qianyue-admin-token';
  const STAFF_KEY = 'qianyue-staff';
  let token = sessionStorage.getItem(KEY) || '';

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

  const api = createApi({ token: () => token, staff: () => ui.staff.value.trim() });

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
      // A staff member's own token names them: the server records that name, so the label is shown, not asked.
      ui.staff.disabled = s.staff !== undefined;
      if (s.staff !== undefined) ui.staff.value = s.staff;
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

  async function loadChart() {
    const { days } = await api.daily(30);
    ui.chart.replaceChildren(dailyChart(days));
    charges.renderCollected(days);
  }

  const charges = createChargesView({
    call: api.call,
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
