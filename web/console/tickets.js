// 客服工单 (#/tickets…): the service desk's screens for staff (issue 5,
// docs/service-desk.md), each from the server's own answers — the console
// never computes a clock's state or deadline, it shows what the API says:
//   #/tickets          the queue: filters (mine, my team, overdue, due today,
//                      by clock rule, kind, category, status), the nearest
//                      clock of each ticket in its state colour, and the new
//                      ticket form with knowledge-base suggestions beside the
//                      text while it is typed (GET /kb/search, debounced)
//   #/tickets/{no}     one ticket: status and the moves allowed from it, the
//                      clocks, history with internal notes and replies to the
//                      customer kept visibly apart (two inputs), the actions
//                      that start and meet clocks, corrective actions, the
//                      callback's satisfaction; beside it the waybill's
//                      timeline, the customer's other tickets and quick
//                      replies from the knowledge base
//   #/tickets/board    the supervisor board (sd_board.js)
// Keyboard first: "/" focuses the queue's first filter, N opens the new
// ticket form, Enter on a row opens it.
//
// Wiring (app.js): import { TicketsPage } from './tickets.js';
//   Page(): if (id === 'tickets') return html`<${TicketsPage} me=${me} section=${route[1]} />`;

import { api } from './api.js';
import { t, lang } from './i18n.js';
import { html, useState, useEffect, useRef, useCallback, Field, Notice, Loading, formatTime, navigate } from './ui.js';
import { can } from './shell.js';
import { BoardPage } from './sd_board.js';

/** Status moves of docs/service-desk.md "Statuses" (the server checks them again). */
export const MOVES = {
  new: ['investigating', 'waiting_customer', 'proposed', 'resolved', 'closed'],
  investigating: ['waiting_customer', 'proposed', 'resolved', 'closed'],
  waiting_customer: ['investigating', 'proposed', 'resolved', 'closed'],
  proposed: ['investigating', 'waiting_customer', 'resolved', 'closed'],
  resolved: ['investigating', 'closed'],
  closed: [],
};
const LIVE = new Set(['running', 'due_soon', 'overdue', 'paused']);
const CST = 8 * 3600 * 1000;

let refdataP = null;
/** GET /ticket-refdata once per page load; a failure is retried next time. */
export function refdata() {
  if (!refdataP) {
    refdataP = api('GET', '/api/v1/ticket-refdata');
    refdataP.catch(() => { refdataP = null; });
  }
  return refdataP;
}

export function useRefdata() {
  const [rd, setRd] = useState(null);
  const [err, setErr] = useState(null);
  useEffect(() => { refdata().then(setRd, (e) => setErr(e.message)); }, []);
  return [rd, err];
}

/** The name of a vocabulary term in the current language. */
export function termName(rd, list, name) {
  const x = rd && rd[list] && rd[list].find((i) => i.name === name);
  if (!x) return name || '';
  return lang() === 'en' ? x.en : x.zh;
}

export const clockName = (c) => (lang() === 'en' ? c.name_en || c.rule : c.name_zh || c.rule);

/** The clock that matters most: the live one with the earliest deadline. */
export function nearestClock(tk) {
  const live = (tk.clocks || []).filter((c) => LIVE.has(c.state));
  live.sort((a, b) => (a.due_at && b.due_at ? Date.parse(a.due_at) - Date.parse(b.due_at) : a.due_at ? -1 : 1));
  return live[0] || null;
}

export function ClockBadge({ c }) {
  if (!c) return html`<span class="muted">—</span>`;
  return html`<span class=${'sd-clock st-' + c.state} data-state=${c.state} data-rule=${c.rule}>
    <span class="sd-clock-state">${t('sd.clock.' + c.state)}</span>
    <span class="sd-clock-name">${clockName(c)}</span>
    ${c.due_at && html`<span class="sd-clock-due">${formatTime(c.due_at).slice(0, 16)}</span>`}
  </span>`;
}

/** "2026-11-23T23:59:59+08:00": the last second of today in China time. */
function endOfTodayChina() {
  const d = new Date(Date.now() + CST).toISOString().slice(0, 10);
  return `${d}T23:59:59+08:00`;
}

/* ---------------------------------------------------------------- the queue */

const SCOPES = ['all', 'mine', 'team', 'overdue', 'today'];

function Queue({ me, rd }) {
  const [f, setF] = useState({ scope: 'all', status: 'open', kind: '', category: '', clock: '' });
  const [items, setItems] = useState(null);
  const [err, setErr] = useState(null);
  const [creating, setCreating] = useState(false);
  const firstFilter = useRef(null);

  const load = useCallback(async () => {
    const q = { status: f.status, kind: f.kind, category: f.category, clock: f.clock, limit: 100 };
    if (f.scope === 'mine') q.mine = 1;
    if (f.scope === 'team' && me.node) q.node = me.node.code;
    if (f.scope === 'overdue') q.overdue = 1;
    if (f.scope === 'today') q.due_before = endOfTodayChina();
    try {
      setErr(null);
      setItems((await api('GET', '/api/v1/tickets', { query: q })).items);
    } catch (e) {
      setErr(e.message);
    }
  }, [f, me]);
  useEffect(() => { load(); }, [load]);

  useEffect(() => {
    function onKey(e) {
      if (e.altKey || e.ctrlKey || e.metaKey) return;
      const tag = (e.target.tagName || '').toLowerCase();
      if (['input', 'textarea', 'select'].includes(tag)) return;
      if (e.key === '/') { e.preventDefault(); firstFilter.current && firstFilter.current.focus(); }
      if ((e.key === 'n' || e.key === 'N') && can(me, 'tickets.write')) { e.preventDefault(); setCreating(true); }
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [me]);

  const set = (k) => (e) => setF({ ...f, [k]: e.currentTarget.value });
  const open = (no) => navigate('/tickets/' + encodeURIComponent(no));

  return html`<div class="sd-queue">
    <div class="panel sd-filters" role="search">
      <div class="field"><label for="tq-scope">${t('sd.filter.scope')}</label>
        <select id="tq-scope" ref=${firstFilter} value=${f.scope} onChange=${set('scope')}>
          ${SCOPES.map((s) => html`<option key=${s} value=${s}>${t('sd.scope.' + s)}</option>`)}
        </select></div>
      <div class="field"><label for="tq-status">${t('sd.f.status')}</label>
        <select id="tq-status" value=${f.status} onChange=${set('status')}>
          <option value="open">${t('sd.status.open')}</option>
          <option value="">${t('sd.any')}</option>
          ${rd.statuses.map((s) => html`<option key=${s.name} value=${s.name}>${termName(rd, 'statuses', s.name)}</option>`)}
        </select></div>
      <div class="field"><label for="tq-kind">${t('sd.f.kind')}</label>
        <select id="tq-kind" value=${f.kind} onChange=${set('kind')}>
          <option value="">${t('sd.any')}</option>
          ${rd.kinds.map((s) => html`<option key=${s.name} value=${s.name}>${termName(rd, 'kinds', s.name)}</option>`)}
        </select></div>
      <div class="field"><label for="tq-category">${t('sd.f.category')}</label>
        <select id="tq-category" value=${f.category} onChange=${set('category')}>
          <option value="">${t('sd.any')}</option>
          ${rd.categories.map((s) => html`<option key=${s.name} value=${s.name}>${termName(rd, 'categories', s.name)}</option>`)}
        </select></div>
      <div class="field"><label for="tq-clock">${t('sd.f.clock')}</label>
        <select id="tq-clock" value=${f.clock} onChange=${set('clock')}>
          <option value="">${t('sd.any')}</option>
          ${(rd.clock_rules || []).map((s) => html`<option key=${s.id || s.name} value=${s.id || s.name}>${lang() === 'en' ? s.en || s.name_en : s.zh || s.name_zh}</option>`)}
        </select></div>
      <div class="sd-filter-actions">
        <button type="button" onClick=${load}>${t('sd.refresh')}</button>
        ${can(me, 'tickets.write') && html`<button type="button" class="primary" id="tq-new"
          aria-keyshortcuts="N" onClick=${() => setCreating(true)}>${t('sd.new')} <kbd>N</kbd></button>`}
      </div>
    </div>
    ${creating && html`<${NewTicket} rd=${rd} onClose=${() => setCreating(false)}
      onCreated=${(tk) => { setCreating(false); open(tk.ticket_no); }} />`}
    <${Notice} kind="error">${err}<//>
    ${items === null ? html`<${Loading} />` : html`<div class="table-wrap">
      <table class="data sd-table" id="tq-table">
        <caption class="sr-only">${t('nav.tickets')}</caption>
        <thead><tr>
          <th>${t('sd.col.no')}</th><th>${t('sd.f.kind')}</th><th>${t('sd.f.category')}</th>
          <th>${t('sd.f.status')}</th><th>${t('sd.col.subject')}</th><th>${t('sd.col.node')}</th>
          <th>${t('sd.col.clock')}</th><th>${t('sd.col.created')}</th>
        </tr></thead>
        <tbody>
          ${items.length === 0 && html`<tr><td colspan="8" class="muted">${t('sd.empty')}</td></tr>`}
          ${items.map((tk) => html`<tr key=${tk.ticket_no} data-no=${tk.ticket_no} tabindex="0"
              onKeyDown=${(e) => { if (e.key === 'Enter') open(tk.ticket_no); }}>
            <td class="nowrap"><a href=${'#/tickets/' + tk.ticket_no}>${tk.ticket_no}</a>
              ${tk.major && html` <span class="badge off">${t('sd.major')}</span>`}</td>
            <td>${termName(rd, 'kinds', tk.kind)}</td>
            <td>${termName(rd, 'categories', tk.category)}</td>
            <td><span class=${'sd-status st-' + tk.status}>${termName(rd, 'statuses', tk.status)}</span></td>
            <td>${tk.subject}</td>
            <td>${tk.node && tk.node.name}</td>
            <td><${ClockBadge} c=${nearestClock(tk)} /></td>
            <td class="nowrap">${formatTime(tk.created_at).slice(0, 16)}</td>
          </tr>`)}
        </tbody>
      </table></div>`}
  </div>`;
}

/** Split a KB snippet on the server's <mark> tags; everything is rendered as text. */
export function Snippet({ text }) {
  const parts = String(text || '').split(/<mark>|<\/mark>/);
  return html`<span>${parts.map((p, i) => (i % 2 ? html`<mark key=${i}>${p}</mark>` : p))}</span>`;
}

let tagsP = null;
/** The knowledge base's tags (GET /kb/articles), the words a free text is matched on. */
function kbTags() {
  if (!tagsP) {
    tagsP = api('GET', '/api/v1/kb/articles', { query: { limit: 200 } })
      .then((r) => [...new Set((r.items || []).flatMap((a) => a.tags || []))]);
    tagsP.catch(() => { tagsP = null; });
  }
  return tagsP;
}

/**
 * What to search for: a typed query as it is; for free text (a customer's
 * words, which the search would need to find verbatim) the longest article
 * tag that occurs in it, since Chinese has no blanks to split words at.
 */
async function kbQuery(q, fromText) {
  const s = (q || '').trim();
  if (!fromText) return s;
  const tags = await kbTags().catch(() => []);
  const hit = tags.filter((tag) => tag.length >= 2 && s.includes(tag)).sort((a, b) => b.length - a.length)[0];
  return hit || (s.length <= 32 ? s : '');
}

/** KB search for @p q, debounced; [] while q is too short. */
export function useKbSearch(q, { delay = 300, fromText = false } = {}) {
  const [items, setItems] = useState([]);
  useEffect(() => {
    const s = (q || '').trim();
    if (s.length < 2) { setItems([]); return undefined; }
    let live = true;
    const id = setTimeout(async () => {
      try {
        const word = await kbQuery(s, fromText);
        if (!word) { if (live) setItems([]); return; }
        const r = await api('GET', '/api/v1/kb/search', { query: { q: word.slice(0, 100), limit: 5 } });
        if (live) setItems(r.items || []);
      } catch {
        if (live) setItems([]);
      }
    }, delay);
    return () => { live = false; clearTimeout(id); };
  }, [q]);
  return items;
}

function NewTicket({ rd, onClose, onCreated }) {
  const [v, setV] = useState({ kind: 'complaint', channel: 'phone', waybill_no: '', customer_code: '',
    name: '', phone: '', category: '', priority: 'normal', subject: '', description: '' });
  const [errors, setErrors] = useState({});
  const [msg, setMsg] = useState(null);
  const [busy, setBusy] = useState(false);
  const suggestions = useKbSearch(v.description, { fromText: true });
  useEffect(() => { const el = document.getElementById('nt-kind'); if (el) el.focus(); }, []);
  const set = (k) => (e) => setV({ ...v, [k]: e.currentTarget.value });

  async function submit(e) {
    e.preventDefault();
    if (busy) return;
    const body = { kind: v.kind, channel: v.channel, category: v.category, priority: v.priority,
      description: v.description };
    if (v.subject.trim()) body.subject = v.subject.trim();
    if (v.waybill_no.trim()) body.waybill_no = v.waybill_no.trim().toUpperCase();
    if (v.customer_code.trim()) body.customer_code = v.customer_code.trim();
    if (v.name.trim() || v.phone.trim()) {
      body.contact = { name: v.name.trim() };
      if (v.phone.trim()) body.contact.phone = v.phone.trim();
    }
    setBusy(true);
    setErrors({});
    setMsg(null);
    try {
      onCreated(await api('POST', '/api/v1/tickets', { body }));
    } catch (err) {
      const k = err.field ? err.field.replace(/^contact\./, '') : null;
      if (k && document.getElementById('nt-' + k)) {
        setErrors({ [k]: err.message });
        document.getElementById('nt-' + k).focus();
      } else setMsg(err.message);
    } finally {
      setBusy(false);
    }
  }
  const opts = (list) => rd[list].map((s) => html`<option key=${s.name} value=${s.name}>${termName(rd, list, s.name)}</option>`);

  return html`<form class="panel sd-new" onSubmit=${submit} novalidate
      onKeyDown=${(e) => { if (e.key === 'Escape') onClose(); }} aria-labelledby="nt-title">
    <h2 id="nt-title">${t('sd.new')}</h2>
    <div class="sd-new-grid">
      <div class="sd-new-fields">
        <${Field} id="nt-kind" name="kind" as="select" label=${t('sd.f.kind')} value=${v.kind}
          error=${errors.kind} onChange=${set('kind')}>${opts('kinds')}<//>
        <${Field} id="nt-channel" name="channel" as="select" label=${t('sd.f.channel')} value=${v.channel}
          error=${errors.channel} onChange=${set('channel')}>${opts('channels')}<//>
        <${Field} id="nt-waybill_no" name="waybill_no" label=${t('sd.f.waybill')} value=${v.waybill_no}
          error=${errors.waybill_no} onInput=${set('waybill_no')} />
        <${Field} id="nt-customer_code" name="customer_code" label=${t('sd.f.customer')} value=${v.customer_code}
          error=${errors.customer_code} onInput=${set('customer_code')} />
        <${Field} id="nt-name" name="contact.name" label=${t('sd.f.contact_name')} value=${v.name}
          error=${errors.name} onInput=${set('name')} />
        <${Field} id="nt-phone" name="contact.phone" label=${t('sd.f.contact_phone')} value=${v.phone}
          error=${errors.phone} onInput=${set('phone')} />
        <${Field} id="nt-category" name="category" as="select" label=${t('sd.f.category')} value=${v.category}
          error=${errors.category} onChange=${set('category')}>
          <option value="">${t('sd.choose')}</option>${opts('categories')}<//>
        <${Field} id="nt-priority" name="priority" as="select" label=${t('sd.f.priority')} value=${v.priority}
          error=${errors.priority} onChange=${set('priority')}>${opts('priorities')}<//>
        <${Field} id="nt-subject" name="subject" label=${t('sd.col.subject')} value=${v.subject}
          error=${errors.subject} onInput=${set('subject')} />
        <${Field} id="nt-description" name="description" as="textarea" rows="4" label=${t('sd.f.text')}
          value=${v.description} error=${errors.description} onInput=${set('description')} />
      </div>
      <aside class="sd-kb-suggest" aria-live="polite" aria-label=${t('sd.kb.suggest')}>
        <h3>${t('sd.kb.suggest')}</h3>
        ${suggestions.length === 0 ? html`<p class="muted">${t('sd.kb.type')}</p>` : html`<ul>
          ${suggestions.map((a) => html`<li key=${a.id}><a href=${'#/kb/' + a.id} target="_blank" rel="noopener">${a.title}</a>
            <p class="sd-snippet"><${Snippet} text=${a.snippet} /></p></li>`)}
        </ul>`}
      </aside>
    </div>
    <${Notice} kind="error">${msg}<//>
    <div class="actions">
      <button type="submit" class="primary" id="nt-submit" disabled=${busy}>${t('sd.create')}</button>
      <button type="button" onClick=${onClose}>${t('sd.cancel')}</button>
    </div>
  </form>`;
}

/* ----------------------------------------------------------- one ticket */

function History({ events }) {
  return html`<ol class="sd-history" id="tv-history">
    ${[...events].reverse().map((e) => html`<li key=${e.id} class=${'sd-ev ev-' + e.kind + (e.public ? ' ev-public' : '')}
        data-kind=${e.kind}>
      <div class="sd-ev-head"><span class="sd-ev-kind">${t('sd.ev.' + e.kind) || e.kind}</span>
        ${e.public && html`<span class="badge sd-public">${t('sd.ev.customer_sees')}</span>`}
        <time datetime=${e.at}>${formatTime(e.at)}</time>
        ${e.actor && html`<span class="muted">${e.actor}</span>`}</div>
      <p class="sd-ev-text">${e.text}</p>
    </li>`)}
  </ol>`;
}

function Side({ tk, rd, onQuote }) {
  const [trk, setTrk] = useState(null);
  const [trkErr, setTrkErr] = useState(null);
  const [others, setOthers] = useState(null);
  const [q, setQ] = useState('');
  const kb = useKbSearch(q);

  useEffect(() => {
    if (!tk.waybill_no) return;
    api('GET', '/api/v1/tracking/' + encodeURIComponent(tk.waybill_no)).then(setTrk, (e) => setTrkErr(e.message));
  }, [tk.waybill_no]);
  useEffect(() => {
    const query = tk.customer_code ? { customer: tk.customer_code } : tk.waybill_no ? { waybill_no: tk.waybill_no } : null;
    if (!query) { setOthers([]); return; }
    api('GET', '/api/v1/tickets', { query: { ...query, limit: 20 } })
      .then((r) => setOthers(r.items.filter((x) => x.ticket_no !== tk.ticket_no)), () => setOthers([]));
  }, [tk.ticket_no]);

  async function quote(id) {
    try {
      const a = await api('GET', '/api/v1/kb/articles/' + id);
      onQuote(a.body);
    } catch { /* the article went away; nothing to insert */ }
  }

  return html`<aside class="sd-side">
    <section class="panel" aria-labelledby="tv-trk-h">
      <h2 id="tv-trk-h">${t('sd.side.tracking')}</h2>
      ${!tk.waybill_no ? html`<p class="muted">${t('sd.side.no_waybill')}</p>` : html`
        <p><a href=${'#/tracking/' + tk.waybill_no}>${tk.waybill_no}</a>
          ${trk && html` <span class="badge">${lang() === 'en' ? trk.status : trk.status_zh}</span>`}</p>
        <${Notice} kind="error">${trkErr}<//>
        ${trk && (trk.events.length === 0 ? html`<p class="muted">${t('sd.side.no_events')}</p>`
          : html`<ol class="sd-timeline" id="tv-timeline">${trk.events.slice(0, 10).map((e, i) => html`<li key=${i}>
              <time>${formatTime(e.at).slice(0, 16)}</time> ${e.type_zh || e.type} ${e.node_name || e.node || ''}</li>`)}</ol>`)}`}
    </section>
    <section class="panel" aria-labelledby="tv-cust-h">
      <h2 id="tv-cust-h">${t('sd.side.history')}</h2>
      ${others === null ? html`<${Loading} />` : others.length === 0 ? html`<p class="muted">${t('sd.side.no_history')}</p>`
        : html`<ul class="sd-others" id="tv-others">${others.map((o) => html`<li key=${o.ticket_no}>
            <a href=${'#/tickets/' + o.ticket_no}>${o.ticket_no}</a> ${termName(rd, 'kinds', o.kind)} ·
            ${termName(rd, 'statuses', o.status)}</li>`)}</ul>`}
    </section>
    <section class="panel" aria-labelledby="tv-kb-h">
      <h2 id="tv-kb-h">${t('sd.kb.quick')}</h2>
      <div class="field"><label for="tv-kb-q">${t('sd.kb.search')}</label>
        <input id="tv-kb-q" type="search" value=${q} onInput=${(e) => setQ(e.currentTarget.value)} /></div>
      <ul class="sd-kb-list">${kb.map((a) => html`<li key=${a.id}><strong>${a.title}</strong>
        <p class="sd-snippet"><${Snippet} text=${a.snippet} /></p>
        <button type="button" class="link" data-kb=${a.id} onClick=${() => quote(a.id)}>${t('sd.kb.insert')}</button></li>`)}</ul>
    </section>
  </aside>`;
}

function TicketView({ me, no, rd }) {
  const [tk, setTk] = useState(null);
  const [err, setErr] = useState(null);
  const [msg, setMsg] = useState(null);
  const [note, setNote] = useState('');
  const [reply, setReply] = useState('');
  const [move, setMove] = useState({ to: '', text: '' });
  const [action, setAction] = useState('');
  const [ca, setCa] = useState({ measure: '', owner: '', due: '' });
  const [sat, setSat] = useState({ score: '5', comment: '' });
  const [fieldErr, setFieldErr] = useState({});
  const write = can(me, 'tickets.write');

  const load = useCallback(() => {
    api('GET', '/api/v1/tickets/' + encodeURIComponent(no)).then((x) => { setTk(x); setErr(null); }, (e) => setErr(e.message));
  }, [no]);
  useEffect(() => { setTk(null); load(); }, [load]);

  async function post(path, body, key, after) {
    setMsg(null);
    setFieldErr({});
    try {
      const r = await api('POST', `/api/v1/tickets/${encodeURIComponent(no)}${path}`, { body });
      if (r && r.ticket_no === no) setTk(r); else load();
      if (after) after();
      setMsg({ kind: 'ok', text: t('sd.saved') });
    } catch (e) {
      setFieldErr({ [key]: e.message, field: e.field });
    }
  }

  if (err) return html`<${Notice} kind="error">${err}<//>`;
  if (!tk) return html`<${Loading} />`;
  const closed = tk.status === 'closed';
  const moves = MOVES[tk.status] || [];
  const needs = move.to === 'resolved' ? 'resolution' : move.to === 'closed' ? 'reason' : null;
  const running = new Set(tk.clocks.filter((c) => LIVE.has(c.state)).map((c) => c.rule));
  // Offer the actions that start a clock, and those that meet one now running.
  const actions = (rd.actions || []).filter((a) => (a.meets ? running.has(a.meets) : true));

  return html`<div class="sd-view">
    <div class="sd-main">
      <header class="panel sd-head">
        <h2 id="tv-title"><span class="mono">${tk.ticket_no}</span>
          <span class=${'sd-status st-' + tk.status} id="tv-status">${termName(rd, 'statuses', tk.status)}</span>
          ${tk.major && html`<span class="badge off">${t('sd.major')}</span>`}</h2>
        <p class="sd-subject">${tk.subject}</p>
        <dl class="facts sd-facts">
          <dt>${t('sd.f.kind')}</dt><dd>${termName(rd, 'kinds', tk.kind)}</dd>
          <dt>${t('sd.f.category')}</dt><dd>${termName(rd, 'categories', tk.category)}</dd>
          <dt>${t('sd.f.priority')}</dt><dd>${termName(rd, 'priorities', tk.priority)}</dd>
          <dt>${t('sd.f.channel')}</dt><dd>${termName(rd, 'channels', tk.channel)}</dd>
          <dt>${t('sd.col.node')}</dt><dd>${tk.node.name}</dd>
          <dt>${t('sd.f.contact_name')}</dt><dd>${tk.contact.name} ${tk.contact.phone}</dd>
          <dt>${t('sd.owner')}</dt><dd>${tk.owner && tk.owner.username || '—'}</dd>
          <dt>${t('sd.responsible')}</dt><dd>${tk.responsible ? tk.responsible.display_name : '—'}</dd>
          ${tk.waiting_since && html`<dt>${t('sd.waiting_since')}</dt><dd>${formatTime(tk.waiting_since)}</dd>`}
          ${tk.close_reason && html`<dt>${t('sd.close_reason')}</dt><dd>${tk.close_reason}</dd>`}
        </dl>
        <p class="sd-desc">${tk.description}</p>
        ${write && moves.length > 0 && html`<form class="sd-move" onSubmit=${(e) => {
          e.preventDefault();
          const body = { status: move.to };
          if (needs) body[needs] = move.text;
          post('/status', body, 'move', () => setMove({ to: '', text: '' }));
        }}>
          <div class="field"><label for="tv-move">${t('sd.move')}</label>
            <select id="tv-move" value=${move.to} onChange=${(e) => setMove({ to: e.currentTarget.value, text: '' })}>
              <option value="">${t('sd.choose')}</option>
              ${moves.map((m) => html`<option key=${m} value=${m}>${termName(rd, 'statuses', m)}</option>`)}
            </select></div>
          ${needs && html`<${Field} id="tv-move-text" name=${needs} label=${t('sd.' + needs)} value=${move.text}
            onInput=${(e) => setMove({ ...move, text: e.currentTarget.value })} />`}
          <button type="submit" disabled=${!move.to}>${t('sd.apply')}</button>
          ${fieldErr.move && html`<p class="field-error" role="alert">${fieldErr.move}</p>`}
        </form>`}
      </header>
      <${Notice} kind=${msg && msg.kind}>${msg && msg.text}<//>
      <section class="panel" aria-labelledby="tv-clocks-h">
        <h2 id="tv-clocks-h">${t('sd.clocks')}</h2>
        ${tk.clocks.length === 0 ? html`<p class="muted">${t('sd.no_clocks')}</p>` : html`<table class="data" id="tv-clocks">
          <thead><tr><th>${t('sd.clock')}</th><th>${t('sd.clock.state')}</th><th>${t('sd.clock.started')}</th>
            <th>${t('sd.clock.due')}</th><th>${t('sd.clock.ended')}</th></tr></thead>
          <tbody>${tk.clocks.map((c) => html`<tr key=${c.rule} data-rule=${c.rule}>
            <td>${clockName(c)}<br /><small class="muted">${c.basis}</small></td>
            <td><${ClockBadge} c=${{ ...c, due_at: null }} />${c.late ? html` <span class="badge off">${t('sd.late')}</span>` : ''}
              ${c.paused && html`<br /><small>${t('sd.paused_hint')}</small>`}</td>
            <td class="nowrap">${formatTime(c.started_at).slice(0, 16)}</td>
            <td class="nowrap">${c.due_at ? formatTime(c.due_at) : '—'}</td>
            <td class="nowrap">${formatTime(c.met_at || c.stopped_at || '')}</td>
          </tr>`)}</tbody></table>`}
        ${write && !closed && tk.kind === 'complaint' && html`<form class="sd-inline" onSubmit=${(e) => {
          e.preventDefault();
          post('/actions', { kind: action }, 'action', () => setAction(''));
        }}>
          <div class="field"><label for="tv-action">${t('sd.action')}</label>
            <select id="tv-action" value=${action} onChange=${(e) => setAction(e.currentTarget.value)}>
              <option value="">${t('sd.choose')}</option>
              ${actions.map((a) => html`<option key=${a.name} value=${a.name}>${lang() === 'en' ? a.en : a.zh}</option>`)}
            </select></div>
          <button type="submit" disabled=${!action} id="tv-action-go">${t('sd.record')}</button>
          ${fieldErr.action && html`<p class="field-error" role="alert">${fieldErr.action}</p>`}
        </form>`}
      </section>
      ${write && html`<section class="panel sd-write" aria-labelledby="tv-write-h">
        <h2 id="tv-write-h" class="sr-only">${t('sd.write')}</h2>
        <form class="sd-reply" onSubmit=${(e) => { e.preventDefault(); post('/replies', { text: reply }, 'reply', () => setReply('')); }}>
          <${Field} id="tv-reply" name="text" as="textarea" rows="3" label=${t('sd.reply')} hint=${t('sd.reply_hint')}
            value=${reply} error=${fieldErr.reply} disabled=${closed} onInput=${(e) => setReply(e.currentTarget.value)} />
          <button type="submit" class="primary" id="tv-reply-go" disabled=${closed || !reply.trim()}>${t('sd.send_reply')}</button>
        </form>
        <form class="sd-note" onSubmit=${(e) => { e.preventDefault(); post('/notes', { text: note }, 'note', () => setNote('')); }}>
          <${Field} id="tv-note" name="text" as="textarea" rows="3" label=${t('sd.note')} hint=${t('sd.note_hint')}
            value=${note} error=${fieldErr.note} onInput=${(e) => setNote(e.currentTarget.value)} />
          <button type="submit" id="tv-note-go" disabled=${!note.trim()}>${t('sd.add_note')}</button>
        </form>
      </section>`}
      <section class="panel" aria-labelledby="tv-hist-h">
        <h2 id="tv-hist-h">${t('sd.history')}</h2>
        <${History} events=${tk.events} />
      </section>
      <section class="panel" aria-labelledby="tv-ca-h">
        <h2 id="tv-ca-h">${t('sd.corrective')}</h2>
        ${tk.corrective_actions.length > 0 && html`<ul class="sd-ca">${tk.corrective_actions.map((a) => html`<li key=${a.id}>
          ${a.measure} — ${a.owner}, ${t('sd.clock.due')} ${formatTime(a.due_at).slice(0, 10)}
          ${a.done_at ? html` <span class="badge">${t('sd.done')}</span>` : a.overdue ? html` <span class="badge off">${t('sd.clock.overdue')}</span>` : ''}
          ${a.evaluation && html` · ${a.evaluation.result_zh || a.evaluation.result}`}</li>`)}</ul>`}
        ${write && html`<form class="sd-inline" onSubmit=${(e) => {
          e.preventDefault();
          post('/corrective-actions', { measure: ca.measure, owner: ca.owner, due: ca.due }, 'ca', () => setCa({ measure: '', owner: '', due: '' }));
        }}>
          <${Field} id="tv-ca-measure" name="measure" label=${t('sd.ca.measure')} value=${ca.measure}
            onInput=${(e) => setCa({ ...ca, measure: e.currentTarget.value })} />
          <${Field} id="tv-ca-owner" name="owner" label=${t('sd.ca.owner')} value=${ca.owner}
            onInput=${(e) => setCa({ ...ca, owner: e.currentTarget.value })} />
          <${Field} id="tv-ca-due" name="due" type="date" label=${t('sd.clock.due')} value=${ca.due}
            onInput=${(e) => setCa({ ...ca, due: e.currentTarget.value })} />
          <button type="submit">${t('sd.ca.add')}</button>
          ${fieldErr.ca && html`<p class="field-error" role="alert">${fieldErr.ca}</p>`}
        </form>`}
      </section>
      ${tk.kind === 'callback' && html`<section class="panel" aria-labelledby="tv-sat-h">
        <h2 id="tv-sat-h">${t('sd.satisfaction')}</h2>
        ${tk.satisfaction ? html`<p id="tv-sat">${'★'.repeat(tk.satisfaction.score)} ${tk.satisfaction.comment}</p>`
          : write && html`<form class="sd-inline" onSubmit=${(e) => {
            e.preventDefault();
            post('/satisfaction', { score: Number(sat.score), comment: sat.comment }, 'sat');
          }}>
            <div class="field"><label for="tv-sat-score">${t('sd.score')}</label>
              <select id="tv-sat-score" value=${sat.score} onChange=${(e) => setSat({ ...sat, score: e.currentTarget.value })}>
                ${['5', '4', '3', '2', '1'].map((s) => html`<option key=${s} value=${s}>${s}</option>`)}</select></div>
            <${Field} id="tv-sat-comment" name="comment" label=${t('sd.comment')} value=${sat.comment}
              onInput=${(e) => setSat({ ...sat, comment: e.currentTarget.value })} />
            <button type="submit">${t('sd.record')}</button>
            ${fieldErr.sat && html`<p class="field-error" role="alert">${fieldErr.sat}</p>`}
          </form>`}
      </section>`}
      ${tk.linked && tk.linked.length > 0 && html`<section class="panel"><h2>${t('sd.linked')}</h2><ul>
        ${tk.linked.map((l) => html`<li key=${l.ticket_no}><a href=${'#/tickets/' + l.ticket_no}>${l.ticket_no}</a>
          ${termName(rd, 'kinds', l.kind)} · ${termName(rd, 'statuses', l.status)}</li>`)}</ul></section>`}
    </div>
    <${Side} tk=${tk} rd=${rd} onQuote=${(text) => {
      setReply((r) => (r ? r + '\n' : '') + text);
      const el = document.getElementById('tv-reply');
      if (el) el.focus();
    }} />
  </div>`;
}

export function TicketsPage({ me, section }) {
  const [rd, err] = useRefdata();
  const view = section === 'board' ? 'board' : section ? 'ticket' : 'queue';
  let body;
  if (err) body = html`<${Notice} kind="error">${err}<//>`;
  else if (!rd) body = html`<${Loading} />`;
  else if (view === 'board') body = html`<${BoardPage} me=${me} rd=${rd} />`;
  else if (view === 'ticket') body = html`<${TicketView} key=${section} me=${me} no=${section} rd=${rd} />`;
  else body = html`<${Queue} me=${me} rd=${rd} />`;
  return html`<section class=${'page tickets sd-' + view}>
    <h1 tabindex="-1">${t('nav.tickets')}</h1>
    <nav class="tabs orders-tabs" aria-label=${t('sd.screens')}>
      <a href="#/tickets" aria-current=${view === 'queue' ? 'page' : undefined}>${t('sd.tab.queue')}</a>
      ${view === 'ticket' && html`<a href=${'#/tickets/' + section} aria-current="page">${section}</a>`}
      <a href="#/tickets/board" aria-current=${view === 'board' ? 'page' : undefined}>${t('sd.tab.board')}</a>
    </nav>
    ${body}
  </section>`;
}
