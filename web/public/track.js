// 快件查询 (/p/track): where a parcel is, for anyone, on a phone, without an
// account. A waybill or parcel number goes to
// GET /api/v1/public/tracking/{no}; the answer — status with its badge, the
// promised delivery time, each parcel of a multi-parcel waybill, and the
// timeline — is shown newest event first (the server lists them oldest
// first). That view is masked by the server (signers as 李*, no phones, no
// photos). The last four digits of the sender's or recipient's phone unlock
// the full view (?phone_last4=): signers in full, operators, temperatures and
// the proof-of-delivery photo. The number's check digit is the server's to
// judge, and its message is shown beside the field it names; not found (404)
// and too many look-ups (429) get their own plain explanation. /p/track?no=PD…
// opens one waybill directly, and the address bar follows the number shown
// (never the phone digits). Chinese first, English on request (the choice is
// shared with /p/send): the server's one-line descriptions are Chinese, so in
// English each event is headed by its type in English and the Chinese line is
// kept beneath it.

import { html, render, useState, useEffect, useRef } from '/vendor/htm/preact/standalone.module.js';

const STORAGE_KEY = 'pd.lang';

const STRINGS = {
  zh: {
    title: '快件查询',
    brand: 'ParcelDesk 快递',
    intro: '输入运单号，查看快件的最新动态。',
    lang: 'English',
    no_label: '运单号',
    no_hint: '以 PD 开头的运单号或子单号',
    submit: '查询',
    searching: '正在查询…',
    required: '请输入运单号',
    status: '当前状态',
    promised: '承诺送达',
    delivered_at: '签收时间',
    no_promise: '暂无时效承诺',
    parcels: '包裹（{n} 件）',
    parcel: '子单号',
    timeline: '物流轨迹',
    newest_first: '最新动态在最上方',
    no_events: '快件尚未揽收，暂无物流轨迹。',
    verify_title: '查看详细信息',
    verify_intro: '输入寄件人或收件人手机号的后四位，可查看签收人、签收照片等详细信息。',
    last4: '手机号后四位',
    last4_err: '请输入 4 位数字',
    verify: '验证',
    verifying: '正在验证…',
    verified: '已验证：以下为详细信息。',
    full_badge: '详细信息',
    operator: '操作员',
    signer: '签收人',
    reason: '原因',
    temperature: '温度',
    photo: '签收照片',
    photo_open: '查看照片',
    not_found_hint: '请核对运单号；刚下单的快件，信息可能要稍后才能查到。',
    rate_hint: '为保护寄收件人信息，同一网络的查询次数有限制，请稍后再试。',
    err_network: '无法连接服务器，请稍后再试',
    err_http: '服务器返回错误（HTTP {status}）',
  },
  en: {
    title: 'Track a parcel',
    brand: 'ParcelDesk Express',
    intro: 'Enter a waybill number to see where the parcel is.',
    lang: '中文',
    no_label: 'Waybill number',
    no_hint: 'The waybill or parcel number, starting with PD',
    submit: 'Track',
    searching: 'Looking it up…',
    required: 'Enter a waybill number',
    status: 'Status',
    promised: 'Delivery promised by',
    delivered_at: 'Delivered at',
    no_promise: 'No delivery promise',
    parcels: 'Parcels ({n})',
    parcel: 'Parcel number',
    timeline: 'Tracking history',
    newest_first: 'Latest first',
    no_events: 'Not picked up yet: no tracking events so far.',
    verify_title: 'See the details',
    verify_intro: 'Enter the last four digits of the sender\'s or recipient\'s phone to see who signed, the delivery photo and more.',
    last4: 'Last 4 digits of the phone',
    last4_err: 'Enter 4 digits',
    verify: 'Verify',
    verifying: 'Checking…',
    verified: 'Verified: the details are shown below.',
    full_badge: 'Details',
    operator: 'Handled by',
    signer: 'Signed by',
    reason: 'Reason',
    temperature: 'Temperature',
    photo: 'Delivery photo',
    photo_open: 'View photo',
    not_found_hint: 'Check the number; a parcel booked just now may take a moment to appear.',
    rate_hint: 'To protect senders and recipients, look-ups from one network are limited. Please try again later.',
    err_network: 'Cannot reach the server; please try again later',
    err_http: 'The server answered with an error (HTTP {status})',
  },
};

/** English names of the server's vocabularies (src/core/status.def, scan.def). */
const STATUS_EN = {
  info_received: 'Order received',
  picked_up: 'Picked up',
  in_transit: 'In transit',
  departed: 'Departed',
  arrived_dest_city: 'Arrived in destination city',
  out_for_delivery: 'Out for delivery',
  available_for_pickup: 'Ready for collection',
  attempt_failed: 'Delivery attempt failed',
  unreachable: 'Recipient unreachable',
  delivered: 'Delivered',
  delivered_proxy: 'Delivered (signed by someone else)',
  delivered_locker: 'Delivered to a locker or station',
  refused: 'Refused',
  address_issue: 'Address problem',
  damaged: 'Damaged',
  lost: 'Lost',
  no_update: 'No recent update',
  exception: 'Exception',
  returning: 'Returning to sender',
  returned: 'Returned to sender',
  cancelled: 'Cancelled',
};
const TYPE_EN = {
  pickup: 'Picked up',
  arrival: 'Arrived',
  sort: 'Sorted',
  bag: 'Bagged',
  unbag: 'Unbagged',
  load: 'Loaded',
  departure: 'Departed',
  unload: 'Unloaded',
  station_arrival: 'Arrived at delivery station',
  out_for_delivery: 'Out for delivery',
  delivered: 'Delivered',
  failed_attempt: 'Delivery attempt failed',
  locker_in: 'In a locker or station',
  exception: 'Exception',
  return_start: 'Returning',
  returned: 'Returned',
};
const SIGNER = {
  zh: { recipient: '本人签收', proxy: '他人代签', locker: '快递柜', station: '驿站' },
  en: { recipient: 'recipient', proxy: 'someone else', locker: 'locker', station: 'station' },
};

const DELIVERED = new Set(['delivered', 'delivered_proxy', 'delivered_locker']);
const TROUBLE = new Set(['attempt_failed', 'unreachable', 'refused', 'address_issue', 'damaged',
  'lost', 'no_update', 'exception', 'returning', 'returned']);

let lang = (() => {
  try { return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'zh'; } catch { return 'zh'; }
})();

function t(key, vars) {
  let s = STRINGS[lang][key] ?? STRINGS.zh[key] ?? key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  return s;
}

function applyLang() {
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  document.title = `${t('title')} — ${t('brand')}`;
}

const statusName = (code, zh) => (lang === 'en' ? STATUS_EN[code] || zh || code : zh || code);
const typeName = (e) => (lang === 'en' ? TYPE_EN[e.type] || e.type_zh : e.type_zh || e.type);

/** The badge colour of a status: done, in trouble, cancelled, or on its way. */
function tone(status) {
  if (DELIVERED.has(status)) return 'ok';
  if (TROUBLE.has(status)) return 'bad';
  if (status === 'cancelled') return 'off';
  return 'go';
}

/** "2026-11-23 18:00" of an RFC 3339 time, as the server wrote it (China time). */
function formatTime(s) {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)/.exec(s || '');
  return m ? `${m[1]} ${m[2]}` : s || '';
}

/** The current year in China time, "2026". */
const thisYear = () => new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 4);

/**
 * A photo reference the page may link to: an http(s) URL or a path on this
 * site. Anything else (an object key, or a scheme such as javascript:) is
 * shown as text, never as a link.
 */
function photoHref(ref) {
  if (typeof ref !== 'string') return null;
  if (/^https?:\/\/[^\s]+$/i.test(ref)) return ref;
  if (/^\/(?!\/)[^\s]*$/.test(ref)) return ref;
  return null;
}

/** What a typed number becomes before it is sent: no spaces, capital PD. */
const cleanNo = (s) => s.replace(/\s+/g, '').toUpperCase();

/* ---------- talking to the server ---------- */

class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field || null;
  }
}

async function lookup(no, last4) {
  const q = new URLSearchParams();
  if (last4) q.set('phone_last4', last4);
  if (lang === 'en') q.set('lang', 'en');
  const qs = q.toString();
  const path = `/api/v1/public/tracking/${encodeURIComponent(no)}${qs ? '?' + qs : ''}`;
  let res;
  try {
    res = await fetch(path, {
      headers: { accept: 'application/json', 'accept-language': lang === 'en' ? 'en' : 'zh-CN' },
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'network', t('err_network'));
  }
  const text = await res.text().catch(() => '');
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (res.ok && data && typeof data === 'object') return data;
  const e = data && data.error;
  throw e && typeof e.message === 'string'
    ? new ApiError(res.status, e.code, e.message, e.field)
    : new ApiError(res.status, '', t('err_http', { status: res.status }));
}

/* ---------- pieces ---------- */

function StatusBadge({ status, zh, big }) {
  return html`<span class=${`badge tone-${tone(status)}${big ? ' big' : ''}`} data-status=${status}>
    ${statusName(status, zh)}</span>`;
}

function Photo({ value }) {
  const href = photoHref(value);
  return href
    ? html`<a class="photo-link" href=${href} target="_blank" rel="noopener noreferrer">${t('photo_open')}</a>`
    : html`<code class="photo-ref">${value}</code>`;
}

/** The details only the full view carries (the public view has none of these members). */
function EventDetails({ e }) {
  const rows = [];
  if (e.signer || e.signer_type) {
    const kind = e.signer_type ? SIGNER[lang][e.signer_type] || e.signer_type : '';
    rows.push([t('signer'), [e.signer, kind && `(${kind})`].filter(Boolean).join(' '), 'signer']);
  }
  if (e.reason) rows.push([t('reason'), e.reason, 'reason']);
  if (e.temperature_c !== undefined && e.temperature_c !== null) {
    rows.push([t('temperature'), `${e.temperature_c} °C`, 'temperature']);
  }
  if (e.operator) rows.push([t('operator'), e.operator, 'operator']);
  if (e.photo) rows.push([t('photo'), html`<${Photo} value=${e.photo} />`, 'photo']);
  if (!rows.length) return null;
  return html`<dl class="ev-details">
    ${rows.map(([k, v, cls]) => html`<div class=${'ev-' + cls} key=${cls}><dt>${k}</dt><dd>${v}</dd></div>`)}
  </dl>`;
}

function Timeline({ events }) {
  // The server lists events oldest first (by event time); people read the
  // latest first.
  const list = events.slice().reverse();
  if (!list.length) return html`<p class="muted" id="no-events">${t('no_events')}</p>`;
  return html`<ol class="timeline" id="timeline">
    ${list.map((e, i) => {
      const [day = '', time = ''] = formatTime(e.at).split(' ');
      // Month and day fit the narrow column; the year only when it is not this one.
      const year = day.slice(0, 4);
      return html`<li key=${i} class=${'ev' + (i === 0 ? ' latest' : '') + ` tone-${tone(e.status)}`}
          data-type=${e.type}>
        <div class="ev-time"><time datetime=${e.at}><span class="ev-clock">${time}</span>
          <span class="ev-day">${day.slice(5)}</span>
          ${year !== thisYear() && html`<span class="ev-year">${year}</span>`}</time></div>
        <div class="ev-body">
          <p class="ev-title"><strong>${typeName(e)}</strong>
            ${e.node_name && html`<span class="ev-node">${e.node_name}</span>`}</p>
          <p class="ev-desc" lang="zh-CN">${e.description}</p>
          ${e.parcel_no && html`<p class="ev-parcel">${t('parcel')} <span class="mono">${e.parcel_no}</span></p>`}
          <${EventDetails} e=${e} />
        </div>
      </li>`;
    })}
  </ol>`;
}

function VerifyForm({ no, onVerified }) {
  const [digits, setDigits] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const input = useRef(null);

  async function submit(ev) {
    ev.preventDefault();
    if (busy) return;
    const d = digits.trim();
    if (!/^\d{4}$/.test(d)) {
      setError(t('last4_err'));
      input.current && input.current.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const r = await lookup(no, d);
      onVerified(r);
    } catch (e) {
      setError(e.message);
      input.current && input.current.focus();
    } finally {
      setBusy(false);
    }
  }

  return html`<section class="card verify" aria-labelledby="verify-title">
    <h2 id="verify-title">${t('verify_title')}</h2>
    <p class="muted">${t('verify_intro')}</p>
    <form class="verify-form" onSubmit=${submit} novalidate>
      <div class=${'field' + (error ? ' has-error' : '')} data-field="phone_last4">
        <label for="t-last4">${t('last4')}</label>
        <div class="inline">
          <input id="t-last4" name="phone_last4" ref=${input} value=${digits} inputmode="numeric"
            autocomplete="off" maxlength="4" pattern="[0-9]{4}" aria-invalid=${error ? 'true' : undefined}
            aria-describedby=${error ? 't-last4-error' : undefined}
            onInput=${(e) => { setDigits(e.currentTarget.value); if (error) setError(null); }} />
          <button type="submit" class="primary" id="t-verify" disabled=${busy}>
            ${busy ? t('verifying') : t('verify')}</button>
        </div>
        ${error && html`<p id="t-last4-error" class="field-error" role="alert">${error}</p>`}
      </div>
    </form>
  </section>`;
}

function Result({ r, onVerified }) {
  const head = useRef(null);
  const full = r.view === 'full';
  const parcels = Array.isArray(r.parcels) ? r.parcels : [];
  const events = Array.isArray(r.events) ? r.events : [];
  return html`<div class="result" data-view=${r.view}>
    <section class="card summary" aria-labelledby="r-title">
      <p class="label">${t('no_label')}</p>
      <h2 id="r-title" class="waybill-no" tabindex="-1" ref=${head}>${r.waybill_no}</h2>
      <div class="status-line">
        <span class="sr-only">${t('status')}</span>
        <${StatusBadge} status=${r.status} zh=${r.status_zh} big=${true} />
        ${full && html`<span class="badge tone-info" id="full-badge">${t('full_badge')}</span>`}
      </div>
      <dl class="facts">
        <dt>${t('promised')}</dt>
        <dd id="r-promise">${r.promised_delivery_at ? formatTime(r.promised_delivery_at) : t('no_promise')}</dd>
        ${r.delivered_at && html`<dt>${t('delivered_at')}</dt><dd id="r-delivered">${formatTime(r.delivered_at)}</dd>`}
      </dl>
      ${parcels.length > 1 && html`<div class="parcels">
        <h3>${t('parcels', { n: parcels.length })}</h3>
        <ul id="r-parcels">
          ${parcels.map((p) => html`<li key=${p.parcel_no} data-parcel=${p.parcel_no}>
            <span class="mono">${p.parcel_no}</span>
            <${StatusBadge} status=${p.status} zh=${p.status_zh} /></li>`)}
        </ul>
      </div>`}
    </section>
    ${full && html`<p class="notice ok" role="status" id="verified">${t('verified')}</p>`}
    <section class="card history" aria-labelledby="h-title">
      <div class="history-head">
        <h2 id="h-title">${t('timeline')}</h2>
        <span class="muted small">${t('newest_first')}</span>
      </div>
      <${Timeline} events=${events} />
    </section>
    ${!full && html`<${VerifyForm} key=${r.waybill_no} no=${r.waybill_no} onVerified=${onVerified} />`}
  </div>`;
}

function Problem({ p }) {
  const ref = useRef(null);
  useEffect(() => { if (p.focus && ref.current) ref.current.focus(); }, [p]);
  const hint = p.status === 404 ? t('not_found_hint') : p.status === 429 ? t('rate_hint') : null;
  return html`<section class=${'card problem problem-' + (p.status || 'network')} role="alert"
      id="problem" data-code=${p.code}>
    <h2 tabindex="-1" ref=${ref}>${p.message}</h2>
    ${hint && html`<p class="muted">${hint}</p>`}
  </section>`;
}

function initialNo() {
  const v = new URLSearchParams(location.search).get('no');
  return v ? cleanNo(v).slice(0, 40) : '';
}

/** Keep the address bar on the number shown, so it can be reloaded or shared. */
function rememberNo(no) {
  const u = new URL(location.href);
  if (no) u.searchParams.set('no', no);
  else u.searchParams.delete('no');
  history.replaceState(null, '', u.pathname + u.search);
}

function TrackPage({ onLang }) {
  const [no, setNo] = useState(initialNo);
  const [fieldError, setFieldError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState(null);
  const [problem, setProblem] = useState(null);
  const input = useRef(null);
  const seq = useRef(0);

  async function search(value, { focusResult }) {
    const n = cleanNo(value);
    setNo(n);
    setFieldError(null);
    if (!n) {
      setFieldError(t('required'));
      input.current && input.current.focus();
      return;
    }
    // Only the newest look-up may fill the page.
    const my = ++seq.current;
    setBusy(true);
    try {
      const r = await lookup(n);
      if (my !== seq.current) return;
      setProblem(null);
      setResult(r);
      rememberNo(n);
      if (focusResult) setTimeout(() => { const h = document.getElementById('r-title'); if (h) h.focus(); }, 0);
    } catch (e) {
      if (my !== seq.current) return;
      setResult(null);
      if (e.field === 'no') {
        setProblem(null);
        setFieldError(e.message);
        input.current && input.current.focus();
      } else {
        setProblem({ status: e.status, code: e.code, message: e.message, focus: focusResult });
      }
    } finally {
      if (my === seq.current) setBusy(false);
    }
  }

  useEffect(() => {
    if (no) search(no, { focusResult: false });
    else if (input.current) input.current.focus();
  }, []);

  return html`<div class="page">
    <header class="top">
      <div class="brand"><img src="/console/icon.svg" alt="" width="28" height="28" />
        <span>${t('brand')}</span></div>
      <button type="button" class="lang" lang=${lang === 'zh' ? 'en' : 'zh-CN'} onClick=${onLang}>${t('lang')}</button>
    </header>
    <main>
      <h1>${t('title')}</h1>
      <p class="intro">${t('intro')}</p>
      <form class="search card" role="search" onSubmit=${(e) => { e.preventDefault(); search(no, { focusResult: true }); }} novalidate>
        <div class=${'field' + (fieldError ? ' has-error' : '')} data-field="no">
          <label for="t-no">${t('no_label')}</label>
          <div class="inline">
            <input id="t-no" name="no" ref=${input} value=${no} type="search" autocomplete="off"
              autocapitalize="characters" spellcheck="false" maxlength="40" enterkeyhint="search"
              aria-invalid=${fieldError ? 'true' : undefined}
              aria-describedby=${fieldError ? 't-no-hint t-no-error' : 't-no-hint'}
              onInput=${(e) => { setNo(e.currentTarget.value); if (fieldError) setFieldError(null); }} />
            <button type="submit" class="primary" id="t-submit" disabled=${busy}>
              ${busy ? t('searching') : t('submit')}</button>
          </div>
          <small id="t-no-hint" class="hint">${t('no_hint')}</small>
          ${fieldError && html`<p id="t-no-error" class="field-error" role="alert">${fieldError}</p>`}
        </div>
      </form>
      <div aria-live="polite">
        ${problem && html`<${Problem} p=${problem} />`}
        ${result && html`<${Result} key=${result.waybill_no + result.view} r=${result}
          onVerified=${(r) => { setResult(r); setProblem(null); }} />`}
      </div>
    </main>
  </div>`;
}

function App() {
  const [, setL] = useState(lang);
  const toggle = () => {
    lang = lang === 'zh' ? 'en' : 'zh';
    try { localStorage.setItem(STORAGE_KEY, lang); } catch { /* not remembered, still switched */ }
    applyLang();
    setL(lang);
  };
  return html`<${TrackPage} onLang=${toggle} />`;
}

applyLang();
const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
