// 订单查询: find orders by waybill (or parcel) number, phone, customer
// reference, date range and state, look at one in full, act on it as its
// state allows (submit, approve, flag for review, cancel) and print labels —
// one waybill at either label size, or the selected rows as one PDF. A number
// typed alone is looked up directly (GET /api/v1/waybills/{no}), so a mistyped
// one gets the server's check-digit refusal under the input before any
// search. The result table is one Tab stop: arrows or j/k move, Enter opens,
// Space selects for batch printing. The detail panel (WaybillDetail) is also
// what the review queue opens.

import { api } from './api.js';
import { t, tOr } from './i18n.js';
import { html, useState, useEffect, useRef, Field, Notice, Loading, navigate } from './ui.js';
import { can } from './shell.js';
import {
  STATES, LABEL_SIZES, PRINTABLE, formatFen, formatGrams, formatCm, StateBadge, ReviewReasons,
  ReasonDialog, request, openLabel, when, stateLabel, channelLabel, serviceLabel, paymentLabel,
} from './order_parts.js';

const EMPTY = { no: '', phone: '', customer_ref: '', from: '', to: '', state: '' };
const PAGE = 50;

/* ---------- the detail panel ---------- */

function Party({ title, p }) {
  if (!p) return null;
  return html`<div class="detail-block">
    <h3>${title}</h3>
    <p><strong>${p.name}</strong> <span class="phone">${p.phone}</span>
      ${p.company && html`<br /><span>${p.company}</span>`}</p>
    <p>${p.province}${p.city && p.city !== p.province ? p.city : ''}${p.district || ''}
      ${p.district_code && html` <code class="muted">${p.district_code}</code>`}<br />${p.address}</p>
  </div>`;
}

function Facts({ rows }) {
  return html`<dl class="facts">
    ${rows.filter(([, v]) => v !== null && v !== undefined && v !== '').map(([k, v]) => html`
      <dt key=${k + '-t'}>${k}</dt><dd key=${k + '-d'}>${v}</dd>`)}
  </dl>`;
}

/** What may be done to an order in its state, by a user with these permissions. */
function actionsFor(wb, me) {
  const a = [];
  const st = wb.state;
  if (st === 'draft' && can(me, 'orders.create')) a.push('submit');
  if (st === 'in_review' && can(me, 'orders.review')) a.push('approve');
  if (st === 'accepted' && can(me, 'orders.review')) a.push('flag');
  if (!['picked_up', 'cancelled'].includes(st) && can(me, 'orders.create')) a.push('cancel');
  return a;
}

/**
 * One waybill in full with its actions. `onChanged(wb)` is told of every
 * change made here; `onClose` (also Esc) closes the panel.
 */
export function WaybillDetail({ no, me, onChanged, onClose }) {
  const [wb, setWb] = useState(null);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState(null);
  const [dialog, setDialog] = useState(null);
  const [busy, setBusy] = useState(false);
  const head = useRef(null);

  useEffect(() => {
    let live = true;
    setWb(null);
    setError(null);
    setNotice(null);
    api('GET', `/api/v1/waybills/${encodeURIComponent(no)}`).then(
      (w) => { if (live) setWb(w); },
      (e) => { if (live) setError(e.message); },
    );
    return () => { live = false; };
  }, [no]);

  useEffect(() => { if (wb && head.current) head.current.focus(); }, [wb && wb.waybill_no]);

  async function act(action, body = {}) {
    setBusy(true);
    setNotice(null);
    try {
      const w = await api('POST', `/api/v1/waybills/${encodeURIComponent(wb.waybill_no)}/${action}`,
        { body });
      setWb(w);
      setNotice({ kind: 'ok', text: t('detail.done.' + action, { no: w.waybill_no }) });
      if (onChanged) onChanged(w);
      return w;
    } finally {
      setBusy(false);
    }
  }
  const tryAct = (action) => act(action).catch((e) => setNotice({ kind: 'error', text: e.message }));

  function onKey(e) {
    if (e.key === 'Escape' && !dialog && onClose) {
      e.preventDefault();
      onClose();
    }
  }

  if (error) {
    return html`<section class="panel waybill-detail" data-waybill=${no}>
      <${Notice} kind="error">${error}<//>
      ${onClose && html`<button type="button" onClick=${onClose}>${t('detail.close')}</button>`}
    </section>`;
  }
  if (!wb) return html`<section class="panel waybill-detail"><${Loading} /></section>`;

  const g = wb.goods || {};
  const q = wb.quote || {};
  const pr = wb.promise || {};
  const acts = actionsFor(wb, me);
  const printable = PRINTABLE.includes(wb.state);
  const dims = g.length_mm && g.width_mm && g.height_mm
    ? `${formatCm(g.length_mm)} × ${formatCm(g.width_mm)} × ${formatCm(g.height_mm)} cm` : null;
  return html`<section class="panel waybill-detail" data-waybill=${wb.waybill_no}
      data-state=${wb.state} aria-labelledby="wd-title" onKeyDown=${onKey}>
    <div class="detail-head">
      <h2 id="wd-title" tabindex="-1" ref=${head}>${t('detail.title')}${' '}<span
        class="waybill-no-inline">${wb.waybill_no}</span></h2>
      <${StateBadge} state=${wb.state} />
      ${onClose && html`<button type="button" class="link detail-close" onClick=${onClose}
        aria-keyshortcuts="Escape">${t('detail.close')} <kbd aria-hidden="true">Esc</kbd></button>`}
    </div>
    ${notice && html`<${Notice} kind=${notice.kind}>${notice.text}<//>`}
    <div class="detail-actions" role="group" aria-label=${t('detail.actions')}>
      ${acts.includes('submit') && html`<button type="button" class="primary" disabled=${busy}
        onClick=${() => tryAct('submit')}>${t('detail.submit')}</button>`}
      ${acts.includes('approve') && html`<button type="button" class="primary" disabled=${busy}
        onClick=${() => tryAct('approve')}>${t('detail.approve')}</button>`}
      ${acts.includes('flag') && html`<button type="button" disabled=${busy}
        onClick=${() => setDialog('flag')}>${t('detail.flag')}</button>`}
      ${acts.includes('cancel') && html`<button type="button" class="danger" disabled=${busy}
        onClick=${() => setDialog('cancel')}>${t('detail.cancel')}</button>`}
      ${printable && LABEL_SIZES.map((s) => html`<button type="button" key=${s}
        class=${'print-label print-' + s} onClick=${() => openLabel(wb.waybill_no, s)}>
        ${t('detail.print', { size: s.replace('x', '×') })}</button>`)}
    </div>
    ${Array.isArray(wb.review) && wb.review.length > 0 && html`<div class="detail-review">
      <h3>${t('detail.review')}</h3><${ReviewReasons} reasons=${wb.review} /></div>`}
    <div class="detail-grid">
      <div class="detail-block">
        <h3>${t('detail.order')}</h3>
        <${Facts} rows=${[
          [t('order.channel'), channelLabel(wb.channel)],
          [t('quote.service'), serviceLabel(wb.service)],
          [t('order.payment'), paymentLabel(wb.payment)],
          [t('order.customer_code'), wb.customer_code],
          [t('order.customer_ref'), wb.customer_ref],
          [t('detail.node'), wb.node],
          [t('detail.created'), when(wb.created_at)],
          [t('detail.updated'), when(wb.updated_at)],
          [t('detail.courier'), wb.courier && (wb.courier.display_name || wb.courier.username)],
        ]} />
      </div>
      <${Party} title=${t('order.sender')} p=${wb.sender} />
      <${Party} title=${t('order.recipient')} p=${wb.recipient} />
      <div class="detail-block">
        <h3>${t('quote.goods')}</h3>
        <${Facts} rows=${[
          [t('quote.goods.name'), g.name],
          [t('order.category'), g.category],
          [t('order.quantity'), g.quantity],
          [t('quote.actual'), g.weight_g != null ? formatGrams(g.weight_g) : null],
          [t('detail.dims'), dims],
          [t('quote.declared'), wb.declared_value_fen ? formatFen(wb.declared_value_fen) : null],
          [t('quote.cod'), wb.cod_fen ? formatFen(wb.cod_fen) : null],
          [t('quote.special'), wb.special_packaging ? t('common.yes') : null],
          [t('quote.agency'), (wb.agency_fees || []).map((c) => tOr('quote.c.agency_' + c, c)).join('、')],
          [t('order.remarks'), wb.remarks],
        ]} />
      </div>
      <div class="detail-block">
        <h3>${t('detail.fee')}</h3>
        ${Array.isArray(q.components) && html`<table class="data quote-lines">
          <tbody>${q.components.map((c) => html`<tr key=${c.code} data-code=${c.code}>
            <th scope="row">${tOr('quote.c.' + c.code, c.code)}</th>
            <td class="num">${formatFen(c.amount_fen)}</td></tr>`)}</tbody>
          <tfoot><tr class="quote-total"><th scope="row">${t('quote.total')}</th>
            <td class="num">${formatFen(wb.total_fen ?? q.total_fen ?? 0)}</td></tr></tfoot>
        </table>`}
        <${Facts} rows=${[
          [t('quote.chargeable'), wb.chargeable_weight_g != null ? formatGrams(wb.chargeable_weight_g) : null],
          [t('quote.zone'), q.zone && tOr('quote.zone.' + q.zone, q.zone)],
          [t('quote.ratecard'), q.ratecard && `${q.ratecard.code} v${q.ratecard.version}`],
          [t('detail.expected'), wb.expected_total_fen != null ? formatFen(wb.expected_total_fen) : null],
        ]} />
      </div>
      <div class="detail-block">
        <h3>${t('detail.promise')}</h3>
        <${Facts} rows=${[
          [t('order.promise.pickup'), when(pr.planned_pickup_at)],
          [t('order.promise.delivery'), pr.promised_delivery_at
            ? `${when(pr.promised_delivery_at)}${pr.days ? ' ' + t('order.promise.days', { days: pr.days }) : ''}`
            : t('order.promise.none')],
          [t('order.pickup'), wb.pickup_window
            ? `${when(wb.pickup_window.from)} – ${when(wb.pickup_window.to)}` : null],
        ]} />
      </div>
      <div class="detail-block">
        <h3>${t('detail.parcels')}</h3>
        <ol class="parcels">${(wb.parcels || []).map((p) => html`<li key=${p.parcel_no}>
          <code>${p.parcel_no}</code>${p.weight_g ? ' · ' + formatGrams(p.weight_g) : ''}</li>`)}</ol>
      </div>
    </div>
    ${dialog && html`<${ReasonDialog}
      title=${t(dialog === 'cancel' ? 'dlg.cancel.title' : 'dlg.flag.title', { no: wb.waybill_no })}
      label=${t(dialog === 'cancel' ? 'dlg.cancel.reason' : 'dlg.flag.reason')}
      confirm=${t(dialog === 'cancel' ? 'dlg.cancel.confirm' : 'dlg.flag.confirm')}
      danger=${dialog === 'cancel'}
      onSubmit=${(reason) => act(dialog, { reason })}
      onClose=${() => setDialog(null)} />`}
  </section>`;
}

/* ---------- search ---------- */

function queryOf(f) {
  const q = { limit: PAGE };
  if (f.phone.trim()) q.phone = f.phone.trim();
  if (f.customer_ref.trim()) q.customer_ref = f.customer_ref.trim();
  if (f.from) q.from = `${f.from}T00:00:00+08:00`;
  if (f.to) q.to = `${f.to}T23:59:59+08:00`;
  if (f.state) q.state = f.state;
  return q;
}

/** Open the selected rows' labels as one PDF in a new tab (POST /api/v1/labels). */
async function batchPrint(nos, size) {
  // The tab is opened now, while the click still counts as the user's, and
  // given the PDF when it arrives; a blocked pop-up gets the PDF in this tab.
  const tab = window.open('', '_blank');
  try {
    const blob = await request('POST', '/api/v1/labels', { body: { waybills: nos, size }, blob: true });
    const url = URL.createObjectURL(blob);
    if (tab) tab.location.href = url;
    else window.location.assign(url);
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  } catch (e) {
    if (tab) tab.close();
    throw e;
  }
}

export function OrderSearch({ me, open }) {
  const [form, setForm] = useState(() => (open ? { ...EMPTY, no: open } : EMPTY));
  const [errors, setErrors] = useState({});
  const [formError, setFormError] = useState(null);
  const [rows, setRows] = useState(null);
  const [next, setNext] = useState(null);
  const [busy, setBusy] = useState(false);
  const [cursor, setCursor] = useState(0);
  const [picked, setPicked] = useState(() => new Set());
  const [size, setSize] = useState('100x180');
  const [printError, setPrintError] = useState(null);
  const [detail, setDetail] = useState(null);
  const formRef = useRef(null);
  const tableRef = useRef(null);

  const focusName = (name) => {
    const el = formRef.current && formRef.current.querySelector(`[name="${name}"]`);
    if (el) el.focus();
  };

  // #/orders/search/PD… (a link from a duplicate warning, a review reason, a
  // submitted order) looks that number up as if it had been typed.
  useEffect(() => {
    if (open) {
      const f = { ...EMPTY, no: open };
      setForm(f);
      search(null, f);
    } else {
      focusName('no');
    }
  }, [open]);

  async function search(ev, f = form, before = null) {
    if (ev) ev.preventDefault();
    setErrors({});
    setFormError(null);
    setBusy(true);
    try {
      const no = f.no.trim();
      if (no) {
        const w = await api('GET', `/api/v1/waybills/${encodeURIComponent(no)}`);
        setRows([w]);
        setNext(null);
        setPicked(new Set());
        setCursor(0);
        setDetail(w.waybill_no);
        return;
      }
      const r = await api('GET', '/api/v1/waybills', { query: { ...queryOf(f), before } });
      const items = r.items || [];
      setRows((old) => (before && old ? [...old, ...items] : items));
      setNext(r.next_before ?? null);
      if (!before) {
        setPicked(new Set());
        setCursor(0);
        setDetail(null);
      }
    } catch (e) {
      const name = e.field && (e.field in EMPTY ? e.field : null);
      const field = name || (f.no.trim() && (e.status === 400 || e.status === 404) ? 'no' : null);
      if (field) {
        setErrors({ [field]: e.message });
        focusName(field);
      } else {
        setFormError(e.message);
      }
      if (f.no.trim()) {
        // What was shown answered another question; a refused number shows nothing.
        setRows(null);
        setDetail(null);
      }
    } finally {
      setBusy(false);
    }
  }

  const set = (k) => (e) => {
    const v = e.currentTarget.value;
    setForm((f) => ({ ...f, [k]: v }));
    if (errors[k]) setErrors((x) => ({ ...x, [k]: undefined }));
  };

  function clear() {
    setForm(EMPTY);
    setErrors({});
    setFormError(null);
    focusName('no');
  }

  function onFormKey(e) {
    if (e.key === 'Enter' && e.target.tagName === 'SELECT') {
      e.preventDefault();
      search();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      clear();
    }
  }

  const focusRow = (i) => {
    const tr = tableRef.current && tableRef.current.querySelector(`tbody tr[data-index="${i}"]`);
    if (tr) tr.focus();
  };
  const toggle = (no) => setPicked((s) => {
    const n = new Set(s);
    if (n.has(no)) n.delete(no);
    else n.add(no);
    return n;
  });

  function onTableKey(e) {
    if (!rows || !rows.length || e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.target.tagName !== 'TR') return;
    // Keys act on the focused row, whatever the cursor state says yet.
    const at = Number(e.target.dataset.index);
    const row = rows[at];
    if (!row) return;
    const k = e.key;
    if (k === 'ArrowDown' || k === 'j' || k === 'ArrowUp' || k === 'k') {
      e.preventDefault();
      const d = k === 'ArrowDown' || k === 'j' ? 1 : -1;
      const i = Math.max(0, Math.min(rows.length - 1, at + d));
      setCursor(i);
      focusRow(i);
    } else if (k === 'Enter' || k === 'o') {
      e.preventDefault();
      setDetail(row.waybill_no);
    } else if (k === ' ' || k === 'x') {
      e.preventDefault();
      toggle(row.waybill_no);
    }
  }

  function onChanged(w) {
    setRows((rs) => rs && rs.map((r) => (r.waybill_no === w.waybill_no
      ? { ...r, state: w.state, state_zh: w.state_zh } : r)));
  }

  async function print() {
    setPrintError(null);
    try {
      await batchPrint(rows.filter((r) => picked.has(r.waybill_no)).map((r) => r.waybill_no), size);
    } catch (e) {
      setPrintError(e.message);
    }
  }

  const allPicked = rows && rows.length > 0 && rows.every((r) => picked.has(r.waybill_no));
  return html`<div class="order-search">
    <form class="panel search-form" ref=${formRef} onSubmit=${search} onKeyDown=${onFormKey}
        novalidate aria-labelledby="s-title">
      <h2 id="s-title">${t('search.title')}</h2>
      <div class="search-grid">
        <${Field} id="s-no" name="no" label=${t('search.no')} value=${form.no} error=${errors.no}
          autocomplete="off" spellcheck="false" hint=${t('search.no.hint')} onInput=${set('no')} />
        <${Field} id="s-phone" name="phone" type="tel" label=${t('search.phone')} value=${form.phone}
          error=${errors.phone} autocomplete="off" onInput=${set('phone')} />
        <${Field} id="s-ref" name="customer_ref" label=${t('order.customer_ref')}
          value=${form.customer_ref} error=${errors.customer_ref} autocomplete="off"
          onInput=${set('customer_ref')} />
        <${Field} id="s-from" name="from" type="date" label=${t('search.from')} value=${form.from}
          error=${errors.from} onInput=${set('from')} />
        <${Field} id="s-to" name="to" type="date" label=${t('search.to')} value=${form.to}
          error=${errors.to} onInput=${set('to')} />
        <${Field} id="s-state" name="state" as="select" label=${t('search.state')} value=${form.state}
          error=${errors.state} onChange=${set('state')}>
          <option value="">${t('search.state.any')}</option>
          ${STATES.map((s) => html`<option key=${s} value=${s}>${stateLabel(s)}</option>`)}
        <//>
      </div>
      <${Notice} kind="error">${formError}<//>
      <div class="actions">
        <button type="submit" class="primary" id="s-submit" disabled=${busy}>${t('search.submit')}
          <kbd aria-hidden="true">Enter</kbd></button>
        <button type="button" onClick=${clear}>${t('search.clear')} <kbd aria-hidden="true">Esc</kbd></button>
        <span class="muted keys">${t('search.keys')}</span>
      </div>
    </form>

    ${rows && html`<section class="search-results" aria-labelledby="s-results-title">
      <h2 id="s-results-title" class="sr-only">${t('search.results')}</h2>
      <div class="batch-bar">
        <span class="muted" role="status">${t('search.count', { n: rows.length })}</span>
        <label for="s-batch-size">${t('search.batch.size')}</label>
        <select id="s-batch-size" value=${size} onChange=${(e) => setSize(e.currentTarget.value)}>
          ${LABEL_SIZES.map((s) => html`<option key=${s} value=${s}>${s.replace('x', '×')} mm</option>`)}
        </select>
        <button type="button" id="s-batch-print" disabled=${picked.size === 0} onClick=${print}>
          ${t('search.batch.print', { n: picked.size })}</button>
        ${printError && html`<span class="field-error" role="alert">${printError}</span>`}
      </div>
      <div class="table-wrap">
        <table class="data results-table" ref=${tableRef} onKeyDown=${onTableKey}>
          <thead><tr>
            <th scope="col"><input type="checkbox" aria-label=${t('search.pick.all')}
              checked=${allPicked} onChange=${(e) => setPicked(e.currentTarget.checked
                ? new Set(rows.map((r) => r.waybill_no)) : new Set())} /></th>
            <th scope="col">${t('search.col.no')}</th>
            <th scope="col">${t('search.col.state')}</th>
            <th scope="col">${t('search.col.created')}</th>
            <th scope="col">${t('order.sender')}</th>
            <th scope="col">${t('order.recipient')}</th>
            <th scope="col">${t('quote.service')}</th>
            <th scope="col">${t('quote.total')}</th>
            <th scope="col">${t('order.customer_ref')}</th>
          </tr></thead>
          <tbody>
            ${rows.length === 0 && html`<tr><td colspan="9" class="muted">${t('search.empty')}</td></tr>`}
            ${rows.map((r, i) => html`<tr key=${r.waybill_no} data-index=${i} data-no=${r.waybill_no}
                tabindex=${i === cursor ? 0 : -1} data-picked=${picked.has(r.waybill_no) ? 'true' : undefined}
                class=${(detail === r.waybill_no ? 'open ' : '') + (picked.has(r.waybill_no) ? 'picked' : '')}
                onFocus=${() => setCursor(i)} onClick=${() => { setCursor(i); setDetail(r.waybill_no); }}>
              <td><input type="checkbox" tabindex="-1" checked=${picked.has(r.waybill_no)}
                aria-label=${t('search.pick', { no: r.waybill_no })}
                onClick=${(e) => e.stopPropagation()} onChange=${() => toggle(r.waybill_no)} /></td>
              <td><code class="waybill-no-inline">${r.waybill_no}</code></td>
              <td><${StateBadge} state=${r.state} /></td>
              <td class="nowrap">${when(r.created_at)}</td>
              <td>${r.sender && html`${r.sender.name} <span class="phone">${r.sender.phone}</span>
                <br /><span class="muted">${r.sender.city}</span>`}</td>
              <td>${r.recipient && html`${r.recipient.name} <span class="phone">${r.recipient.phone}</span>
                <br /><span class="muted">${r.recipient.city}${r.recipient.district || ''}</span>`}</td>
              <td>${serviceLabel(r.service)}</td>
              <td class="num">${r.total_fen != null ? formatFen(r.total_fen) : ''}</td>
              <td>${r.customer_ref || ''}</td>
            </tr>`)}
          </tbody>
        </table>
      </div>
      ${next !== null && html`<button type="button" class="more" disabled=${busy}
        onClick=${() => search(null, form, next)}>${t('search.more')}</button>`}
    </section>`}

    ${detail && html`<${WaybillDetail} key=${detail} no=${detail} me=${me} onChanged=${onChanged}
      onClose=${() => {
        setDetail(null);
        if (open) navigate('/orders/search');
        focusRow(cursor);
      }} />`}
  </div>`;
}
