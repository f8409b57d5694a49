// 投诉 (/p/complaint) and 投诉进度查询 (/p/complaint/status): the customer's
// side of the service desk, without an account. The form sends name, phone,
// optional waybill number, category and text to POST /api/v1/public/complaints
// (rate-limited by the server) and shows the ticket number it answers with;
// the status page asks for that number and the phone's last four digits and
// shows GET /api/v1/public/complaints/{no}: the status and the replies to the
// customer (the server never sends internal notes). Wrong digits, an unknown
// number and the server's guessing limit (429) each get their own message,
// because the customer should know whether to retry or to call. Which page
// runs is decided by body[data-page], set by the two HTML files. Chinese
// first, English on request (remembered like the other public pages).

import { html, render, useState, useEffect, useRef } from '/vendor/htm/preact/standalone.module.js';

const STORAGE_KEY = 'pd.lang';

const STRINGS = {
  zh: {
    brand: 'ParcelDesk 快递',
    lang: 'English',
    form_title: '投诉与建议',
    form_intro: '请留下联系方式并描述问题，我们将在 7 日内处理并答复（快递暂行条例第二十八条）。',
    status_title: '投诉进度查询',
    status_intro: '输入投诉单号和提交时所留手机号的后四位。',
    name: '姓名',
    phone: '手机号',
    phone_hint: '用于联系您和查询进度',
    waybill_no: '运单号（选填）',
    waybill_hint: '以 PD 开头的 15 位单号',
    category: '问题类型',
    choose: '请选择',
    text: '问题描述',
    text_hint: '发生了什么、何时、希望如何处理',
    submit: '提交投诉',
    submitting: '正在提交…',
    done_title: '已收到您的投诉',
    done_body: '请记下投诉单号，查询进度时需要用到：',
    done_status: '查询处理进度',
    again: '再提交一条',
    ticket_no: '投诉单号',
    last4: '手机号后四位',
    lookup: '查询',
    looking: '正在查询…',
    status: '当前状态',
    created: '提交时间',
    updated: '最近更新',
    replies: '客服回复',
    no_replies: '暂无回复，我们正在处理。',
    closed_note: '此投诉已结案。',
    err_required: '请填写此项',
    err_last4: '请输入 4 位数字',
    err_phone: '手机号或后四位不正确，请核对后重试。',
    err_notfound: '未找到该投诉单号，请核对后重试。',
    err_limit: '查询过于频繁，请一小时后再试，或拨打客服电话。',
    err_submit_limit: '提交过于频繁，请稍后再试，或拨打客服电话。',
    err_network: '无法连接服务器，请检查网络后重试。',
    err_http: '服务器错误（{status}），请稍后再试。',
    to_form: '我要投诉',
    to_status: '查询投诉进度',
  },
  en: {
    brand: 'ParcelDesk Express',
    lang: '中文',
    form_title: 'Complaints and suggestions',
    form_intro: 'Leave your contact details and describe the problem; we handle it and answer within 7 days.',
    status_title: 'Complaint status',
    status_intro: 'Enter the complaint number and the last four digits of the phone you gave.',
    name: 'Name',
    phone: 'Mobile phone',
    phone_hint: 'To contact you and to look up the status',
    waybill_no: 'Waybill number (optional)',
    waybill_hint: '15 characters starting with PD',
    category: 'Kind of problem',
    choose: 'Choose',
    text: 'What happened',
    text_hint: 'What, when, and what you would like us to do',
    submit: 'Send complaint',
    submitting: 'Sending…',
    done_title: 'We have your complaint',
    done_body: 'Please note the complaint number; you need it to look up the status:',
    done_status: 'Look up the status',
    again: 'Send another',
    ticket_no: 'Complaint number',
    last4: 'Last four digits of the phone',
    lookup: 'Look up',
    looking: 'Looking up…',
    status: 'Status',
    created: 'Sent',
    updated: 'Last update',
    replies: 'Our replies',
    no_replies: 'No reply yet; we are working on it.',
    closed_note: 'This complaint is closed.',
    err_required: 'Please fill this in',
    err_last4: 'Enter 4 digits',
    err_phone: 'The phone digits do not match; please check and try again.',
    err_notfound: 'No complaint has this number; please check it.',
    err_limit: 'Too many look-ups; please try again in an hour or call us.',
    err_submit_limit: 'Too many complaints sent from here; please try later or call us.',
    err_network: 'The server cannot be reached; check the connection and retry.',
    err_http: 'Server error ({status}); please try again later.',
    to_form: 'Make a complaint',
    to_status: 'Look up a complaint',
  },
};

let lang = (() => {
  try { return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'zh'; } catch { return 'zh'; }
})();
const PAGE = document.body.dataset.page === 'status' ? 'status' : 'form';

function t(key, vars) {
  let s = STRINGS[lang][key] ?? STRINGS.zh[key] ?? key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  return s;
}

function applyLang() {
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  document.title = `${t(PAGE === 'status' ? 'status_title' : 'form_title')} — ${t('brand')}`;
}

/** "2026-11-23 18:00" for an RFC 3339 time, as written (China time). */
function formatTime(s) {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)/.exec(s || '');
  return m ? `${m[1]} ${m[2]}` : s || '';
}

class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field || null;
  }
}

async function call(method, path, { query, body } = {}) {
  const u = new URL(path, location.origin);
  for (const [k, v] of Object.entries(query || {})) if (v) u.searchParams.set(k, v);
  if (lang === 'en') u.searchParams.set('lang', 'en');
  const h = { accept: 'application/json', 'accept-language': lang === 'en' ? 'en' : 'zh-CN' };
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

function Field({ id, name, label, hint, error, as = 'input', children, ...rest }) {
  const described = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;
  return html`<div class=${'field' + (error ? ' has-error' : '')} data-field=${name}>
    <label for=${id}>${label}</label>
    <${as} id=${id} name=${name} aria-invalid=${error ? 'true' : undefined}
      aria-describedby=${described} ...${rest}>${children}</${as}>
    ${hint && html`<small id=${`${id}-hint`} class="hint">${hint}</small>`}
    ${error && html`<p id=${`${id}-error`} class="field-error" role="alert">${error}</p>`}
  </div>`;
}

function Top({ onLang }) {
  return html`<header class="top">
    <div class="brand"><img src="/console/icon.svg" alt="" width="28" height="28" />
      <span>${t('brand')}</span></div>
    <button type="button" class="lang" lang=${lang === 'zh' ? 'en' : 'zh-CN'} onClick=${onLang}>${t('lang')}</button>
  </header>`;
}

const FORM0 = { name: '', phone: '', waybill_no: '', category: '', text: '' };
const FORM_IDS = { name: 'c-name', phone: 'c-phone', waybill_no: 'c-waybill', category: 'c-category', text: 'c-text' };

function FormPage() {
  const [cats, setCats] = useState([]);
  const [form, setForm] = useState(FORM0);
  const [errors, setErrors] = useState({});
  const [formError, setFormError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(null);
  const doneRef = useRef(null);

  useEffect(() => {
    call('GET', '/api/v1/public/ticket-refdata')
      .then((r) => setCats(r.categories || []))
      .catch((e) => setFormError(e.message));
  }, []);
  useEffect(() => { if (done && doneRef.current) doneRef.current.focus(); }, [done]);

  const set = (k) => (e) => setForm({ ...form, [k]: e.currentTarget.value });
  const focus = (k) => { const el = document.getElementById(FORM_IDS[k]); if (el) el.focus(); };

  async function submit(e) {
    e.preventDefault();
    if (busy) return;
    const miss = {};
    for (const k of ['name', 'phone', 'category', 'text']) if (!form[k].trim()) miss[k] = t('err_required');
    setErrors(miss);
    setFormError(null);
    const first = Object.keys(FORM_IDS).find((k) => miss[k]);
    if (first) return focus(first);
    const body = { name: form.name.trim(), phone: form.phone.trim(), category: form.category, text: form.text.trim() };
    if (form.waybill_no.trim()) body.waybill_no = form.waybill_no.trim().toUpperCase();
    setBusy(true);
    try {
      setDone(await call('POST', '/api/v1/public/complaints', { body }));
    } catch (err) {
      if (err.field && FORM_IDS[err.field]) {
        setErrors({ [err.field]: err.message });
        focus(err.field);
      } else {
        setFormError(err.status === 429 ? t('err_submit_limit') : err.message);
      }
    } finally {
      setBusy(false);
    }
  }

  if (done) {
    const href = `/p/complaint/status?no=${encodeURIComponent(done.ticket_no)}`;
    return html`<section class="done panel" aria-labelledby="done-title">
      <h2 id="done-title" tabindex="-1" ref=${doneRef}>${t('done_title')}</h2>
      <p>${t('done_body')}</p>
      <p class="ticket-no" id="c-ticket-no">${done.ticket_no}</p>
      <p class="muted">${t('created')}: ${formatTime(done.created_at)}</p>
      <p class="links"><a class="primary-link" href=${href}>${t('done_status')}</a>
        <button type="button" class="secondary" onClick=${() => { setForm(FORM0); setDone(null); }}>${t('again')}</button></p>
    </section>`;
  }
  return html`<p class="intro">${t('form_intro')}</p>
    <form class="c-form panel" onSubmit=${submit} novalidate>
      <${Field} id="c-name" name="name" label=${t('name')} value=${form.name} autocomplete="name"
        maxlength="50" error=${errors.name} onInput=${set('name')} />
      <${Field} id="c-phone" name="phone" label=${t('phone')} value=${form.phone} type="tel"
        autocomplete="tel" inputmode="tel" hint=${t('phone_hint')} error=${errors.phone} onInput=${set('phone')} />
      <${Field} id="c-waybill" name="waybill_no" label=${t('waybill_no')} value=${form.waybill_no}
        autocapitalize="characters" hint=${t('waybill_hint')} error=${errors.waybill_no} onInput=${set('waybill_no')} />
      <${Field} id="c-category" name="category" as="select" label=${t('category')} value=${form.category}
        error=${errors.category} onChange=${set('category')}>
        <option value="">${t('choose')}</option>
        ${cats.map((c) => html`<option key=${c.name} value=${c.name}>${lang === 'en' ? c.en : c.zh}</option>`)}
      <//>
      <${Field} id="c-text" name="text" as="textarea" rows="5" label=${t('text')} value=${form.text}
        hint=${t('text_hint')} maxlength="2000" error=${errors.text} onInput=${set('text')} />
      ${formError && html`<p class="notice error" role="alert">${formError}</p>`}
      <button type="submit" class="primary wide" id="c-submit" disabled=${busy}>
        ${busy ? t('submitting') : t('submit')}</button>
    </form>
    <p class="other"><a href="/p/complaint/status">${t('to_status')}</a></p>`;
}

function StatusPage() {
  const params = new URLSearchParams(location.search);
  const [no, setNo] = useState(params.get('no') || '');
  const [last4, setLast4] = useState('');
  const [errors, setErrors] = useState({});
  const [msg, setMsg] = useState(null);
  const [busy, setBusy] = useState(false);
  const [res, setRes] = useState(null);

  useEffect(() => {
    const el = document.getElementById(no ? 's-last4' : 's-no');
    if (el) el.focus();
  }, []);

  async function submit(e) {
    e.preventDefault();
    if (busy) return;
    const errs = {};
    if (!no.trim()) errs.no = t('err_required');
    if (!/^\d{4}$/.test(last4)) errs.phone_last4 = t('err_last4');
    setErrors(errs);
    setMsg(null);
    if (errs.no || errs.phone_last4) {
      document.getElementById(errs.no ? 's-no' : 's-last4').focus();
      return;
    }
    setBusy(true);
    setRes(null);
    try {
      const tno = no.trim().toUpperCase();
      setRes(await call('GET', `/api/v1/public/complaints/${encodeURIComponent(tno)}`, { query: { phone_last4: last4 } }));
    } catch (err) {
      // Each refusal says what the customer can do about it.
      if (err.status === 403) setMsg(t('err_phone'));
      else if (err.status === 404) setMsg(t('err_notfound'));
      else if (err.status === 429) setMsg(t('err_limit'));
      else setMsg(err.message);
    } finally {
      setBusy(false);
    }
  }

  const st = (r) => (lang === 'en' ? r.status.replace(/_/g, ' ') : r.status_zh || r.status);
  return html`<p class="intro">${t('status_intro')}</p>
    <form class="c-form panel lookup" onSubmit=${submit} novalidate>
      <${Field} id="s-no" name="no" label=${t('ticket_no')} value=${no} autocapitalize="characters"
        error=${errors.no} onInput=${(e) => setNo(e.currentTarget.value)} />
      <${Field} id="s-last4" name="phone_last4" label=${t('last4')} value=${last4} inputmode="numeric"
        maxlength="4" autocomplete="off" error=${errors.phone_last4} onInput=${(e) => setLast4(e.currentTarget.value)} />
      ${msg && html`<p class="notice error" id="s-message" role="alert">${msg}</p>`}
      <button type="submit" class="primary wide" id="s-submit" disabled=${busy}>${busy ? t('looking') : t('lookup')}</button>
    </form>
    ${res && html`<section class="panel result" aria-live="polite" id="s-result">
      <h2>${res.ticket_no} <span class=${'badge st-' + res.status} id="s-status">${st(res)}</span></h2>
      <dl class="facts">
        <dt>${t('category')}</dt><dd>${lang === 'en' ? res.category : res.category_zh || res.category}</dd>
        <dt>${t('created')}</dt><dd>${formatTime(res.created_at)}</dd>
        <dt>${t('updated')}</dt><dd>${formatTime(res.updated_at)}</dd>
      </dl>
      ${res.closed && html`<p class="notice">${t('closed_note')}</p>`}
      <h3>${t('replies')}</h3>
      ${res.replies && res.replies.length
        ? html`<ol class="replies">${res.replies.map((r, i) => html`<li key=${i}>
            <time datetime=${r.at}>${formatTime(r.at)}</time><p>${r.text}</p></li>`)}</ol>`
        : html`<p class="muted">${t('no_replies')}</p>`}
    </section>`}
    <p class="other"><a href="/p/complaint">${t('to_form')}</a></p>`;
}

function App() {
  const [, setL] = useState(lang);
  const toggle = () => {
    lang = lang === 'zh' ? 'en' : 'zh';
    try { localStorage.setItem(STORAGE_KEY, lang); } catch { /* not remembered, still switched */ }
    applyLang();
    setL(lang);
  };
  return html`<div class="page">
    <${Top} onLang=${toggle} />
    <main>
      <h1>${t(PAGE === 'status' ? 'status_title' : 'form_title')}</h1>
      ${PAGE === 'status' ? html`<${StatusPage} />` : html`<${FormPage} />`}
    </main>
  </div>`;
}

applyLang();
const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
