// 系统管理: users (list, search, create), the network-node tree and the audit
// log. Each section appears only with the permission the server checks for
// it (users.read, nodes.read, audit.read; the create form needs
// users.manage), so the console never offers an action that would answer 403.
// The server scopes every list to the caller's node subtree.

import { api } from './api.js';
import { t, tOr, HUMAN_ROLES } from './i18n.js';
import {
  html, useState, useEffect, useRef, useCallback, useMemo,
  Field, Notice, Loading, formatTime, roleName, nodeTypeName,
} from './ui.js';
import { can } from './shell.js';

const SECTIONS = [
  { id: 'users', perm: 'users.read' },
  { id: 'nodes', perm: 'nodes.read' },
  { id: 'audit', perm: 'audit.read' },
];

export function AdminPage({ me, section }) {
  const sections = SECTIONS.filter((s) => can(me, s.perm));
  const current = sections.find((s) => s.id === section) || sections[0];
  // One node list for every section: the tree, the create form's choices,
  // and names for the node codes and ids that users and audit entries carry.
  const nodes = useNodes(can(me, 'nodes.read'));
  return html`<section class="page admin">
    <h1 tabindex="-1">${t('nav.admin')}</h1>
    <nav class="tabs" aria-label=${t('admin.sections')}>
      ${sections.map((s) => html`<a key=${s.id} href=${'#/admin/' + s.id}
        aria-current=${current && current.id === s.id ? 'page' : undefined}>
        ${t('admin.' + s.id)}</a>`)}
    </nav>
    ${current && current.id === 'users' && html`<${Users} me=${me} nodes=${nodes} />`}
    ${current && current.id === 'nodes' && html`<${Nodes} nodes=${nodes} />`}
    ${current && current.id === 'audit' && html`<${Audit} nodes=${nodes} />`}
  </section>`;
}

/** Load once per mount (and when `deps` change); ignores answers after unmount. */
function useLoad(fn, deps) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  useEffect(() => {
    let alive = true;
    setState((s) => ({ ...s, loading: true }));
    fn().then(
      (data) => alive && setState({ data, error: null, loading: false }),
      (e) => alive && setState({ data: null, error: e.message, loading: false }),
    );
    return () => { alive = false; };
  }, deps);
  return state;
}

/**
 * GET /api/v1/nodes once, with look-ups by code and id. Without nodes.read
 * the lists are empty and callers fall back to the codes they have.
 */
function useNodes(allowed) {
  const st = useLoad(
    () => (allowed ? api('GET', '/api/v1/nodes') : Promise.resolve({ items: [] })),
    [allowed],
  );
  return useMemo(() => {
    const items = st.data ? st.data.items : [];
    return {
      ...st,
      items,
      base: items.length ? Math.min(...items.map((n) => n.depth)) : 0,
      byCode: new Map(items.map((n) => [n.code, n])),
      byId: new Map(items.map((n) => [n.id, n])),
    };
  }, [st]);
}

/** A user's node as "name" when known, else its code. */
function nodeLabel(node, nodes) {
  if (!node) return '';
  if (node.name) return node.name;
  const n = nodes.byCode.get(node.code) || nodes.byId.get(node.id);
  return n ? n.name : node.code || '';
}

function EmptyRow({ cols, text }) {
  return html`<tr><td colspan=${cols} class="muted">${text}</td></tr>`;
}

function ActiveCell({ active }) {
  return html`<td>${active
    ? t('users.active')
    : html`<span class="badge off">${t('users.inactive')}</span>`}</td>`;
}

/* ---------- users ---------- */

function Users({ me, nodes }) {
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const [rows, setRows] = useState(null);
  const [next, setNext] = useState(null);
  const [error, setError] = useState(null);
  const [reload, setReload] = useState(0);
  const timer = useRef(null);

  const fetchPage = useCallback(async (after) => {
    return api('GET', '/api/v1/users', { query: { q: query, after, limit: 50 } });
  }, [query]);

  useEffect(() => {
    let alive = true;
    setError(null);
    fetchPage(null).then(
      (r) => { if (alive) { setRows(r.items); setNext(r.next_after ?? null); } },
      (e) => { if (alive) { setRows([]); setNext(null); setError(e.message); } },
    );
    return () => { alive = false; };
  }, [fetchPage, reload]);

  async function more() {
    try {
      const r = await fetchPage(next);
      setRows([...rows, ...r.items]);
      setNext(r.next_after ?? null);
    } catch (e) {
      setError(e.message);
    }
  }

  function onSearchInput(e) {
    const v = e.currentTarget.value;
    setQ(v);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setQuery(v.trim()), 300);
  }
  useEffect(() => () => clearTimeout(timer.current), []);

  function onSearchSubmit(e) {
    e.preventDefault();
    clearTimeout(timer.current);
    setQuery(q.trim());
  }

  return html`<div class="section">
    ${can(me, 'users.manage') && html`<${NewUser} me=${me} nodes=${nodes}
      onCreated=${() => setReload((n) => n + 1)} />`}
    <form class="search" role="search" onSubmit=${onSearchSubmit}>
      <label for="users-q">${t('users.search')}</label>
      <input id="users-q" type="search" value=${q} placeholder=${t('users.search.placeholder')}
        onInput=${onSearchInput} />
      <button type="submit">${t('users.search.submit')}</button>
    </form>
    <${Notice} kind="error">${error}<//>
    ${rows === null ? html`<${Loading} />` : html`<div class="table-wrap">
      <table class="data users-table">
        <thead><tr>
          <th scope="col">${t('users.col.username')}</th>
          <th scope="col">${t('users.col.display_name')}</th>
          <th scope="col">${t('users.col.role')}</th>
          <th scope="col">${t('users.col.node')}</th>
          <th scope="col">${t('users.col.phone')}</th>
          <th scope="col">${t('users.col.active')}</th>
          <th scope="col">${t('users.col.created')}</th>
        </tr></thead>
        <tbody>
          ${rows.length === 0 && html`<${EmptyRow} cols="7" text=${t('users.empty')} />`}
          ${rows.map((u) => html`<tr key=${u.id} data-username=${u.username}>
            <td><code>${u.username}</code></td>
            <td>${u.display_name}</td>
            <td>${roleName(u.role, u.role_name)}</td>
            <td>${nodeLabel(u.node, nodes)}</td>
            <td>${u.phone || ''}</td>
            <${ActiveCell} active=${u.active} />
            <td class="nowrap">${formatTime(u.created_at)}</td>
          </tr>`)}
        </tbody>
      </table>
    </div>`}
    ${next !== null
      && html`<button type="button" class="more" onClick=${more}>${t('users.more')}</button>`}
  </div>`;
}

const NEW_USER = {
  username: '', display_name: '', role: '', node_code: '', password: '', phone: '',
};

function NewUser({ me, nodes, onCreated }) {
  const [form, setForm] = useState(NEW_USER);
  const [errors, setErrors] = useState({});
  const [formError, setFormError] = useState(null);
  const [created, setCreated] = useState(null);
  const [busy, setBusy] = useState(false);
  const [open, setOpen] = useState(false);
  const formRef = useRef(null);

  // Only administrators may create administrators; the server says so too.
  const roles = HUMAN_ROLES.filter((r) => r !== 'admin' || me.role === 'admin');
  const set = (k) => (e) => setForm({ ...form, [k]: e.currentTarget.value });

  async function submit(ev) {
    ev.preventDefault();
    if (busy) return;
    setBusy(true);
    setErrors({});
    setFormError(null);
    setCreated(null);
    const body = {
      username: form.username.trim(),
      display_name: form.display_name.trim(),
      role: form.role,
      node_code: form.node_code,
      password: form.password,
    };
    if (form.phone.trim()) body.phone = form.phone.trim();
    try {
      const u = await api('POST', '/api/v1/users', { body });
      setForm(NEW_USER);
      setCreated(u.username);
      onCreated(u);
    } catch (e) {
      if (e.field && e.field in NEW_USER) {
        setErrors({ [e.field]: e.message });
        const el = formRef.current && formRef.current.querySelector(`[name="${e.field}"]`);
        if (el) el.focus();
      } else {
        setFormError(e.message);
      }
    } finally {
      setBusy(false);
    }
  }


  // Collapsed until wanted, so the list stays above the fold on a 768-px screen.
  return html`<details class="panel new-user" open=${open}
      onToggle=${(e) => setOpen(e.currentTarget.open)}>
    <summary><h2>${t('users.new')}</h2></summary>
    <form ref=${formRef} class="form grid-form" onSubmit=${submit} novalidate>
      <${Field} id="nu-username" name="username" label=${t('users.f.username')}
        hint=${t('users.f.username.hint')} autocomplete="off" autocapitalize="none"
        spellcheck=${false}
        value=${form.username} error=${errors.username} onInput=${set('username')} />
      <${Field} id="nu-display-name" name="display_name" label=${t('users.f.display_name')}
        autocomplete="off" value=${form.display_name} error=${errors.display_name}
        onInput=${set('display_name')} />
      <${Field} id="nu-role" name="role" as="select" label=${t('users.f.role')} value=${form.role}
        error=${errors.role} onChange=${set('role')}>
        <option value="">${t('users.f.choose')}</option>
        ${roles.map((r) => html`<option key=${r} value=${r}>${roleName(r)}</option>`)}
      <//>
      <${Field} id="nu-node" name="node_code" as="select" label=${t('users.f.node')}
        value=${form.node_code} error=${errors.node_code || nodes.error}
        onChange=${set('node_code')}>
        <option value="">${nodes.loading ? t('common.loading') : t('users.f.choose')}</option>
        ${nodes.items.map((n) => html`<option key=${n.code} value=${n.code}>
          ${'\u3000'.repeat(Math.max(0, n.depth - nodes.base))}${n.name} (${n.code})</option>`)}
      <//>
      <${Field} id="nu-password" name="password" type="password" label=${t('users.f.password')}
        hint=${t('users.f.password.hint')} autocomplete="new-password" value=${form.password}
        error=${errors.password} onInput=${set('password')} />
      <${Field} id="nu-phone" name="phone" type="tel" label=${t('users.f.phone')} autocomplete="off"
        value=${form.phone} error=${errors.phone} onInput=${set('phone')} />
      <div class="actions">
        <button type="submit" class="primary" disabled=${busy}>${t('users.f.submit')}</button>
        <${Notice} kind="error">${formError}<//>
        <${Notice} kind="ok">${created && t('users.created', { name: created })}<//>
      </div>
    </form>
  </details>`;
}

/* ---------- network nodes ---------- */

function Nodes({ nodes }) {
  if (nodes.loading) return html`<${Loading} />`;
  if (nodes.error) return html`<${Notice} kind="error">${nodes.error}<//>`;
  const { items, base } = nodes;
  return html`<div class="section">
    <div class="table-wrap">
      <table class="data node-tree">
        <thead><tr>
          <th scope="col">${t('nodes.col.name')}</th>
          <th scope="col">${t('nodes.col.code')}</th>
          <th scope="col">${t('nodes.col.type')}</th>
          <th scope="col">${t('nodes.col.region')}</th>
          <th scope="col">${t('nodes.col.active')}</th>
        </tr></thead>
        <tbody>
          ${items.length === 0 && html`<${EmptyRow} cols="5" text=${t('nodes.empty')} />`}
          ${items.map((n) => html`<tr key=${n.code} data-code=${n.code} data-depth=${n.depth}>
            <td><span class="tree-indent" style=${{ paddingLeft: `${(n.depth - base) * 1.5}em` }}>
              ${n.depth > base && html`<span class="tree-branch" aria-hidden="true">└ </span>`}
              ${n.name}
            </span></td>
            <td><code>${n.code}</code></td>
            <td>${nodeTypeName(n.type, n.type_name)}</td>
            <td>${n.region || ''}</td>
            <${ActiveCell} active=${n.active} />
          </tr>`)}
        </tbody>
      </table>
    </div>
  </div>`;
}

/* ---------- audit log ---------- */

/** The entry's node: the spec names node_code; some servers send node_id. */
function auditNode(a, nodes) {
  const n = (a.node_code && nodes.byCode.get(a.node_code))
    || (a.node_id != null && nodes.byId.get(a.node_id));
  if (n) return html`<span title=${n.code}>${n.name}</span>`;
  return html`<code>${a.node_code || ''}</code>`;
}

function actorLabel(actor) {
  if (!actor) return '';
  const kind = !actor.kind || actor.kind === 'user' ? '' : tOr('actor.' + actor.kind, actor.kind);
  if (actor.name && kind) return `${kind} · ${actor.name}`;
  return actor.name || kind || String(actor.id ?? '');
}

function actionLabel(action) {
  const k = 'action.' + action;
  const s = t(k);
  return s === k ? action : s;
}

function Audit({ nodes }) {
  const [rows, setRows] = useState(null);
  const [next, setNext] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async (before) => {
    setBusy(true);
    try {
      const r = await api('GET', '/api/v1/audit', { query: { before, limit: 50 } });
      setRows((old) => (before && old ? [...old, ...r.items] : r.items));
      setNext(r.next_before ?? null);
      setError(null);
    } catch (e) {
      setError(e.message);
      setRows((old) => old || []);
    } finally {
      setBusy(false);
    }
  }, []);

  useEffect(() => { load(null); }, [load]);

  if (rows === null) return html`<${Loading} />`;
  return html`<div class="section">
    <${Notice} kind="error">${error}<//>
    <div class="table-wrap">
      <table class="data audit-table">
        <thead><tr>
          <th scope="col">${t('audit.col.at')}</th>
          <th scope="col">${t('audit.col.actor')}</th>
          <th scope="col">${t('audit.col.action')}</th>
          <th scope="col">${t('audit.col.object')}</th>
          <th scope="col">${t('audit.col.node')}</th>
          <th scope="col">${t('audit.col.ip')}</th>
          <th scope="col">${t('audit.col.request')}</th>
        </tr></thead>
        <tbody>
          ${rows.length === 0 && html`<${EmptyRow} cols="7" text=${t('audit.empty')} />`}
          ${rows.map((a) => html`<tr key=${a.id} data-id=${a.id} data-action=${a.action}>
            <td class="nowrap">${formatTime(a.at)}</td>
            <td>${actorLabel(a.actor)}</td>
            <td>${actionLabel(a.action)} <code class="muted">${a.action}</code>
              ${a.detail && html`<br /><code class="detail">${JSON.stringify(a.detail)}</code>`}
            </td>
            <td>${a.object_type && html`${a.object_type} <code>${a.object_id ?? ''}</code>`}</td>
            <td>${auditNode(a, nodes)}</td>
            <td><code>${a.ip || ''}</code></td>
            <td><code class="reqid">${a.request_id || ''}</code></td>
          </tr>`)}
        </tbody>
      </table>
    </div>
    ${next !== null
      ? html`<button type="button" class="more" disabled=${busy} onClick=${() => load(next)}>
          ${t('audit.more')}</button>`
      : rows.length > 0 && html`<p class="muted">${t('audit.end')}</p>`}
  </div>`;
}
