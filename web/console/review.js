// 审核队列: the orders a check sent to review (GET /api/v1/waybills?state=
// in_review), with the reasons in the console's language, for the staff who
// may decide them (orders.review). The queue is worked from the keyboard: the
// rows are one Tab stop, j/k or the arrows move, a approves (POST …/approve,
// which screens the goods again), c cancels after asking why (POST …/cancel),
// Enter opens the full order below. A decided order leaves the queue at
// once; the server stays the judge (an approval it refuses is shown on the
// row's line, and the order stays).

import { api } from './api.js';
import { t } from './i18n.js';
import { html, useState, useEffect, useRef, Notice, Loading } from './ui.js';
import { ReviewReasons, ReasonDialog, when } from './order_parts.js';
import { WaybillDetail } from './order_search.js';

const PAGE = 100;

/**
 * The reasons of rows whose list entry carries only a count: asked of
 * GET /waybills/{no}, a few at a time, once per waybill.
 */
function useReasons(rows) {
  const [reasons, setReasons] = useState({});
  const asked = useRef(new Set());
  useEffect(() => {
    const todo = (rows || []).filter((r) => !Array.isArray(r.review) && !asked.current.has(r.waybill_no));
    if (!todo.length) return;
    for (const r of todo) asked.current.add(r.waybill_no);
    let live = true;
    (async () => {
      for (const r of todo) {
        try {
          const w = await api('GET', `/api/v1/waybills/${encodeURIComponent(r.waybill_no)}`);
          if (live) setReasons((m) => ({ ...m, [r.waybill_no]: w.review || [] }));
        } catch { /* the row still shows; its detail says why */ }
      }
    })();
    return () => { live = false; };
  }, [rows]);
  return reasons;
}

export function ReviewQueue({ me }) {
  const [rows, setRows] = useState(null);
  const [next, setNext] = useState(null);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState(null);
  const [rowError, setRowError] = useState({});
  const [cursor, setCursor] = useState(0);
  const [dialog, setDialog] = useState(null);
  const [detail, setDetail] = useState(null);
  const [busy, setBusy] = useState(null);
  const [focusTick, setFocusTick] = useState(0);
  const tableRef = useRef(null);
  const wantFocus = useRef(true);
  const rowsNow = useRef(rows);
  rowsNow.current = rows;
  const reasons = useReasons(rows);
  const refocus = () => {
    wantFocus.current = true;
    setFocusTick((n) => n + 1);
  };

  async function load(before = null) {
    try {
      const r = await api('GET', '/api/v1/waybills', { query: { state: 'in_review', limit: PAGE, before } });
      setRows((old) => (before && old ? [...old, ...(r.items || [])] : (r.items || [])));
      setNext(r.next_before ?? null);
      setError(null);
    } catch (e) {
      setError(e.message);
      setRows((old) => old || []);
    }
  }
  useEffect(() => { load(); }, []);

  // Focus follows the cursor once the rows are there, and after a decision.
  useEffect(() => {
    if (!wantFocus.current || !rows) return;
    wantFocus.current = false;
    const tr = tableRef.current && tableRef.current.querySelector(`tbody tr[data-index="${cursor}"]`);
    if (tr) tr.focus();
    else {
      const h = document.getElementById('rv-title');
      if (h) h.focus();
    }
  }, [rows, cursor, focusTick]);

  const move = (i) => {
    setCursor(Math.max(0, Math.min(rows.length - 1, i)));
    refocus();
  };

  /** Take a decided order out of the queue, keeping the cursor on the next one. */
  function drop(no) {
    const rs = rowsNow.current || [];
    const i = rs.findIndex((r) => r.waybill_no === no);
    if (i < 0) return;
    const left = rs.filter((r) => r.waybill_no !== no);
    setRows(left);
    setCursor((c) => Math.max(0, Math.min(left.length - 1, c > i ? c - 1 : c)));
    setDetail((d) => (d === no ? null : d));
    refocus();
  }

  async function approve(no) {
    if (busy) return;
    setBusy(no);
    setNotice(null);
    setRowError((m) => ({ ...m, [no]: undefined }));
    try {
      await api('POST', `/api/v1/waybills/${encodeURIComponent(no)}/approve`, { body: {} });
      setNotice({ kind: 'ok', text: t('review.approved', { no }) });
      drop(no);
    } catch (e) {
      setRowError((m) => ({ ...m, [no]: e.message }));
    } finally {
      setBusy(null);
    }
  }

  async function cancel(no, reason) {
    await api('POST', `/api/v1/waybills/${encodeURIComponent(no)}/cancel`, { body: { reason } });
    setNotice({ kind: 'ok', text: t('review.cancelled', { no }) });
    drop(no);
  }

  function onKey(e) {
    if (!rows || !rows.length || e.altKey || e.ctrlKey || e.metaKey || dialog) return;
    const tag = e.target.tagName;
    if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA') return;
    // The row the keys act on is the one that has the focus (or holds it):
    // what the user sees, even before the cursor state has caught up.
    const tr = e.target.closest('tr[data-index]');
    const at = tr ? Number(tr.dataset.index) : cursor;
    const row = rows[at];
    if (!row) return;
    switch (e.key) {
      case 'ArrowDown': case 'j': e.preventDefault(); move(at + 1); break;
      case 'ArrowUp': case 'k': e.preventDefault(); move(at - 1); break;
      case 'Home': e.preventDefault(); move(0); break;
      case 'End': e.preventDefault(); move(rows.length - 1); break;
      case 'a': e.preventDefault(); approve(row.waybill_no); break;
      case 'c': e.preventDefault(); setDialog(row.waybill_no); break;
      case 'Enter': case 'o':
        if (tag === 'BUTTON' || tag === 'A') return;
        e.preventDefault();
        setDetail(row.waybill_no);
        break;
      default:
    }
  }

  if (rows === null) return html`<${Loading} />`;
  return html`<div class="review-queue">
    <div class="panel">
      <h2 id="rv-title" tabindex="-1">${t('review.title')}
        <span class="count">${t('review.count', { n: rows.length })}</span></h2>
      <p class="muted keys">${t('review.keys')}</p>
      <${Notice} kind="error">${error}<//>
      ${notice && html`<${Notice} kind=${notice.kind}>${notice.text}<//>`}
      ${rows.length === 0
        ? html`<p class="review-empty">${t('review.empty')}</p>`
        : html`<div class="table-wrap">
          <table class="data review-table" ref=${tableRef} onKeyDown=${onKey}>
            <thead><tr>
              <th scope="col">${t('search.col.no')}</th>
              <th scope="col">${t('search.col.created')}</th>
              <th scope="col">${t('review.col.route')}</th>
              <th scope="col">${t('review.col.reasons')}</th>
              <th scope="col">${t('review.col.actions')}</th>
            </tr></thead>
            <tbody>
              ${rows.map((r, i) => {
                const on = i === cursor;
                const rs = Array.isArray(r.review) ? r.review : reasons[r.waybill_no];
                return html`<tr key=${r.waybill_no} data-index=${i} data-no=${r.waybill_no}
                    tabindex=${on ? 0 : -1} aria-current=${on ? 'true' : undefined}
                    class=${on ? 'cursor' : ''} onFocus=${(e) => { if (e.target === e.currentTarget) setCursor(i); }}>
                  <td><code class="waybill-no-inline">${r.waybill_no}</code></td>
                  <td class="nowrap">${when(r.created_at)}</td>
                  <td>${r.sender && r.sender.city} → ${r.recipient && r.recipient.city}${r.recipient && r.recipient.district || ''}</td>
                  <td>${rs ? html`<${ReviewReasons} reasons=${rs} />`
                    : html`<span class="muted">${typeof r.review === 'number'
                      ? t('review.n_reasons', { n: r.review }) : t('common.loading')}</span>`}
                    ${rowError[r.waybill_no] && html`<p class="field-error" role="alert">${rowError[r.waybill_no]}</p>`}</td>
                  <td class="row-actions">
                    <button type="button" class="primary" tabindex=${on ? 0 : -1}
                      disabled=${busy === r.waybill_no} aria-keyshortcuts="A"
                      onClick=${() => { setCursor(i); approve(r.waybill_no); }}>
                      ${t('review.approve')} <kbd aria-hidden="true">A</kbd></button>
                    <button type="button" class="danger" tabindex=${on ? 0 : -1} aria-keyshortcuts="C"
                      onClick=${() => { setCursor(i); setDialog(r.waybill_no); }}>
                      ${t('review.cancel')} <kbd aria-hidden="true">C</kbd></button>
                    <button type="button" class="link" tabindex=${on ? 0 : -1}
                      onClick=${() => { setCursor(i); setDetail(r.waybill_no); }}>
                      ${t('review.detail')}</button>
                  </td>
                </tr>`;
              })}
            </tbody>
          </table>
        </div>`}
      ${next !== null && html`<button type="button" class="more" onClick=${() => load(next)}>
        ${t('search.more')}</button>`}
    </div>
    ${detail && html`<${WaybillDetail} key=${detail} no=${detail} me=${me}
      onChanged=${(w) => { if (w.state !== 'in_review') drop(w.waybill_no); }}
      onClose=${() => { setDetail(null); refocus(); }} />`}
    ${dialog && html`<${ReasonDialog}
      title=${t('dlg.cancel.title', { no: dialog })} label=${t('dlg.cancel.reason')}
      confirm=${t('dlg.cancel.confirm')} danger=${true}
      onSubmit=${(reason) => cancel(dialog, reason)}
      onClose=${() => { setDialog(null); refocus(); }} />`}
  </div>`;
}
