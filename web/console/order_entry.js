// 新建订单: the order form an agent fills in while the customer is on the
// phone, keyboard only — Tab moves through the fields in reading order, the
// address search box takes "广东⏎深圳⏎南山⏎" and lands on the detailed
// address, Enter anywhere submits, Esc twice clears, Alt+N starts a new
// order. While it is typed the goods name is screened, the price is asked of
// the server (POST /api/v1/quotes) and the last 24 hours are searched for the
// same sender sending to the same recipient (GET /api/v1/waybills?phone=), a
// likely duplicate. Submission (POST /api/v1/waybills) carries one
// Idempotency-Key per form instance, so a second Enter or a retry after a lost
// answer cannot create a second order; the server's verdict (accepted, or
// 待审核 with its reasons), the waybill number and the promised delivery
// time are then shown with the label to print. Errors the server names a
// field for are shown beside that field, which gets the focus.

import { api } from './api.js';
import { t } from './i18n.js';
import { html, useState, useEffect, useRef, Field, Notice } from './ui.js';
import {
  SERVICES, CHANNELS, PAYMENTS, AGENCY_FEES, LEVELS, EMPTY_ADDR, PRINTABLE, parseScaled,
  chinaTime, localToRfc3339, phoneDigits, phoneMatches, formatFen, formatGrams, AddressPicker,
  useScreening, ScreenWarning, useQuote, QuoteResult, fieldFor, takeHandover, request, openLabel,
  StateBadge, ReviewReasons, when, channelLabel, serviceLabel, paymentLabel,
} from './order_parts.js';

const PARTY = { name: '', phone: '', company: '', addr: EMPTY_ADDR, address: '' };
const INITIAL = {
  channel: 'phone',
  service: 'standard',
  payment: 'sender',
  customer_code: '',
  customer_ref: '',
  sender: PARTY,
  recipient: PARTY,
  goods_name: '',
  category: '',
  quantity: '',
  weight: '',
  length: '',
  width: '',
  height: '',
  declared: '',
  cod: '',
  parcels: '',
  special: false,
  agency: [],
  pickup_from: '',
  pickup_to: '',
  remarks: '',
};

// Inputs typed as decimals, the API field each becomes and its scale.
const NUMBERS = [
  { key: 'weight', field: 'goods.weight_g', digits: 3, msg: 'quote.err.kg' },
  { key: 'length', field: 'goods.length_mm', digits: 1, msg: 'quote.err.cm' },
  { key: 'width', field: 'goods.width_mm', digits: 1, msg: 'quote.err.cm' },
  { key: 'height', field: 'goods.height_mm', digits: 1, msg: 'quote.err.cm' },
  { key: 'quantity', field: 'goods.quantity', digits: 0, msg: 'order.err.int' },
  { key: 'declared', field: 'declared_value_fen', digits: 2, msg: 'quote.err.yuan' },
  { key: 'cod', field: 'cod_fen', digits: 2, msg: 'quote.err.yuan' },
  { key: 'parcels', field: 'parcels', digits: 0, msg: 'order.err.int' },
];
const DIMS = ['goods.length_mm', 'goods.width_mm', 'goods.height_mm'];

const QUOTE_FIELDS = new Set([
  'service', 'goods.name', 'agency_fees', 'special_packaging', 'customer_code',
  ...NUMBERS.map((n) => n.field),
  ...['sender', 'recipient'].flatMap((e) => LEVELS.map((l) => `${e}.${l}`)),
]);

const DUP_DELAY_MS = 400;
const DUP_WINDOW_MS = 24 * 3600 * 1000;
const ESC_WINDOW_MS = 3000;
const FIRST_FIELD = 'o-channel';

const newKey = () => (crypto.randomUUID ? crypto.randomUUID()
  : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join(''));

/** The form's numbers in API units, and the messages for malformed ones. */
function readNumbers(f) {
  const values = {};
  const errors = {};
  for (const n of NUMBERS) {
    const v = parseScaled(f[n.key], n.digits);
    if (Number.isNaN(v)) errors[n.field] = t(n.msg);
    else if (v !== null) values[n.field] = v;
  }
  const given = DIMS.filter((d) => values[d] !== undefined);
  if (given.length && given.length < 3) {
    for (const d of DIMS) if (values[d] === undefined && !errors[d]) errors[d] = t('order.err.dims');
  }
  return { values, errors };
}

function goodsOf(f, values) {
  const goods = {};
  if (f.goods_name.trim()) goods.name = f.goods_name.trim();
  if (f.category.trim()) goods.category = f.category.trim();
  for (const p of ['quantity', 'weight_g', 'length_mm', 'width_mm', 'height_mm']) {
    if (values['goods.' + p] !== undefined) goods[p] = values['goods.' + p];
  }
  return goods;
}

function extrasOf(f, values, body) {
  for (const k of ['declared_value_fen', 'cod_fen']) if (values[k] !== undefined) body[k] = values[k];
  if (f.special) body.special_packaging = true;
  if (f.agency.length) body.agency_fees = f.agency;
}

/** What the live quote needs: {body}, {errors}, or {} while incomplete. */
function buildQuote(f) {
  const { values, errors } = readNumbers(f);
  if (Object.keys(errors).length) return { errors };
  const s = f.sender.addr.district;
  const r = f.recipient.addr.district;
  if (!s || !r || values['goods.weight_g'] === undefined) return {};
  const goods = goodsOf(f, values);
  delete goods.category;
  delete goods.quantity;
  const body = { service: f.service, sender: { district_code: s.code },
    recipient: { district_code: r.code }, goods };
  // A customer account prices the quote with its contract, as the order will be.
  if (f.customer_code.trim()) body.customer_code = f.customer_code.trim();
  extrasOf(f, values, body);
  return { body };
}

function partyOf(p) {
  const o = { name: p.name.trim(), phone: p.phone.trim() };
  if (p.company.trim()) o.company = p.company.trim();
  // A district code says everything; without one (a city the lists end at)
  // the names go, and the server says what is missing.
  if (p.addr.district) o.district_code = p.addr.district.code;
  else {
    if (p.addr.province) o.province = p.addr.province.label || p.addr.province.name;
    if (p.addr.city) o.city = p.addr.city.label || p.addr.city.name;
  }
  o.address = p.address.trim();
  return o;
}

/**
 * The order body, or the fields the console can already tell are missing or
 * malformed (all of them at once, in form order). Everything else — phone
 * formats, addresses, goods, accounts — is the server's to judge.
 */
function buildOrder(f) {
  const { values, errors } = readNumbers(f);
  const need = (cond, field) => { if (!cond && !errors[field]) errors[field] = t('common.required'); };
  for (const end of ['sender', 'recipient']) {
    const p = f[end];
    need(p.name.trim(), `${end}.name`);
    need(p.phone.trim(), `${end}.phone`);
    need(p.addr.province, `${end}.province`);
    need(p.address.trim(), `${end}.address`);
  }
  need(f.goods_name.trim(), 'goods.name');
  need(values['goods.weight_g'] !== undefined, 'goods.weight_g');
  if (!!f.pickup_from !== !!f.pickup_to) {
    errors[f.pickup_from ? 'pickup_window.to' : 'pickup_window.from'] = t('order.err.window');
  }
  if (Object.keys(errors).length) return { errors };
  const body = {
    channel: f.channel,
    service: f.service,
    payment: f.payment,
    sender: partyOf(f.sender),
    recipient: partyOf(f.recipient),
    goods: goodsOf(f, values),
  };
  if (f.customer_code.trim()) body.customer_code = f.customer_code.trim();
  if (f.customer_ref.trim()) body.customer_ref = f.customer_ref.trim();
  extrasOf(f, values, body);
  if (values.parcels !== undefined) body.parcels = values.parcels;
  if (f.pickup_from) {
    body.pickup_window = { from: localToRfc3339(f.pickup_from), to: localToRfc3339(f.pickup_to) };
  }
  if (f.remarks.trim()) body.remarks = f.remarks.trim();
  return { body };
}

/** The order form pre-filled from a quick quote, when one was handed over. */
function fromHandover(h) {
  if (!h) return INITIAL;
  return {
    ...INITIAL,
    service: h.service,
    sender: { ...PARTY, addr: h.sender },
    recipient: { ...PARTY, addr: h.recipient },
    goods_name: h.name,
    weight: h.weight,
    length: h.length,
    width: h.width,
    height: h.height,
    declared: h.declared,
    cod: h.cod,
    special: h.special,
    agency: h.agency,
  };
}

/**
 * An open order (not cancelled) from the same sender phone to the same
 * recipient phone in the last 24 hours, or null. Advice only: the server
 * runs its own duplicate check and may send the order to review.
 */
/** A mobile (1[3-9] + 9 digits) or a landline with its area code, as far as digits tell. */
const looksComplete = (p) => /^(?:1[3-9]\d{9}|0\d{9,11})$/.test(phoneDigits(p));

function useDuplicate(senderPhone, recipientPhone) {
  const [dup, setDup] = useState(null);
  useEffect(() => {
    // Only complete numbers are looked up: every list with full phones is an
    // audited read of personal data, not something to do per keystroke.
    if (!looksComplete(senderPhone) || !looksComplete(recipientPhone)) {
      setDup(null);
      return undefined;
    }
    let live = true;
    const timer = setTimeout(async () => {
      try {
        const res = await api('GET', '/api/v1/waybills', {
          query: { phone: recipientPhone.trim(), from: chinaTime(Date.now() - DUP_WINDOW_MS), limit: 100 },
        });
        const hit = (res.items || []).find((w) => w.state !== 'cancelled'
          && phoneMatches(w.recipient && w.recipient.phone, recipientPhone)
          && phoneMatches(w.sender && w.sender.phone, senderPhone));
        if (live) setDup(hit || null);
      } catch {
        if (live) setDup(null); // advice; no permission or a bad phone is not worth a word here
      }
    }, DUP_DELAY_MS);
    return () => { live = false; clearTimeout(timer); };
  }, [senderPhone, recipientPhone]);
  return dup;
}

function DuplicateWarning({ dup }) {
  if (!dup) return null;
  return html`<div class="dup-warning" role="alert" data-duplicate=${dup.waybill_no}>
    <strong>${t('order.dup.title')}</strong>
    <p>${t('order.dup.body')}${' '}<a href=${'#/orders/search/' + encodeURIComponent(dup.waybill_no)}
        class="waybill-link">${dup.waybill_no}</a>${' '}<${StateBadge} state=${dup.state} />
      ${dup.created_at && html`${' '}<span class="muted">${when(dup.created_at)}</span>`}</p>
  </div>`;
}

/** The answer to a submitted order: number, verdict, promise, label. */
function Done({ wb, onNew }) {
  const head = useRef(null);
  useEffect(() => { if (head.current) head.current.focus(); }, []);
  const printable = PRINTABLE.includes(wb.state);
  const promise = wb.promise || {};
  return html`<section class="panel order-done" data-state=${wb.state} aria-labelledby="o-done-title">
    <h2 id="o-done-title" tabindex="-1" ref=${head}>${t(wb.state === 'in_review'
      ? 'order.done.review_title' : 'order.done.title')}</h2>
    <p class="waybill-no-label">${t('order.waybill_no')}</p>
    <p class="waybill-no" id="o-done-no">${wb.waybill_no}</p>
    <p class="done-state"><${StateBadge} state=${wb.state} />
      ${wb.state === 'in_review' && html` <span>${t('order.done.review')}</span>`}</p>
    <${ReviewReasons} reasons=${wb.review} />
    <dl class="facts done-facts">
      <dt>${t('order.promise.pickup')}</dt><dd class="o-planned">${when(promise.planned_pickup_at)}</dd>
      <dt>${t('order.promise.delivery')}</dt>
      <dd class="o-promised">${promise.promised_delivery_at
        ? html`${when(promise.promised_delivery_at)} ${promise.days ? t('order.promise.days', { days: promise.days }) : ''}`
        : t('order.promise.none')}</dd>
      <dt>${t('quote.total')}</dt>
      <dd class="o-total">${wb.total_fen != null ? formatFen(wb.total_fen) : ''}</dd>
      ${wb.chargeable_weight_g != null && html`<dt>${t('quote.chargeable')}</dt>
        <dd>${formatGrams(wb.chargeable_weight_g)}</dd>`}
      <dt>${t('order.parcels')}</dt><dd>${Array.isArray(wb.parcels) ? wb.parcels.length : ''}</dd>
    </dl>
    <div class="actions">
      <button type="button" class="primary" id="o-print" disabled=${!printable}
        aria-describedby=${printable ? undefined : 'o-print-hint'}
        onClick=${() => openLabel(wb.waybill_no, '100x180')}>${t('order.print')}</button>
      <button type="button" id="o-new" onClick=${onNew}>${t('order.new')}
        <kbd aria-hidden="true">Alt+N</kbd></button>
      <a href=${'#/orders/search/' + encodeURIComponent(wb.waybill_no)}>${t('order.open_detail')}</a>
    </div>
    ${!printable && html`<p id="o-print-hint" class="muted">${t('order.print.after_review')}</p>`}
  </section>`;
}

function Party({ end, p, errors, setParty, onAddressDone }) {
  const id = (k) => `o-${end}-${k}`;
  const input = (k, label, extra = {}) => html`<${Field} id=${id(k)} name=${`${end}.${k}`}
    label=${label} value=${p[k]} error=${errors[`${end}.${k}`]} autocomplete="off"
    onInput=${(e) => setParty(end, { [k]: e.currentTarget.value }, `${end}.${k}`)} ...${extra} />`;
  return html`<${AddressPicker} prefix="o" end=${end} legend=${t('order.' + end)}
    value=${p.addr} errors=${errors}
    onChange=${(v) => setParty(end, { addr: v }, `${end}.province`)}
    onComplete=${onAddressDone}
    head=${html`<div class="party-contact">
      ${input('name', t('order.name'))}
      ${input('phone', t('order.phone'), { type: 'tel', inputmode: 'tel', hint: t('order.phone.hint') })}
      ${input('company', t('order.company'))}
    </div>`}
    tail=${input('address', t('order.address'), { maxlength: 200 })} />`;
}

export function OrderEntry() {
  const [form, setForm] = useState(() => fromHandover(takeHandover()));
  const [submitErrors, setSubmitErrors] = useState({});
  const [formError, setFormError] = useState(null);
  const [done, setDone] = useState(null);
  const [busy, setBusy] = useState(false);
  const [escArmed, setEscArmed] = useState(false);
  const [focusTo, setFocusTo] = useState({ id: FIRST_FIELD });
  const key = useRef(newKey());
  const inFlight = useRef(false);
  const formRef = useRef(null);
  const escTimer = useRef(null);

  const screening = useScreening(form.goods_name);
  const quote = useQuote(buildQuote(form), QUOTE_FIELDS);
  const dup = useDuplicate(form.sender.phone, form.recipient.phone);
  const errors = { ...quote.errors, ...submitErrors };

  // Focus requests are state so they apply after the render that shows the target.
  useEffect(() => {
    if (!focusTo) return;
    const el = focusTo.id ? document.getElementById(focusTo.id)
      : formRef.current && formRef.current.querySelector(`[name="${focusTo.name}"]`);
    if (el && !el.disabled) el.focus();
    else if (focusTo.fallback) {
      const fb = document.getElementById(focusTo.fallback);
      if (fb) fb.focus();
    }
  }, [focusTo]);

  const reset = () => {
    key.current = newKey();
    inFlight.current = false;
    setForm(INITIAL);
    setSubmitErrors({});
    setFormError(null);
    setDone(null);
    setEscArmed(false);
    setFocusTo({ id: FIRST_FIELD });
  };

  // Alt+N on this screen: a fresh form after a submitted order, otherwise
  // back to the first field (the shell only navigates when elsewhere).
  useEffect(() => {
    function onKey(e) {
      if (!e.altKey || e.ctrlKey || e.metaKey || e.shiftKey || e.code !== 'KeyN') return;
      if (done) reset();
      else setFocusTo({ id: FIRST_FIELD });
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [done]);

  useEffect(() => () => clearTimeout(escTimer.current), []);

  const clearError = (field) => {
    if (field && (submitErrors[field] || formError)) {
      setSubmitErrors((errs) => {
        const next = { ...errs };
        delete next[field];
        return next;
      });
    }
  };
  const set = (k, field) => (e) => {
    const v = e.currentTarget.type === 'checkbox' ? e.currentTarget.checked : e.currentTarget.value;
    setForm((f) => ({ ...f, [k]: v }));
    clearError(field);
  };
  const setParty = (end, patch, field) => {
    setForm((f) => ({ ...f, [end]: { ...f[end], ...patch } }));
    clearError(field);
    if (patch.addr) for (const l of LEVELS) clearError(`${end}.${l}`);
  };
  const toggleAgency = (code) => (e) => {
    const on = e.currentTarget.checked;
    setForm((f) => ({
      ...f,
      agency: on ? AGENCY_FEES.filter((c) => c === code || f.agency.includes(c))
        : f.agency.filter((c) => c !== code),
    }));
    clearError('agency_fees');
  };

  function focusField(field) {
    const m = /^(sender|recipient)\.(province|city|district)$/.exec(field);
    setFocusTo({ name: field, fallback: m ? `o-${m[1]}-filter` : null });
  }

  async function submit(e) {
    if (e) e.preventDefault();
    // A second Enter while the first is on its way is the same order; the
    // Idempotency-Key would make the server answer it the same way anyway.
    if (inFlight.current) return;
    setFormError(null);
    const { body, errors: errs } = buildOrder(form);
    if (errs) {
      setSubmitErrors(errs);
      focusField(Object.keys(errs)[0]);
      return;
    }
    inFlight.current = true;
    setBusy(true);
    try {
      const wb = await request('POST', '/api/v1/waybills', {
        body, headers: { 'Idempotency-Key': key.current },
      });
      setDone(wb);
    } catch (err) {
      inFlight.current = false;
      const f = fieldFor(err.field);
      const el = f && formRef.current && formRef.current.querySelector(`[name="${f}"]`);
      if (el) {
        setSubmitErrors({ [f]: err.message });
        focusField(f);
      } else {
        setSubmitErrors({});
        setFormError(err.field ? `${err.message} (${err.field})` : err.message);
        setFocusTo({ id: 'o-submit' });
      }
    } finally {
      setBusy(false);
    }
  }

  function onFormKey(e) {
    const tag = e.target.tagName;
    if (e.key === 'Enter' && !e.isComposing && (tag === 'SELECT'
        || (tag === 'INPUT' && (e.target.type === 'checkbox' || e.target.type === 'datetime-local')))) {
      // Selects, check boxes and date pickers do not submit on Enter by themselves.
      e.preventDefault();
      submit();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      if (escArmed) {
        clearTimeout(escTimer.current);
        reset();
      } else {
        setEscArmed(true);
        clearTimeout(escTimer.current);
        escTimer.current = setTimeout(() => setEscArmed(false), ESC_WINDOW_MS);
      }
    }
  }

  if (done) return html`<${Done} wb=${done} onNew=${reset} />`;

  const num = (k, field, label, hint) => html`<${Field} id=${'o-' + k} name=${field}
    label=${label} hint=${hint} inputmode="decimal" autocomplete="off" value=${form[k]}
    error=${errors[field]} onInput=${set(k, field)} />`;
  const text = (k, field, label, extra = {}) => html`<${Field} id=${'o-' + k} name=${field}
    label=${label} autocomplete="off" value=${form[k]} error=${errors[field]}
    onInput=${set(k, field)} ...${extra} />`;
  const select = (k, label, values, labelOf) => html`<${Field} id=${'o-' + k} name=${k} as="select"
    label=${label} value=${form[k]} error=${errors[k]} onChange=${set(k, k)}>
    ${values.map((v) => html`<option key=${v} value=${v}>${labelOf(v)}</option>`)}
  <//>`;

  return html`<div class="quote-layout entry-layout">
    <form class="form quote-form entry-form" ref=${formRef} onSubmit=${submit}
        onKeyDown=${onFormKey} novalidate aria-labelledby="o-title" aria-describedby="o-keys">
      <h2 id="o-title">${t('order.title')}</h2>
      <p id="o-keys" class="muted keys">${t('order.keys')}</p>
      ${escArmed && html`<${Notice} kind="info">${t('order.esc.again')}<//>`}
      <fieldset class="order-head">
        <legend>${t('order.head')}</legend>
        ${select('channel', t('order.channel'), CHANNELS, channelLabel)}
        ${select('service', t('quote.service'), SERVICES, serviceLabel)}
        ${select('payment', t('order.payment'), PAYMENTS, paymentLabel)}
        ${text('customer_code', 'customer_code', t('order.customer_code'),
          { hint: t('order.customer_code.hint'), maxlength: 32 })}
        ${text('customer_ref', 'customer_ref', t('order.customer_ref'), { maxlength: 64 })}
      </fieldset>
      <div class="address-pair">
        <${Party} end="sender" p=${form.sender} errors=${errors} setParty=${setParty}
          onAddressDone=${() => setFocusTo({ id: 'o-sender-address' })} />
        <${Party} end="recipient" p=${form.recipient} errors=${errors} setParty=${setParty}
          onAddressDone=${() => setFocusTo({ id: 'o-recipient-address' })} />
      </div>
      <fieldset class="goods">
        <legend>${t('quote.goods')}</legend>
        <div class=${'field goods-name' + (errors['goods.name'] ? ' has-error' : '')} data-field="goods.name">
          <label for="o-goods-name">${t('quote.goods.name')}</label>
          <input id="o-goods-name" name="goods.name" autocomplete="off" value=${form.goods_name}
            maxlength="100" aria-invalid=${errors['goods.name'] ? 'true' : undefined}
            aria-describedby=${[screening && screening.verdict !== 'ok' ? 'o-goods-screen' : '',
              errors['goods.name'] ? 'o-goods-name-error' : ''].filter(Boolean).join(' ') || undefined}
            onInput=${set('goods_name', 'goods.name')} />
          <${ScreenWarning} verdict=${screening} id="o-goods-screen" />
          ${errors['goods.name'] && html`<p id="o-goods-name-error" class="field-error" role="alert">${errors['goods.name']}</p>`}
        </div>
        <div class="goods-row">
          ${text('category', 'goods.category', t('order.category'), { maxlength: 32 })}
          ${num('quantity', 'goods.quantity', t('order.quantity'))}
          ${num('weight', 'goods.weight_g', t('quote.weight'), t('quote.weight.hint'))}
        </div>
        <div class="dims">
          ${num('length', 'goods.length_mm', t('quote.length'))}
          ${num('width', 'goods.width_mm', t('quote.width'))}
          ${num('height', 'goods.height_mm', t('quote.height'))}
        </div>
      </fieldset>
      <fieldset class="extras">
        <legend>${t('order.extras')}</legend>
        ${num('declared', 'declared_value_fen', t('quote.declared'))}
        ${num('cod', 'cod_fen', t('quote.cod'))}
        ${num('parcels', 'parcels', t('order.parcels'), t('order.parcels.hint'))}
        <div class="field" data-field="special_packaging">
          <span class="label">${t('quote.packaging')}</span>
          <label class="check">
            <input type="checkbox" id="o-special" name="special_packaging" checked=${form.special}
              onChange=${set('special', 'special_packaging')} /> ${t('quote.special')}
          </label>
        </div>
        <div class="field" data-field="agency_fees" role="group" aria-labelledby="o-agency-label">
          <span id="o-agency-label" class="label">${t('quote.agency')}</span>
          <div class="agency-fees">${AGENCY_FEES.map((c) => html`<label key=${c} class="check">
            <input type="checkbox" name=${'agency.' + c} checked=${form.agency.includes(c)}
              onChange=${toggleAgency(c)} /> ${t('quote.c.agency_' + c)}
          </label>`)}</div>
          ${errors.agency_fees && html`<p class="field-error" role="alert">${errors.agency_fees}</p>`}
        </div>
        <div class="pickup" role="group" aria-labelledby="o-pickup-label">
          <span id="o-pickup-label" class="label">${t('order.pickup')}</span>
          <div class="pickup-row">
            ${text('pickup_from', 'pickup_window.from', t('order.pickup.from'), { type: 'datetime-local' })}
            ${text('pickup_to', 'pickup_window.to', t('order.pickup.to'), { type: 'datetime-local' })}
          </div>
        </div>
        ${text('remarks', 'remarks', t('order.remarks'), { maxlength: 500 })}
      </fieldset>
      <${Notice} kind="error">${formError}<//>
      <div class="actions">
        <button type="submit" id="o-submit" class="primary" disabled=${busy}>
          ${busy ? t('order.submitting') : t('order.submit')} <kbd aria-hidden="true">Enter</kbd></button>
      </div>
    </form>
    <div class="entry-side">
      <${DuplicateWarning} dup=${dup} />
      <${QuoteResult} state=${quote} prefix="o" title=${t('order.live_quote')} />
    </div>
  </div>`;
}
