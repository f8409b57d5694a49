// 寄快递 (/p/send): the public page where anyone books a pickup from a phone,
// without an account. Sender and recipient addresses are picked from the
// cascading division lists the server publishes (GET /api/v1/public/divisions,
// the console's lists without a login), the order goes to
// POST /api/v1/public/waybills (the server forces channel "web", submits it and
// rate-limits the page) and the answer — waybill number, price, planned
// pickup, promised delivery — is shown on the spot. Weights typed in kilograms
// become grams by decimal-string arithmetic, never floating point. An error
// the server names a field for is shown beside that field, which gets the
// focus. Chinese first, English on request (remembered like the console's
// choice).

import { html, render, useState, useEffect, useRef } from '/vendor/htm/preact/standalone.module.js';

const STORAGE_KEY = 'pd.lang';
const SERVICES = ['standard', 'express', 'cold_chain', 'freight'];
const PAYMENTS = ['sender', 'receiver'];
const LEVELS = ['province', 'city', 'district'];
const SLOTS = [['09:00', '12:00'], ['12:00', '15:00'], ['15:00', '18:00']];
const PICKUP_DAYS = 7;
const DAY_MS = 24 * 3600 * 1000;
const CN_MS = 8 * 3600 * 1000;

const STRINGS = {
  zh: {
    title: '寄快递',
    brand: 'ParcelDesk 快递',
    intro: '填写寄件和收件信息，快递员按约定时间上门取件。',
    lang: 'English',
    sender: '寄件人',
    recipient: '收件人',
    name: '姓名',
    phone: '手机或座机',
    phone_hint: '手机 11 位；座机请带区号',
    province: '省/直辖市',
    city: '市',
    district: '区/县',
    address: '详细地址',
    address_ph: '街道、门牌号、楼层房间',
    choose: '请选择',
    loading: '正在加载…',
    goods: '物品',
    goods_name: '物品名称',
    goods_ph: '如：衣服、文件',
    goods_hint: '禁寄物品（如烟花爆竹、易燃液体）不予收寄',
    weight: '大约重量（千克）',
    weight_err: '请输入千克数，最多三位小数',
    service: '服务类型',
    svc_standard: '标准件',
    svc_express: '加急件',
    svc_cold_chain: '冷链件',
    svc_freight: '快运/零担',
    payment: '付款方式',
    pay_sender: '寄付（寄件人付款）',
    pay_receiver: '到付（收件人付款）',
    pickup: '上门取件',
    pickup_day: '日期',
    pickup_slot: '时间段',
    slot_any: '尽快上门',
    today: '今天',
    tomorrow: '明天',
    required: '此项必填',
    submit: '提交寄件',
    submitting: '正在提交…',
    done: '下单成功',
    done_review: '订单已提交，需人工审核，客服会尽快与您联系。',
    waybill_no: '运单号',
    keep: '请记下运单号，可用它查询快件。',
    price: '预估运费',
    planned: '预计上门',
    promised: '承诺送达',
    days: '（{days} 天）',
    no_promise: '暂无时效承诺',
    again: '再寄一件',
    err_network: '无法连接服务器，请稍后再试',
    err_http: '服务器返回错误（HTTP {status}）',
  },
  en: {
    title: 'Send a parcel',
    brand: 'ParcelDesk Express',
    intro: 'Tell us who sends and who receives; a courier collects at the time you choose.',
    lang: '中文',
    sender: 'Sender',
    recipient: 'Recipient',
    name: 'Name',
    phone: 'Mobile or landline',
    phone_hint: '11-digit mobile, or a landline with its area code',
    province: 'Province',
    city: 'City',
    district: 'District',
    address: 'Street address',
    address_ph: 'Street, number, floor and room',
    choose: 'Choose…',
    loading: 'Loading…',
    goods: 'Goods',
    goods_name: 'What are you sending?',
    goods_ph: 'e.g. clothes, documents',
    goods_hint: 'Prohibited goods (fireworks, flammable liquids …) are not accepted',
    weight: 'Approximate weight (kg)',
    weight_err: 'Enter kilograms with at most three decimals',
    service: 'Service',
    svc_standard: 'Standard',
    svc_express: 'Express',
    svc_cold_chain: 'Cold chain',
    svc_freight: 'Freight (LTL)',
    payment: 'Payment',
    pay_sender: 'Sender pays',
    pay_receiver: 'Receiver pays',
    pickup: 'Pickup',
    pickup_day: 'Day',
    pickup_slot: 'Time',
    slot_any: 'As soon as possible',
    today: 'Today',
    tomorrow: 'Tomorrow',
    required: 'Required',
    submit: 'Book the pickup',
    submitting: 'Sending…',
    done: 'Booked',
    done_review: 'Your order was received and needs a manual check; we will contact you shortly.',
    waybill_no: 'Waybill number',
    keep: 'Keep the waybill number to track your parcel.',
    price: 'Estimated price',
    planned: 'Pickup',
    promised: 'Delivery promised by',
    days: '({days} days)',
    no_promise: 'No delivery promise on this route',
    again: 'Send another parcel',
    err_network: 'Cannot reach the server; please try again later',
    err_http: 'The server answered with an error (HTTP {status})',
  },
};

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

/* ---------- exact conversions and China time ---------- */

/** "1.25" kg → 1250 g; null when empty, NaN when not a number of that form. */
function parseKg(s) {
  const v = s.trim();
  if (v === '') return null;
  const m = /^(\d+)(?:\.(\d{0,3}))?$/.exec(v);
  if (!m) return NaN;
  const n = Number(m[1] + (m[2] || '').padEnd(3, '0'));
  return Number.isSafeInteger(n) ? n : NaN;
}

function formatFen(fen) {
  return `¥${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
}

/** "2026-11-23 18:00" for an RFC 3339 time, as written (China time). */
function formatTime(s) {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)/.exec(s || '');
  return m ? `${m[1]} ${m[2]}` : s || '';
}

/** The next PICKUP_DAYS dates in China time, "YYYY-MM-DD". */
function pickupDays() {
  const today = Date.now() + CN_MS;
  return Array.from({ length: PICKUP_DAYS }, (_, i) => new Date(today + i * DAY_MS).toISOString().slice(0, 10));
}

/** The current hour:minute in China time, "HH:MM". */
const chinaNow = () => new Date(Date.now() + CN_MS).toISOString().slice(11, 16);

/* ---------- talking to the server ---------- */

class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field || null;
  }
}

async function call(method, path, { query, body, headers = {} } = {}) {
  const u = new URL(path, location.origin);
  for (const [k, v] of Object.entries(query || {})) if (v) u.searchParams.set(k, v);
  if (lang === 'en') u.searchParams.set('lang', 'en');
  const h = { accept: 'application/json', 'accept-language': lang === 'en' ? 'en' : 'zh-CN', ...headers };
  const init = { method, headers: h, credentials: 'omit', cache: 'no-store' };
  if (body !== undefined) {
    h['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(u.pathname + u.search, init);
  } catch {
    throw new ApiError(0, 'network', t('err_network'));
  }
  const text = await res.text().catch(() => '');
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (res.ok) return data;
  const e = data && data.error;
  throw e && typeof e.message === 'string'
    ? new ApiError(res.status, e.code, e.message, e.field)
    : new ApiError(res.status, '', t('err_http', { status: res.status }));
}

const divisionCache = new Map();
function divisions(parent) {
  const key = parent || '';
  if (!divisionCache.has(key)) {
    const p = call('GET', '/api/v1/public/divisions', { query: { parent } }).then((r) => r.items);
    p.catch(() => divisionCache.delete(key));
    divisionCache.set(key, p);
  }
  return divisionCache.get(key);
}

function useDivisions(parent, enabled) {
  const [state, setState] = useState({ items: [], loading: false, error: null });
  useEffect(() => {
    if (!enabled) {
      setState({ items: [], loading: false, error: null });
      return undefined;
    }
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    divisions(parent).then(
      (items) => live && setState({ items, loading: false, error: null }),
      (e) => live && setState({ items: [], loading: false, error: e.message }),
    );
    return () => { live = false; };
  }, [parent, enabled]);
  return state;
}

/* ---------- the form ---------- */

const PARTY = { name: '', phone: '', province: '', city: '', district: '', address: '', names: {} };
const INITIAL = {
  sender: PARTY, recipient: PARTY, goods: '', weight: '', service: 'standard', payment: 'sender',
  day: '', slot: '',
};

function Field({ id, name, label, hint, error, as = 'input', children, ...rest }) {
  const Tag = as;
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return html`<div class=${'field' + (error ? ' has-error' : '')} data-field=${name}>
    <label for=${id}>${label}</label>
    <${Tag} id=${id} name=${name} aria-invalid=${error ? 'true' : undefined}
      aria-describedby=${described || undefined} ...${rest}>${children}</${Tag}>
    ${hint && html`<small id=${`${id}-hint`} class="hint">${hint}</small>`}
    ${error && html`<p id=${`${id}-error`} class="field-error" role="alert">${error}</p>`}
  </div>`;
}

function Party({ end, p, errors, onChange }) {
  const lists = {
    province: useDivisions('', true),
    city: useDivisions(p.province, !!p.province),
    district: useDivisions(p.city, !!p.city),
  };
  const id = (k) => `p-${end}-${k}`;
  const text = (k, label, extra = {}) => html`<${Field} id=${id(k)} name=${`${end}.${k}`} label=${label}
    value=${p[k]} error=${errors[`${end}.${k}`]} onInput=${(e) => onChange(end, { [k]: e.currentTarget.value }, k)}
    ...${extra} />`;
  function choose(level, code) {
    const item = lists[level].items.find((d) => d.code === code);
    const patch = { [level]: code, names: { ...p.names, [level]: item ? item.label || item.name : '' } };
    for (const l of LEVELS.slice(LEVELS.indexOf(level) + 1)) {
      patch[l] = '';
      patch.names[l] = '';
    }
    onChange(end, patch, level);
  }
  return html`<fieldset class=${'party party-' + end}>
    <legend>${t(end)}</legend>
    ${text('name', t('name'), { autocomplete: end === 'sender' ? 'name' : 'off', maxlength: 64 })}
    ${text('phone', t('phone'), { type: 'tel', inputmode: 'tel', hint: t('phone_hint'),
      autocomplete: end === 'sender' ? 'tel' : 'off', maxlength: 32 })}
    <div class="levels">
      ${LEVELS.map((level, i) => {
        const list = lists[level];
        return html`<${Field} key=${level} id=${id(level)} name=${`${end}.${level}`} as="select"
          label=${t(level)} value=${p[level]} disabled=${i > 0 && !p[LEVELS[i - 1]]}
          error=${errors[`${end}.${level}`] || list.error}
          onChange=${(e) => choose(level, e.currentTarget.value)}>
          <option value="">${list.loading ? t('loading') : t('choose')}</option>
          ${list.items.map((d) => html`<option key=${d.code} value=${d.code}>${d.label || d.name}</option>`)}
        <//>`;
      })}
    </div>
    ${text('address', t('address'), { placeholder: t('address_ph'), maxlength: 200,
      autocomplete: end === 'sender' ? 'street-address' : 'off' })}
  </fieldset>`;
}

/** Where a server field error is shown: the page's name for the field. */
function fieldFor(f) {
  const m = /^(sender|recipient)\.(province|city|district)(?:_code)?$/.exec(f || '');
  if (m) return `${m[1]}.${m[2]}`;
  if (/^(sender|recipient)$/.test(f || '')) return `${f}.district`;
  if (f === 'goods.weight_g') return 'weight';
  if (f === 'goods.name') return 'goods';
  if (/^pickup_window/.test(f || '')) return 'slot';
  return f;
}

function buildOrder(f) {
  const errors = {};
  const need = (v, k) => { if (!v) errors[k] = t('required'); };
  const parties = {};
  for (const end of ['sender', 'recipient']) {
    const p = f[end];
    need(p.name.trim(), `${end}.name`);
    need(p.phone.trim(), `${end}.phone`);
    need(p.province, `${end}.province`);
    need(p.address.trim(), `${end}.address`);
    const o = { name: p.name.trim(), phone: p.phone.trim() };
    // A district code says everything; without one the names go, and the
    // server says what is missing.
    if (p.district) o.district_code = p.district;
    else {
      if (p.names.province) o.province = p.names.province;
      if (p.names.city) o.city = p.names.city;
    }
    o.address = p.address.trim();
    parties[end] = o;
  }
  need(f.goods.trim(), 'goods');
  const g = parseKg(f.weight);
  if (Number.isNaN(g)) errors.weight = t('weight_err');
  else need(g, 'weight');
  if (Object.keys(errors).length) return { errors };
  const body = {
    service: f.service,
    payment: f.payment,
    sender: parties.sender,
    recipient: parties.recipient,
    goods: { name: f.goods.trim(), weight_g: g },
  };
  if (f.day && f.slot) {
    const [from, to] = f.slot.split('-');
    body.pickup_window = { from: `${f.day}T${from}:00+08:00`, to: `${f.day}T${to}:00+08:00` };
  }
  return { body };
}

function Done({ r, onAgain }) {
  const head = useRef(null);
  useEffect(() => { if (head.current) head.current.focus(); }, []);
  const p = r.promise || {};
  return html`<section class="card done" aria-labelledby="done-title" data-state=${r.state}>
    <h2 id="done-title" tabindex="-1" ref=${head}>${t('done')}</h2>
    ${r.state === 'in_review' && html`<p class="notice">${t('done_review')}</p>`}
    <p class="label">${t('waybill_no')}</p>
    <p class="waybill-no" id="done-no">${r.waybill_no}</p>
    <p class="muted">${t('keep')}</p>
    <dl class="facts">
      ${r.total_fen != null && html`<dt>${t('price')}</dt><dd id="done-price">${formatFen(r.total_fen)}</dd>`}
      <dt>${t('planned')}</dt><dd id="done-pickup">${formatTime(p.planned_pickup_at)}</dd>
      <dt>${t('promised')}</dt><dd id="done-promise">${p.promised_delivery_at
        ? `${formatTime(p.promised_delivery_at)} ${p.days ? t('days', { days: p.days }) : ''}`
        : t('no_promise')}</dd>
    </dl>
    <button type="button" class="primary wide" onClick=${onAgain}>${t('again')}</button>
  </section>`;
}

function SendPage({ onLang }) {
  const [form, setForm] = useState(INITIAL);
  const [errors, setErrors] = useState({});
  const [formError, setFormError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(null);
  // A second tap while the first is on its way is ignored: the public
  // endpoint keeps no idempotency keys, so this is the only guard.
  const inFlight = useRef(false);
  const formRef = useRef(null);
  const days = pickupDays();

  const clear = (k) => { if (errors[k]) setErrors((e) => ({ ...e, [k]: undefined })); };
  const setParty = (end, patch, k) => {
    setForm((f) => ({ ...f, [end]: { ...f[end], ...patch } }));
    clear(`${end}.${k}`);
  };
  const set = (k) => (e) => {
    const v = e.currentTarget.value;
    setForm((f) => ({ ...f, [k]: v, ...(k === 'day' && !v ? { slot: '' } : {}) }));
    clear(k);
  };
  const focus = (name) => {
    setTimeout(() => {
      const el = formRef.current && formRef.current.querySelector(`[name="${name}"]`);
      if (el) {
        el.focus();
        el.scrollIntoView({ block: 'center' });
      }
    }, 0);
  };

  async function submit(e) {
    e.preventDefault();
    if (inFlight.current) return;
    setFormError(null);
    const { body, errors: errs } = buildOrder(form);
    if (errs) {
      setErrors(errs);
      focus(Object.keys(errs)[0]);
      return;
    }
    inFlight.current = true;
    setBusy(true);
    try {
      const r = await call('POST', '/api/v1/public/waybills', { body });
      setDone(r);
      window.scrollTo(0, 0);
    } catch (err) {
      inFlight.current = false;
      const f = fieldFor(err.field);
      if (f && formRef.current && formRef.current.querySelector(`[name="${f}"]`)) {
        setErrors({ [f]: err.message });
        focus(f);
      } else {
        setFormError(err.message);
      }
    } finally {
      setBusy(false);
    }
  }

  function again() {
    inFlight.current = false;
    setForm(INITIAL);
    setErrors({});
    setDone(null);
    focus('sender.name');
  }

  const today = days[0];
  const slots = SLOTS.filter(([, to]) => form.day !== today || to > chinaNow());

  return html`<div class="page">
    <header class="top">
      <div class="brand"><img src="/console/icon.svg" alt="" width="28" height="28" />
        <span>${t('brand')}</span></div>
      <button type="button" class="lang" lang=${lang === 'zh' ? 'en' : 'zh-CN'} onClick=${onLang}>${t('lang')}</button>
    </header>
    <main>
      <h1>${t('title')}</h1>
      ${done ? html`<${Done} r=${done} onAgain=${again} />` : html`
      <p class="intro">${t('intro')}</p>
      <form class="send-form" ref=${formRef} onSubmit=${submit} novalidate>
        <${Party} end="sender" p=${form.sender} errors=${errors} onChange=${setParty} />
        <${Party} end="recipient" p=${form.recipient} errors=${errors} onChange=${setParty} />
        <fieldset class="goods">
          <legend>${t('goods')}</legend>
          <${Field} id="p-goods" name="goods" label=${t('goods_name')} value=${form.goods}
            placeholder=${t('goods_ph')} hint=${t('goods_hint')} error=${errors.goods} maxlength="100"
            onInput=${set('goods')} />
          <${Field} id="p-weight" name="weight" label=${t('weight')} value=${form.weight}
            inputmode="decimal" error=${errors.weight} onInput=${set('weight')} />
          <${Field} id="p-service" name="service" as="select" label=${t('service')} value=${form.service}
            error=${errors.service} onChange=${set('service')}>
            ${SERVICES.map((s) => html`<option key=${s} value=${s}>${t('svc_' + s)}</option>`)}
          <//>
          <${Field} id="p-payment" name="payment" as="select" label=${t('payment')} value=${form.payment}
            error=${errors.payment} onChange=${set('payment')}>
            ${PAYMENTS.map((s) => html`<option key=${s} value=${s}>${t('pay_' + s)}</option>`)}
          <//>
        </fieldset>
        <fieldset class="pickup">
          <legend>${t('pickup')}</legend>
          <div class="levels two">
            <${Field} id="p-day" name="day" as="select" label=${t('pickup_day')} value=${form.day}
              onChange=${set('day')}>
              <option value="">${t('slot_any')}</option>
              ${days.map((d, i) => html`<option key=${d} value=${d}>${i === 0 ? t('today') + ' ' : i === 1 ? t('tomorrow') + ' ' : ''}${d.slice(5)}</option>`)}
            <//>
            <${Field} id="p-slot" name="slot" as="select" label=${t('pickup_slot')} value=${form.slot}
              disabled=${!form.day} error=${errors.slot} onChange=${set('slot')}>
              <option value="">${t('choose')}</option>
              ${slots.map(([a, b]) => html`<option key=${a} value=${`${a}-${b}`}>${a}–${b}</option>`)}
            <//>
          </div>
        </fieldset>
        ${formError && html`<p class="notice error" role="alert">${formError}</p>`}
        <button type="submit" class="primary wide" id="p-submit" disabled=${busy}>
          ${busy ? t('submitting') : t('submit')}</button>
      </form>`}
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
  return html`<${SendPage} onLang=${toggle} />`;
}

applyLang();
const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
