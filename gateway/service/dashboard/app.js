// The edigw dashboard: a small single-page app over the REST API (/api/...).
// No framework and no build step. Every value from the log is put into the
// page as text (textContent), never as markup. The token comes from the URL
// fragment (#token=..., which browsers never send to a server) or the login
// form, and lives in sessionStorage for this tab only.
'use strict';

const main = document.getElementById('main');
let token = sessionStorage.getItem('edigw-token') || '';

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'onclick' || k === 'onsubmit' || k === 'onchange') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function svg(tag, attrs, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  for (const c of children.flat()) if (c !== undefined && c !== null) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

const pill = (s) => h('span', { class: 'pill ' + (s || '') }, s || '—');

class ApiError extends Error {}

async function api(path, options) {
  const r = await fetch(path, Object.assign({}, options, { headers: { Authorization: 'Bearer ' + token } }));
  if (r.status === 401) { showLogin('The token was not accepted.'); throw new ApiError('unauthorized'); }
  const body = await r.json().catch(() => ({ error: 'HTTP ' + r.status }));
  if (!r.ok) throw new ApiError(body.error || 'HTTP ' + r.status);
  return body;
}

function setPage(title, ...content) {
  document.title = title + ' — edigw';
  main.replaceChildren(h('h1', {}, title), ...content.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

function showError(e) {
  if (e instanceof ApiError && e.message === 'unauthorized') return;
  main.append(h('p', { class: 'error-box', id: 'error' }, String(e.message || e)));
}

function showLogin(why) {
  document.title = 'Sign in — edigw';
  const input = h('input', { type: 'password', id: 'token', autocomplete: 'off', placeholder: 'admin token' });
  main.replaceChildren(h('div', { class: 'login' },
    h('h1', {}, 'Admin token'),
    h('p', { class: 'muted' }, why || 'This dashboard reads the gateway\'s log through its token-protected API.'),
    h('form', { onsubmit: (ev) => { ev.preventDefault(); token = input.value.trim(); sessionStorage.setItem('edigw-token', token); route(); } },
      input, h('button', { type: 'submit' }, 'Open'))));
}

function params(hash) {
  const q = hash.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : hash.slice(q + 1));
}

// ---- transmissions ------------------------------------------------------------------------------

async function transmissions(p) {
  const limit = 50;
  const offset = Number(p.get('offset') || 0);
  const query = new URLSearchParams();
  for (const k of ['partner', 'direction', 'status', 'since']) if (p.get(k)) query.set(k, p.get(k));
  query.set('limit', limit);
  query.set('offset', offset);
  const [list, partners] = await Promise.all([api('/api/transmissions?' + query), api('/api/partners')]);
  const sel = (name, options) => h('select', { name },
    options.map(([v, label]) => { const o = h('option', { value: v }, label); if ((p.get(name) || '') === v) o.selected = true; return o; }));
  const form = h('form', { class: 'filters', id: 'filters', onsubmit: (ev) => {
      ev.preventDefault();
      const f = new FormData(form);
      const q = new URLSearchParams();
      for (const [k, v] of f.entries()) if (v) q.set(k, v);
      location.hash = '#/?' + q;
    } },
    h('label', {}, 'Partner', sel('partner', [['', 'all']].concat(partners.partners.map((x) => [x.id, x.id + ' — ' + x.name])))),
    h('label', {}, 'Direction', sel('direction', [['', 'both'], ['in', 'in'], ['out', 'out']])),
    h('label', {}, 'Status', sel('status', [['', 'any'], ['processed', 'processed'], ['partial', 'partial'], ['rejected', 'rejected'],
      ['duplicate', 'duplicate'], ['ready', 'ready'], ['sent', 'sent'], ['written', 'written']])),
    h('label', {}, 'Since', h('input', { type: 'date', name: 'since', value: p.get('since') || '' })),
    h('button', { type: 'submit' }, 'Filter'));
  const rows = list.items.map((t) => h('tr', { class: 'clickable', 'data-id': t.id, onclick: () => { location.hash = '#/t/' + t.id; } },
    h('td', {}, h('a', { href: '#/t/' + t.id }, t.id)), h('td', {}, t.received_at), h('td', {}, t.partner), h('td', {}, t.direction),
    h('td', {}, t.transport), h('td', {}, t.document), h('td', {}, pill(t.status)), h('td', {}, t.sets), h('td', {}, t.rejected_sets),
    h('td', {}, t.remote_name)));
  const page = (o) => { const q = new URLSearchParams(p); q.set('offset', o); return '#/?' + q; };
  setPage('Transmission log', form,
    h('table', { id: 'transmissions' },
      h('thead', {}, h('tr', {}, ['ID', 'Received (UTC)', 'Partner', 'Dir', 'Via', 'Doc', 'Status', 'Sets', 'Rejected', 'Name'].map((c) => h('th', {}, c)))),
      h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: 10, class: 'muted' }, 'No transmissions match.')))),
    h('div', { class: 'pager' },
      offset > 0 ? h('a', { href: page(Math.max(0, offset - limit)), id: 'prev' }, '← newer') : null,
      h('span', { class: 'muted' }, list.items.length ? `${offset + 1}–${offset + list.items.length}` : ''),
      list.next_offset !== null ? h('a', { href: page(list.next_offset), id: 'next' }, 'older →') : null));
}

// ---- one transmission ------------------------------------------------------------------------------

function rawView(d) {
  if (!d.segments.length) return h('p', { class: 'muted' }, d.raw_note || 'No segments.');
  const bySegment = new Map();
  for (const f of d.findings) {
    if (!bySegment.has(f.segment_index)) bySegment.set(f.segment_index, []);
    bySegment.get(f.segment_index).push(f);
  }
  const pre = h('pre', { class: 'x12', id: 'raw' });
  for (const s of d.segments) {
    const fs = bySegment.get(s.index) || [];
    const bad = fs.some((f) => f.severity !== 'warning');
    const line = h('span', { class: 'seg' + (fs.length ? (bad ? ' bad' : ' warn') : ''), 'data-segment': s.index, id: 'seg-' + s.index },
      h('span', { class: 'n' }, s.index));
    // The offending text marked at its byte offset within the segment.
    const f0 = fs.find((f) => f.kind !== 'rule' && f.byte_offset >= s.offset && f.value);
    if (f0) {
      const at = f0.byte_offset - s.offset;
      line.append(s.text.slice(0, at), h('mark', { title: f0.message }, s.text.slice(at, at + f0.value.length)), s.text.slice(at + f0.value.length));
    } else {
      line.append(s.text);
    }
    pre.append(line);
    for (const f of fs)
      pre.append(h('span', { class: 'finding' + (f.severity === 'warning' ? ' warning' : '') },
        `↑ ${f.severity} [${f.code}] ${f.message}` + (f.ack_code ? ` (ack code ${f.ack_code})` : '') +
        (f.element ? ` — element ${f.element}` : '') + (f.line ? `, line ${f.line} col ${f.column}` : '')));
  }
  const fileLevel = d.findings.filter((f) => !f.segment_index && f.kind !== 'rule');
  for (const f of fileLevel) pre.append(h('span', { class: 'finding' }, `${f.severity} [${f.code}] ${f.message}`));
  return pre;
}

function orderView(o) {
  const lines = (o.lines || []).map((l) => h('tr', {}, h('td', {}, l.line_id), h('td', {}, l.quantity), h('td', {}, l.uom),
    h('td', {}, l.unit_price), h('td', {}, (l.product_ids || []).map((p) => `${p.qualifier} ${p.id}`).join(', ')), h('td', {}, l.description || '')));
  return h('details', { open: true, class: 'order' },
    h('summary', {}, `PO ${o.po_number || '(none)'} — purpose ${o.purpose || ''}, type ${o.order_type || ''}, dated ${o.order_date || ''}` +
      (o.currency ? `, ${o.currency}` : '')),
    h('table', {}, h('thead', {}, h('tr', {}, ['Line', 'Qty', 'Unit', 'Price', 'Product', 'Description'].map((c) => h('th', {}, c)))), h('tbody', {}, lines)),
    h('details', {}, h('summary', { class: 'muted' }, 'canonical JSON'), h('pre', { class: 'x12' }, JSON.stringify(o, null, 2))));
}

async function transmission(id) {
  const d = await api('/api/transmissions/' + encodeURIComponent(id));
  const t = d.transmission;
  const reprocessable = t.direction === 'in' && (t.status === 'rejected' || t.status === 'partial');
  const result = h('p', { id: 'reprocess-result' });
  const button = reprocessable ? h('button', { id: 'reprocess', onclick: async () => {
      button.disabled = true;
      try {
        const r = await api('/api/transmissions/' + t.id + '/reprocess', { method: 'POST' });
        result.replaceChildren('Reprocessed as ', h('a', { href: '#/t/' + r.transmission_id }, 'transmission ' + r.transmission_id), ': ', pill(r.status),
          ` — ${r.orders_accepted} order(s) accepted, ${r.orders_rejected} rejected.`);
      } catch (e) { result.replaceChildren(h('span', { class: 'error-box' }, String(e.message))); button.disabled = false; }
    } }, 'Reprocess') : null;
  setPage(`Transmission ${t.id}`,
    h('p', {}, `${t.direction === 'in' ? 'From' : 'To'} `, h('b', {}, t.partner), ` via ${t.transport}, ${t.document}, `, pill(t.status),
      ` — ${t.size} bytes, received ${t.received_at}` + (t.completed_at ? `, completed ${t.completed_at}` : '')),
    t.message ? h('p', { class: 'muted', id: 'message' }, t.message) : null,
    t.reply_to ? h('p', {}, 'In reply to ', h('a', { href: '#/t/' + t.reply_to }, 'transmission ' + t.reply_to)) : null,
    t.duplicate_of ? h('p', {}, 'Duplicate of ', h('a', { href: '#/t/' + t.duplicate_of }, 'transmission ' + t.duplicate_of)) : null,
    button, result,
    h('h2', {}, 'Raw X12'), rawView(d),
    d.orders.length ? h('h2', {}, 'Parsed orders') : null, d.orders.map(orderView),
    d.sets.length ? h('h2', {}, 'Sets') : null,
    d.sets.length ? h('table', { id: 'sets' },
      h('thead', {}, h('tr', {}, ['Type', 'ST02', 'Group', 'Document', 'Status', '855', 'Reason', 'Their ack'].map((c) => h('th', {}, c)))),
      h('tbody', {}, d.sets.map((s) => h('tr', {}, h('td', {}, s.type), h('td', {}, s.control_number), h('td', {}, s.group_control_number),
        h('td', {}, s.document_number), h('td', {}, pill(s.status)), h('td', {}, s.decision), h('td', {}, s.reason), h('td', {}, s.their_ack))))) : null,
    h('h2', {}, t.direction === 'in' ? 'What we answered' : 'Their acknowledgments'),
    t.direction === 'in'
      ? (d.replies.length ? d.replies.map((r) => h('details', { class: 'reply' },
          h('summary', {}, h('a', { href: '#/t/' + r.id }, `transmission ${r.id}`), ` ${r.document} `, pill(r.status)),
          r.raw ? h('pre', { class: 'x12' }, r.raw) : null)) : h('p', { class: 'muted' }, 'Nothing.'))
      : (d.their_acks.length ? h('table', { id: 'their-acks' }, h('tbody', {}, d.their_acks.map((a) => h('tr', {},
          h('td', {}, `${a.functional_id} ${a.group_control_number}`), h('td', {}, a.received_at ? `AK901 ${a.status} at ${a.received_at}` : `not acknowledged yet (due ${a.due_at})`),
          h('td', {}, a.ack_transmission_id ? h('a', { href: '#/t/' + a.ack_transmission_id }, 'transmission ' + a.ack_transmission_id) : ''))))) : h('p', { class: 'muted' }, 'None expected.')),
    h('h2', {}, 'Audit trail'),
    h('table', { id: 'audit' }, h('tbody', {}, d.audit.map((a) => h('tr', {}, h('td', {}, a.at), h('td', {}, a.actor),
      h('td', {}, `${a.entity} ${a.entity_id} ${a.action}`), h('td', {}, a.old_value || a.new_value ? `${a.old_value || '-'} → ${a.new_value}` : ''),
      h('td', {}, a.detail))))));
}

// ---- rejected documents --------------------------------------------------------------------------

async function rejected(p) {
  const q = new URLSearchParams();
  if (p.get('partner')) q.set('partner', p.get('partner'));
  if (p.get('since')) q.set('since', p.get('since'));
  const r = await api('/api/rejected?' + q);
  setPage('Rejected documents',
    h('p', { class: 'muted' }, `${r.rejected.length} rejected document(s)` + (p.get('partner') ? ` from ${p.get('partner')}` : '')),
    h('table', { id: 'rejected' },
      h('thead', {}, h('tr', {}, ['Received', 'Partner', 'File', 'Control numbers', 'PO', 'Reasons', 'Sent back'].map((c) => h('th', {}, c)))),
      h('tbody', {}, r.rejected.length ? r.rejected.map((x) => h('tr', {},
        h('td', {}, h('a', { href: '#/t/' + x.transmission_id }, x.received_at)), h('td', {}, x.partner), h('td', {}, x.file),
        h('td', {}, `ISA ${x.interchange} / GS ${x.group} / ST ${x.set} (${x.type})`), h('td', {}, x.po_number),
        h('td', {}, x.reasons.length ? h('ul', {}, x.reasons.map((f) => h('li', {}, `[${f.code}] ${f.message}` +
          (f.segment_tag ? ` — ${f.segment_tag}` + (f.element ? String(f.element).padStart(2, '0') : '') : '') + (f.value ? ` '${f.value}'` : '')))) : x.reason),
        h('td', {}, x.sent_back.join(', ')))) : h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'No rejected documents.')))));
}

// ---- KPIs ---------------------------------------------------------------------------------------------

function barChart(title, id, days, series, { stacked = true, line = null } = {}) {
  const W = 560, H = 180, pad = 28;
  const n = Math.max(days.length, 1);
  const bw = Math.max(4, Math.min(40, (W - pad * 2) / n - 4));
  const totals = days.map((d) => stacked ? series.reduce((s, [k]) => s + (d[k] || 0), 0) : Math.max(...series.map(([k]) => d[k] || 0)));
  const max = Math.max(1, ...totals);
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: '100%', role: 'img', 'aria-label': title });
  days.forEach((d, i) => {
    let y = H - pad;
    const x = pad + i * ((W - pad * 2) / n) + 2;
    for (const [k, cls] of series) {
      const v = d[k] || 0;
      const hgt = (v / max) * (H - pad * 2);
      y -= hgt;
      chart.append(svg('rect', { x, y, width: bw, height: Math.max(hgt, 0), class: cls }, svg('title', {}, `${d.day} ${k}: ${v}`)));
      if (!stacked) y = H - pad;
    }
    if (n <= 14 || i % Math.ceil(n / 14) === 0) chart.append(svg('text', { x, y: H - 10 }, d.day.slice(5)));
  });
  if (line) {
    const lmax = Math.max(1, ...days.map((d) => d[line] || 0));
    const pts = days.map((d, i) => `${pad + i * ((W - pad * 2) / n) + 2 + bw / 2},${H - pad - ((d[line] || 0) / lmax) * (H - pad * 2)}`).join(' ');
    chart.append(svg('polyline', { points: pts, class: 'line' }));
  }
  chart.append(svg('text', { x: 2, y: 12 }, Number.isInteger(max) ? String(max) : max.toFixed(1)));
  return h('div', { class: 'chart', id }, h('h3', {}, title), chart);
}

async function kpis(p) {
  const q = new URLSearchParams();
  if (p.get('partner')) q.set('partner', p.get('partner'));
  if (p.get('since')) q.set('since', p.get('since'));
  const k = await api('/api/kpis?' + q);
  const t = k.totals;
  const secs = (s, n) => n ? (s < 120 ? `${s.toFixed(1)} s` : `${(s / 60).toFixed(1)} min`) : '—';
  const card = (label, value, id) => h('div', { class: 'card', id }, h('div', { class: 'v' }, value), h('div', { class: 'k' }, label));
  setPage('KPIs',
    h('div', { class: 'cards', id: 'kpi-cards' },
      card('orders received', t.orders_received, 'kpi-orders'),
      card('exceptions per 1,000 orders', t.exceptions_per_1000_orders.toFixed(1), 'kpi-exceptions'),
      card('our ack latency (mean)', secs(t.our_ack_latency_seconds, t.our_acks), 'kpi-our-latency'),
      card('their ack latency (mean)', secs(t.their_ack_latency_seconds, t.their_acks), 'kpi-their-latency'),
      card('order-to-855 cycle time', secs(t.order_to_855_seconds, t.orders_with_855), 'kpi-cycle'),
      card('overdue acknowledgments', t.overdue_acks, 'kpi-overdue')),
    h('h2', {}, 'By day'),
    h('div', { class: 'grid2' },
      barChart('Orders per day (accepted, changed, rejected)', 'chart-orders', k.by_day, [['accepted', 'bar-ok'], ['changed', 'bar-warn'], ['rejected', 'bar-bad']]),
      barChart('Exceptions per 1,000 orders', 'chart-exceptions', k.by_day, [['exceptions_per_1000_orders', 'bar-bad']], { stacked: false }),
      barChart('Our ack latency (s)', 'chart-latency', k.by_day, [['our_ack_latency_seconds', 'bar']], { stacked: false }),
      barChart('Overdue acknowledgments (by due day)', 'chart-overdue', k.by_day, [['overdue_acks', 'bar-bad']], { stacked: false })),
    k.overdue.length ? h('h2', {}, 'Overdue acknowledgments') : null,
    k.overdue.length ? h('table', { id: 'overdue' }, h('tbody', {}, k.overdue.map((o) => h('tr', {}, h('td', {}, o.partner),
      h('td', {}, o.functional_id === 'MDN' ? `AS2 message ${o.control_number}: no MDN` : `group ${o.functional_id} ${o.control_number}: no 997/999`), h('td', {}, h('a', { href: '#/t/' + o.transmission_id }, 'transmission ' + o.transmission_id)),
      h('td', {}, 'due ' + o.due_at))))) : null);
}

async function partnersPage() {
  const r = await api('/api/partners');
  setPage('Partners', h('table', { id: 'partners' },
    h('thead', {}, h('tr', {}, ['ID', 'Name', 'ISA', 'Versions', 'Ack', 'Transports', 'Catalog'].map((c) => h('th', {}, c)))),
    h('tbody', {}, r.partners.map((x) => h('tr', {}, h('td', {}, h('a', { href: '#/?partner=' + encodeURIComponent(x.id) }, x.id)), h('td', {}, x.name),
      h('td', {}, x.isa), h('td', {}, `${x.inbound_version} in, ${x.outbound_version} out`), h('td', {}, x.functional_ack),
      h('td', {}, x.transports.join(', ')), h('td', {}, x.catalog_items))))));
}

// ---- routing -----------------------------------------------------------------------------------------

async function route() {
  let hash = location.hash || '#/';
  if (hash.startsWith('#token=')) {
    // #token=TOKEN[&go=/t/12]: the link `edigw demo` prints; the token leaves the address bar at once.
    const rest = hash.slice(7);
    const go = rest.indexOf('&go=');
    token = decodeURIComponent(go < 0 ? rest : rest.slice(0, go));
    sessionStorage.setItem('edigw-token', token);
    hash = '#' + (go < 0 ? '/' : decodeURIComponent(rest.slice(go + 4)));
    history.replaceState(null, '', location.pathname + hash);
  }
  if (!token) return showLogin();
  const path = hash.slice(1).split('?')[0];
  const p = params(hash);
  const section = path.startsWith('/t/') ? 'transmissions' : path === '/rejected' ? 'rejected' : path === '/kpis' ? 'kpis' : path === '/partners' ? 'partners' : 'transmissions';
  for (const a of document.querySelectorAll('header nav a')) a.classList.toggle('active', a.dataset.nav === section);
  document.getElementById('status').textContent = '';
  try {
    if (path.startsWith('/t/')) await transmission(path.slice(3));
    else if (path === '/rejected') await rejected(p);
    else if (path === '/kpis') await kpis(p);
    else if (path === '/partners') await partnersPage();
    else await transmissions(p);
    document.getElementById('status').textContent = 'updated ' + new Date().toLocaleTimeString();
    document.body.dataset.ready = section;
  } catch (e) {
    showError(e);
  }
}

window.addEventListener('hashchange', route);
route();
