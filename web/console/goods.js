// 禁寄/限寄物品: the list every order's goods name is screened against
// (GET /api/v1/goods/rules), with search and filters for any staff member,
// and for holders of goods.manage a form that adds a term or changes one
// (PUT /api/v1/goods/rules/{term}; the same term in another ASCII case is
// the same rule). Rules are deactivated, never deleted. The server is the
// judge of every field: its errors are shown beside the input they name, and
// a saved change is in force for the next order at once.
//
// Wiring (app.js and shell.js belong to the console's navigation):
//   shell.js MODULES, before admin:  { id: 'goods', key: 'G' },
//   app.js imports:                  import { GoodsPage } from './goods.js';
//   app.js Page():                   if (id === 'goods') return html`<${GoodsPage} me=${me} />`;

import { api } from './api.js';
import { t } from './i18n.js';
import {
  html, useState, useEffect, useRef, Field, Notice, Loading, formatTime,
} from './ui.js';
import { can } from './shell.js';

const LEVELS = ['prohibited', 'restricted'];
const EMPTY = { term: '', category: '', level: 'prohibited', condition: '', note: '', active: 'true' };
const SEARCH_DELAY_MS = 300;

export function GoodsPage({ me }) {
  const manage = can(me, 'goods.manage');
  const [q, setQ] = useState('');
  const [filter, setFilter] = useState({ q: '', level: '', active: '' });
  const [list, setList] = useState(null);
  const [error, setError] = useState(null);
  const [reload, setReload] = useState(0);
  const [editing, setEditing] = useState(null);
  const timer = useRef(null);

  useEffect(() => {
    let alive = true;
    setError(null);
    api('GET', '/api/v1/goods/rules', { query: filter }).then(
      (r) => alive && setList(r),
      (e) => { if (alive) { setList({ items: [], count: 0, total: 0 }); setError(e.message); } },
    );
    return () => { alive = false; };
  }, [filter, reload]);
  useEffect(() => () => clearTimeout(timer.current), []);

  function onSearchInput(e) {
    const v = e.currentTarget.value;
    setQ(v);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setFilter((f) => ({ ...f, q: v.trim() })), SEARCH_DELAY_MS);
  }
  function onSearchSubmit(e) {
    e.preventDefault();
    clearTimeout(timer.current);
    setFilter((f) => ({ ...f, q: q.trim() }));
  }
  const setF = (k) => (e) => setFilter({ ...filter, [k]: e.currentTarget.value });

  return html`<section class="page goods">
    <h1 tabindex="-1">${t('goods.title')}</h1>
    <p class="muted">${t('goods.intro')}</p>
    ${manage && html`<${RuleForm} editing=${editing}
      onSaved=${() => setReload((n) => n + 1)} />`}
    <form class="search-form goods-search" role="search" onSubmit=${onSearchSubmit}>
      <div class="search-grid">
        <${Field} id="goods-q" name="q" type="search" label=${t('goods.search')} value=${q}
          placeholder=${t('goods.search.placeholder')} onInput=${onSearchInput} />
        <${Field} id="goods-level" name="level" as="select" label=${t('goods.col.level')}
          value=${filter.level} onChange=${setF('level')}>
          <option value="">${t('goods.filter.all')}</option>
          ${LEVELS.map((l) => html`<option key=${l} value=${l}>${t('goods.level.' + l)}</option>`)}
        <//>
        <${Field} id="goods-active" name="active" as="select" label=${t('goods.col.active')}
          value=${filter.active} onChange=${setF('active')}>
          <option value="">${t('goods.filter.all')}</option>
          <option value="true">${t('goods.active')}</option>
          <option value="false">${t('goods.inactive')}</option>
        <//>
      </div>
      <div class="actions"><button type="submit">${t('goods.search.submit')}</button></div>
    </form>
    <${Notice} kind="error">${error}<//>
    ${list === null ? html`<${Loading} />` : html`<${RuleTable} list=${list} manage=${manage}
      onEdit=${(r) => setEditing({ ...r, seq: Date.now() })} />`}
  </section>`;
}

function LevelBadge({ level }) {
  // The colours of the order form's screening warning: red refuses, amber reviews.
  return html`<span class=${'state-badge ' + (level === 'prohibited' ? 'badge off' : 'state-in_review')}
    data-level=${level}>${t('goods.level.' + level)}</span>`;
}

function RuleTable({ list, manage, onEdit }) {
  const cols = manage ? 8 : 7;
  return html`<p class="muted goods-count" role="status">
      ${t('goods.count', { total: list.total, count: list.count })}</p>
    <div class="table-wrap">
      <table class="data goods-table">
        <thead><tr>
          <th scope="col">${t('goods.col.term')}</th>
          <th scope="col">${t('goods.col.category')}</th>
          <th scope="col">${t('goods.col.level')}</th>
          <th scope="col">${t('goods.col.condition')}</th>
          <th scope="col">${t('goods.col.note')}</th>
          <th scope="col">${t('goods.col.active')}</th>
          <th scope="col">${t('goods.col.updated')}</th>
          ${manage && html`<th scope="col"><span class="sr-only">${t('goods.col.actions')}</span></th>`}
        </tr></thead>
        <tbody>
          ${list.items.length === 0
            && html`<tr><td colspan=${cols} class="muted">${t('goods.empty')}</td></tr>`}
          ${list.items.map((r) => html`<tr key=${r.id} data-term=${r.term}>
            <th scope="row">${r.term}</th>
            <td>${r.category}</td>
            <td><${LevelBadge} level=${r.level} /></td>
            <td class="goods-condition">${r.condition}</td>
            <td class="goods-note">${r.note}</td>
            <td>${r.active ? t('goods.active') : html`<span class="badge off">${t('goods.inactive')}</span>`}</td>
            <td class="nowrap">${formatTime(r.updated_at)}<br />
              <span class="muted">${r.updated_by || t('goods.system')}</span></td>
            ${manage && html`<td class="row-actions">
              <button type="button" aria-label=${t('goods.edit.label', { term: r.term })}
                onClick=${() => onEdit(r)}>${t('goods.edit')}</button></td>`}
          </tr>`)}
        </tbody>
      </table>
    </div>`;
}

const formOf = (r) => ({
  term: r.term, category: r.category, level: r.level, condition: r.condition,
  note: r.note, active: r.active ? 'true' : 'false',
});

function RuleForm({ editing, onSaved }) {
  const [form, setForm] = useState(EMPTY);
  const [errors, setErrors] = useState({});
  const [formError, setFormError] = useState(null);
  const [saved, setSaved] = useState(null);
  const [busy, setBusy] = useState(false);
  const [open, setOpen] = useState(false);
  const formRef = useRef(null);

  const focus = (name) => {
    const el = formRef.current && formRef.current.querySelector(`[name="${name}"]`);
    if (el) el.focus();
  };

  // "Edit" on a row loads it here and puts the cursor where changes start.
  useEffect(() => {
    if (!editing) return;
    setForm(formOf(editing));
    setErrors({});
    setFormError(null);
    setSaved(null);
    setOpen(true);
    setTimeout(() => focus('category'), 0);
  }, [editing]);

  const set = (k) => (e) => setForm({ ...form, [k]: e.currentTarget.value });

  async function submit(ev) {
    ev.preventDefault();
    if (busy) return;
    setErrors({});
    setFormError(null);
    setSaved(null);
    const term = form.term.trim();
    // An empty term has no URL to go to; everything else the server judges.
    if (!term) {
      setErrors({ term: t('common.required') });
      focus('term');
      return;
    }
    setBusy(true);
    const body = {
      category: form.category.trim(), level: form.level, condition: form.condition.trim(),
      note: form.note.trim(), active: form.active === 'true',
    };
    try {
      const r = await api('PUT', `/api/v1/goods/rules/${encodeURIComponent(term)}`, { body });
      setForm(formOf(r));
      setSaved(t('goods.saved', { term: r.term }));
      onSaved(r);
    } catch (e) {
      if (e.field && e.field in EMPTY) {
        setErrors({ [e.field]: e.message });
        focus(e.field);
      } else {
        setFormError(e.message);
      }
    } finally {
      setBusy(false);
    }
  }

  function clear() {
    setForm(EMPTY);
    setErrors({});
    setFormError(null);
    setSaved(null);
    focus('term');
  }

  const restricted = form.level === 'restricted';
  return html`<details class="panel new-user goods-form" open=${open}
      onToggle=${(e) => setOpen(e.currentTarget.open)}>
    <summary><h2>${t('goods.form.title')}</h2></summary>
    <form ref=${formRef} class="form grid-form" onSubmit=${submit} novalidate>
      <${Field} id="gf-term" name="term" label=${t('goods.f.term')} hint=${t('goods.f.term.hint')}
        autocomplete="off" value=${form.term} error=${errors.term} onInput=${set('term')} />
      <${Field} id="gf-category" name="category" label=${t('goods.f.category')}
        hint=${t('goods.f.category.hint')} autocomplete="off" value=${form.category}
        error=${errors.category} onInput=${set('category')} />
      <${Field} id="gf-level" name="level" as="select" label=${t('goods.col.level')}
        value=${form.level} error=${errors.level} onChange=${set('level')}>
        ${LEVELS.map((l) => html`<option key=${l} value=${l}>${t('goods.level.' + l)}</option>`)}
      <//>
      <${Field} id="gf-condition" name="condition" label=${t('goods.col.condition')}
        hint=${t(restricted ? 'goods.f.condition.required' : 'goods.f.condition.hint')}
        aria-required=${restricted ? 'true' : undefined} autocomplete="off"
        value=${form.condition} error=${errors.condition} onInput=${set('condition')} />
      <${Field} id="gf-note" name="note" label=${t('goods.col.note')} autocomplete="off"
        value=${form.note} error=${errors.note} onInput=${set('note')} />
      <${Field} id="gf-active" name="active" as="select" label=${t('goods.col.active')}
        hint=${t('goods.f.active.hint')} value=${form.active} error=${errors.active}
        onChange=${set('active')}>
        <option value="true">${t('goods.active')}</option>
        <option value="false">${t('goods.inactive')}</option>
      <//>
      <div class="actions">
        <button type="submit" class="primary" disabled=${busy}>${t('goods.f.submit')}</button>
        <button type="button" onClick=${clear}>${t('goods.f.clear')}</button>
        <${Notice} kind="error">${formError}<//>
        <${Notice} kind="ok">${saved}<//>
      </div>
    </form>
  </details>`;
}
