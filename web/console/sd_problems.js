// 问题件 (#/problems, #/problems/{id}): problem parcels at the service desk
// (issue 5 item 2, docs/service-desk-problems.md), from the server's answers:
//   #/problems        the queue with filters (state, type, node, waybill) and
//                     the form that opens one (type, waybill, node, what
//                     happened) for holders of tickets.write
//   #/problems/{id}   one problem: evidence upload (the file itself as the
//                     body with its type; the server decides by magic bytes
//                     and size, and its refusal is shown by the file input),
//                     the evidence list linking to the API's own URLs (served
//                     with the session cookie to staff who may read the
//                     record, nobody else), resolution actions (compensate
//                     shows the compensation case it opened), the contact
//                     log, and closing with a reason and a root cause.
// Keyboard first: "/" focuses the first filter, N opens the new-problem
// form, Enter on a row opens it, Escape closes the form.
//
// Wiring (app.js): import { ProblemsPage } from './sd_problems.js';
//   Page(): if (id === 'problems') return html`<${ProblemsPage} me=${me} arg=${route[1]} />`;

import { api, ApiError } from './api.js';
import { t, tOr, lang, langTag } from './i18n.js';
import { html, useState, useEffect, useRef, useCallback, Field, Notice, Loading, formatTime, navigate } from './ui.js';
import { can } from './shell.js';
import { formatFen } from './order_parts.js';

/** The vocabularies of core/problem.def (the server checks them again). */
export const TYPES = ['no_update', 'delayed', 'damage', 'loss', 'shortage', 'missort', 'delay',
  'address', 'refused', 'prohibited', 'disaster', 'other'];
const MANUAL = TYPES.filter((x) => x !== 'no_update' && x !== 'delayed');
const ACTIONS = ['redeliver', 'redirect', 'return', 'hold', 'destroy', 'compensate'];
const PARTIES = ['sender', 'recipient'];
const CHANNELS = ['phone', 'sms', 'email', 'im', 'visit', 'letter', 'other'];
const OUTCOMES = ['reached', 'no_answer', 'unreachable', 'left_message', 'agreed', 'disagreed', 'call_back'];
const CAUSES = ['packaging', 'handling', 'sorting', 'address_data', 'transport', 'theft', 'customer',
  'third_party', 'system', 'force_majeure', 'unknown'];

/** A vocabulary term in the current language; the server's Chinese name when we have no key. */
const term = (kind, name, zh) => (name ? tOr(`pb.${kind}.${name}`, zh || name) : '');
const opts = (kind, list) => list.map((x) => html`<option key=${x} value=${x}>${term(kind, x)}</option>`);

/** "12.5" yuan → 1250 fen, exactly; null when it is not an amount. */
function yuanToFen(s) {
  const m = /^\s*(\d{1,9})(?:\.(\d{1,2}))?\s*$/.exec(s || '');
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] || '').padEnd(2, '0'));
}

/**
 * POST a file as the request body with its own type (what the server reads
 * by magic bytes). api() only sends JSON, so the envelope is read here the
 * same way.
 */
async function uploadEvidence(id, file) {
  const u = new URL(`/api/v1/problems/${id}/evidence`, location.origin);
  if (lang() === 'en') u.searchParams.set('lang', 'en');
  let res;
  try {
    res = await fetch(u.pathname + u.search, {
      method: 'POST', credentials: 'same-origin', cache: 'no-store',
      headers: { accept: 'application/json', 'accept-language': langTag(),
        'content-type': file.type || 'application/octet-stream' },
      body: file,
    });
  } catch {
    throw new ApiError(0, 'network', t('err.network'), 'file');
  }
  const data = await res.json().catch(() => null);
  if (res.ok) return data;
  const e = data && data.error;
  throw e && typeof e.message === 'string'
    ? new ApiError(res.status, e.code || '', e.message, e.field || 'file')
    : new ApiError(res.status, '', t('err.http', { status: res.status }), 'file');
}

/* ---------------------------------------------------------------- the queue */

function NewProblem({ onClose, onCreated }) {
  const [v, setV] = useState({ type: '', waybill_no: '', node: '', reason: '' });
  const [errors, setErrors] = useState({});
  const [msg, setMsg] = useState(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => { const el = document.getElementById('pn-type'); if (el) el.focus(); }, []);
  const set = (k) => (e) => setV({ ...v, [k]: e.currentTarget.value });

  async function submit(e) {
    e.preventDefault();
    if (busy) return;
    const body = { type: v.type, waybill_no: v.waybill_no.trim().toUpperCase(), reason: v.reason };
    if (v.node.trim()) body.node = v.node.trim().toUpperCase();
    setBusy(true);
    setErrors({});
    setMsg(null);
    try {
      onCreated(await api('POST', '/api/v1/problems', { body }));
    } catch (err) {
      const el = err.field && document.getElementById('pn-' + err.field);
      if (el) { setErrors({ [err.field]: err.message }); el.focus(); } else setMsg(err.message);
    } finally {
      setBusy(false);
    }
  }

  return html`<form class="panel pb-new" id="pn-form" onSubmit=${submit} novalidate aria-labelledby="pn-title"
      onKeyDown=${(e) => { if (e.key === 'Escape') onClose(); }}>
    <h2 id="pn-title">${t('pb.new')}</h2>
    <div class="pb-grid">
      <${Field} id="pn-type" name="type" as="select" label=${t('pb.f.type')} value=${v.type}
        error=${errors.type} onChange=${set('type')}>
        <option value="">${t('sd.choose')}</option>${opts('type', MANUAL)}<//>
      <${Field} id="pn-waybill_no" name="waybill_no" label=${t('sd.f.waybill')} value=${v.waybill_no}
        error=${errors.waybill_no} onInput=${set('waybill_no')} autocomplete="off" />
      <${Field} id="pn-node" name="node" label=${t('pb.f.node')} hint=${t('pb.f.node_hint')} value=${v.node}
        error=${errors.node} onInput=${set('node')} autocomplete="off" />
    </div>
    <${Field} id="pn-reason" name="reason" as="textarea" rows="3" label=${t('pb.f.reason')} value=${v.reason}
      error=${errors.reason} onInput=${set('reason')} />
    <${Notice} kind="error">${msg}<//>
    <div class="form-actions">
      <button type="submit" class="primary" id="pn-submit" disabled=${busy}>${t('pb.open')}</button>
      <button type="button" onClick=${onClose}>${t('pb.cancel')} <kbd>Esc</kbd></button>
    </div>
  </form>`;
}

function Queue({ me }) {
  const [f, setF] = useState({ state: 'open', type: '', node: '', waybill_no: '' });
  const [items, setItems] = useState(null);
  const [err, setErr] = useState(null);
  const [creating, setCreating] = useState(false);
  const firstFilter = useRef(null);
  const write = can(me, 'tickets.write');

  const load = useCallback(async () => {
    const q = { state: f.state, type: f.type, node: f.node.trim().toUpperCase(),
      waybill_no: f.waybill_no.trim().toUpperCase(), limit: 100 };
    try {
      setErr(null);
      setItems((await api('GET', '/api/v1/problems', { query: q })).items);
    } catch (e) {
      setErr(e.field ? `${e.field}: ${e.message}` : e.message);
      setItems([]);
    }
  }, [f]);
  useEffect(() => { load(); }, [f.state, f.type]);

  useEffect(() => {
    function onKey(e) {
      if (e.altKey || e.ctrlKey || e.metaKey) return;
      const tag = (e.target.tagName || '').toLowerCase();
      if (['input', 'textarea', 'select'].includes(tag)) return;
      if (e.key === '/') { e.preventDefault(); firstFilter.current && firstFilter.current.focus(); }
      if ((e.key === 'n' || e.key === 'N') && write) { e.preventDefault(); setCreating(true); }
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [write]);

  const set = (k) => (e) => setF({ ...f, [k]: e.currentTarget.value });
  const open = (id) => navigate('/problems/' + id);

  return html`<div class="pb-queue">
    <form class="panel sd-filters" role="search" onSubmit=${(e) => { e.preventDefault(); load(); }}>
      <div class="field"><label for="pq-state">${t('pb.f.state')}</label>
        <select id="pq-state" ref=${firstFilter} value=${f.state} onChange=${set('state')}>
          <option value="open">${t('pb.state.open')}</option>
          <option value="closed">${t('pb.state.closed')}</option>
          <option value="">${t('sd.any')}</option>
        </select></div>
      <div class="field"><label for="pq-type">${t('pb.f.type')}</label>
        <select id="pq-type" value=${f.type} onChange=${set('type')}>
          <option value="">${t('sd.any')}</option>${opts('type', TYPES)}
        </select></div>
      <div class="field"><label for="pq-node">${t('pb.f.node')}</label>
        <input id="pq-node" value=${f.node} onInput=${set('node')} autocomplete="off" /></div>
      <div class="field"><label for="pq-waybill">${t('sd.f.waybill')}</label>
        <input id="pq-waybill" value=${f.waybill_no} onInput=${set('waybill_no')} autocomplete="off" /></div>
      <div class="sd-filter-actions">
        <button type="submit" id="pq-go">${t('sd.refresh')}</button>
        ${write && html`<button type="button" class="primary" id="pq-new" aria-keyshortcuts="N"
          onClick=${() => setCreating(true)}>${t('pb.new')} <kbd>N</kbd></button>`}
      </div>
    </form>
    ${creating && html`<${NewProblem} onClose=${() => setCreating(false)}
      onCreated=${(p) => { setCreating(false); open(p.id); }} />`}
    <${Notice} kind="error">${err}<//>
    ${items === null ? html`<${Loading} />` : html`<div class="table-wrap">
      <table class="data pb-table" id="pq-table">
        <caption class="sr-only">${t('nav.problems')}</caption>
        <thead><tr>
          <th>${t('pb.col.id')}</th><th>${t('sd.f.waybill')}</th><th>${t('pb.f.type')}</th>
          <th>${t('pb.f.node')}</th><th>${t('pb.f.state')}</th><th>${t('pb.f.reason')}</th>
          <th>${t('pb.col.opened')}</th>
        </tr></thead>
        <tbody>
          ${items.length === 0 && html`<tr><td colspan="7" class="muted">${t('pb.empty')}</td></tr>`}
          ${items.map((p) => html`<tr key=${p.id} data-id=${p.id} tabindex="0"
              onKeyDown=${(e) => { if (e.key === 'Enter') open(p.id); }}>
            <td><a href=${'#/problems/' + p.id}>${p.id}</a></td>
            <td class="mono">${p.waybill_no}</td>
            <td>${term('type', p.type, p.type_zh)}</td>
            <td>${p.node}</td>
            <td><span class=${'pb-state st-' + p.state}>${t('pb.state.' + p.state)}</span></td>
            <td>${p.reason}</td>
            <td class="nowrap">${formatTime(p.opened_at).slice(0, 16)}</td>
          </tr>`)}
        </tbody>
      </table></div>`}
  </div>`;
}

/* ------------------------------------------------------------- one problem */

const kib = (n) => (n >= 1024 * 1024 ? `${(n / 1048576).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);

function Evidence({ p, write, onChanged, onFailed }) {
  const [file, setFile] = useState(null);
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  // Field is a function component: no ref through it, so the input by id.
  const input = { get current() { return document.getElementById('pv-file'); } };

  async function submit(e) {
    e.preventDefault();
    if (!file || busy) return;
    setBusy(true);
    setErr(null);
    try {
      await uploadEvidence(p.id, file);
      setFile(null);
      if (input.current) input.current.value = '';
      onChanged(t('pb.ev.uploaded'));
    } catch (ex) {
      setErr(ex.message);
      onFailed();
      if (input.current) input.current.focus();
    } finally {
      setBusy(false);
    }
  }

  return html`<section class="panel" aria-labelledby="pv-ev-h">
    <h2 id="pv-ev-h">${t('pb.ev')}</h2>
    ${p.evidence.length === 0 ? html`<p class="muted">${t('pb.ev.none')}</p>` : html`<ul class="pb-evidence" id="pv-evidence">
      ${p.evidence.map((e) => html`<li key=${e.id} data-type=${e.content_type}>
        ${e.content_type.startsWith('image/') && html`<img src=${e.url} alt="" class="pb-thumb" loading="lazy" />`}
        <a href=${e.url} target="_blank" rel="noopener">${t('pb.ev.file', { id: e.id })}</a>
        <span class="muted">${e.content_type} · ${kib(e.size_bytes)} · ${e.uploaded_by || ''} · ${formatTime(e.uploaded_at).slice(0, 16)}</span>
      </li>`)}</ul>`}
    ${write && html`<form class="pb-form" id="pv-ev-form" onSubmit=${submit}>
      <${Field} id="pv-file" name="file" type="file" label=${t('pb.ev.choose')} hint=${t('pb.ev.hint')}
        accept="image/jpeg,image/png,application/pdf" error=${err}
        onChange=${(e) => { setErr(null); setFile(e.currentTarget.files[0] || null); }} />
      <button type="submit" id="pv-upload" disabled=${!file || busy}>${t('pb.ev.upload')}</button>
    </form>`}
  </section>`;
}

function ActionForm({ p, onDone }) {
  const [v, setV] = useState({ action: '', note: '', address: '', amount: '' });
  const [errors, setErrors] = useState({});
  const set = (k) => (e) => setV({ ...v, [k]: e.currentTarget.value });

  async function submit(e) {
    e.preventDefault();
    const body = { action: v.action };
    if (v.note.trim()) body.note = v.note.trim();
    if (v.action === 'redirect') body.address = v.address.trim();
    if (v.action === 'compensate') {
      const fen = yuanToFen(v.amount);
      if (fen === null) { setErrors({ amount_fen: t('pb.act.amount_bad') }); return; }
      body.amount_fen = fen;
    }
    setErrors({});
    try {
      const r = await api('POST', `/api/v1/problems/${p.id}/actions`, { body });
      setV({ action: '', note: '', address: '', amount: '' });
      onDone(r.compensation_case
        ? t('pb.act.case', { id: r.compensation_case.id, amount: formatFen(r.compensation_case.amount_fen) })
        : t('sd.saved'));
    } catch (ex) {
      setErrors({ [ex.field && ['note', 'address', 'amount_fen'].includes(ex.field) ? ex.field : 'action']: ex.message });
    }
  }

  return html`<form class="pb-form" id="pv-act-form" onSubmit=${submit} novalidate>
    <${Field} id="pv-action" name="action" as="select" label=${t('pb.act')} value=${v.action}
      error=${errors.action} onChange=${set('action')}>
      <option value="">${t('sd.choose')}</option>${opts('action', ACTIONS)}<//>
    ${v.action === 'redirect' && html`<${Field} id="pv-address" name="address" label=${t('pb.act.address')}
      value=${v.address} error=${errors.address} onInput=${set('address')} />`}
    ${v.action === 'compensate' && html`<${Field} id="pv-amount" name="amount_fen" label=${t('pb.act.amount')}
      inputmode="decimal" value=${v.amount} error=${errors.amount_fen} onInput=${set('amount')} />`}
    <${Field} id="pv-act-note" name="note" label=${v.action === 'destroy' ? t('pb.act.note_needed') : t('pb.note')}
      value=${v.note} error=${errors.note} onInput=${set('note')} />
    <button type="submit" id="pv-act-go" disabled=${!v.action}>${t('sd.record')}</button>
  </form>`;
}

function ContactForm({ p, onDone }) {
  const [v, setV] = useState({ party: 'recipient', channel: 'phone', outcome: '', note: '' });
  const [errors, setErrors] = useState({});
  const set = (k) => (e) => setV({ ...v, [k]: e.currentTarget.value });

  async function submit(e) {
    e.preventDefault();
    const body = { party: v.party, channel: v.channel, outcome: v.outcome };
    if (v.note.trim()) body.note = v.note.trim();
    setErrors({});
    try {
      await api('POST', `/api/v1/problems/${p.id}/contacts`, { body });
      setV({ ...v, outcome: '', note: '' });
      onDone(t('sd.saved'));
    } catch (ex) {
      setErrors({ [ex.field && ex.field in v ? ex.field : 'outcome']: ex.message });
    }
  }

  return html`<form class="pb-form" id="pv-contact-form" onSubmit=${submit} novalidate>
    <${Field} id="pv-party" name="party" as="select" label=${t('pb.ct.party')} value=${v.party}
      error=${errors.party} onChange=${set('party')}>${opts('party', PARTIES)}<//>
    <${Field} id="pv-channel" name="channel" as="select" label=${t('pb.ct.channel')} value=${v.channel}
      error=${errors.channel} onChange=${set('channel')}>${opts('channel', CHANNELS)}<//>
    <${Field} id="pv-outcome" name="outcome" as="select" label=${t('pb.ct.outcome')} value=${v.outcome}
      error=${errors.outcome} onChange=${set('outcome')}>
      <option value="">${t('sd.choose')}</option>${opts('outcome', OUTCOMES)}<//>
    <${Field} id="pv-ct-note" name="note" label=${t('pb.note')} value=${v.note} error=${errors.note}
      onInput=${set('note')} />
    <button type="submit" id="pv-contact-go">${t('pb.ct.add')}</button>
  </form>`;
}

function CloseForm({ p, onDone }) {
  const [v, setV] = useState({ reason: '', root_cause: '' });
  const [errors, setErrors] = useState({});
  const set = (k) => (e) => setV({ ...v, [k]: e.currentTarget.value });

  async function submit(e) {
    e.preventDefault();
    // Sent as typed: the server says what is missing, naming the field.
    const body = { reason: v.reason };
    if (v.root_cause) body.root_cause = v.root_cause;
    setErrors({});
    try {
      await api('POST', `/api/v1/problems/${p.id}/close`, { body });
      onDone(t('pb.closed_ok'));
    } catch (ex) {
      const k = ex.field === 'root_cause' ? 'root_cause' : 'reason';
      setErrors({ [k]: ex.message });
      const el = document.getElementById('pv-' + k);
      if (el) el.focus();
    }
  }

  return html`<form class="pb-form" id="pv-close-form" onSubmit=${submit} novalidate>
    <${Field} id="pv-reason" name="reason" as="textarea" rows="2" label=${t('pb.close.reason')} value=${v.reason}
      error=${errors.reason} onInput=${set('reason')} />
    <${Field} id="pv-root_cause" name="root_cause" as="select" label=${t('pb.close.cause')} value=${v.root_cause}
      error=${errors.root_cause} onChange=${set('root_cause')}>
      <option value="">${t('sd.choose')}</option>${opts('cause', CAUSES)}<//>
    <button type="submit" class="danger" id="pv-close-go">${t('pb.close')}</button>
  </form>`;
}

function ProblemView({ me, id }) {
  const [p, setP] = useState(null);
  const [err, setErr] = useState(null);
  const [msg, setMsg] = useState(null);
  const load = useCallback(() => {
    api('GET', '/api/v1/problems/' + encodeURIComponent(id)).then((x) => { setP(x); setErr(null); }, (e) => setErr(e.message));
  }, [id]);
  useEffect(() => { setP(null); load(); }, [load]);

  if (err) return html`<${Notice} kind="error">${err}<//>`;
  if (!p) return html`<${Loading} />`;
  const write = can(me, 'tickets.write') && p.state === 'open';
  const done = (text) => { setMsg(text); load(); };

  return html`<div class="pb-view">
    <header class="panel sd-head">
      <h2 id="pv-title">${t('pb.title', { id: p.id })} · ${term('type', p.type, p.type_zh)}
        <span class=${'pb-state st-' + p.state} id="pv-state" data-state=${p.state}>${t('pb.state.' + p.state)}</span></h2>
      <dl class="facts">
        <dt>${t('sd.f.waybill')}</dt><dd><a href=${'#/tracking/' + p.waybill_no} class="mono">${p.waybill_no}</a></dd>
        <dt>${t('pb.f.node')}</dt><dd>${p.node}</dd>
        <dt>${t('pb.source')}</dt><dd>${t('pb.source.' + p.source)}${p.source_scan ? ` (${p.source_scan})` : ''}</dd>
        <dt>${t('pb.col.opened')}</dt><dd>${formatTime(p.opened_at)}</dd>
        <dt>${t('pb.f.reason')}</dt><dd id="pv-reason-text">${p.reason}</dd>
        ${p.resolution && html`<dt>${t('pb.resolution')}</dt><dd>${term('action', p.resolution, p.resolution_zh)}</dd>`}
        ${p.state === 'closed' && html`<dt>${t('pb.close.reason')}</dt><dd id="pv-note">${p.note}</dd>
          <dt>${t('pb.close.cause')}</dt><dd>${term('cause', p.root_cause, p.root_cause_zh)}</dd>
          <dt>${t('pb.closed_at')}</dt><dd>${formatTime(p.closed_at)}</dd>`}
      </dl>
    </header>
    <${Notice} kind="ok">${msg}<//>
    <${Evidence} p=${p} write=${write} onChanged=${done} onFailed=${() => setMsg(null)} />
    <section class="panel" aria-labelledby="pv-act-h">
      <h2 id="pv-act-h">${t('pb.acts')}</h2>
      ${p.actions.length === 0 ? html`<p class="muted">${t('pb.none')}</p>` : html`<ol class="pb-log" id="pv-actions">
        ${p.actions.map((a) => html`<li key=${a.id} data-action=${a.action}>
          <strong>${term('action', a.action, a.action_zh)}</strong>
          ${a.address && html` → ${a.address}`}${a.amount_fen ? html` ${formatFen(a.amount_fen)}` : ''}
          ${a.note && html` · ${a.note}`}
          ${a.compensation_case_id && html` <span class="badge">${t('pb.case', { id: a.compensation_case_id })}</span>`}
          <span class="muted"> ${a.by || ''} ${formatTime(a.at).slice(0, 16)}</span></li>`)}</ol>`}
      ${p.compensation_cases.length > 0 && html`<ul class="pb-cases" id="pv-cases">${p.compensation_cases.map((c) => html`<li key=${c.id}>
        ${t('pb.case', { id: c.id })} · ${formatFen(c.amount_fen)} · ${tOr('pb.case_state.' + c.state, c.state)}</li>`)}</ul>`}
      ${write && html`<${ActionForm} p=${p} onDone=${done} />`}
    </section>
    <section class="panel" aria-labelledby="pv-ct-h">
      <h2 id="pv-ct-h">${t('pb.contacts')}</h2>
      ${p.contacts.length === 0 ? html`<p class="muted">${t('pb.none')}</p>` : html`<ol class="pb-log" id="pv-contacts">
        ${p.contacts.map((c) => html`<li key=${c.id}>
          ${term('party', c.party, c.party_zh)} · ${term('channel', c.channel, c.channel_zh)} ·
          <strong>${term('outcome', c.outcome, c.outcome_zh)}</strong>${c.note && html` · ${c.note}`}
          <span class="muted"> ${c.by || ''} ${formatTime(c.at).slice(0, 16)}</span></li>`)}</ol>`}
      ${write && html`<${ContactForm} p=${p} onDone=${done} />`}
    </section>
    ${write && html`<section class="panel" aria-labelledby="pv-close-h">
      <h2 id="pv-close-h">${t('pb.close')}</h2>
      <${CloseForm} p=${p} onDone=${done} />
    </section>`}
  </div>`;
}

export function ProblemsPage({ me, arg }) {
  return html`<section class="page problems">
    <h1 tabindex="-1">${t('nav.problems')}</h1>
    <nav class="tabs orders-tabs" aria-label=${t('pb.screens')}>
      <a href="#/problems" aria-current=${arg ? undefined : 'page'}>${t('pb.tab.queue')}</a>
      ${arg && html`<a href=${'#/problems/' + arg} aria-current="page">${t('pb.title', { id: arg })}</a>`}
    </nav>
    ${arg ? html`<${ProblemView} key=${arg} me=${me} id=${arg} />` : html`<${Queue} me=${me} />`}
  </section>`;
}
