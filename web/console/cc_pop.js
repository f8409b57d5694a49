// 来电弹屏: the phone box an agent types (or pastes) the caller's number
// into while the phone rings. GET /api/v1/callcenter/lookup (orders.read)
// answers the customer accounts with that contact phone, the open waybills
// where it is the sender's or recipient's phone (newest first) and, once
// those modules exist, tickets and problem parcels; the number is
// normalised by the server (+86 138 0013 8000, (0755) 8600-1234), which
// also masks names and phones for callers without personal_data.read.
// A waybill opens in the tracking view (#/tracking/NO).
//
// Shown two ways: as the 来电弹屏 tab (#/callcenter/pop), and as a dialog
// over whatever page is open, from Alt+P anywhere in the signed-in console
// (installScreenPopKey, called once by callcenter.js), so that an agent in
// the middle of an order does not lose it. Keys: Enter looks up; ↓ in the
// box goes to the first waybill; in the results j/k or ↑/↓ move, Enter
// opens the waybill; Esc closes the dialog.

import { api } from './api.js';
import { t } from './i18n.js';
import { html, render, useState, useEffect, useRef, formatTime, navigate } from './ui.js';

const ROLE = { sender: 'cc.pop.role.sender', recipient: 'cc.pop.role.recipient', both: 'cc.pop.role.both' };

const party = (p) => (p ? [p.name, p.phone].filter(Boolean).join(' ') : '');

function Results({ r, onOpen }) {
  const rows = useRef(null);
  function onKey(e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const trs = [...rows.current.querySelectorAll('tbody tr')];
    const i = trs.indexOf(document.activeElement);
    if (e.key === 'j' || e.key === 'ArrowDown') trs[Math.min(trs.length - 1, i + 1)].focus();
    else if (e.key === 'k' || e.key === 'ArrowUp') trs[Math.max(0, i - 1)].focus();
    else if (e.key === 'Enter' && i >= 0) onOpen(trs[i].dataset.no);
    else return;
    e.preventDefault();
  }
  const pending = Object.entries(r.modules || {});
  return html`<div class="cc-pop-results" id="cc-pop-results">
    <p class="cc-pop-phone">${t('cc.pop.for', { phone: r.phone })}</p>
    <h3>${t('cc.pop.customers')}</h3>
    ${r.customers.length ? html`<ul class="cc-pop-customers">${r.customers.map((c) => html`<li key=${c.code}
      data-code=${c.code}><strong>${c.name}</strong> <code>${c.code}</code> · ${c.phone} · ${c.node}
      ${c.monthly ? html` · <span class="badge">${t('cc.pop.monthly')}</span>` : ''}</li>`)}</ul>`
      : html`<p class="muted">${t('cc.pop.no_customer')}</p>`}
    <h3>${t('cc.pop.waybills', { n: r.waybills.length })}</h3>
    ${r.waybills.length ? html`<div class="table-wrap"><table class="data results-table cc-pop-waybills" ref=${rows}
        onKeyDown=${onKey}>
      <thead><tr><th scope="col">${t('cc.pop.no')}</th><th scope="col">${t('cc.pop.role')}</th>
        <th scope="col">${t('cc.pop.state')}</th><th scope="col">${t('cc.pop.sender')}</th>
        <th scope="col">${t('cc.pop.recipient')}</th><th scope="col">${t('cc.pop.goods')}</th>
        <th scope="col">${t('cc.pop.created')}</th></tr></thead>
      <tbody>${r.waybills.map((w, i) => html`<tr key=${w.waybill_no} data-no=${w.waybill_no} tabindex=${i === 0 ? 0 : -1}
          onClick=${() => onOpen(w.waybill_no)}>
        <td><a class="waybill-link" href=${'#/tracking/' + w.waybill_no} tabindex="-1"
          onClick=${(e) => { e.preventDefault(); onOpen(w.waybill_no); }}>${w.waybill_no}</a></td>
        <td>${t(ROLE[w.role] || w.role)}</td>
        <td>${w.state_zh && w.status_zh ? `${w.state_zh} · ${w.status_zh}` : w.status_zh || w.state_zh || w.state}</td>
        <td>${party(w.sender)}</td><td>${party(w.recipient)}</td><td>${w.goods || ''}</td>
        <td class="nowrap">${formatTime(w.created_at)}</td>
      </tr>`)}</tbody>
    </table></div>
    <p class="keys muted">${t('cc.pop.keys')}</p>` : html`<p class="muted">${t('cc.pop.no_waybill')}</p>`}
    ${r.tickets.length > 0 && html`<h3>${t('cc.pop.tickets')}</h3>
      <ul>${r.tickets.map((x, i) => html`<li key=${i}>${x.ticket_no || x.id || JSON.stringify(x)}</li>`)}</ul>`}
    ${r.problem_parcels.length > 0 && html`<h3>${t('cc.pop.problems')}</h3>
      <ul>${r.problem_parcels.map((x, i) => html`<li key=${i}>${x.waybill_no || x.id || JSON.stringify(x)}</li>`)}</ul>`}
    ${pending.length > 0 && html`<p class="muted cc-pop-modules">${t('cc.pop.pending')}
      ${pending.map(([k]) => t('cc.pop.' + (k === 'tickets' ? 'tickets' : 'problems'))).join('、')}</p>`}
  </div>`;
}

/** The phone box with its results. */
export function ScreenPop({ id = 'cc-pop-phone', onOpened }) {
  const [phone, setPhone] = useState('');
  const [state, setState] = useState({ r: null, error: null, busy: false });
  useEffect(() => { const el = document.getElementById(id); if (el) el.focus(); }, []);

  async function lookup(e) {
    e.preventDefault();
    if (!phone.trim()) return setState({ r: null, error: t('cc.pop.err.empty'), busy: false });
    setState((s) => ({ ...s, busy: true }));
    try {
      const r = await api('GET', '/api/v1/callcenter/lookup', { query: { phone: phone.trim() } });
      setState({ r, error: null, busy: false });
    } catch (err) {
      setState({ r: null, error: err.message, busy: false });
    }
  }
  // ↓ in the box goes to the first waybill.
  const toRows = (e) => {
    if (e.key !== 'ArrowDown' || e.altKey || e.ctrlKey || e.metaKey) return;
    const tr = e.currentTarget.closest('.cc-pop').querySelector('.cc-pop-waybills tbody tr');
    if (tr) {
      e.preventDefault();
      tr.focus();
    }
  };
  const open = (no) => {
    navigate('/tracking/' + no);
    if (onOpened) onOpened(no);
  };
  return html`<div class="cc-pop">
    <form class="search cc-pop-form" role="search" onSubmit=${lookup}>
      <label for=${id}>${t('cc.pop.phone')}</label>
      <input id=${id} name="phone" type="tel" autocomplete="off" value=${phone}
        aria-invalid=${state.error ? 'true' : undefined} aria-describedby=${state.error ? id + '-error' : undefined}
        onInput=${(e) => setPhone(e.currentTarget.value)} onKeyDown=${toRows} />
      <button type="submit" class="primary" disabled=${state.busy}>${t('cc.pop.lookup')}</button>
    </form>
    ${state.error && html`<p class="field-error" id=${id + '-error'} role="alert">${state.error}</p>`}
    ${state.r && html`<${Results} r=${state.r} onOpen=${open} />`}
  </div>`;
}

function PopDialog({ onClose }) {
  const ref = useRef(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    const el = document.getElementById('cc-pop-dialog-phone');
    if (el) el.focus();
  }, []);
  return html`<dialog class="reason-dialog cc-pop-dialog" ref=${ref} id="cc-pop-dialog"
      aria-labelledby="cc-pop-dialog-title" onClose=${onClose} onCancel=${onClose}>
    <div class="detail-head">
      <h2 id="cc-pop-dialog-title">${t('cc.pop.title')}</h2>
      <button type="button" class="detail-close" onClick=${onClose}>${t('cc.close')} <kbd>Esc</kbd></button>
    </div>
    <${ScreenPop} id="cc-pop-dialog-phone" onOpened=${onClose} />
  </dialog>`;
}

let installed = false;
let host = null;

function closeDialog() {
  if (!host) return;
  render(null, host);
  host.remove();
  host = null;
}

/**
 * Alt+P anywhere in the signed-in console: focus the 来电弹屏 tab's box when
 * it is on screen, else open the dialog (once). Nothing before sign-in.
 */
export function installScreenPopKey() {
  if (installed) return;
  installed = true;
  window.addEventListener('keydown', (e) => {
    if (!e.altKey || e.ctrlKey || e.metaKey || e.shiftKey || e.code !== 'KeyP') return;
    if (!document.querySelector('.shell')) return;
    e.preventDefault();
    const box = document.getElementById('cc-pop-phone') || document.getElementById('cc-pop-dialog-phone');
    if (box) {
      box.focus();
      box.select();
      return;
    }
    host = document.createElement('div');
    host.className = 'cc-pop-host';
    document.body.appendChild(host);
    render(html`<${PopDialog} onClose=${closeDialog} />`, host);
  });
  // Signing out (the shell leaves) takes the dialog with it.
  window.addEventListener('hashchange', () => { if (host && !document.querySelector('.shell')) closeDialog(); });
}
