// 知识库 (#/kb, #/kb/{id}, #/kb/new): the service desk's knowledge base
// (issue 5 item 5, docs/service-desk-problems.md "Knowledge base").
//   #/kb        a search box (GET /kb/search, debounced) with the ranked
//               results and their highlighted snippets; with no query, the
//               article list (GET /kb/articles). Editors (kb.edit) also see
//               drafts, marked as such; nobody else ever receives them.
//   #/kb/{id}   one article; editors edit it under the version they read
//               (a stale one is the server's 409 kb.version_conflict, shown
//               with a reload) and publish or unpublish it.
//   #/kb/new    a new article (editors).
// The snippet comes HTML-escaped with <mark> around the words found. It is
// never given to innerHTML: it is split at the marks and the five entities
// the server writes are decoded, so every character reaches the page as
// text and only <mark> elements are made.
// Keyboard first: "/" focuses the search box, N opens a new article for
// editors, Enter on a result opens it, Escape leaves the editor.
//
// Wiring (app.js): import { KbPage } from './sd_kb.js';
//   Page(): if (id === 'kb') return html`<${KbPage} me=${me} arg=${route[1]} />`;

import { api } from './api.js';
import { t, tOr } from './i18n.js';
import { html, useState, useEffect, useRef, useCallback, Field, Notice, Loading, formatTime, navigate } from './ui.js';
import { can } from './shell.js';

/** core/kb.def, in its order (the server checks them again). */
export const CATEGORIES = ['rates', 'time_limits', 'prohibited_goods', 'claims_policy', 'service_standards',
  'complaints', 'operations', 'callcenter', 'other'];
const catName = (c, zh) => tOr('kb.cat.' + c, zh || c);

const ENTITIES = { '&lt;': '<', '&gt;': '>', '&amp;': '&', '&quot;': '"', '&#39;': "'", '&#x27;': "'" };
const unescape = (s) => s.replace(/&(?:lt|gt|amp|quot|#39|#x27);/g, (m) => ENTITIES[m]);

/**
 * A search snippet as text with <mark> highlights: odd parts between the
 * server's <mark> and </mark> are the words found. Any other tag in the
 * snippet (there is none: the server escapes the text) stays visible text.
 */
export function MarkedSnippet({ text }) {
  const parts = String(text || '').split(/<mark>|<\/mark>/);
  return html`<span class="kb-snippet">${parts.map((p, i) => (i % 2 ? html`<mark key=${i}>${unescape(p)}</mark>` : unescape(p)))}</span>`;
}

/* ------------------------------------------------------------- search/list */

function Search({ me }) {
  const editor = can(me, 'kb.edit');
  const [q, setQ] = useState('');
  const [category, setCategory] = useState('');
  const [status, setStatus] = useState(editor ? 'any' : 'published');
  const [res, setRes] = useState(null);
  const [err, setErr] = useState(null);
  const box = useRef(null);

  const run = useCallback(async (query) => {
    const s = query.trim();
    try {
      if (s) {
        const r = await api('GET', '/api/v1/kb/search', { query: { q: s.slice(0, 100), category, limit: 50,
          drafts: editor && status !== 'published' ? 1 : undefined } });
        const items = status === 'draft' ? r.items.filter((a) => a.status === 'draft') : r.items;
        setRes({ search: true, items, indexed: r.indexed_terms, scanned: r.scanned_terms });
      } else {
        const r = await api('GET', '/api/v1/kb/articles', { query: { category, limit: 200,
          status: editor ? status : undefined } });
        setRes({ search: false, items: r.items });
      }
      setErr(null);
    } catch (e) {
      setErr(e.message);
    }
  }, [category, status, editor]);

  useEffect(() => {
    const id = setTimeout(() => run(q), q.trim() ? 250 : 0);
    return () => clearTimeout(id);
  }, [q, run]);

  useEffect(() => {
    if (box.current) box.current.focus();
    function onKey(e) {
      if (e.altKey || e.ctrlKey || e.metaKey) return;
      const tag = (e.target.tagName || '').toLowerCase();
      if (['input', 'textarea', 'select'].includes(tag)) return;
      if (e.key === '/') { e.preventDefault(); box.current && box.current.focus(); }
      if ((e.key === 'n' || e.key === 'N') && editor) { e.preventDefault(); navigate('/kb/new'); }
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [editor]);

  const open = (id) => navigate('/kb/' + id);
  return html`<div class="kb-search">
    <form class="panel sd-filters" role="search" onSubmit=${(e) => { e.preventDefault(); run(q); }}>
      <div class="field kb-q"><label for="kb-q">${t('kb.search')}</label>
        <input id="kb-q" type="search" ref=${box} value=${q} maxlength="100" autocomplete="off"
          aria-keyshortcuts="/" placeholder=${t('kb.search_hint')} onInput=${(e) => setQ(e.currentTarget.value)} /></div>
      <div class="field"><label for="kb-cat">${t('kb.category')}</label>
        <select id="kb-cat" value=${category} onChange=${(e) => setCategory(e.currentTarget.value)}>
          <option value="">${t('sd.any')}</option>
          ${CATEGORIES.map((c) => html`<option key=${c} value=${c}>${catName(c)}</option>`)}
        </select></div>
      ${editor && html`<div class="field"><label for="kb-status">${t('kb.status')}</label>
        <select id="kb-status" value=${status} onChange=${(e) => setStatus(e.currentTarget.value)}>
          <option value="any">${t('sd.any')}</option>
          <option value="published">${t('kb.st.published')}</option>
          <option value="draft">${t('kb.st.draft')}</option>
        </select></div>`}
      <div class="sd-filter-actions">
        ${editor && html`<button type="button" class="primary" id="kb-new" aria-keyshortcuts="N"
          onClick=${() => navigate('/kb/new')}>${t('kb.new')} <kbd>N</kbd></button>`}
      </div>
    </form>
    <${Notice} kind="error">${err}<//>
    ${res === null ? html`<${Loading} />` : html`<div>
      <p class="muted" role="status" id="kb-count">${res.search ? t('kb.found', { n: res.items.length }) : t('kb.all', { n: res.items.length })}</p>
      ${res.items.length === 0 ? html`<p class="panel muted">${t('kb.none')}</p>` : html`<ol class="kb-results" id="kb-results">
        ${res.items.map((a) => html`<li key=${a.id} class="panel kb-item" data-id=${a.id} data-status=${a.status} tabindex="0"
            onKeyDown=${(e) => { if (e.key === 'Enter' && e.target === e.currentTarget) open(a.id); }}>
          <h2 class="kb-title"><a href=${'#/kb/' + a.id}>${a.title}</a>
            ${a.status === 'draft' && html` <span class="badge off">${t('kb.st.draft')}</span>`}</h2>
          <p class="muted">${catName(a.category, a.category_zh)}${a.tags.length ? ' · ' + a.tags.join(' ') : ''}
            ${res.search ? ` · ${t('kb.score')} ${a.score}` : ` · ${formatTime(a.updated_at).slice(0, 10)}`}</p>
          ${res.search && html`<p class="sd-snippet"><${MarkedSnippet} text=${a.snippet} /></p>`}
        </li>`)}</ol>`}
    </div>`}
  </div>`;
}

/* ----------------------------------------------------------------- article */

function Editor({ a, onSaved, onCancel }) {
  const [v, setV] = useState({ title: a ? a.title : '', category: a ? a.category : '', tags: a ? a.tags.join(' ') : '',
    body: a ? a.body : '', status: a ? a.status : 'draft' });
  const [errors, setErrors] = useState({});
  const [conflict, setConflict] = useState(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => { const el = document.getElementById('ke-title'); if (el) el.focus(); }, []);
  const set = (k) => (e) => setV({ ...v, [k]: e.currentTarget.value });

  async function submit(e) {
    e.preventDefault();
    if (busy) return;
    const body = { title: v.title, category: v.category, body: v.body, status: v.status,
      tags: v.tags.split(/[\s\u3000,，]+/).filter(Boolean) };
    if (a) body.version = a.version;
    setBusy(true);
    setErrors({});
    setConflict(null);
    try {
      const r = a ? await api('PATCH', '/api/v1/kb/articles/' + a.id, { body })
        : await api('POST', '/api/v1/kb/articles', { body });
      onSaved(r);
    } catch (ex) {
      if (ex.code === 'kb.version_conflict') setConflict(ex.message);
      else {
        const k = (ex.field || '').replace(/\[\d+\]$/, '');
        if (k && document.getElementById('ke-' + k)) {
          setErrors({ [k]: ex.message });
          document.getElementById('ke-' + k).focus();
        } else setConflict(ex.message);
      }
    } finally {
      setBusy(false);
    }
  }

  return html`<form class="panel kb-editor" id="ke-form" onSubmit=${submit} novalidate
      onKeyDown=${(e) => { if (e.key === 'Escape') onCancel(); }} aria-labelledby="ke-h">
    <h2 id="ke-h">${a ? t('kb.edit') : t('kb.new')}</h2>
    ${a && html`<p class="muted">${t('kb.version', { v: a.version })}</p>`}
    ${conflict && html`<div class="notice notice-error" role="alert" id="ke-conflict">${conflict}
      ${a && html` <button type="button" class="link" id="ke-reload" onClick=${onCancel}>${t('kb.reload')}</button>`}</div>`}
    <${Field} id="ke-title" name="title" label=${t('kb.f.title')} value=${v.title} maxlength="100"
      error=${errors.title} onInput=${set('title')} />
    <div class="pb-grid">
      <${Field} id="ke-category" name="category" as="select" label=${t('kb.category')} value=${v.category}
        error=${errors.category} onChange=${set('category')}>
        <option value="">${t('sd.choose')}</option>
        ${CATEGORIES.map((c) => html`<option key=${c} value=${c}>${catName(c)}</option>`)}<//>
      <${Field} id="ke-tags" name="tags" label=${t('kb.f.tags')} hint=${t('kb.f.tags_hint')} value=${v.tags}
        error=${errors.tags} onInput=${set('tags')} />
      <${Field} id="ke-status" name="status" as="select" label=${t('kb.status')} value=${v.status}
        error=${errors.status} onChange=${set('status')}>
        <option value="draft">${t('kb.st.draft')}</option>
        <option value="published">${t('kb.st.published')}</option><//>
    </div>
    <${Field} id="ke-body" name="body" as="textarea" rows="12" label=${t('kb.f.body')} value=${v.body}
      error=${errors.body} onInput=${set('body')} />
    <div class="form-actions">
      <button type="submit" class="primary" id="ke-save" disabled=${busy}>${t('kb.save')}</button>
      <button type="button" onClick=${onCancel}>${t('pb.cancel')} <kbd>Esc</kbd></button>
    </div>
  </form>`;
}

function Article({ me, id }) {
  const editor = can(me, 'kb.edit');
  const [a, setA] = useState(null);
  const [err, setErr] = useState(null);
  const [editing, setEditing] = useState(false);
  const [msg, setMsg] = useState(null);
  const load = useCallback(() => {
    api('GET', '/api/v1/kb/articles/' + encodeURIComponent(id)).then((x) => { setA(x); setErr(null); }, (e) => setErr(e.message));
  }, [id]);
  useEffect(() => { setA(null); load(); }, [load]);

  if (err) return html`<${Notice} kind="error">${err}<//>`;
  if (!a) return html`<${Loading} />`;
  if (editing) {
    return html`<${Editor} a=${a} onCancel=${() => { setEditing(false); load(); }}
      onSaved=${(r) => { setA(r); setEditing(false); setMsg(t('sd.saved')); }} />`;
  }
  return html`<article class="panel kb-article" id="ka" data-status=${a.status}>
    <h2 id="ka-title">${a.title}
      ${a.status === 'draft' && html` <span class="badge off" id="ka-draft">${t('kb.st.draft')}</span>`}</h2>
    <p class="muted">${catName(a.category, a.category_zh)} · ${a.tags.join(' ')} ·
      ${t('kb.version', { v: a.version })} · ${a.updated_by || a.author || ''} ${formatTime(a.updated_at).slice(0, 16)}</p>
    <${Notice} kind="ok">${msg}<//>
    ${editor && html`<p class="form-actions"><button type="button" id="ka-edit" aria-keyshortcuts="E"
      onClick=${() => setEditing(true)}>${t('kb.edit')}</button></p>`}
    <div class="kb-body" id="ka-body">${a.body}</div>
  </article>`;
}

export function KbPage({ me, arg }) {
  const editor = can(me, 'kb.edit');
  let body;
  if (arg === 'new') {
    body = editor ? html`<${Editor} a=${null} onCancel=${() => navigate('/kb')}
      onSaved=${(r) => navigate('/kb/' + r.id)} />` : html`<${Notice} kind="error">${t('forbidden.body')}<//>`;
  } else if (arg) body = html`<${Article} key=${arg} me=${me} id=${arg} />`;
  else body = html`<${Search} me=${me} />`;
  return html`<section class="page kb">
    <h1 tabindex="-1">${t('nav.kb')}</h1>
    <nav class="tabs orders-tabs" aria-label=${t('kb.screens')}>
      <a href="#/kb" aria-current=${arg ? undefined : 'page'}>${t('kb.tab.search')}</a>
      ${arg && html`<a href=${'#/kb/' + arg} aria-current="page">${arg === 'new' ? t('kb.new') : '#' + arg}</a>`}
    </nav>
    ${body}
  </section>`;
}
