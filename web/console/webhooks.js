// Webhook 推送: the delivery log of customers' webhooks (docs/operations.md
// "Notifications"), on three tabs — the subscriptions (add one with its URL,
// secret and event kinds; delete one), the recent deliveries with their
// state, attempts and next try (a row opens the payload as it was signed
// and sent, and every attempt's status or error), and the dead-letter list,
// where "retry now" sends a delivery again (POST …/deliveries/{id}/retry).
// For holders of `customers`; the server checks every call again. Its own
// strings are below (zh first), so the shared i18n table stays untouched.
//
// Wiring (app.js and shell.js belong to the console's navigation):
//   app.js imports:   import { WebhooksPage } from './webhooks.js';
//   app.js Page():    if (id === 'customers' && route[1] === 'webhooks')
//                       return html`<${WebhooksPage} me=${me} section=${route[2]} />`;
//                     (before the ComingSoon fallback; the URL is #/customers/webhooks)
//   shell.js SCREEN_SHORTCUTS:  { code: 'KeyW', path: '/customers/webhooks', perm: 'customers' },

import { api } from './api.js';
import { lang } from './i18n.js';
import { html, useState, useEffect, Field, Notice, Loading, formatTime } from './ui.js';
import { can } from './shell.js';

const KINDS = ['status_changed', 'delivered', 'failed_attempt', 'exception', 'delayed', 'returned'];
const STATES = ['pending', 'delivered', 'dead', 'cancelled'];
const PAGE = 50;

const STRINGS = {
  zh: {
    title: 'Webhook 推送',
    intro: '客户订阅的运单状态推送：每次推送都用订阅密钥做 HMAC-SHA256 签名，失败后按指数退避重试，最后一次仍失败即进入死信列表。',
    'tab.subscriptions': '订阅',
    'tab.deliveries': '推送记录',
    'tab.dead': '死信列表',
    tabs: '推送页面',
    forbidden: '需要“客户管理”权限。',
    'sub.add': '新增订阅',
    'sub.url': '推送地址（URL）',
    'sub.url.hint': 'http 或 https；不允许本机和内网地址',
    'sub.secret': '签名密钥',
    'sub.secret.hint': '16–128 个可见 ASCII 字符；保存后不再显示，请交给客户妥善保管',
    'sub.kinds': '事件类型',
    'sub.customer': '客户编号（可选）',
    'sub.customer.hint': '留空则推送本网点范围内所有运单',
    'sub.save': '保存订阅',
    'sub.saved': '已保存订阅 {id}。',
    'sub.delete': '删除',
    'sub.delete.confirm': '删除订阅 {id}？尚未送出的推送将被取消。',
    'sub.deleted': '已删除订阅 {id}。',
    'sub.empty': '还没有订阅。',
    'col.id': '编号',
    'col.url': '地址',
    'col.kinds': '事件',
    'col.customer': '客户',
    'col.node': '网点',
    'col.created': '创建时间',
    'col.actions': '操作',
    'col.waybill': '运单号',
    'col.kind': '事件',
    'col.state': '状态',
    'col.attempts': '次数',
    'col.next': '下次重试',
    'col.last': '最近结果',
    'col.done': '完成时间',
    'all.customers': '全部客户',
    'filter.state': '状态',
    'filter.waybill': '运单号',
    'filter.all': '全部',
    'filter.apply': '筛选',
    more: '加载更多',
    'dl.empty': '没有推送记录。',
    'dead.empty': '死信列表为空。',
    'dead.retry': '立即重试',
    'dead.retried': '推送 {id} 已重新排队。',
    'detail.show': '详情',
    'detail.title': '推送 {id}',
    'detail.payload': '推送内容（签名并发送的原文）',
    'detail.attempts': '每次尝试',
    'detail.none': '尚未尝试。',
    'detail.close': '关闭',
    'attempt.n': '第 {n} 次',
    'kind.status_changed': '全部状态变化',
    'kind.delivered': '已签收',
    'kind.failed_attempt': '派送失败',
    'kind.exception': '异常',
    'kind.delayed': '延误',
    'kind.returned': '退回',
    'state.pending': '待发送',
    'state.delivered': '已送达',
    'state.dead': '死信',
    'state.cancelled': '已取消',
    'ms': '{n} 毫秒',
  },
  en: {
    title: 'Webhooks',
    intro: 'Tracking pushes customers subscribe to: each one is signed with HMAC-SHA256 of the body with the subscription’s secret, retried with exponential back-off after a failure, and dead-lettered after the last attempt.',
    'tab.subscriptions': 'Subscriptions',
    'tab.deliveries': 'Deliveries',
    'tab.dead': 'Dead letters',
    tabs: 'Webhook screens',
    forbidden: 'Needs the “customers” permission.',
    'sub.add': 'New subscription',
    'sub.url': 'Endpoint URL',
    'sub.url.hint': 'http or https; no loopback or private addresses',
    'sub.secret': 'Signing secret',
    'sub.secret.hint': '16–128 printable ASCII characters; never shown again once saved',
    'sub.kinds': 'Event kinds',
    'sub.customer': 'Customer code (optional)',
    'sub.customer.hint': 'Empty: every waybill of your network',
    'sub.save': 'Save subscription',
    'sub.saved': 'Subscription {id} saved.',
    'sub.delete': 'Delete',
    'sub.delete.confirm': 'Delete subscription {id}? Deliveries not yet sent are cancelled.',
    'sub.deleted': 'Subscription {id} deleted.',
    'sub.empty': 'No subscriptions yet.',
    'col.id': 'ID',
    'col.url': 'URL',
    'col.kinds': 'Events',
    'col.customer': 'Customer',
    'col.node': 'Node',
    'col.created': 'Created',
    'col.actions': 'Actions',
    'col.waybill': 'Waybill',
    'col.kind': 'Event',
    'col.state': 'State',
    'col.attempts': 'Attempts',
    'col.next': 'Next try',
    'col.last': 'Last result',
    'col.done': 'Finished',
    'all.customers': 'All customers',
    'filter.state': 'State',
    'filter.waybill': 'Waybill number',
    'filter.all': 'All',
    'filter.apply': 'Filter',
    more: 'Load more',
    'dl.empty': 'No deliveries.',
    'dead.empty': 'The dead-letter list is empty.',
    'dead.retry': 'Retry now',
    'dead.retried': 'Delivery {id} queued again.',
    'detail.show': 'Details',
    'detail.title': 'Delivery {id}',
    'detail.payload': 'Payload (the bytes signed and sent)',
    'detail.attempts': 'Attempts',
    'detail.none': 'Not attempted yet.',
    'detail.close': 'Close',
    'attempt.n': 'Attempt {n}',
    'kind.status_changed': 'Every status change',
    'kind.delivered': 'Delivered',
    'kind.failed_attempt': 'Failed attempt',
    'kind.exception': 'Exception',
    'kind.delayed': 'Delayed',
    'kind.returned': 'Returned',
    'state.pending': 'Pending',
    'state.delivered': 'Delivered',
    'state.dead': 'Dead',
    'state.cancelled': 'Cancelled',
    'ms': '{n} ms',
  },
};

function s(key, vars) {
  let v = STRINGS[lang()][key] ?? STRINGS.zh[key] ?? key;
  if (vars) v = v.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  return v;
}

const SCREENS = ['subscriptions', 'deliveries', 'dead'];

export function WebhooksPage({ me, section }) {
  const screen = SCREENS.includes(section) ? section : 'subscriptions';
  let body;
  if (!can(me, 'customers')) body = html`<p class="panel forbidden">${s('forbidden')}</p>`;
  else if (screen === 'subscriptions') body = html`<${Subscriptions} />`;
  else body = html`<${Deliveries} key=${screen} dead=${screen === 'dead'} />`;
  return html`<section class="page webhooks">
    <h1 tabindex="-1">${s('title')}</h1>
    <p class="muted">${s('intro')}</p>
    <nav class="tabs" aria-label=${s('tabs')}>
      ${SCREENS.map((id) => html`<a key=${id} href=${'#/customers/webhooks/' + id}
        aria-current=${id === screen ? 'page' : undefined}>${s('tab.' + id)}</a>`)}
    </nav>
    ${body}
  </section>`;
}

// ---- subscriptions ------------------------------------------------------------

const EMPTY = { url: '', secret: '', customer_code: '', kinds: ['status_changed'] };

function Subscriptions() {
  const [list, setList] = useState(null);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState(null);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    let live = true;
    api('GET', '/api/v1/webhooks', { query: { limit: 500 } }).then(
      (r) => live && setList(r.items || []),
      (e) => { if (live) { setList([]); setError(e.message); } },
    );
    return () => { live = false; };
  }, [reload]);

  async function remove(w) {
    if (!window.confirm(s('sub.delete.confirm', { id: w.id }))) return;
    try {
      await api('DELETE', `/api/v1/webhooks/${w.id}`);
      setNotice(s('sub.deleted', { id: w.id }));
      setError(null);
      setReload((n) => n + 1);
    } catch (e) {
      setError(e.message);
    }
  }

  return html`<${SubscriptionForm} onSaved=${(w) => { setNotice(s('sub.saved', { id: w.id })); setReload((n) => n + 1); }} />
    <${Notice} kind="ok">${notice}<//>
    <${Notice} kind="error">${error}<//>
    ${list === null ? html`<${Loading} />` : html`<div class="table-wrap">
      <table class="data webhook-table">
        <thead><tr>
          <th scope="col">${s('col.id')}</th><th scope="col">${s('col.url')}</th>
          <th scope="col">${s('col.kinds')}</th><th scope="col">${s('col.customer')}</th>
          <th scope="col">${s('col.node')}</th><th scope="col">${s('col.created')}</th>
          <th scope="col"><span class="sr-only">${s('col.actions')}</span></th>
        </tr></thead>
        <tbody>
          ${list.length === 0 && html`<tr><td colspan="7" class="muted">${s('sub.empty')}</td></tr>`}
          ${list.map((w) => html`<tr key=${w.id} data-webhook=${w.id}>
            <th scope="row">${w.id}</th>
            <td class="webhook-url">${w.url}</td>
            <td>${w.kinds.map((k) => s('kind.' + k)).join('、')}</td>
            <td>${w.customer_code || html`<span class="muted">${s('all.customers')}</span>`}</td>
            <td>${w.node}</td>
            <td class="nowrap">${formatTime(w.created_at)}</td>
            <td class="row-actions"><button type="button" onClick=${() => remove(w)}>${s('sub.delete')}</button></td>
          </tr>`)}
        </tbody>
      </table>
    </div>`}`;
}

function SubscriptionForm({ onSaved }) {
  const [f, setF] = useState(EMPTY);
  const [errors, setErrors] = useState({});
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (k) => (e) => setF({ ...f, [k]: e.currentTarget.value });
  const toggle = (k) => (e) => {
    const on = e.currentTarget.checked;
    setF({ ...f, kinds: on ? [...f.kinds, k] : f.kinds.filter((x) => x !== k) });
  };

  async function submit(e) {
    e.preventDefault();
    setBusy(true);
    const body = { url: f.url.trim(), secret: f.secret, kinds: KINDS.filter((k) => f.kinds.includes(k)) };
    if (f.customer_code.trim()) body.customer_code = f.customer_code.trim();
    try {
      const w = await api('POST', '/api/v1/webhooks', { body });
      setF(EMPTY);
      setErrors({});
      setError(null);
      onSaved(w);
    } catch (err) {
      // The server names the field at fault ("kinds[1]" belongs to kinds).
      const field = (err.field || '').replace(/\[\d+\]$/, '');
      if (field && field in EMPTY) { setErrors({ [field]: err.message }); setError(null); }
      else { setErrors({}); setError(err.message); }
    } finally {
      setBusy(false);
    }
  }

  return html`<form class="panel grid-form webhook-form" onSubmit=${submit} aria-label=${s('sub.add')}>
    <h2>${s('sub.add')}</h2>
    <${Field} id="wh-url" name="url" type="url" label=${s('sub.url')} hint=${s('sub.url.hint')}
      value=${f.url} error=${errors.url} onInput=${set('url')} required />
    <${Field} id="wh-secret" name="secret" type="password" autocomplete="new-password"
      label=${s('sub.secret')} hint=${s('sub.secret.hint')} value=${f.secret} error=${errors.secret}
      onInput=${set('secret')} required />
    <${Field} id="wh-customer" name="customer_code" label=${s('sub.customer')}
      hint=${s('sub.customer.hint')} value=${f.customer_code} error=${errors.customer_code}
      onInput=${set('customer_code')} />
    <fieldset class=${'field' + (errors.kinds ? ' has-error' : '')} data-field="kinds">
      <legend>${s('sub.kinds')}</legend>
      ${KINDS.map((k) => html`<label key=${k} class="check">
        <input type="checkbox" name="kinds" value=${k} checked=${f.kinds.includes(k)}
          onChange=${toggle(k)} /> ${s('kind.' + k)}</label>`)}
      ${errors.kinds && html`<p class="field-error" role="alert">${errors.kinds}</p>`}
    </fieldset>
    <${Notice} kind="error">${error}<//>
    <div class="actions"><button type="submit" disabled=${busy}>${s('sub.save')}</button></div>
  </form>`;
}

// ---- deliveries and the dead-letter list -------------------------------------------

function StateBadge({ state }) {
  const cls = state === 'dead' ? 'badge off' : state === 'delivered' ? 'state-badge state-accepted'
    : state === 'cancelled' ? 'state-badge state-cancelled' : 'state-badge state-draft';
  return html`<span class=${cls} data-state=${state}>${s('state.' + state)}</span>`;
}

function lastResult(d) {
  if (d.last_status && !d.last_error) return `HTTP ${d.last_status}`;
  return d.last_error || '';
}

function Deliveries({ dead }) {
  const [filter, setFilter] = useState({ state: dead ? 'dead' : '', waybill_no: '' });
  const [form, setForm] = useState({ state: '', waybill_no: '' });
  const [rows, setRows] = useState(null);
  const [next, setNext] = useState(null);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState(null);
  const [open, setOpen] = useState(null);
  const [reload, setReload] = useState(0);

  async function load(before = null) {
    try {
      const r = await api('GET', '/api/v1/webhooks/deliveries', { query: { ...filter, limit: PAGE, before } });
      setRows((old) => (before && old ? [...old, ...(r.items || [])] : (r.items || [])));
      setNext(r.next_before ?? null);
      setError(null);
    } catch (e) {
      setRows((old) => old || []);
      setError(e.message);
    }
  }
  useEffect(() => { load(); }, [filter, reload]);

  async function retry(d) {
    try {
      await api('POST', `/api/v1/webhooks/deliveries/${d.id}/retry`);
      setNotice(s('dead.retried', { id: d.id }));
      setError(null);
      setRows((old) => old.filter((x) => x.id !== d.id));
    } catch (e) {
      setError(e.message);
      setReload((n) => n + 1);
    }
  }

  function apply(e) {
    e.preventDefault();
    setFilter({ state: dead ? 'dead' : form.state, waybill_no: form.waybill_no.trim() });
  }

  return html`<form class="search-form" role="search" onSubmit=${apply}>
      <div class="search-grid">
        ${!dead && html`<${Field} id="dl-state" name="state" as="select" label=${s('filter.state')}
          value=${form.state} onChange=${(e) => setForm({ ...form, state: e.currentTarget.value })}>
          <option value="">${s('filter.all')}</option>
          ${STATES.map((st) => html`<option key=${st} value=${st}>${s('state.' + st)}</option>`)}
        <//>`}
        <${Field} id="dl-no" name="waybill_no" label=${s('filter.waybill')} value=${form.waybill_no}
          onInput=${(e) => setForm({ ...form, waybill_no: e.currentTarget.value })} />
      </div>
      <div class="actions"><button type="submit">${s('filter.apply')}</button></div>
    </form>
    <${Notice} kind="ok">${notice}<//>
    <${Notice} kind="error">${error}<//>
    ${rows === null ? html`<${Loading} />` : html`<div class="table-wrap">
      <table class="data delivery-table">
        <thead><tr>
          <th scope="col">${s('col.id')}</th><th scope="col">${s('col.waybill')}</th>
          <th scope="col">${s('col.kind')}</th><th scope="col">${s('col.url')}</th>
          <th scope="col">${s('col.state')}</th><th scope="col">${s('col.attempts')}</th>
          <th scope="col">${s('col.next')}</th><th scope="col">${s('col.last')}</th>
          <th scope="col">${s('col.created')}</th>
          <th scope="col"><span class="sr-only">${s('col.actions')}</span></th>
        </tr></thead>
        <tbody>
          ${rows.length === 0 && html`<tr><td colspan="10" class="muted">${s(dead ? 'dead.empty' : 'dl.empty')}</td></tr>`}
          ${rows.map((d) => html`<tr key=${d.id} data-delivery=${d.id}>
            <th scope="row">${d.id}</th>
            <td class="waybill-no-inline nowrap">${d.waybill_no}</td>
            <td>${s('kind.' + d.kind)}</td>
            <td class="webhook-url">${d.url}</td>
            <td class="nowrap"><${StateBadge} state=${d.state} /></td>
            <td>${d.attempts}</td>
            <td class="nowrap">${formatTime(d.next_try_at)}</td>
            <td class="delivery-last">${lastResult(d)}</td>
            <td class="nowrap">${formatTime(d.created_at)}</td>
            <td class="row-actions nowrap">
              <button type="button" onClick=${() => setOpen(d.id)}>${s('detail.show')}</button>
              ${d.state === 'dead' && html`<button type="button" class="retry"
                onClick=${() => retry(d)}>${s('dead.retry')}</button>`}
            </td>
          </tr>`)}
        </tbody>
      </table>
    </div>
    ${next && html`<div class="actions"><button type="button" onClick=${() => load(next)}>${s('more')}</button></div>`}`}
    ${open && html`<${DeliveryDetail} id=${open} onClose=${() => setOpen(null)} />`}`;
}

function DeliveryDetail({ id, onClose }) {
  const [d, setD] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    let live = true;
    setD(null);
    api('GET', `/api/v1/webhooks/deliveries/${id}`).then(
      (r) => live && setD(r),
      (e) => live && setError(e.message),
    );
    return () => { live = false; };
  }, [id]);
  return html`<section class="panel detail delivery-detail" aria-labelledby="dl-detail-h">
    <div class="detail-head">
      <h2 id="dl-detail-h">${s('detail.title', { id })}</h2>
      <button type="button" class="detail-close" onClick=${onClose}>${s('detail.close')}</button>
    </div>
    <${Notice} kind="error">${error}<//>
    ${!d && !error && html`<${Loading} />`}
    ${d && html`<h3>${s('detail.attempts')}</h3>
      ${d.attempt_log.length === 0 ? html`<p class="muted">${s('detail.none')}</p>` : html`<ol class="attempt-log">
        ${d.attempt_log.map((a) => html`<li key=${a.attempt}>
          ${s('attempt.n', { n: a.attempt })} · ${formatTime(a.at)} · ${s('ms', { n: a.duration_ms })} ·
          ${' '}${a.error || `HTTP ${a.status}`}</li>`)}
      </ol>`}
      <h3>${s('detail.payload')}</h3>
      <pre class="payload">${JSON.stringify(d.payload, null, 2)}</pre>`}
  </section>`;
}
