// 批量导入: the screen where an agent uploads a customer's spreadsheet of
// orders saved as CSV (POST /api/v1/imports/orders, docs/import.md). The
// file's bytes go to the server as they are — the server detects or is told
// the encoding (UTF-8 or GB18030, what Excel on a Chinese Windows writes) and
// puts every row through the same intake as the order form. The answer is
// shown as it comes: how many rows were stored with their waybill numbers,
// and a table of the rejected rows (spreadsheet row number, field, reason)
// to fix and send again. A file refused as a whole says which column or
// line is at fault. Nothing is parsed or checked here.

import { ApiError, api } from './api.js';
import { lang, langTag, t } from './i18n.js';
import { html, useState, useRef, Notice } from './ui.js';

const ENCODINGS = ['auto', 'utf-8', 'gb18030'];
const MODES = ['good_rows', 'all_or_nothing'];

/** POST the file's bytes; resolves to the report, throws ApiError like api(). */
async function upload(file, encoding, mode) {
  const q = new URLSearchParams({ mode, encoding });
  if (lang() === 'en') q.set('lang', 'en');
  let res;
  try {
    res = await fetch(`/api/v1/imports/orders?${q}`, {
      method: 'POST',
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { accept: 'application/json', 'accept-language': langTag(), 'content-type': 'text/csv' },
      body: await file.arrayBuffer(),
    });
  } catch {
    throw new ApiError(0, 'network', t('err.network'));
  }
  const text = await res.text().catch(() => '');
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (res.ok && data) return data;
  const e = data && data.error;
  const err = e && typeof e.message === 'string'
    ? new ApiError(res.status, e.code || '', e.message, e.field || null)
    : new ApiError(res.status, '', t('err.http', { status: res.status }));
  err.report = data && data.report; // 503: what earlier transactions stored
  // A session that ran out: let api.js's handler send the user to the login page.
  if (res.status === 401) api('GET', '/api/v1/me').catch(() => {});
  throw err;
}

function Summary({ r }) {
  const kind = !r.committed ? 'error' : r.rejected_count ? 'info' : 'ok';
  const msg = !r.committed && r.mode === 'all_or_nothing' && !r.error
    ? t('import.done.none', { n: r.rejected_count })
    : !r.committed
      ? t('import.done.failed', { imported: r.imported })
      : r.rejected_count
        ? t('import.done.partial', { imported: r.imported, rejected: r.rejected_count })
        : t('import.done.all', { imported: r.imported });
  return html`<div class="panel import-summary">
    <h2 id="imp-result">${t('import.result')}</h2>
    <${Notice} kind=${kind}>${msg}<//>
    <dl class="facts">
      <dt>${t('import.rows')}</dt><dd>${r.rows}</dd>
      <dt>${t('import.imported')}</dt><dd>${r.imported}</dd>
      <dt>${t('import.rejected')}</dt><dd>${r.rejected_count}</dd>
      <dt>${t('import.encoding')}</dt><dd>${t('import.enc.' + r.encoding)}</dd>
      <dt>${t('import.mode')}</dt><dd>${t('import.mode.' + r.mode)}</dd>
    </dl>
  </div>`;
}

function Rejected({ r }) {
  if (!r.rejected.length) return null;
  return html`<div class="panel import-rejected">
    <h2 id="imp-rejected">${t('import.rejected.title', { n: r.rejected_count })}</h2>
    <p class="muted">${t('import.rejected.hint')}</p>
    <div class="table-wrap">
      <table class="data" aria-labelledby="imp-rejected">
        <thead><tr>
          <th scope="col">${t('import.col.row')}</th>
          <th scope="col">${t('import.col.field')}</th>
          <th scope="col">${t('import.col.reason')}</th>
        </tr></thead>
        <tbody>${r.rejected.map((x, i) => html`<tr key=${i}>
          <td class="num">${x.row}</td>
          <td>${x.field ? html`<code>${x.field}</code>` : html`<span class="muted">—</span>`}</td>
          <td>${x.message} <span class="muted detail">${x.code}</span></td>
        </tr>`)}</tbody>
      </table>
    </div>
    ${r.rejected_truncated && html`<p class="muted">${t('import.rejected.truncated',
      { shown: r.rejected.length, n: r.rejected_count })}</p>`}
  </div>`;
}

function Waybills({ r }) {
  if (!r.committed || !r.waybills.length) return null;
  return html`<div class="panel import-waybills">
    <h2 id="imp-waybills">${t('import.waybills', { n: r.imported })}</h2>
    <p class="waybill-list">${r.waybills.map((no) => html`<a key=${no}
      href=${'#/orders/search/' + encodeURIComponent(no)}><code>${no}</code></a> `)}</p>
    ${r.imported > r.waybills.length && html`<p class="muted">${t('import.waybills.more',
      { shown: r.waybills.length, n: r.imported })}</p>`}
  </div>`;
}

/** The import screen (orders.create). */
export function OrderImport() {
  const [file, setFile] = useState(null);
  const [encoding, setEncoding] = useState('auto');
  const [mode, setMode] = useState('good_rows');
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState(null);
  const [error, setError] = useState(null);
  const resultRef = useRef(null);

  async function submit(e) {
    e.preventDefault();
    if (!file) {
      setError({ message: t('import.nofile') });
      return;
    }
    setBusy(true);
    setError(null);
    setReport(null);
    try {
      setReport(await upload(file, encoding, mode));
    } catch (err) {
      setError({
        message: err.field ? t('import.error.column', { message: err.message, column: err.field }) : err.message,
      });
      if (err.report) setReport(err.report);
    } finally {
      setBusy(false);
      // Move to the outcome so a screen reader reads it and the keyboard is there.
      setTimeout(() => resultRef.current && resultRef.current.focus(), 0);
    }
  }

  return html`<div class="order-import">
    <form class="form quote-form import-form" onSubmit=${submit} novalidate aria-labelledby="imp-title">
      <h2 id="imp-title">${t('import.title')}</h2>
      <p class="muted">${t('import.intro')}</p>
      <div class="field" data-field="file">
        <label for="imp-file">${t('import.file')}</label>
        <input id="imp-file" name="file" type="file" accept=".csv,text/csv"
          aria-describedby="imp-file-hint"
          onChange=${(e) => { setFile(e.currentTarget.files[0] || null); setReport(null); setError(null); }} />
        <small id="imp-file-hint" class="hint">${t('import.file.hint')}</small>
      </div>
      <div class="field" data-field="encoding">
        <label for="imp-encoding">${t('import.encoding')}</label>
        <select id="imp-encoding" name="encoding" value=${encoding}
          onChange=${(e) => setEncoding(e.currentTarget.value)}>
          ${ENCODINGS.map((v) => html`<option key=${v} value=${v}>${t('import.enc.' + v)}</option>`)}
        </select>
      </div>
      <fieldset class="import-mode">
        <legend>${t('import.mode')}</legend>
        ${MODES.map((m) => html`<label key=${m} class="check">
          <input type="radio" name="mode" value=${m} checked=${mode === m}
            aria-describedby=${'imp-mode-' + m}
            onChange=${() => setMode(m)} />
          <span>${t('import.mode.' + m)}
            <small id=${'imp-mode-' + m} class="hint muted"> — ${t('import.mode.' + m + '.hint')}</small></span>
        </label>`)}
      </fieldset>
      <div class="actions">
        <button type="submit" id="imp-submit" class="primary" disabled=${busy}>
          ${busy ? t('import.busy') : t('import.submit')}</button>
      </div>
    </form>
    <div class="import-outcome" ref=${resultRef} tabindex="-1" aria-live="polite">
      ${error && html`<${Notice} kind="error">${error.message}<//>`}
      ${report && html`<${Summary} r=${report} />
        <${Rejected} r=${report} />
        <${Waybills} r=${report} />`}
    </div>
  </div>`;
}
