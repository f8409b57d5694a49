// 订单受理: the module agents spend the day in, as screens on tabs — 快速报价
// (quick quote, what a caller is told on the phone; #/orders), 新建订单 (order
// entry, order_entry.js), 审核队列 (the review queue, review.js), 订单查询
// (search and detail, order_search.js), 批量导入 (bulk import, import.js) and
// 揽收调度 (pickup dispatch, dispatch.js), each shown only with the permission
// the server checks for it. The quick quote picks addresses from the cascading
// division lists (GET /api/v1/divisions), screens the goods name as it is
// typed (GET /api/v1/goods/screen) and re-asks the server for the price
// (POST /api/v1/quotes) whenever a field changes, so the console never
// computes a price itself; "按此下单" carries what was quoted into a new order.
// Amounts typed in yuan, kilograms and centimetres become fen, grams and
// millimetres by exact decimal-string arithmetic (order_parts.js).

import { t } from './i18n.js';
import { html, useState, Field, navigate } from './ui.js';
import { can } from './shell.js';
import {
  SERVICES, AGENCY_FEES, LEVELS, EMPTY_ADDR, parseScaled, AddressPicker, useScreening,
  ScreenWarning, useQuote, QuoteResult, putHandover,
} from './order_parts.js';
import { OrderEntry } from './order_entry.js';
import { ReviewQueue } from './review.js';
import { OrderSearch } from './order_search.js';
import { OrderImport } from './import.js';
import { Dispatch } from './dispatch.js';

export { formatFen } from './order_parts.js';

/* ---------- the form ---------- */

const INITIAL = {
  service: 'standard',
  sender: EMPTY_ADDR,
  recipient: EMPTY_ADDR,
  name: '',
  weight: '',
  length: '',
  width: '',
  height: '',
  declared: '',
  cod: '',
  special: false,
  agency: [],
};

// Form inputs, the API field each becomes, and its scale to integer units.
const NUMBERS = [
  { key: 'weight', field: 'goods.weight_g', digits: 3, msg: 'quote.err.kg' },
  { key: 'length', field: 'goods.length_mm', digits: 1, msg: 'quote.err.cm' },
  { key: 'width', field: 'goods.width_mm', digits: 1, msg: 'quote.err.cm' },
  { key: 'height', field: 'goods.height_mm', digits: 1, msg: 'quote.err.cm' },
  { key: 'declared', field: 'declared_value_fen', digits: 2, msg: 'quote.err.yuan' },
  { key: 'cod', field: 'cod_fen', digits: 2, msg: 'quote.err.yuan' },
];

/**
 * Build the request body from the form. Returns {body} when it can be priced,
 * {errors} for inputs the console itself can tell are malformed, or {} when
 * the form is not yet complete enough to ask.
 */
function buildQuote(f) {
  const errors = {};
  const goods = {};
  const body = { service: f.service };
  for (const n of NUMBERS) {
    const v = parseScaled(f[n.key], n.digits);
    if (Number.isNaN(v)) errors[n.field] = t(n.msg);
    else if (v !== null) {
      const [obj, prop] = n.field.startsWith('goods.') ? [goods, n.field.slice(6)] : [body, n.field];
      obj[prop] = v;
    }
  }
  if (Object.keys(errors).length) return { errors };
  if (!f.sender.district || !f.recipient.district || goods.weight_g === undefined) return {};
  if (f.name.trim()) goods.name = f.name.trim();
  body.sender = { district_code: f.sender.district.code };
  body.recipient = { district_code: f.recipient.district.code };
  body.goods = goods;
  if (f.special) body.special_packaging = true;
  if (f.agency.length) body.agency_fees = f.agency;
  return { body };
}

const KNOWN_FIELDS = new Set([
  'service', 'goods.name', 'agency_fees', 'special_packaging',
  ...NUMBERS.map((n) => n.field),
  ...['sender', 'recipient'].flatMap((e) => LEVELS.map((l) => `${e}.${l}`)),
]);

function QuickQuote({ me }) {
  const [form, setForm] = useState(INITIAL);
  const screening = useScreening(form.name);
  const state = useQuote(buildQuote(form), KNOWN_FIELDS);
  const errors = state.errors;
  const set = (key) => (e) => {
    const v = e.currentTarget.type === 'checkbox' ? e.currentTarget.checked : e.currentTarget.value;
    setForm((f) => ({ ...f, [key]: v }));
  };
  const toggleAgency = (code) => (e) => {
    const on = e.currentTarget.checked;
    setForm((f) => ({
      ...f,
      agency: on ? AGENCY_FEES.filter((c) => c === code || f.agency.includes(c))
        : f.agency.filter((c) => c !== code),
    }));
  };
  const num = (key, field, label, hint) => html`<${Field} id=${'q-' + key} name=${field}
    label=${label} hint=${hint} inputmode="decimal" autocomplete="off" value=${form[key]}
    error=${errors[field]} onInput=${set(key)} />`;

  return html`<div class="quote-layout">
    <form class="form quote-form" onSubmit=${(e) => e.preventDefault()} novalidate
        aria-labelledby="q-title">
      <h2 id="q-title">${t('quote.title')}</h2>
      <${Field} id="q-service" name="service" as="select" label=${t('quote.service')}
        value=${form.service} error=${errors.service} onChange=${set('service')}>
        ${SERVICES.map((s) => html`<option key=${s} value=${s}>${t('quote.svc.' + s)}</option>`)}
      <//>
      <div class="address-pair">
        <${AddressPicker} end="sender" value=${form.sender} errors=${errors}
          onChange=${(v) => setForm((f) => ({ ...f, sender: v }))} />
        <${AddressPicker} end="recipient" value=${form.recipient} errors=${errors}
          onChange=${(v) => setForm((f) => ({ ...f, recipient: v }))} />
      </div>
      <fieldset class="goods">
        <legend>${t('quote.goods')}</legend>
        <div class="field goods-name" data-field="goods.name">
          <label for="q-name">${t('quote.goods.name')}</label>
          <input id="q-name" name="goods.name" autocomplete="off" value=${form.name}
            aria-describedby=${screening && screening.verdict !== 'ok' ? 'q-goods-screen' : undefined}
            onInput=${set('name')} />
          <${ScreenWarning} verdict=${screening} id="q-goods-screen" />
          ${errors['goods.name'] && html`<p class="field-error" role="alert">${errors['goods.name']}</p>`}
        </div>
        ${num('weight', 'goods.weight_g', t('quote.weight'), t('quote.weight.hint'))}
        <div class="dims">
          ${num('length', 'goods.length_mm', t('quote.length'))}
          ${num('width', 'goods.width_mm', t('quote.width'))}
          ${num('height', 'goods.height_mm', t('quote.height'))}
        </div>
      </fieldset>
      <fieldset class="extras">
        <legend>${t('quote.extras')}</legend>
        ${num('declared', 'declared_value_fen', t('quote.declared'))}
        ${num('cod', 'cod_fen', t('quote.cod'))}
        <div class="field" data-field="special_packaging">
          <span class="label">${t('quote.packaging')}</span>
          <label class="check">
            <input type="checkbox" id="q-special" name="special_packaging" checked=${form.special}
              onChange=${set('special')} /> ${t('quote.special')}
          </label>
        </div>
        <div class="field" data-field="agency_fees" role="group" aria-labelledby="q-agency-label">
          <span id="q-agency-label" class="label">${t('quote.agency')}</span>
          <div class="agency-fees">${AGENCY_FEES.map((c) => html`<label key=${c} class="check">
            <input type="checkbox" name=${'agency.' + c} checked=${form.agency.includes(c)}
              onChange=${toggleAgency(c)} /> ${t('quote.c.agency_' + c)}
          </label>`)}</div>
          ${errors.agency_fees && html`<p class="field-error" role="alert">${errors.agency_fees}</p>`}
        </div>
      </fieldset>
    </form>
    <${QuoteResult} state=${state}>
      ${can(me, 'orders.create') && html`<p class="quote-to-order">
        <button type="button" class="primary" onClick=${() => {
          putHandover(form);
          navigate('/orders/new');
        }}>${t('quote.to_order')}</button></p>`}
    <//>
  </div>`;
}

/** The screens of the module, in tab order; `key` is the Alt+key shortcut (shell.js). */
const SCREENS = [
  { id: 'quote', path: '/orders', key: 'Q' },
  { id: 'new', path: '/orders/new', key: 'N', perm: 'orders.create' },
  { id: 'review', path: '/orders/review', key: 'R', perm: 'orders.review' },
  { id: 'search', path: '/orders/search', key: 'S', perm: 'orders.read' },
  { id: 'import', path: '/orders/import', key: 'I', perm: 'orders.create' },
  { id: 'dispatch', path: '/orders/dispatch', key: 'D', perm: 'dispatch' },
];

function Screen({ me, id, arg }) {
  if (id === 'quote') {
    return can(me, 'quotes')
      ? html`<${QuickQuote} me=${me} />`
      : html`<p class="panel muted quote-denied">${t('quote.denied')}</p>`;
  }
  if (id === 'new') return html`<${OrderEntry} me=${me} />`;
  if (id === 'review') return html`<${ReviewQueue} me=${me} />`;
  if (id === 'import') return html`<${OrderImport} me=${me} />`;
  if (id === 'dispatch') return html`<${Dispatch} me=${me} />`;
  return html`<${OrderSearch} me=${me} open=${arg} />`;
}

/**
 * The module page. The quick quote is the landing tab for everyone (it says
 * so when the user may not quote); the other tabs appear with their
 * permission, and an address typed by hand for a tab the user lacks is
 * answered like any forbidden page.
 */
export function OrdersPage({ me, section, arg }) {
  const id = section || 'quote';
  const screen = SCREENS.find((s) => s.id === id);
  const tabs = SCREENS.filter((s) => !s.perm || can(me, s.perm));
  let body;
  if (!screen) body = html`<p class="panel">${t('notfound.body')}</p>`;
  else if (!tabs.includes(screen)) body = html`<p class="panel forbidden">${t('forbidden.body')}</p>`;
  else body = html`<${Screen} key=${id} me=${me} id=${id} arg=${arg} />`;
  return html`<section class="page orders">
    <h1 tabindex="-1">${t('nav.orders')}</h1>
    <nav class="tabs orders-tabs" aria-label=${t('orders.screens')}>
      ${tabs.map((s) => html`<a key=${s.id} href=${'#' + s.path}
        aria-current=${s === screen ? 'page' : undefined}
        aria-keyshortcuts=${'Alt+' + s.key}>${t('orders.tab.' + s.id)}
        <kbd aria-hidden="true">Alt+${s.key}</kbd></a>`)}
    </nav>
    ${body}
  </section>`;
}
