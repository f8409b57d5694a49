// 订单受理: for now the 快速报价 (quick quote) an agent gives a caller on the
// phone. Addresses are picked from the cascading division lists the server
// holds (GET /api/v1/divisions), the goods name is screened against the
// prohibited/restricted list as it is typed (GET /api/v1/goods/screen), and
// the price is re-asked of the server (POST /api/v1/quotes) whenever a field
// changes, so the console never computes a price itself. Amounts entered in
// yuan, kilograms and centimetres are turned into fen, grams and millimetres
// by exact decimal-string arithmetic, never floating point. Order submission
// itself arrives with the waybill endpoints; until then the page says so.

import { api } from './api.js';
import { t, tOr, lang } from './i18n.js';
import { html, useState, useEffect, useRef, Field, Notice } from './ui.js';
import { can } from './shell.js';

const SERVICES = ['standard', 'express', 'cold_chain', 'freight'];
const AGENCY_FEES = ['customs_declaration', 'inspection', 'port_handling'];
const LEVELS = ['province', 'city', 'district'];
const SCREEN_DELAY_MS = 250;
const QUOTE_DELAY_MS = 300;

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
function formatGrams(g) {
  const frac = String(g % 1000).padStart(3, '0').replace(/0+$/, '');
  return `${Math.floor(g / 1000)}${frac ? '.' + frac : ''} kg`;
}

/**
 * Parse a non-negative decimal string into an integer of 10^-digits units
 * ("1.2" with 3 digits → 1200). Returns null for an empty string and NaN for
 * anything that is not such a number (including too many decimals).
 */
function parseScaled(s, digits) {
  const v = s.trim();
  if (v === '') return null;
  const m = /^(\d+)(?:\.(\d*))?$/.exec(v);
  if (!m || (m[2] || '').length > digits) return NaN;
  const n = Number(m[1] + (m[2] || '').padEnd(digits, '0'));
  return Number.isSafeInteger(n) ? n : NaN;
}

/* ---------- division lists ---------- */

// Division lists never change while the console runs; asking once per parent
// and filter keeps the cascade instant when an agent goes back and forth.
const divisionCache = new Map();

function loadDivisions(parent, q) {
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

/**
 * Province → city → district for one end (sender or recipient). `value` holds
 * the chosen {code, name} per level; choosing a level clears those below it.
 * The search box narrows whichever level is still open, through `q`.
 */
function AddressPicker({ end, value, onChange, errors }) {
  const [q, setQ] = useState('');
  const open = LEVELS.find((l) => !value[l]) || 'district';
  const lists = {
    province: useDivisions('', true, open === 'province' ? q.trim() : ''),
    city: useDivisions(value.province ? value.province.code : '', !!value.province,
      open === 'city' ? q.trim() : ''),
    district: useDivisions(value.city ? value.city.code : '', !!value.city,
      open === 'district' ? q.trim() : ''),
  };

  function choose(level, code) {
    const item = lists[level].items.find((x) => x.code === code) || null;
    const next = { ...value, [level]: item };
    for (const l of LEVELS.slice(LEVELS.indexOf(level) + 1)) next[l] = null;
    setQ('');
    onChange(next);
  }

  return html`<fieldset class=${'address address-' + end} data-field=${end}>
    <legend>${t('quote.' + end)}</legend>
    <div class="field address-filter">
      <label for=${`q-${end}-filter`}>${t('quote.addr.filter', { level: t('quote.addr.' + open) })}</label>
      <input id=${`q-${end}-filter`} type="search" autocomplete="off" value=${q}
        placeholder=${t('quote.addr.filter.placeholder')}
        onInput=${(e) => setQ(e.currentTarget.value)} />
    </div>
    <div class="address-levels">
      ${LEVELS.map((level) => {
        const list = lists[level];
        const cur = value[level];
        // Keep the chosen entry selectable even when a filter hides it.
        const items = cur && !list.items.some((x) => x.code === cur.code)
          ? [cur, ...list.items] : list.items;
        const disabled = level !== 'province' && !value[LEVELS[LEVELS.indexOf(level) - 1]];
        return html`<${Field} key=${level} id=${`q-${end}-${level}`} name=${`${end}.${level}`}
          as="select" label=${t('quote.addr.' + level)} value=${cur ? cur.code : ''}
          disabled=${disabled} error=${errors[`${end}.${level}`] || list.error}
          onChange=${(e) => choose(level, e.currentTarget.value)}>
          <option value="">${list.loading ? t('common.loading') : t('users.f.choose')}</option>
          ${items.map((d) => html`<option key=${d.code} value=${d.code}>${d.label || d.name}</option>`)}
        <//>`;
      })}
    </div>
    ${errors[end] && html`<p class="field-error" role="alert">${errors[end]}</p>`}
  </fieldset>`;
}

/* ---------- goods screening ---------- */

function useScreening(name) {
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
        () => live && setVerdict(null), // screening is advice; the quote still works
      );
    }, SCREEN_DELAY_MS);
    return () => { live = false; clearTimeout(timer); };
  }, [name, lang()]);
  return verdict;
}

function ScreenWarning({ verdict }) {
  if (!verdict || verdict.verdict === 'ok') return null;
  const bad = verdict.matches.filter((m) => m.level === verdict.verdict);
  if (verdict.verdict === 'prohibited') {
    const items = bad.map((m) => t('quote.screen.item', { term: m.term, category: m.category }))
      .join(t('quote.screen.sep'));
    return html`<p id="q-goods-screen" class="screen screen-prohibited" role="alert"
      data-verdict="prohibited">${t('quote.screen.prohibited', { items })}</p>`;
  }
  return html`<div id="q-goods-screen" class="screen screen-restricted" role="status"
      data-verdict="restricted">
    ${bad.map((m) => html`<p key=${m.term}>${t('quote.screen.restricted', {
      item: t('quote.screen.item', { term: m.term, category: m.category }),
      condition: m.condition,
    })}</p>`)}
  </div>`;
}

/* ---------- the form ---------- */

const EMPTY_ADDR = { province: null, city: null, district: null };
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

/** Where an API field error is shown: the console's name for the field. */
function fieldFor(apiField) {
  const m = /^(sender|recipient)\.(province|city|district)(?:_code)?$/.exec(apiField || '');
  if (m) return `${m[1]}.${m[2]}`;
  if (/^(sender|recipient)$/.test(apiField || '')) return `${apiField}.district`;
  if (/^agency_fees/.test(apiField || '')) return 'agency_fees';
  return apiField;
}

const KNOWN_FIELDS = new Set([
  'service', 'goods.name', 'agency_fees', 'special_packaging',
  ...NUMBERS.map((n) => n.field),
  ...['sender', 'recipient'].flatMap((e) => LEVELS.map((l) => `${e}.${l}`)),
]);

function useQuote(form) {
  const [state, setState] = useState({ quote: null, errors: {}, error: null, busy: false });
  const seq = useRef(0);
  useEffect(() => {
    const { body, errors } = buildQuote(form);
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
        if (f && KNOWN_FIELDS.has(f)) {
          setState({ quote: null, errors: { [f]: e.message }, error: null, busy: false });
        } else {
          setState({ quote: null, errors: {}, error: e.message, busy: false });
        }
      }
    }, QUOTE_DELAY_MS);
    return () => clearTimeout(timer);
  }, [form, lang()]);
  return state;
}

function QuoteResult({ state }) {
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
        <dt>${t('quote.route')}</dt>
        <dd>${quote.origin.city}${quote.origin.district || ''} → ${quote.destination.city}${quote.destination.district || ''}</dd>
        <dt>${t('quote.ratecard')}</dt>
        <dd class="q-ratecard"><code>${quote.ratecard.code}</code> v${quote.ratecard.version}
          ${quote.pricing !== 'ratecard' && html` · ${tOr('quote.pricing.' + quote.pricing, quote.pricing)}`}</dd>
      </dl>`;
  }
  return html`<section class="panel quote-result" aria-labelledby="q-result-title"
      aria-live="polite" aria-busy=${busy ? 'true' : 'false'}>
    <h2 id="q-result-title">${t('quote.result')}</h2>
    ${body}
  </section>`;
}

function QuickQuote() {
  const [form, setForm] = useState(INITIAL);
  const screening = useScreening(form.name);
  const state = useQuote(form);
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
          <${ScreenWarning} verdict=${screening} />
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
    <${QuoteResult} state=${state} />
  </div>`;
}

export function OrdersPage({ me }) {
  return html`<section class="page orders">
    <h1 tabindex="-1">${t('nav.orders')}</h1>
    ${can(me, 'quotes')
      ? html`<${QuickQuote} />`
      : html`<p class="panel muted quote-denied">${t('quote.denied')}</p>`}
    <div class="panel coming">
      <h2>${t('orders.coming.title')}</h2>
      <p>${t('orders.coming.body')}</p>
    </div>
  </section>`;
}
