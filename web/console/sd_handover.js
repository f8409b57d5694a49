// 交接班 (#/handover, #/handover/{id}): the shift handover (issue 5 item 6,
// docs/service-desk-problems.md "Shift handover").
//   #/handover        write this shift's entry (shift, date, what happened,
//                     open items linking tickets, problem parcels and
//                     waybills — the server checks each link and names the
//                     item it refuses) and the node's entries, those nobody
//                     has acknowledged first
//   #/handover/{id}   one entry with its items as links, and the next
//                     shift's acknowledgement: only another user of the same
//                     node may give it; the server's refusal (the author's
//                     own, another node's) is shown as it comes
// Keyboard first: "/" focuses the text of a new entry, Enter on a row opens
// it.
//
// Wiring (app.js): import { HandoverPage } from './sd_handover.js';
//   Page(): if (id === 'handover') return html`<${HandoverPage} me=${me} arg=${route[1]} />`;

import { api } from './api.js';
import { t, tOr } from './i18n.js';
import { html, useState, useEffect, useCallback, Field, Notice, Loading, formatTime, navigate } from './ui.js';

export const SHIFTS = ['early', 'day', 'middle', 'late', 'night'];
const KINDS = ['ticket', 'problem', 'waybill'];
const shiftName = (s, zh) => tOr('ho.shift.' + s, zh || s);
const EMPTY_ITEM = { kind: 'ticket', ref: '', note: '' };

/** Where an open item's reference leads in the console. */
function itemHref(it) {
  const ref = encodeURIComponent(it.ref);
  if (it.kind === 'ticket') return '#/tickets/' + ref;
  if (it.kind === 'problem') return '#/problems/' + ref;
  return '#/tracking/' + ref;
}

function Items({ items }) {
  if (!items || items.length === 0) return html`<p class="muted">${t('ho.no_items')}</p>`;
  return html`<ul class="ho-items">${items.map((it, i) => html`<li key=${i} data-kind=${it.kind}>
    <span class="badge">${t('ho.kind.' + it.kind)}</span> <a href=${itemHref(it)} class="mono">${it.ref}</a>
    ${it.note && html` · ${it.note}`}</li>`)}</ul>`;
}

/* ------------------------------------------------------------------- write */

function Write({ onCreated }) {
  const [v, setV] = useState({ shift: 'day', shift_date: '', text: '' });
  const [items, setItems] = useState([]);
  const [errors, setErrors] = useState({});
  const [msg, setMsg] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (k) => (e) => setV({ ...v, [k]: e.currentTarget.value });
  const setItem = (i, k) => (e) => setItems(items.map((x, j) => (j === i ? { ...x, [k]: e.currentTarget.value } : x)));

  async function submit(e) {
    e.preventDefault();
    if (busy) return;
    const body = { shift: v.shift, text: v.text };
    if (v.shift_date) body.shift_date = v.shift_date;
    const list = items.filter((x) => x.ref.trim() || x.note.trim());
    if (list.length) {
      body.items = list.map((x) => {
        const o = { kind: x.kind, ref: x.kind === 'waybill' ? x.ref.trim().toUpperCase() : x.ref.trim() };
        if (x.note.trim()) o.note = x.note.trim();
        return o;
      });
    }
    setBusy(true);
    setErrors({});
    setMsg(null);
    try {
      const r = await api('POST', '/api/v1/handovers', { body });
      setV({ ...v, text: '' });
      setItems([]);
      onCreated(r);
    } catch (ex) {
      // "items[2].ref" → the third row's reference input.
      const m = /^items\[(\d+)\]\.(kind|ref|note)$/.exec(ex.field || '');
      const id = m ? `ho-item-${m[1]}-${m[2]}` : 'ho-' + (ex.field || '');
      const el = ex.field && document.getElementById(id);
      if (el) { setErrors({ [m ? `${m[1]}.${m[2]}` : ex.field]: ex.message }); el.focus(); } else setMsg(ex.message);
    } finally {
      setBusy(false);
    }
  }

  return html`<form class="panel ho-write" id="ho-form" onSubmit=${submit} novalidate aria-labelledby="ho-write-h">
    <h2 id="ho-write-h">${t('ho.write')}</h2>
    <div class="pb-grid">
      <${Field} id="ho-shift" name="shift" as="select" label=${t('ho.shift')} value=${v.shift}
        error=${errors.shift} onChange=${set('shift')}>
        ${SHIFTS.map((s) => html`<option key=${s} value=${s}>${shiftName(s)}</option>`)}<//>
      <${Field} id="ho-shift_date" name="shift_date" type="date" label=${t('ho.date')} hint=${t('ho.date_hint')}
        value=${v.shift_date} error=${errors.shift_date} onInput=${set('shift_date')} />
    </div>
    <${Field} id="ho-text" name="text" as="textarea" rows="4" label=${t('ho.text')} value=${v.text}
      error=${errors.text} onInput=${set('text')} aria-keyshortcuts="/" />
    <fieldset class="ho-item-rows">
      <legend>${t('ho.items')}</legend>
      ${items.map((x, i) => html`<div class="ho-item-row" key=${i}>
        <${Field} id=${`ho-item-${i}-kind`} name=${`items[${i}].kind`} as="select" label=${t('ho.kind')}
          value=${x.kind} error=${errors[`${i}.kind`]} onChange=${setItem(i, 'kind')}>
          ${KINDS.map((k) => html`<option key=${k} value=${k}>${t('ho.kind.' + k)}</option>`)}<//>
        <${Field} id=${`ho-item-${i}-ref`} name=${`items[${i}].ref`} label=${t('ho.ref')} value=${x.ref}
          error=${errors[`${i}.ref`]} onInput=${setItem(i, 'ref')} autocomplete="off" />
        <${Field} id=${`ho-item-${i}-note`} name=${`items[${i}].note`} label=${t('pb.note')} value=${x.note}
          error=${errors[`${i}.note`]} onInput=${setItem(i, 'note')} />
        <button type="button" class="link" onClick=${() => setItems(items.filter((_, j) => j !== i))}>${t('ho.remove')}</button>
      </div>`)}
      <button type="button" id="ho-add-item" onClick=${() => {
        setItems([...items, EMPTY_ITEM]);
        setTimeout(() => { const el = document.getElementById(`ho-item-${items.length}-kind`); if (el) el.focus(); }, 0);
      }}>${t('ho.add_item')}</button>
    </fieldset>
    <${Notice} kind="error">${msg}<//>
    <div class="form-actions">
      <button type="submit" class="primary" id="ho-submit" disabled=${busy}>${t('ho.submit')}</button>
    </div>
  </form>`;
}

/* -------------------------------------------------------------------- list */

function List({ refresh }) {
  const [items, setItems] = useState(null);
  const [err, setErr] = useState(null);
  useEffect(() => {
    api('GET', '/api/v1/handovers', { query: { limit: 100 } }).then((r) => {
      // Unacknowledged first, then the newest; the server lists newest first.
      const list = [...r.items];
      list.sort((a, b) => Number(a.acknowledged) - Number(b.acknowledged));
      setItems(list);
      setErr(null);
    }, (e) => setErr(e.message));
  }, [refresh]);
  const open = (id) => navigate('/handover/' + id);

  if (err) return html`<${Notice} kind="error">${err}<//>`;
  if (!items) return html`<${Loading} />`;
  return html`<section aria-labelledby="ho-list-h">
    <h2 id="ho-list-h">${t('ho.list')}</h2>
    <div class="table-wrap"><table class="data ho-table" id="ho-table">
      <thead><tr><th>${t('ho.date')}</th><th>${t('ho.shift')}</th><th>${t('sd.col.node')}</th>
        <th>${t('ho.author')}</th><th>${t('ho.text')}</th><th>${t('ho.items')}</th><th>${t('ho.ack')}</th></tr></thead>
      <tbody>
        ${items.length === 0 && html`<tr><td colspan="7" class="muted">${t('ho.none')}</td></tr>`}
        ${items.map((h) => html`<tr key=${h.id} data-id=${h.id} data-acked=${String(h.acknowledged)} tabindex="0"
            class=${h.acknowledged ? '' : 'ho-open'} onKeyDown=${(e) => { if (e.key === 'Enter') open(h.id); }}>
          <td class="nowrap"><a href=${'#/handover/' + h.id}>${h.shift_date}</a></td>
          <td>${shiftName(h.shift, h.shift_zh)}</td>
          <td>${h.node}</td>
          <td>${h.author.display_name || h.author.username}</td>
          <td class="ho-excerpt">${h.text.length > 60 ? h.text.slice(0, 60) + '…' : h.text}</td>
          <td class="num">${h.open_items}</td>
          <td>${h.acknowledged ? html`<span class="badge">${t('ho.acked_by', { by: h.acknowledgement.by })}</span>`
            : html`<span class="badge off">${t('ho.unacked')}</span>`}</td>
        </tr>`)}
      </tbody>
    </table></div>
  </section>`;
}

/* --------------------------------------------------------------- one entry */

function Entry({ id }) {
  const [h, setH] = useState(null);
  const [err, setErr] = useState(null);
  const [note, setNote] = useState('');
  const [ackErr, setAckErr] = useState(null);
  const [msg, setMsg] = useState(null);
  const load = useCallback(() => {
    api('GET', '/api/v1/handovers/' + encodeURIComponent(id)).then((x) => { setH(x); setErr(null); }, (e) => setErr(e.message));
  }, [id]);
  useEffect(() => { setH(null); load(); }, [load]);

  async function ack(e) {
    e.preventDefault();
    setAckErr(null);
    setMsg(null);
    try {
      setH(await api('POST', `/api/v1/handovers/${h.id}/ack`, { body: note.trim() ? { note: note.trim() } : {} }));
      setMsg(t('ho.acked_ok'));
    } catch (ex) {
      setAckErr(ex.message);
      const el = document.getElementById('ho-ack-note');
      if (el) el.focus();
    }
  }

  if (err) return html`<${Notice} kind="error">${err}<//>`;
  if (!h) return html`<${Loading} />`;
  return html`<article class="panel ho-entry" id="he" data-acked=${String(h.acknowledged)}>
    <h2 id="he-title">${h.shift_date} ${shiftName(h.shift, h.shift_zh)} · ${h.node}</h2>
    <p class="muted">${t('ho.author')}: ${h.author.display_name || h.author.username} · ${formatTime(h.created_at).slice(0, 16)}</p>
    <p class="ho-text" id="he-text">${h.text}</p>
    <h3>${t('ho.items')}</h3>
    <${Items} items=${h.items} />
    <${Notice} kind="ok">${msg}<//>
    ${h.acknowledged ? html`<p id="he-ack" class="ho-acked">${t('ho.acked_by', { by: h.acknowledgement.by })}
        · ${formatTime(h.acknowledgement.at).slice(0, 16)}${h.acknowledgement.note && ` · ${h.acknowledgement.note}`}</p>`
      : html`<form class="pb-form" id="he-ack-form" onSubmit=${ack}>
        <${Field} id="ho-ack-note" name="note" label=${t('ho.ack_note')} value=${note} maxlength="200"
          error=${ackErr} onInput=${(e) => setNote(e.currentTarget.value)} />
        <button type="submit" class="primary" id="he-ack-go">${t('ho.ack_go')}</button>
      </form>`}
  </article>`;
}

export function HandoverPage({ arg }) {
  const [refresh, setRefresh] = useState(0);
  useEffect(() => {
    if (arg) return undefined;
    function onKey(e) {
      if (e.altKey || e.ctrlKey || e.metaKey) return;
      const tag = (e.target.tagName || '').toLowerCase();
      if (['input', 'textarea', 'select'].includes(tag)) return;
      if (e.key === '/') { e.preventDefault(); const el = document.getElementById('ho-text'); if (el) el.focus(); }
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [arg]);
  const [created, setCreated] = useState(null);

  return html`<section class="page handover">
    <h1 tabindex="-1">${t('nav.handover')}</h1>
    <nav class="tabs orders-tabs" aria-label=${t('ho.screens')}>
      <a href="#/handover" aria-current=${arg ? undefined : 'page'}>${t('ho.tab.list')}</a>
      ${arg && html`<a href=${'#/handover/' + arg} aria-current="page">#${arg}</a>`}
    </nav>
    ${arg ? html`<${Entry} key=${arg} id=${arg} />` : html`<div class="ho-page">
      <${Write} onCreated=${(r) => { setCreated(r); setRefresh(refresh + 1); }} />
      ${created && html`<${Notice} kind="ok">${t('ho.created', { id: created.id })}<//>`}
      <${List} refresh=${refresh} />
    </div>`}
  </section>`;
}
