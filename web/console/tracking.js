// 运单查询/跟踪: everything staff need about where a waybill is, from
// GET /api/v1/tracking/{no} (permission tracking.read; the server holds it to
// the caller's network and audits reads of personal data). A waybill or
// parcel number typed in the box (focused on open; Enter searches) becomes
// the route #/tracking/PD…, so other screens can link here and a reload
// stays put. Shown: the status of the waybill and of each parcel of a
// multi-parcel waybill, the order behind it, the promise with its risk (on
// time / at risk / late, in colour and in words) and ETA, proof of delivery
// (signer, signer type, time, the photo reference — a link when it is a URL),
// for cold chain a temperature chart of the events that carry a temperature
// (an SVG polyline drawn here, no chart library: the CSP allows only our own
// scripts), and the timeline newest first with node, operator, signer and
// every detail a device sent. The console never derives a status or a risk
// itself: it shows the server's.
//
// Wiring (app.js): import { TrackingPage } from './tracking.js';
//   Page(): if (id === 'tracking') return html`<${TrackingPage} me=${me} arg=${route[1]} />`;

import { api } from './api.js';
import { t, tOr, lang } from './i18n.js';
import { html, useState, useEffect, Field, Notice, Loading, formatTime, navigate } from './ui.js';
import { can } from './shell.js';

const DELIVERED = new Set(['delivered', 'delivered_proxy', 'delivered_locker']);
const TROUBLE = new Set(['attempt_failed', 'unreachable', 'refused', 'address_issue', 'damaged',
  'lost', 'no_update', 'exception', 'returning', 'returned']);

/** What a typed number becomes: no spaces, capital PD. */
const cleanNo = (s) => (s || '').replace(/\s+/g, '').toUpperCase();

const statusName = (s, zh) => tOr('trk.status.' + s, lang() === 'en' ? s : zh || s);
const typeName = (e) => tOr('trk.type.' + e.type, lang() === 'en' ? e.type : e.type_zh || e.type);
const signerName = (s) => (s ? tOr('trk.signer.' + s, s) : '');

/** The colour family of a status: done, in trouble, cancelled, or under way. */
function tone(status) {
  if (DELIVERED.has(status)) return 'ok';
  if (TROUBLE.has(status)) return 'bad';
  if (status === 'cancelled') return 'off';
  return 'go';
}

/**
 * A photo reference the console may link to: an http(s) URL or a path on
 * this site. Anything else (an object key; javascript: and other schemes) is
 * shown as text.
 */
export function photoHref(ref) {
  if (typeof ref !== 'string') return null;
  if (/^https?:\/\/\S+$/i.test(ref)) return ref;
  if (/^\/(?!\/)\S*$/.test(ref)) return ref;
  return null;
}

function StatusBadge({ status, zh }) {
  return html`<span class=${'trk-badge tone-' + tone(status)} data-status=${status}>${statusName(status, zh)}</span>`;
}

function Photo({ value }) {
  if (!value) return null;
  const href = photoHref(value);
  return href
    ? html`<a class="trk-photo" href=${href} target="_blank" rel="noopener noreferrer"
        title=${value}>${t('trk.photo.open')}</a>`
    : html`<code class="trk-photo-ref" title=${t('trk.photo.key')}>${value}</code>`;
}

export function TrackingPage({ me, arg }) {
  const no = cleanNo(arg);
  const [input, setInput] = useState(no);
  const [fieldError, setFieldError] = useState(null);
  const [state, setState] = useState({ data: null, error: null, loading: false });
  const [reload, setReload] = useState(0);
  // Field does not forward refs: the input is found by its id.
  const focusBox = () => { const el = document.getElementById('trk-no'); if (el) el.focus(); };

  // The box follows the route (a link from elsewhere, the browser's back).
  useEffect(() => { setInput(no); setFieldError(null); }, [no]);
  // After the shell has put the focus on the heading: the box is where work starts.
  useEffect(() => {
    const id = setTimeout(focusBox, 0);
    return () => clearTimeout(id);
  }, []);

  useEffect(() => {
    if (!no) {
      setState({ data: null, error: null, loading: false });
      return undefined;
    }
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    api('GET', `/api/v1/tracking/${encodeURIComponent(no)}`).then(
      (data) => live && setState({ data, error: null, loading: false }),
      (e) => {
        if (!live) return;
        if (e.field === 'no') {
          setFieldError(e.message);
          setState({ data: null, error: null, loading: false });
          focusBox();
        } else {
          setState({ data: null, error: e, loading: false });
        }
      },
    );
    return () => { live = false; };
  }, [no, reload]);

  function submit(ev) {
    ev.preventDefault();
    const n = cleanNo(input);
    setInput(n);
    if (!n) {
      setFieldError(t('trk.no.required'));
      focusBox();
      return;
    }
    setFieldError(null);
    if (n === no) setReload((x) => x + 1);
    else navigate('/tracking/' + encodeURIComponent(n));
  }

  const d = state.data;
  return html`<section class="page tracking">
    <h1 tabindex="-1">${t('nav.tracking')}</h1>
    <form class="trk-search" role="search" onSubmit=${submit} novalidate>
      <${Field} id="trk-no" name="no" label=${t('trk.no')} hint=${t('trk.no.hint')} type="search"
        autocomplete="off" spellcheck="false" maxlength="40" value=${input} error=${fieldError}
        onInput=${(e) => { setInput(e.currentTarget.value); if (fieldError) setFieldError(null); }} />
      <button type="submit" class="primary" id="trk-submit" disabled=${state.loading}>
        ${t('trk.search')}</button>
    </form>
    ${state.loading && !d && html`<${Loading} />`}
    <${Notice} kind="error">${state.error && state.error.message}<//>
    ${state.error && state.error.status === 404 && html`<p class="muted" id="trk-notfound-hint">${t('trk.notfound.hint')}</p>`}
    ${d && html`<${TrackingView} me=${me} d=${d} busy=${state.loading}
      onReload=${() => setReload((x) => x + 1)} />`}
  </section>`;
}

function TrackingView({ me, d, busy, onReload }) {
  const events = Array.isArray(d.events) ? d.events : [];
  const parcels = Array.isArray(d.parcels) ? d.parcels : [];
  const order = d.order;
  const temps = events.filter((e) => typeof e.temperature_c === 'number');
  const cold = (order && order.service === 'cold_chain') || temps.length > 0;
  return html`<div class="trk-result" data-waybill=${d.waybill_no}>
    <div class="panel trk-summary">
      <div class="trk-head">
        <h2 class="waybill-no-inline" id="trk-title">${d.waybill_no}</h2>
        <${StatusBadge} status=${d.status} zh=${d.status_zh} />
        <span class="muted trk-codes" title=${t('trk.codes.title')}>${codes(d)}</span>
        <span class="trk-head-actions">
          ${order && can(me, 'orders.read') && html`<a href=${'#/orders/search/' + encodeURIComponent(d.waybill_no)}>
            ${t('trk.order.open')}</a>`}
          <button type="button" onClick=${onReload} disabled=${busy}>${t('trk.reload')}</button>
        </span>
      </div>
      ${!d.has_order && html`<p class="notice notice-info" id="trk-no-order">${t('trk.no_order')}</p>`}
      <div class="trk-grid">
        ${order && html`<dl class="facts trk-order">
          <dt>${t('trk.order.state')}</dt>
          <dd><span class=${'state-badge state-' + order.state}>${tOr('state.' + order.state, order.state_zh)}</span></dd>
          <dt>${t('trk.order.service')}</dt><dd>${tOr('quote.svc.' + order.service, order.service)}</dd>
          <dt>${t('trk.order.node')}</dt><dd><code>${order.node}</code></dd>
          <dt>${t('trk.order.dest')}</dt><dd><code>${order.dest_district_code || '—'}</code></dd>
          <dt>${t('trk.order.created')}</dt><dd>${formatTime(order.created_at)}</dd>
        </dl>`}
        <${Promise_} d=${d} />
      </div>
    </div>
    ${parcels.length > 1 && html`<${Parcels} parcels=${parcels} />`}
    <${Proof} events=${events} status=${d.status} />
    ${cold && html`<div class="panel trk-temps">
      <h2>${t('trk.temp.title')}</h2>
      ${temps.length ? html`<${TempChart} events=${temps} />`
        : html`<p class="muted" id="trk-temp-none">${t('trk.temp.none')}</p>`}
    </div>`}
    <${Timeline} events=${events} multi=${parcels.length > 1} />
  </div>`;
}

/** "Kuaidi100 3/301 · AfterShip Delivered_003": the codes integrators see for this status. */
function codes(d) {
  const k = d.kuaidi100 || {};
  const a = d.aftership || {};
  return `Kuaidi100 ${k.state ?? '—'}${k.advanced ? '/' + k.advanced : ''} · AfterShip ${a.subtag || '—'}`;
}

const RISKS = ['on_time', 'at_risk', 'late'];

/** The promise and how it stands. (Named with a _ so as not to shadow the global Promise.) */
function Promise_({ d }) {
  const risk = RISKS.includes(d.risk) ? d.risk : 'none';
  return html`<div class=${'trk-promise risk-' + risk} id="trk-promise" data-risk=${risk}>
    <p class="trk-risk-line">
      <span class=${'risk-badge risk-' + risk} id="trk-risk">${t('trk.risk.' + risk)}</span>
    </p>
    <dl class="facts">
      <dt>${t('trk.promised')}</dt>
      <dd id="trk-promised">${d.promised_delivery_at ? formatTime(d.promised_delivery_at) : t('trk.none')}</dd>
      <dt>${t('trk.eta')}</dt><dd id="trk-eta">${d.eta ? formatTime(d.eta) : t('trk.none')}</dd>
      ${d.delivered_at && html`<dt>${t('trk.delivered_at')}</dt><dd id="trk-delivered">${formatTime(d.delivered_at)}</dd>`}
      <dt>${t('trk.last_event')}</dt><dd>${d.last_event_at ? formatTime(d.last_event_at) : t('trk.none')}</dd>
    </dl>
  </div>`;
}

function Parcels({ parcels }) {
  return html`<div class="panel trk-parcels">
    <h2>${t('trk.parcels', { n: parcels.length })}</h2>
    <div class="table-wrap">
      <table class="data" id="trk-parcels">
        <thead><tr>
          <th scope="col">${t('trk.col.parcel')}</th>
          <th scope="col">${t('trk.col.status')}</th>
          <th scope="col">${t('trk.col.last_event')}</th>
        </tr></thead>
        <tbody>
          ${parcels.map((p) => html`<tr key=${p.parcel_no} data-parcel=${p.parcel_no}>
            <th scope="row"><code>${p.parcel_no}</code></th>
            <td><${StatusBadge} status=${p.status} zh=${p.status_zh} /></td>
            <td>${p.last_event_at ? formatTime(p.last_event_at) : '—'}</td>
          </tr>`)}
        </tbody>
      </table>
    </div>
  </div>`;
}

/** 签收凭证: every delivery event (one per parcel when they were delivered apart). */
function Proof({ events, status }) {
  const pods = events.filter((e) => e.type === 'delivered');
  if (!pods.length && !DELIVERED.has(status)) return null;
  return html`<div class="panel trk-pod" id="trk-pod">
    <h2>${t('trk.pod.title')}</h2>
    ${pods.length === 0 && html`<p class="muted">${t('trk.pod.none')}</p>`}
    ${pods.map((e, i) => html`<dl class="facts trk-pod-item" key=${i}>
      ${e.parcel_no && html`<dt>${t('trk.col.parcel')}</dt><dd><code>${e.parcel_no}</code></dd>`}
      <dt>${t('trk.pod.signer')}</dt>
      <dd class="trk-pod-signer">${e.signer || '—'} <span class="muted">${signerName(e.signer_type)}</span>
        ${e.consent && html`<span class="badge consent">${t('trk.consent')}</span>`}</dd>
      <dt>${t('trk.pod.at')}</dt><dd>${formatTime(e.at)}</dd>
      <dt>${t('trk.col.node')}</dt><dd>${e.node_name || e.node || '—'}</dd>
      <dt>${t('trk.col.operator')}</dt><dd>${e.operator || '—'}</dd>
      <dt>${t('trk.pod.photo')}</dt><dd class="trk-pod-photo">${e.photo ? html`<${Photo} value=${e.photo} />` : t('trk.none')}</dd>
    </dl>`)}
  </div>`;
}

function Timeline({ events, multi }) {
  // The server lists events oldest first; the newest is what a caller asks about.
  const list = events.slice().reverse();
  return html`<div class="panel trk-timeline">
    <h2>${t('trk.timeline')} <span class="count">${t('trk.timeline.count', { n: events.length })}</span></h2>
    ${list.length === 0 ? html`<p class="muted" id="trk-no-events">${t('trk.timeline.empty')}</p>` : html`
    <div class="table-wrap">
      <table class="data" id="trk-events">
        <caption class="sr-only">${t('trk.timeline.caption')}</caption>
        <thead><tr>
          <th scope="col">${t('trk.col.at')}</th>
          <th scope="col">${t('trk.col.node')}</th>
          <th scope="col">${t('trk.col.event')}</th>
          ${multi && html`<th scope="col">${t('trk.col.parcel')}</th>`}
          <th scope="col">${t('trk.col.operator')}</th>
          <th scope="col">${t('trk.col.signer')}</th>
          <th scope="col">${t('trk.col.details')}</th>
        </tr></thead>
        <tbody>
          ${list.map((e, i) => html`<tr key=${i} data-type=${e.type}
              class=${(i === 0 ? 'latest ' : '') + 'tone-' + tone(e.status)}>
            <td class="nowrap trk-at">${formatTime(e.at)}</td>
            <td class="trk-node">${e.node_name || ''}${e.node && html`<br /><code class="muted">${e.node}</code>`}</td>
            <td class="trk-event"><strong>${typeName(e)}</strong>
              <${StatusBadge} status=${e.status} />
              <span class="trk-desc" lang="zh-CN">${e.description}</span></td>
            ${multi && html`<td><code>${e.parcel_no || t('trk.all_parcels')}</code></td>`}
            <td class="trk-operator">${e.operator || '—'}</td>
            <td class="trk-signer">${e.signer || e.signer_type ? html`${e.signer || '—'}
              ${e.signer_type && html`<br /><span class="muted">${signerName(e.signer_type)}</span>`}` : '—'}</td>
            <td class="trk-details"><${Details} e=${e} /></td>
          </tr>`)}
        </tbody>
      </table>
    </div>`}
  </div>`;
}

function Details({ e }) {
  const items = [];
  if (e.reason) items.push([t('trk.d.reason'), e.reason_code && e.reason_code !== 'other' ? `${e.reason} (${e.reason_code})` : e.reason]);
  if (typeof e.temperature_c === 'number') items.push([t('trk.d.temp'), `${e.temperature_c} °C`]);
  if (e.consent !== null && e.consent !== undefined) items.push([t('trk.consent'), e.consent ? t('trk.yes') : t('trk.no_')]);
  if (e.bag_no) items.push([t('trk.d.bag'), e.bag_no]);
  if (e.trip_no) items.push([t('trk.d.trip'), e.trip_no]);
  if (e.photo) items.push([t('trk.pod.photo'), html`<${Photo} value=${e.photo} />`]);
  items.push([t('trk.d.device'), `${e.device_id || '—'} #${e.device_seq ?? ''}`]);
  if (e.received_at) items.push([t('trk.d.received'), formatTime(e.received_at)]);
  return html`<dl class="trk-dl">${items.map(([k, v], i) => html`<div key=${i}><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>`;
}

/* ---------- the temperature chart ---------- */

const CHART = { w: 720, h: 270, left: 56, right: 20, top: 18, bottom: 64 };

/** A tick step of 1, 2 or 5 × 10^k giving at most @p max intervals over @p span. */
function niceStep(span, max) {
  const raw = span / max;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

/** "11-23 18:05" of an RFC 3339 time as written (China time). */
function shortTime(s) {
  const m = /^\d{4}-(\d\d-\d\d)T(\d\d:\d\d)/.exec(s || '');
  return m ? `${m[1]} ${m[2]}` : s;
}

/**
 * The readings in time order on a time axis (not evenly spaced: a gap in the
 * readings shows as a gap), °C on the other, each reading a point with its
 * time, node and value as a tooltip.
 */
function TempChart({ events }) {
  const pts = events.map((e) => ({ e, x: Date.parse(e.at), y: e.temperature_c }))
    .filter((p) => Number.isFinite(p.x));
  const { w, h, left, right, top, bottom } = CHART;
  const iw = w - left - right;
  const ih = h - top - bottom;
  const xs = pts.map((p) => p.x);
  const ys = pts.map((p) => p.y);
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs);
  let lo = Math.min(...ys);
  let hi = Math.max(...ys);
  if (hi - lo < 2) { const mid = (hi + lo) / 2; lo = mid - 1; hi = mid + 1; }
  const step = niceStep(hi - lo, 5);
  lo = Math.floor(lo / step) * step;
  hi = Math.ceil(hi / step) * step;
  const sx = (x) => (x1 === x0 ? left + iw / 2 : left + ((x - x0) / (x1 - x0)) * iw);
  const sy = (y) => top + ih - ((y - lo) / (hi - lo)) * ih;
  const yTicks = [];
  for (let v = lo; v <= hi + step / 2; v += step) yTicks.push(Number(v.toFixed(3)));
  // Time ticks spread evenly over the readings' span (readings close together
  // would make their own labels collide), each "MM-DD" over "HH:MM".
  const nx = x1 === x0 ? 1 : 5;
  const xTicks = Array.from({ length: nx }, (_, i) => {
    const x = nx === 1 ? x0 : x0 + ((x1 - x0) * i) / (nx - 1);
    const [day, time] = shortTime(new Date(x + 8 * 3600e3).toISOString().replace('Z', '+08:00')).split(' ');
    return { x, day, time };
  });
  const line = pts.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ');
  const fmt = (v) => (Math.abs(v) < 1e-9 ? '0' : String(v));
  const summary = t('trk.temp.summary', { n: pts.length, min: fmt(Math.min(...ys)), max: fmt(Math.max(...ys)) });
  return html`<figure class="trk-chart">
    <svg id="trk-temp-chart" viewBox=${`0 0 ${w} ${h}`} role="img" aria-labelledby="trk-temp-t trk-temp-d"
        preserveAspectRatio="xMidYMid meet">
      <title id="trk-temp-t">${t('trk.temp.title')}</title>
      <desc id="trk-temp-d">${summary}</desc>
      <g class="chart-grid">
        ${yTicks.map((v) => html`<line key=${'gy' + v} x1=${left} x2=${w - right} y1=${sy(v)} y2=${sy(v)}
          class=${v === 0 ? 'zero' : ''} />`)}
      </g>
      <g class="axis y-axis">
        <line x1=${left} x2=${left} y1=${top} y2=${top + ih} />
        ${yTicks.map((v) => html`<text key=${'ty' + v} x=${left - 8} y=${sy(v) + 4} text-anchor="end"
          class="tick-label">${fmt(v)}</text>`)}
        <text class="axis-label" transform=${`translate(14 ${top + ih / 2}) rotate(-90)`}
          text-anchor="middle">${t('trk.temp.y')}</text>
      </g>
      <g class="axis x-axis">
        <line x1=${left} x2=${w - right} y1=${top + ih} y2=${top + ih} />
        ${xTicks.map((k, i) => html`<g key=${'tx' + i}>
          <line x1=${sx(k.x)} x2=${sx(k.x)} y1=${top + ih} y2=${top + ih + 5} />
          <text x=${sx(k.x)} y=${top + ih + 18} text-anchor=${nx > 1 && i === 0 ? 'start'
            : nx > 1 && i === nx - 1 ? 'end' : 'middle'} class="tick-label">
            <tspan x=${sx(k.x)}>${k.day}</tspan><tspan x=${sx(k.x)} dy="13">${k.time}</tspan></text>
        </g>`)}
        <text class="axis-label" x=${left + iw / 2} y=${h - 6} text-anchor="middle">${t('trk.temp.x')}</text>
      </g>
      <polyline class="temp-line" points=${line} fill="none" />
      ${pts.map((p, i) => html`<circle key=${'p' + i} class="temp-point" cx=${sx(p.x)} cy=${sy(p.y)} r="4.5"
          data-temp=${p.y} data-at=${p.e.at}>
        <title>${`${formatTime(p.e.at)} ${p.e.node_name || p.e.node || ''} ${typeName(p.e)}: ${p.y} °C`}</title>
      </circle>`)}
    </svg>
    <figcaption class="muted">${summary}</figcaption>
  </figure>`;
}
