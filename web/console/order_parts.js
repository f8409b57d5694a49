// The pieces the order screens of 订单受理 share (quick quote, order entry,
// review queue, order search): exact conversions between what an agent types
// (yuan, kilograms, centimetres) and what the API takes (fen, grams,
// millimetres), the cascading province → city → district picker with its
// type-to-search box, the live goods screening and the live quote, the
// vocabularies (channels, services, payments, states, review reasons) and a
// small dialog that asks for a reason. Amounts are never rounded through
// binary floating point: integers and decimal strings only. Nothing here
// decides anything the server decides; it only asks and shows.

import { api, ApiError } from './api.js';
import { t, tOr, lang, langTag } from './i18n.js';
import { html, useState, useEffect, useRef, Field, Notice, formatTime } from './ui.js';

export const SERVICES = ['standard', 'express', 'cold_chain', 'freight'];
export const CHANNELS = ['phone', 'fax', 'email', 'web', 'app', 'ecommerce', 'im', 'counter', 'api'];
export const PAYMENTS = ['sender', 'receiver', 'monthly', 'third_party'];
export const STATES = ['draft', 'in_review', 'accepted', 'pickup_assigned', 'picked_up', 'cancelled'];
export const AGENCY_FEES = ['customs_declaration', 'inspection', 'port_handling'];
export const LEVELS = ['province', 'city', 'district'];
/** Label sizes the server prints, in millimetres. */
export const LABEL_SIZES = ['100x180', '76x130'];
/** States in which a label may be printed (the server answers 409 otherwise). */
export const PRINTABLE = ['accepted', 'pickup_assigned', 'picked_up'];

const SCREEN_DELAY_MS = 250;
const QUOTE_DELAY_MS = 300;

/* ---------- exact number conversions ---------- */

/**
 * Format an integer number of fen as "¥24.72". Integer division and remainder
 * only, so no amount is ever rounded through a binary fraction.
 */
export function formatFen(fen) {
  const neg = fen < 0;
  const a = Math.abs(fen);
  const yuan = Math.floor(a / 100);
  const cents = String(a % 100).padStart(2, '0');
  return `${neg ? '-' : ''}¥${yuan}.${cents}`;
}

/** Grams as kilograms with up to three decimals, trailing zeros dropped. */
export function formatGrams(g) {
  const frac = String(g % 1000).padStart(3, '0').replace(/0+$/, '');
  return `${Math.floor(g / 1000)}${frac ? '.' + frac : ''} kg`;
}

/** Millimetres as centimetres with at most one decimal ("305" → "30.5"). */
export function formatCm(mm) {
  return mm % 10 ? `${Math.floor(mm / 10)}.${mm % 10}` : String(mm / 10);
}

/**
 * Parse a non-negative decimal string into an integer of 10^-digits units
 * ("1.2" with 3 digits → 1200). Returns null for an empty string and NaN for
 * anything that is not such a number (including too many decimals).
 */
export function parseScaled(s, digits) {
  const v = s.trim();
  if (v === '') return null;
  const m = /^(\d+)(?:\.(\d*))?$/.exec(v);
  if (!m || (m[2] || '').length > digits) return NaN;
  const n = Number(m[1] + (m[2] || '').padEnd(digits, '0'));
  return Number.isSafeInteger(n) ? n : NaN;
}

/** An RFC 3339 time in China time (+08:00), whole seconds, for epoch ms. */
export function chinaTime(ms) {
  return new Date(ms + 8 * 3600 * 1000).toISOString().replace(/\.\d+Z$/, '+08:00');
}

/**
 * A datetime-local value ("2026-11-23T14:00") read as China time, which is
 * what an agent means when a caller says "two o'clock". '' stays ''.
 */
export function localToRfc3339(v) {
  if (!v) return '';
  return /^\d{4}-\d\d-\d\dT\d\d:\d\d$/.test(v) ? `${v}:00+08:00` : `${v}+08:00`;
}

/** The digits of a phone number, without a leading +86 / 0086. */
export function phoneDigits(p) {
  const d = String(p || '').replace(/\D/g, '');
  return d.length > 11 && /^(?:0086|86)/.test(d) ? d.replace(/^(?:0086|86)/, '') : d;
}

/**
 * Whether a phone number from the server (possibly masked "139****9000" for
 * staff without personal_data.read) can be @p typed.
 */
export function phoneMatches(fromServer, typed) {
  const want = phoneDigits(typed);
  if (!want || !fromServer) return false;
  const s = String(fromServer);
  if (!s.includes('*')) return phoneDigits(s) === want;
  const [head, tail] = s.split(/\*+/);
  const h = phoneDigits(head);
  const tl = phoneDigits(tail);
  return want.startsWith(h) && want.endsWith(tl) && want.length > h.length + tl.length;
}

/* ---------- vocabularies ---------- */

export const stateLabel = (s) => tOr('state.' + s, s);
export const serviceLabel = (s) => tOr('quote.svc.' + s, s);
export const channelLabel = (c) => tOr('channel.' + c, c);
export const paymentLabel = (p) => tOr('payment.' + p, p);

/** A state as a coloured badge; data-state lets tests and CSS find it. */
export function StateBadge({ state }) {
  return html`<span class=${'state-badge state-' + state} data-state=${state}>
    ${stateLabel(state)}</span>`;
}

/**
 * The open review reasons of an order, each code in the console's language
 * with the server's own message beside it (it may carry details such as the
 * restricted item's condition); a duplicate links to the order it repeats.
 */
export function ReviewReasons({ reasons }) {
  if (!Array.isArray(reasons) || reasons.length === 0) return null;
  return html`<ul class="review-reasons">
    ${reasons.map((r, i) => {
      const msg = (lang() === 'en' && r.message_en) || r.message;
      return html`<li key=${i} data-code=${r.code}>
        <strong>${tOr('review.r.' + r.code, r.code)}</strong>
        ${r.duplicate_of
          ? html` <a href=${'#/orders/search/' + encodeURIComponent(r.duplicate_of)}
            class="waybill-link">${r.duplicate_of}</a>`
          : msg && html`<span class="reason-msg">${msg}</span>`}
      </li>`;
    })}
  </ul>`;
}

/* ---------- requests the shared api() cannot make ---------- */

/**
 * A request with extra headers (Idempotency-Key) or a binary answer (a PDF),
 * which api() does not offer. Errors become the same ApiError. A 401 is
 * handed to api() once more, so the console's "session ended" handling runs
 * exactly as for every other call.
 * @param {{body?: any, headers?: object, blob?: boolean}} opts
 * @returns {Promise<any>} parsed JSON, or a Blob when opts.blob
 */
export async function request(method, path, { body, headers = {}, blob = false } = {}) {
  const u = new URL(path, location.origin);
  if (lang() === 'en') u.searchParams.set('lang', 'en');
  const h = { accept: blob ? 'application/pdf, application/json' : 'application/json',
    'accept-language': langTag(), ...headers };
  const init = { method, headers: h, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    h['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(u.pathname + u.search, init);
  } catch {
    throw new ApiError(0, 'network', t('err.network'));
  }
  if (res.ok && blob) return res.blob();
  const text = await res.text().catch(() => '');
  let data = null;
  if (text && (res.headers.get('content-type') || '').includes('json')) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (res.ok) return data;
  if (res.status === 401) await api('GET', '/api/v1/me').catch(() => {});
  const e = data && data.error;
  throw e && typeof e.message === 'string'
    ? new ApiError(res.status, e.code || '', e.message, e.field || null)
    : new ApiError(res.status, '', t('err.http', { status: res.status }));
}

/** Open the label PDF of one waybill in a new tab. */
export function openLabel(no, size = '100x180') {
  window.open(`/api/v1/waybills/${encodeURIComponent(no)}/label.pdf?size=${size}`, '_blank');
}

/* ---------- division lists ---------- */

// Division lists never change while the console runs; asking once per parent
// and filter keeps the cascade instant when an agent goes back and forth.
const divisionCache = new Map();

export function loadDivisions(parent, q) {
  const key = `${parent || ''}|${q || ''}`;
  if (!divisionCache.has(key)) {
    const p = api('GET', '/api/v1/divisions', { query: { parent, q } }).then((r) => r.items);
    p.catch(() => divisionCache.delete(key));
    divisionCache.set(key, p);
  }
  return divisionCache.get(key);
}

/** The children of `parent` ('' = provinces), narrowed by q. */
function useDivisions(parent, enabled, q) {
  const [state, setState] = useState({ items: [], loading: false, error: null });
  useEffect(() => {
    if (!enabled) {
      setState({ items: [], loading: false, error: null });
      return undefined;
    }
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    loadDivisions(parent, q).then(
      (items) => live && setState({ items, loading: false, error: null }),
      (e) => live && setState({ items: [], loading: false, error: e.message }),
    );
    return () => { live = false; };
  }, [parent, enabled, q]);
  return state;
}

export const EMPTY_ADDR = { province: null, city: null, district: null };

/**
 * Province → city → district for one end (sender or recipient). `value` holds
 * the chosen {code, name} per level; choosing a level clears those below it.
 * The search box narrows whichever level is still open, through `q`; Enter in
 * it takes the first match and moves on to the next level, and once the
 * district is chosen `onComplete` is called (the entry form moves focus to
 * the detailed address), so a whole address is typed without leaving the box.
 * `head` and `tail` are rendered inside the fieldset before and after it.
 * Element ids are `${prefix}-${end}-province` … and `${prefix}-${end}-filter`.
 */
export function AddressPicker({ prefix = 'q', end, legend, value, onChange, errors, onComplete,
  head, tail }) {
  const [q, setQ] = useState('');
  const [noMatch, setNoMatch] = useState(false);
  const latest = useRef(value);
  latest.current = value;
  const qNow = useRef(q);
  qNow.current = q;
  const open = LEVELS.find((l) => !value[l]) || 'district';
  const lists = {
    province: useDivisions('', true, open === 'province' ? q.trim() : ''),
    city: useDivisions(value.province ? value.province.code : '', !!value.province,
      open === 'city' ? q.trim() : ''),
    district: useDivisions(value.city ? value.city.code : '', !!value.city,
      open === 'district' ? q.trim() : ''),
  };

  function choose(level, item) {
    const next = { ...latest.current, [level]: item || null };
    for (const l of LEVELS.slice(LEVELS.indexOf(level) + 1)) next[l] = null;
    latest.current = next;
    setNoMatch(false);
    onChange(next);
  }

  // Enter in the search box: the first entry of the open level that matches
  // what was typed. The list is asked for directly (cached) rather than read
  // from state, so a fast typist's Enter does not race the list's render.
  async function takeFirst() {
    const cur = latest.current;
    const level = LEVELS.find((l) => !cur[l]);
    if (!level) {
      if (onComplete) onComplete();
      return;
    }
    const typed = qNow.current;
    const parent = level === 'province' ? '' : cur[LEVELS[LEVELS.indexOf(level) - 1]].code;
    let items;
    try {
      items = await loadDivisions(parent, typed.trim());
    } catch {
      return;
    }
    if (latest.current !== cur) return; // changed meanwhile by hand
    if (!items.length) {
      setNoMatch(true);
      return;
    }
    if (qNow.current === typed) setQ('');
    choose(level, items[0]);
    if (level === 'district' && onComplete) onComplete();
  }

  function onFilterKey(e) {
    if (e.key === 'Enter') {
      e.preventDefault();
      e.stopPropagation();
      takeFirst();
    } else if (e.key === 'Escape' && q) {
      // Esc clears the box first; a second Esc reaches the form.
      e.preventDefault();
      e.stopPropagation();
      setQ('');
      setNoMatch(false);
    }
  }

  const filterId = `${prefix}-${end}-filter`;
  return html`<fieldset class=${'address address-' + end} data-field=${end}>
    <legend>${legend || t('quote.' + end)}</legend>
    ${head}
    <div class="field address-filter">
      <label for=${filterId}>${t('quote.addr.filter', { level: t('quote.addr.' + open) })}</label>
      <input id=${filterId} type="search" autocomplete="off" value=${q}
        placeholder=${t('quote.addr.filter.placeholder')}
        aria-describedby=${noMatch ? `${filterId}-none` : `${filterId}-hint`}
        onKeyDown=${onFilterKey}
        onInput=${(e) => { setQ(e.currentTarget.value); setNoMatch(false); }} />
      ${noMatch
        ? html`<small id=${`${filterId}-none`} class="hint field-error-soft">${t('addr.nomatch')}</small>`
        : html`<small id=${`${filterId}-hint`} class="hint">${t('addr.enter.hint')}</small>`}
    </div>
    <div class="address-levels">
      ${LEVELS.map((level) => {
        const list = lists[level];
        const cur = value[level];
        // Keep the chosen entry selectable even when a filter hides it.
        const items = cur && !list.items.some((x) => x.code === cur.code)
          ? [cur, ...list.items] : list.items;
        const disabled = level !== 'province' && !value[LEVELS[LEVELS.indexOf(level) - 1]];
        return html`<${Field} key=${level} id=${`${prefix}-${end}-${level}`}
          name=${`${end}.${level}`} as="select" label=${t('quote.addr.' + level)}
          value=${cur ? cur.code : ''} disabled=${disabled}
          error=${errors[`${end}.${level}`] || list.error}
          onChange=${(e) => choose(level, items.find((x) => x.code === e.currentTarget.value))}>
          <option value="">${list.loading ? t('common.loading') : t('users.f.choose')}</option>
          ${items.map((d) => html`<option key=${d.code} value=${d.code}>${d.label || d.name}</option>`)}
        <//>`;
      })}
    </div>
    ${errors[end] && html`<p class="field-error" role="alert">${errors[end]}</p>`}
    ${tail}
  </fieldset>`;
}

/* ---------- goods screening ---------- */

/** The server's verdict on a goods name as it is typed (null while empty). */
export function useScreening(name) {
  const [verdict, setVerdict] = useState(null);
  useEffect(() => {
    const n = name.trim();
    if (!n) {
      setVerdict(null);
      return undefined;
    }
    let live = true;
    const timer = setTimeout(() => {
      api('GET', '/api/v1/goods/screen', { query: { name: n } }).then(
        (r) => live && setVerdict(r),
        () => live && setVerdict(null), // screening is advice; the server checks again
      );
    }, SCREEN_DELAY_MS);
    return () => { live = false; clearTimeout(timer); };
  }, [name, lang()]);
  return verdict;
}

export function ScreenWarning({ verdict, id }) {
  if (!verdict || verdict.verdict === 'ok') return null;
  const bad = verdict.matches.filter((m) => m.level === verdict.verdict);
  if (verdict.verdict === 'prohibited') {
    const items = bad.map((m) => t('quote.screen.item', { term: m.term, category: m.category }))
      .join(t('quote.screen.sep'));
    return html`<p id=${id} class="screen screen-prohibited" role="alert"
      data-verdict="prohibited">${t('quote.screen.prohibited', { items })}</p>`;
  }
  return html`<div id=${id} class="screen screen-restricted" role="status"
      data-verdict="restricted">
    ${bad.map((m) => html`<p key=${m.term}>${t('quote.screen.restricted', {
      item: t('quote.screen.item', { term: m.term, category: m.category }),
      condition: m.condition,
    })}</p>`)}
  </div>`;
}

/* ---------- the live quote ---------- */

/** Where an API field error is shown: the console's name for the field. */
export function fieldFor(apiField) {
  const f = apiField || '';
  const m = /^(sender|recipient)\.(province|city|district)(?:_code)?$/.exec(f);
  if (m) return `${m[1]}.${m[2]}`;
  if (/^(sender|recipient)$/.test(f)) return `${f}.district`;
  if (/^agency_fees/.test(f)) return 'agency_fees';
  if (f === 'pickup_window') return 'pickup_window.to';
  return apiField;
}

/**
 * Price what @p built describes: {body} is sent to POST /api/v1/quotes (after
 * a short pause, the newest answer wins), {errors} are shown as they are,
 * and {} means "not complete enough to ask". An error naming one of
 * @p knownFields comes back in `errors` under the console's field name;
 * any other in `error`.
 */
export function useQuote(built, knownFields) {
  const [state, setState] = useState({ quote: null, errors: {}, error: null, busy: false });
  const seq = useRef(0);
  const key = JSON.stringify(built);
  useEffect(() => {
    const { body, errors } = built;
    const my = ++seq.current;
    if (!body) {
      setState({ quote: null, errors: errors || {}, error: null, busy: false });
      return undefined;
    }
    setState((s) => ({ ...s, errors: {}, error: null, busy: true }));
    const timer = setTimeout(async () => {
      try {
        const quote = await api('POST', '/api/v1/quotes', { body });
        if (my === seq.current) setState({ quote, errors: {}, error: null, busy: false });
      } catch (e) {
        if (my !== seq.current) return;
        const f = fieldFor(e.field);
        if (f && knownFields.has(f)) {
          setState({ quote: null, errors: { [f]: e.message }, error: null, busy: false });
        } else {
          setState({ quote: null, errors: {}, error: e.message, busy: false });
        }
      }
    }, QUOTE_DELAY_MS);
    return () => clearTimeout(timer);
  }, [key, lang()]);
  return state;
}

export function QuoteResult({ state, prefix = 'q', title, children }) {
  const { quote, error, busy } = state;
  let body;
  if (error) body = html`<${Notice} kind="error">${error}<//>`;
  else if (!quote) body = html`<p class="muted">${busy ? t('quote.busy') : t('quote.incomplete')}</p>`;
  else {
    body = html`<table class="data quote-lines">
        <tbody>
          ${quote.components.map((c) => html`<tr key=${c.code} data-code=${c.code}>
            <th scope="row">${tOr('quote.c.' + c.code, c.code)}</th>
            <td class="num">${formatFen(c.amount_fen)}</td>
          </tr>`)}
        </tbody>
        <tfoot><tr class="quote-total">
          <th scope="row">${t('quote.total')}</th>
          <td class="num">${formatFen(quote.total_fen)}</td>
        </tr></tfoot>
      </table>
      <dl class="facts quote-facts">
        <dt>${t('quote.chargeable')}</dt>
        <dd class="q-chargeable">${formatGrams(quote.chargeable_weight_g)}</dd>
        <dt>${t('quote.actual')}</dt><dd>${formatGrams(quote.actual_weight_g)}</dd>
        <dt>${t('quote.volumetric')}</dt>
        <dd class="q-volumetric">${formatGrams(quote.volumetric_weight_g)}</dd>
        <dt>${t('quote.zone')}</dt>
        <dd class="q-zone">${tOr('quote.zone.' + quote.zone, quote.zone)}</dd>
        ${quote.origin && quote.destination && html`<dt>${t('quote.route')}</dt>
        <dd>${quote.origin.city}${quote.origin.district || ''} → ${quote.destination.city}${quote.destination.district || ''}</dd>`}
        <dt>${t('quote.ratecard')}</dt>
        <dd class="q-ratecard"><code>${quote.ratecard.code}</code> v${quote.ratecard.version}
          ${quote.pricing && quote.pricing !== 'ratecard' && html` · ${tOr('quote.pricing.' + quote.pricing, quote.pricing)}`}</dd>
      </dl>`;
  }
  return html`<section class="panel quote-result" aria-labelledby=${prefix + '-result-title'}
      aria-live="polite" aria-busy=${busy ? 'true' : 'false'}>
    <h2 id=${prefix + '-result-title'}>${title || t('quote.result')}</h2>
    ${body}
    ${children}
  </section>`;
}

/* ---------- hand-over from the quick quote to the order form ---------- */

// What the caller was quoted, carried into 新建订单 when the agent turns the
// quote into an order. Read once by the next order form.
let handover = null;
export function putHandover(v) { handover = v; }
export function takeHandover() {
  const v = handover;
  handover = null;
  return v;
}

/* ---------- a dialog that asks for a reason ---------- */

/**
 * A modal <dialog> asking for a reason (cancel, flag). Enter confirms, Esc
 * cancels (the browser's own dialog behaviour); focus starts in the box and
 * goes back where it was when the dialog closes. `onSubmit(reason)` may
 * throw an ApiError, whose message is shown in the dialog.
 */
export function ReasonDialog({ title, label, confirm, danger = false, onSubmit, onClose }) {
  const ref = useRef(null);
  const input = useRef(null);
  const [reason, setReason] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const back = document.activeElement;
    const d = ref.current;
    if (d && !d.open) d.showModal();
    if (input.current) input.current.focus();
    return () => { if (back && back.isConnected) back.focus(); };
  }, []);
  async function submit(e) {
    e.preventDefault();
    if (busy) return;
    if (!reason.trim()) {
      setError(t('dlg.reason.required'));
      input.current.focus();
      return;
    }
    setBusy(true);
    try {
      await onSubmit(reason.trim());
      onClose(true);
    } catch (err) {
      setError(err.message);
      setBusy(false);
      input.current.focus();
    }
  }
  return html`<dialog ref=${ref} class="reason-dialog" aria-labelledby="dlg-title"
      onCancel=${(e) => { e.preventDefault(); onClose(false); }}>
    <form onSubmit=${submit} novalidate>
      <h2 id="dlg-title">${title}</h2>
      <div class=${'field' + (error ? ' has-error' : '')} data-field="reason">
        <label for="dlg-reason">${label}</label>
        <input id="dlg-reason" name="reason" ref=${input} value=${reason} autocomplete="off"
          maxlength="500" aria-invalid=${error ? 'true' : undefined}
          aria-describedby=${error ? 'dlg-reason-error' : undefined}
          onInput=${(e) => { setReason(e.currentTarget.value); setError(null); }} />
        ${error && html`<p id="dlg-reason-error" class="field-error" role="alert">${error}</p>`}
      </div>
      <p class="muted keys">${t('dlg.keys')}</p>
      <div class="actions">
        <button type="submit" class=${danger ? 'danger' : 'primary'} disabled=${busy}>${confirm}</button>
        <button type="button" onClick=${() => onClose(false)}>${t('dlg.close')}</button>
      </div>
    </form>
  </dialog>`;
}

/** "2026-11-23 10:00:00" for an RFC 3339 time, '' for null. */
export const when = (s) => (s ? formatTime(s) : '');
