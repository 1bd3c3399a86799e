// @ts-check
// The console's charges ledger (edu-papay recurring debits): the periods with their attempts and WeChat call
// outcomes, the staff actions (retry a FAILED period, cancel an open one — each confirmed first), the log of
// staff actions, money collected per day, and in sandbox mode "run the billing cycle as of a date".
// Imported by console.js, which owns the login and the API client (it passes in `call`); the page helpers
// come from dom.js and api-client.js like everywhere else.

import { describe } from './api-client.js';
import { byId, el, short, svg, when } from './dom.js';

/**
 * @typedef {import('./schemas.ts').ChargesReply} ChargesReply
 * @typedef {import('./schemas.ts').ConsoleCharge} ConsoleCharge
 * @typedef {import('./schemas.ts').StaffActionReply} StaffActionReply
 * @typedef {import('./schemas.ts').StaffActionsReply} StaffActionsReply
 * @typedef {import('./schemas.ts').StaffAction} StaffAction
 * @typedef {import('./schemas.ts').RunAsOfReply} RunAsOfReply
 * @typedef {import('./schemas.ts').DailyCount} DailyCount
 * @typedef {{
 *   call: (method: 'GET' | 'POST', path: string, body?: unknown) => Promise<unknown>,
 *   afterAction: () => Promise<unknown>,
 * }} ChargesDeps
 */

/** Fen → "¥99.00" (the API sends amountText for charges; the chart formats its own sums). @param {number} fen */
export const yuan = (fen) =>
  `¥${Math.floor(fen / 100).toLocaleString('en-US')}.${String(fen % 100).padStart(2, '0')}`;

/** @param {ChargesDeps} d */
export function createChargesView(d) {
  const ui = {
    state: byId('charge-state', HTMLSelectElement),
    plan: byId('charge-plan', HTMLSelectElement),
    period: byId('charge-period', HTMLInputElement),
    filters: byId('charge-filters', HTMLFormElement),
    total: byId('charges-total', HTMLElement),
    rows: byId('charges', HTMLElement),
    toast: byId('charges-toast', HTMLElement),
    actions: byId('staff-actions', HTMLElement),
    asOf: byId('run-as-of', HTMLFormElement),
    asOfDay: byId('run-as-of-day', HTMLInputElement),
    collected: byId('chart-collected', HTMLElement),
  };

  /** @param {string} text @param {boolean} [error] */
  function toast(text, error = false) {
    ui.toast.className = error ? 'error' : '';
    ui.toast.textContent = text;
  }

  function query() {
    const q = new URLSearchParams();
    if (ui.state.value) q.set('state', ui.state.value);
    if (ui.plan.value) q.set('plan', ui.plan.value);
    if (ui.period.value) q.set('period', ui.period.value);
    const s = q.toString();
    return s ? `?${s}` : '';
  }

  /**
   * @param {ConsoleCharge} c
   * @param {'retry' | 'cancel'} action
   */
  async function act(c, action) {
    const what =
      action === 'retry'
        ? `Retry the FAILED period ${c.period} (${c.amountText}) now? WeChat Pay gets a new pre-debit notice first, then one more debit.`
        : `Cancel the period ${c.period} (${c.amountText})? It will never be debited.`;
    if (!window.confirm(what)) return;
    try {
      const r = /** @type {StaffActionReply} */ (
        await d.call('POST', `/charges/${encodeURIComponent(c.id)}/${action}`, { confirm: true })
      );
      toast(
        r.changed
          ? `${action === 'retry' ? 'Retried' : 'Cancelled'} ${c.period}: now ${r.charge.state}`
          : `${c.period} was already ${r.charge.state}`,
      );
    } catch (err) {
      toast(`${action} refused: ${describe(err)}`, true);
    }
    await d.afterAction();
  }

  /** @param {ConsoleCharge} c */
  const row = (c) =>
    el(
      'tr',
      { 'data-id': c.id, 'data-state': c.state, 'data-period': c.period },
      el('td', {}, c.period, el('div', { class: 'muted mono' }, c.dueDate)),
      el('td', {}, c.planKey),
      el('td', { class: 'mono', title: c.contractId }, short(c.contractId)),
      el('td', { class: 'amount' }, c.amountText),
      el(
        'td',
        {},
        el('span', { class: `badge c-${c.state}` }, c.state),
        c.failureReason ? el('div', { class: 'muted' }, c.failureReason) : '',
        c.paidAt ? el('div', { class: 'muted mono' }, when(c.paidAt)) : '',
      ),
      el(
        'td',
        { class: 'mono' },
        ...c.attempts.map((a) =>
          el(
            'div',
            { 'data-status': a.status, title: a.outTradeNo },
            `#${a.attemptNo} ${short(a.outTradeNo)} ${a.status}${a.reason ? ` · ${a.reason}` : ''}`,
          ),
        ),
      ),
      el(
        'td',
        { class: 'mono events' },
        ...c.events.map((e) =>
          el(
            'div',
            { title: e.detail || '' },
            `${when(e.at)} ${e.call}: ${e.outcome}${e.code ? ` (${e.code})` : ''}`,
          ),
        ),
      ),
      el(
        'td',
        {},
        c.canRetry
          ? el('button', { class: 'retry', type: 'button', onclick: () => act(c, 'retry') }, 'Retry now')
          : '',
        c.canCancel
          ? el('button', { class: 'cancel', type: 'button', onclick: () => act(c, 'cancel') }, 'Cancel')
          : '',
      ),
    );

  async function loadCharges() {
    const r = /** @type {ChargesReply} */ (await d.call('GET', `/charges${query()}`));
    ui.total.textContent = `(${r.charges.length} of ${r.total}; ${r.collectedText} collected)`;
    const rows = r.charges.map(row);
    if (rows.length === 0)
      rows.push(el('tr', {}, el('td', { colSpan: 8, class: 'muted' }, 'No charges match.')));
    ui.rows.replaceChildren(...rows);
  }

  /** @param {StaffAction} a */
  const actionRow = (a) =>
    el(
      'tr',
      { 'data-action': a.action, 'data-outcome': a.outcome },
      el('td', { class: 'mono' }, when(a.at)),
      el('td', {}, a.staff),
      el('td', {}, a.action),
      el('td', {}, el('span', { class: `badge o-${a.outcome}` }, a.outcome)),
      el('td', { class: 'mono', title: a.chargeId || '' }, short(a.chargeId)),
      el('td', {}, a.detail || ''),
      el('td', { class: 'mono' }, `${a.source} · ${a.requestId}`),
    );

  async function loadActions() {
    const r = /** @type {StaffActionsReply} */ (await d.call('GET', '/staff-actions?limit=50'));
    const rows = r.actions.map(actionRow);
    if (rows.length === 0)
      rows.push(el('tr', {}, el('td', { colSpan: 7, class: 'muted' }, 'No staff actions yet.')));
    ui.actions.replaceChildren(...rows);
  }

  /** Money collected per day, under the signings chart (its own scale: fen, not counts). @param {DailyCount[]} days */
  function renderCollected(days) {
    const W = 960;
    const H = 90;
    const pad = { l: 36, r: 8, t: 16, b: 6 };
    const max = Math.max(1, ...days.map((x) => x.collected));
    const slot = (W - pad.l - pad.r) / days.length;
    const root = svg('svg', {
      viewBox: `0 0 ${W} ${H}`,
      width: '100%',
      role: 'img',
      'aria-label': 'money collected per day',
    });
    const total = days.reduce((n, x) => n + x.collected, 0);
    root.append(svg('text', { x: pad.l, y: 11, 'font-size': 11, fill: '#667' }, `collected: ${yuan(total)}`));
    days.forEach((x, i) => {
      if (x.collected === 0) return;
      const h = (H - pad.t - pad.b) * (x.collected / max);
      const r = svg('rect', {
        x: pad.l + i * slot + 1,
        y: H - pad.b - h,
        width: Math.max(2, slot - 2),
        height: h,
        fill: '#3b6fd8',
        'data-date': x.date,
        'data-kind': 'collected',
        'data-value': x.collected,
      });
      r.append(svg('title', {}, `${x.date}: ${yuan(x.collected)} collected`));
      root.append(r);
    });
    ui.collected.replaceChildren(root);
  }

  ui.filters.addEventListener('submit', (e) => {
    e.preventDefault();
    loadCharges().catch((err) => toast(describe(err), true));
  });
  ui.asOf.addEventListener('submit', async (e) => {
    e.preventDefault();
    const day = ui.asOfDay.value;
    if (
      !day ||
      !window.confirm(`Run the billing cycle as of ${day}? The sandbox's clock moves forward to it.`)
    )
      return;
    toast(`Running the billing cycle as of ${day}…`);
    try {
      const r = /** @type {RunAsOfReply} */ (
        await d.call('POST', '/billing/run-as-of', { day, confirm: true })
      );
      toast(
        `Ran the billing cycle ${r.from} → ${r.to}: ${r.ranAt.length} stops, ${r.stepped} periods stepped`,
      );
    } catch (err) {
      toast(`Run refused: ${describe(err)}`, true);
    }
    await d.afterAction();
  });

  return {
    /** @param {Array<{ planKey: string, name: string }>} plans @param {'sandbox' | 'production'} mode */
    setup(plans, mode) {
      ui.plan.replaceChildren(el('option', { value: '' }, 'any'));
      for (const p of plans) ui.plan.append(el('option', { value: p.planKey }, `${p.name} (${p.planKey})`));
      ui.asOf.hidden = mode !== 'sandbox';
    },
    load: () => Promise.all([loadCharges(), loadActions()]),
    renderCollected,
  };
}
