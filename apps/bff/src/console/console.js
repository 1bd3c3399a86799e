// Qianyue operations console: vanilla JS, no framework, no external resources. Data is only ever put into
// the page with textContent / DOM nodes (never innerHTML), so nothing from the API can become markup.
(() => {
  const KEY = 'qianyue-admin-token';
  const $ = (id) => document.getElementById(id);
  let token = sessionStorage.getItem(KEY) || '';

  class ApiError extends Error {
    constructor(status, body) {
      super(body?.message || `HTTP ${status}`);
      this.status = status;
      this.code = body?.code;
    }
  }

  async function api(method, path) {
    const res = await fetch(`/admin/api${path}`, { method, headers: { authorization: `Bearer ${token}` } });
    let body;
    try {
      body = await res.json();
    } catch {
      body = undefined;
    }
    if (!res.ok) throw new ApiError(res.status, body);
    return body;
  }

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === 'class') node.className = v;
      else if (k.startsWith('data-')) node.setAttribute(k, v);
      else node[k] = v;
    }
    for (const c of children)
      node.append(c instanceof Node ? c : document.createTextNode(c == null ? '' : String(c)));
    return node;
  }
  const when = (s) => (s ? s.replace('T', ' ').slice(0, 19) : '');
  const short = (s) => (s && s.length > 14 ? `${s.slice(0, 8)}…${s.slice(-4)}` : s || '');

  function showLogin(message) {
    $('login').hidden = false;
    $('app').hidden = true;
    $('logout').hidden = true;
    $('login-error').textContent = message || '';
  }

  async function login() {
    try {
      const s = await api('GET', '/session');
      sessionStorage.setItem(KEY, token);
      $('login').hidden = true;
      $('app').hidden = false;
      $('logout').hidden = false;
      $('mode').textContent = `${s.mode} mode`;
      const { plans } = await api('GET', '/plans');
      const select = $('filter-plan');
      select.replaceChildren(el('option', { value: '' }, 'any'));
      for (const p of plans) select.append(el('option', { value: p.planKey }, `${p.name} (${p.planKey})`));
      await Promise.all([loadContracts(), loadInbox(), loadChart()]);
    } catch (err) {
      sessionStorage.removeItem(KEY);
      showLogin(
        err instanceof ApiError && err.status === 401
          ? `${err.message} (${err.code})`
          : 'Cannot reach the BFF',
      );
    }
  }

  function filterQuery() {
    const q = new URLSearchParams();
    for (const [param, id] of [
      ['state', 'filter-state'],
      ['plan', 'filter-plan'],
      ['from', 'filter-from'],
      ['to', 'filter-to'],
    ]) {
      if ($(id).value) q.set(param, $(id).value);
    }
    return q.toString();
  }

  async function loadContracts() {
    const { contracts, total } = await api('GET', `/contracts?${filterQuery()}`);
    $('contracts-total').textContent = `(${contracts.length} of ${total})`;
    const rows = contracts.map((c) =>
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
          el(
            'button',
            { class: 'reconcile', type: 'button', onclick: () => reconcile(c.id) },
            'Reconcile now',
          ),
        ),
      ),
    );
    if (rows.length === 0)
      rows.push(el('tr', {}, el('td', { colSpan: 9, class: 'muted' }, 'No contracts match.')));
    $('contracts').replaceChildren(...rows);
  }

  async function reconcile(id) {
    const toast = $('toast');
    toast.className = '';
    toast.textContent = `Asking WeChat Pay about ${short(id)}…`;
    try {
      const r = await api('POST', `/contracts/${encodeURIComponent(id)}/reconcile`);
      toast.textContent = r.changed
        ? `Reconciled ${short(id)}: ${r.before} → ${r.contract.state}`
        : `Reconciled ${short(id)}: still ${r.contract.state} (WeChat Pay agrees)`;
      await Promise.all([loadContracts(), loadInbox(), loadChart()]);
    } catch (err) {
      toast.className = 'error';
      toast.textContent = `Reconcile failed: ${err.message}${err.code ? ` (${err.code})` : ''}`;
      if (err.status === 401) showLogin(err.message);
    }
  }

  async function loadInbox() {
    const status = $('inbox-status').value;
    const { notifications } = await api('GET', `/notifications${status ? `?status=${status}` : ''}`);
    const rows = notifications.map((n) =>
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
      ),
    );
    if (rows.length === 0)
      rows.push(el('tr', {}, el('td', { colSpan: 7, class: 'muted' }, 'No notifications yet.')));
    $('inbox').replaceChildren(...rows);
  }

  const SVG = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  async function loadChart() {
    const { days } = await api('GET', '/stats/daily?days=30');
    const W = 960;
    const H = 220;
    const pad = { l: 36, r: 8, t: 10, b: 28 };
    const max = Math.max(1, ...days.map((d) => Math.max(d.signed, d.terminated)));
    const slot = (W - pad.l - pad.r) / days.length;
    const bar = Math.max(2, slot / 2 - 2);
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
      for (const [kind, value, color, dx] of [
        ['signed', d.signed, '#07a35a', 0],
        ['terminated', d.terminated, '#d9363e', bar + 1],
      ]) {
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
    $('chart').replaceChildren(root);
  }

  $('login-form').addEventListener('submit', (e) => {
    e.preventDefault();
    token = $('token').value.trim();
    login();
  });
  $('filters').addEventListener('submit', (e) => {
    e.preventDefault();
    loadContracts().catch((err) => {
      $('toast').className = 'error';
      $('toast').textContent = err.message;
    });
  });
  $('inbox-status').addEventListener('change', () => loadInbox());
  $('logout').addEventListener('click', () => {
    token = '';
    sessionStorage.removeItem(KEY);
    showLogin('Logged out.');
  });

  if (token) login();
  else showLogin('');
})();
