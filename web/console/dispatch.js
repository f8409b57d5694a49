// 揽收调度: where a dispatcher (permission `dispatch`) sends couriers to the
// senders. Three lists, all as the server answers them: the accepted orders
// still waiting for a courier (GET /api/v1/waybills?state=accepted), each
// given to a courier automatically — the server chooses by area and load —
// or to one the dispatcher names (POST /api/v1/waybills/{no}/pickup); the
// open pickup tasks (GET /api/v1/pickup-tasks?state=open), the late ones
// (超时) marked and put first, each of which can be taken back (DELETE …/
// pickup); and every courier's load against the capacity automatic dispatch
// respects (GET /api/v1/couriers). After every action all three are asked
// again rather than patched here, so what is shown is what the server now
// holds, other dispatchers' work included. The order rows use only the
// search summary: reading every order in full would log a read of the
// senders' personal data per row. The tables are one Tab stop each: j/k or
// the arrows move, a dispatches the focused order automatically, Enter opens
// the order in 订单查询.

import { api } from './api.js';
import { t } from './i18n.js';
import { html, useState, useEffect, useRef, Notice, Loading, navigate } from './ui.js';
import { when, formatGrams, loadDivisions } from './order_parts.js';

const PAGE = 50;
/** The largest page each list answers (docs/openapi.yaml), kept on refresh. */
const MAX_ORDERS = 200;
const MAX_TASKS = 500;

/** "2026-11-23 10:00" from an RFC 3339 time: dispatch works to the minute. */
const minute = (s) => when(s).replace(/^(\S+ \d\d:\d\d):\d\d/, '$1');

/** A pickup window as "2026-11-24 09:00–11:00", the end's date only when it differs. */
function windowText(w) {
  if (!w || !w.from || !w.to) return '';
  const from = minute(w.from);
  const to = minute(w.to);
  return from.slice(0, 10) === to.slice(0, 10) ? `${from}–${to.slice(11)}` : `${from} – ${to}`;
}

/**
 * Where the courier must go, from what the order list carries: the city,
 * and the district and street address when the summary has them.
 */
function senderText(s) {
  if (!s) return '';
  const place = [s.city, s.district].filter(Boolean).join('');
  return s.address ? `${place} ${s.address}` : place;
}

/** Names of the pickup districts of the tasks (GB/T 2260 codes), by code. */
function useDistrictNames(codes) {
  const [names, setNames] = useState({});
  const key = [...new Set(codes.map(String))].sort().join(',');
  useEffect(() => {
    let live = true;
    for (const code of key ? key.split(',') : []) {
      if (!/^\d{6}$/.test(code) || names[code]) continue;
      loadDivisions(code.slice(0, 4)).then(
        (items) => {
          const d = items.find((x) => x.code === code);
          if (live && d) setNames((m) => ({ ...m, [code]: d.name }));
        },
        () => { /* the code is shown on its own */ },
      );
    }
    return () => { live = false; };
  }, [key]);
  return names;
}

/**
 * The cursor of one keyboard-driven table: which row is current, and moving
 * the focus onto it once the rows it refers to are rendered (after a move,
 * and after a refresh that started from inside the table).
 */
function useCursor(rows, headingId) {
  const [cursor, setCursor] = useState(0);
  const [tick, setTick] = useState(0);
  const want = useRef(false);
  const ref = useRef(null);
  const n = rows ? rows.length : 0;
  const at = Math.max(0, Math.min(n - 1, cursor));
  useEffect(() => {
    if (!want.current || !rows) return;
    want.current = false;
    const tr = ref.current && ref.current.querySelector(`tbody tr[data-index="${at}"]`);
    const h = document.getElementById(headingId);
    if (tr) tr.focus();
    else if (h) h.focus();
  }, [rows, at, tick]);
  const refocus = () => {
    want.current = true;
    setTick((x) => x + 1);
  };
  return {
    at,
    ref,
    setCursor,
    refocus,
    move(i) {
      setCursor(Math.max(0, Math.min(n - 1, i)));
      refocus();
    },
    /** Whether the focus is in this table now (so a refresh should keep it there). */
    holdsFocus: () => !!(ref.current && ref.current.contains(document.activeElement)),
  };
}

/**
 * The keys shared by both tables; `extra(key, row)` handles the table's own
 * and returns true when it did. Keys typed into a control are the control's.
 */
function rowKeys(e, rows, cur, extra) {
  if (!rows || !rows.length || e.altKey || e.ctrlKey || e.metaKey) return;
  const tag = e.target.tagName;
  if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA') return;
  // The row with the focus is the one acted on: what the user sees, even
  // before the cursor state has caught up.
  const tr = e.target.closest('tr[data-index]');
  const i = tr ? Number(tr.dataset.index) : cur.at;
  const row = rows[i];
  if (!row) return;
  switch (e.key) {
    case 'ArrowDown': case 'j': e.preventDefault(); cur.move(i + 1); return;
    case 'ArrowUp': case 'k': e.preventDefault(); cur.move(i - 1); return;
    case 'Home': e.preventDefault(); cur.move(0); return;
    case 'End': e.preventDefault(); cur.move(rows.length - 1); return;
    case 'Enter':
      if (tag === 'BUTTON' || tag === 'A') return;
      e.preventDefault();
      navigate('/orders/search/' + encodeURIComponent(row.waybill_no));
      return;
    default:
      if (extra && extra(e.key, row, tag)) e.preventDefault();
  }
}

/** Late tasks first, each group in the server's order (by due time). */
const lateFirst = (items) => [...items.filter((k) => k.late), ...items.filter((k) => !k.late)];

function courierLabel(c, cap) {
  const s = t('dispatch.courier.option',
    { name: c.display_name, node: c.node, open: c.open_tasks, cap });
  if (!c.active) return s + t('dispatch.courier.inactive');
  return c.open_tasks >= cap ? s + t('dispatch.courier.full') : s;
}

/** One page of a list, {items, next} or the error message. */
async function fetchList(path, query, nextKey) {
  try {
    const r = await api('GET', path, { query });
    return { items: r.items || [], next: r[nextKey] ?? null, error: null };
  } catch (e) {
    return { error: e.message };
  }
}

export function Dispatch() {
  const [orders, setOrders] = useState(null);
  const [ordersNext, setOrdersNext] = useState(null);
  const [tasks, setTasks] = useState(null);
  const [tasksNext, setTasksNext] = useState(null);
  const [couriers, setCouriers] = useState(null);
  const [capacity, setCapacity] = useState(0);
  const [errors, setErrors] = useState({});
  const [lateOnly, setLateOnly] = useState(false);
  const [notice, setNotice] = useState(null);
  const [busy, setBusy] = useState(null);
  const [picks, setPicks] = useState({});
  const sizes = useRef({ orders: 0, tasks: 0 });
  const acting = useRef(false); // two quick key presses must not send two requests
  const wo = useCursor(orders, 'dp-waiting');
  const tk = useCursor(tasks, 'dp-tasks');
  const districts = useDistrictNames((tasks || []).map((k) => k.area_division));
  const couriersById = new Map((couriers || []).map((c) => [c.id, c]));

  const setError = (list, msg) => setErrors((m) => ({ ...m, [list]: msg }));

  // A refresh asks for as many rows as are shown, so "load more" survives it.
  const want = (list, max) => Math.min(max, Math.max(PAGE, sizes.current[list]));

  async function loadOrders(before = null) {
    const r = await fetchList('/api/v1/waybills',
      { state: 'accepted', limit: before ? PAGE : want('orders', MAX_ORDERS), before }, 'next_before');
    setError('orders', r.error);
    if (r.error) return setOrders((old) => old || []);
    setOrders((old) => {
      const rows = before && old ? [...old, ...r.items] : r.items;
      sizes.current.orders = rows.length;
      return rows;
    });
    setOrdersNext(r.next);
  }

  async function loadTasks(after = null, late = lateOnly) {
    const r = await fetchList('/api/v1/pickup-tasks', {
      state: 'open',
      late: late ? 'true' : undefined,
      limit: after ? PAGE : want('tasks', MAX_TASKS),
      after,
    }, 'next_after');
    setError('tasks', r.error);
    if (r.error) return setTasks((old) => old || []);
    setTasks((old) => {
      const rows = lateFirst(after && old ? [...old, ...r.items] : r.items);
      sizes.current.tasks = rows.length;
      return rows;
    });
    setTasksNext(r.next);
  }

  async function loadCouriers() {
    try {
      const r = await api('GET', '/api/v1/couriers');
      setCouriers(r.items || []);
      setCapacity(r.capacity);
      setError('couriers', null);
    } catch (e) {
      setError('couriers', e.message);
      setCouriers((old) => old || []);
    }
  }

  const refresh = () => Promise.all([loadOrders(), loadTasks(), loadCouriers()]);

  useEffect(() => {
    wo.refocus(); // the keyboard starts on the first waiting order
    refresh();
  }, []);

  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    sizes.current.tasks = 0;
    loadTasks(null, lateOnly);
  }, [lateOnly]);

  /**
   * Run one action on a waybill, say how it went (the server's own message
   * when it refused), then ask for everything again; the focus goes back to
   * the table the action came from.
   */
  async function act(no, call, done) {
    if (acting.current) return;
    acting.current = true;
    const from = [wo, tk].find((c) => c.holdsFocus());
    setBusy(no);
    setNotice(null);
    try {
      const w = await call();
      setNotice({ kind: 'ok', text: done(w) });
      setPicks((m) => ({ ...m, [no]: undefined }));
    } catch (e) {
      setNotice({ kind: 'error', text: t('dispatch.failed', { no, message: e.message }) });
    }
    await refresh();
    acting.current = false;
    setBusy(null);
    if (from) from.refocus();
  }

  const pickupPath = (no) => `/api/v1/waybills/${encodeURIComponent(no)}/pickup`;
  const courierName = (w) => (w && w.courier ? w.courier.display_name : '');
  const autoAssign = (no) => act(no, () => api('POST', pickupPath(no)),
    (w) => t('dispatch.done.auto', { no, courier: courierName(w) }));
  const namedAssign = (no, username) => act(no,
    () => api('POST', pickupPath(no), { body: { courier: username } }),
    (w) => t('dispatch.done.named', { no, courier: courierName(w) }));
  const unassign = (no) => act(no, () => api('DELETE', pickupPath(no)),
    () => t('dispatch.done.unassign', { no }));

  const lateCount = (tasks || []).filter((k) => k.late).length;
  // The window column only once the order list carries the window (the
  // summary of GET /waybills does not yet); a column of dashes would say
  // "no window" of orders that have one.
  const hasWindow = (orders || []).some((r) => 'pickup_window' in r);

  return html`<div class="dispatch">
    ${notice && html`<${Notice} kind=${notice.kind}>${notice.text}<//>`}
    <section class="panel dispatch-waiting" aria-labelledby="dp-waiting">
      <div class="panel-head">
        <h2 id="dp-waiting" tabindex="-1">${t('dispatch.waiting.title')}
          ${orders && html`<span class="count">${t('dispatch.count', { n: orders.length })}</span>`}</h2>
        <button type="button" class="refresh" disabled=${!!busy}
          onClick=${() => { setNotice(null); refresh(); }}>${t('dispatch.refresh')}</button>
      </div>
      <p class="muted keys">${t('dispatch.keys')}</p>
      <${Notice} kind="error">${errors.orders}<//>
      ${orders === null ? html`<${Loading} />` : orders.length === 0
        ? html`<p class="dispatch-empty">${t('dispatch.waiting.empty')}</p>`
        : html`<div class="table-wrap">
          <table class="data dispatch-table waiting-table" ref=${wo.ref} aria-labelledby="dp-waiting"
              onKeyDown=${(e) => rowKeys(e, orders, wo, (key, row) => {
                if (key !== 'a') return false;
                autoAssign(row.waybill_no);
                return true;
              })}>
            <thead><tr>
              <th scope="col">${t('search.col.no')}</th>
              <th scope="col">${t('dispatch.col.sender')}</th>
              <th scope="col">${t('dispatch.col.route')}</th>
              <th scope="col">${t('dispatch.col.planned')}</th>
              ${hasWindow && html`<th scope="col">${t('dispatch.col.window')}</th>`}
              <th scope="col">${t('dispatch.col.goods')}</th>
              <th scope="col">${t('dispatch.col.actions')}</th>
            </tr></thead>
            <tbody>${orders.map((r, i) => {
              const on = i === wo.at;
              const no = r.waybill_no;
              const pick = picks[no] || '';
              return html`<tr key=${no} data-index=${i} data-no=${no} tabindex=${on ? 0 : -1}
                  aria-current=${on ? 'true' : undefined} class=${on ? 'cursor' : ''}
                  onFocus=${(e) => { if (e.target === e.currentTarget) wo.setCursor(i); }}>
                <td><code class="waybill-no-inline">${no}</code></td>
                <td class="sender">${r.sender && r.sender.name
                  ? html`<span class="who">${r.sender.name}</span> ` : ''}${senderText(r.sender)}</td>
                <td>${r.recipient && `→ ${r.recipient.city}${r.recipient.district || ''}`}</td>
                <td class="nowrap">${minute(r.planned_pickup_at)}</td>
                ${hasWindow && html`<td class="nowrap pickup-window">${windowText(r.pickup_window)
                  || html`<span class="muted">—</span>`}</td>`}
                <td class="nowrap">${formatGrams(r.weight_g)}${r.parcel_count > 1
                  ? ` × ${r.parcel_count}` : ''}</td>
                <td class="row-actions">
                  <button type="button" class="primary auto" tabindex=${on ? 0 : -1}
                    disabled=${busy === no} aria-keyshortcuts="A"
                    onClick=${() => { wo.setCursor(i); autoAssign(no); }}>
                    ${t('dispatch.auto')} <kbd aria-hidden="true">A</kbd></button>
                  <select class="pick" tabindex=${on ? 0 : -1} value=${pick}
                    aria-label=${t('dispatch.pick.label', { no })}
                    onFocus=${() => wo.setCursor(i)}
                    onChange=${(e) => {
                      const v = e.currentTarget.value;
                      setPicks((m) => ({ ...m, [no]: v }));
                    }}>
                    <option value="">${t('dispatch.pick')}…</option>
                    ${(couriers || []).map((c) => html`<option key=${c.username} value=${c.username}
                      disabled=${!c.active}>${courierLabel(c, capacity)}</option>`)}
                  </select>
                  <button type="button" class="assign" tabindex=${on ? 0 : -1}
                    disabled=${!pick || busy === no}
                    onClick=${() => { wo.setCursor(i); namedAssign(no, pick); }}>
                    ${t('dispatch.assign')}</button>
                  <a class="detail-link" tabindex=${on ? 0 : -1}
                    href=${'#/orders/search/' + encodeURIComponent(no)}>${t('dispatch.detail')}</a>
                </td>
              </tr>`;
            })}</tbody>
          </table>
        </div>`}
      ${ordersNext !== null && html`<button type="button" class="more"
        onClick=${() => loadOrders(ordersNext)}>${t('search.more')}</button>`}
    </section>

    <div class="dispatch-grid">
      <section class="panel dispatch-tasks" aria-labelledby="dp-tasks">
        <div class="panel-head">
          <h2 id="dp-tasks" tabindex="-1">${t('dispatch.tasks.title')}
            ${tasks && html`<span class="count">${lateOnly ? t('dispatch.count', { n: tasks.length })
              : t('dispatch.tasks.count', { n: tasks.length, late: lateCount })}</span>`}</h2>
          <label class="check late-only">
            <input type="checkbox" id="dp-late" checked=${lateOnly}
              onChange=${(e) => setLateOnly(e.currentTarget.checked)} /> ${t('dispatch.late.only')}
          </label>
        </div>
        <p class="muted keys">${t('dispatch.tasks.keys')}</p>
        <${Notice} kind="error">${errors.tasks}<//>
        ${tasks === null ? html`<${Loading} />` : tasks.length === 0
          ? html`<p class="dispatch-empty">
            ${t(lateOnly ? 'dispatch.tasks.none_late' : 'dispatch.tasks.empty')}</p>`
          : html`<div class="table-wrap">
            <table class="data dispatch-table task-table" ref=${tk.ref} aria-labelledby="dp-tasks"
                onKeyDown=${(e) => rowKeys(e, tasks, tk)}>
              <thead><tr>
                <th scope="col">${t('search.col.no')}</th>
                <th scope="col">${t('dispatch.col.courier')}</th>
                <th scope="col">${t('dispatch.col.area')}</th>
                <th scope="col">${t('dispatch.col.due')}</th>
                <th scope="col">${t('dispatch.col.assigned')}</th>
                <th scope="col">${t('dispatch.col.actions')}</th>
              </tr></thead>
              <tbody>${tasks.map((k, i) => {
                const on = i === tk.at;
                const no = k.waybill_no;
                const c = couriersById.get(k.courier.id);
                const cls = [on && 'cursor', k.late && 'late'].filter(Boolean).join(' ');
                return html`<tr key=${k.id} data-index=${i} data-no=${no}
                    data-late=${k.late ? 'true' : 'false'} tabindex=${on ? 0 : -1}
                    aria-current=${on ? 'true' : undefined} class=${cls}
                    onFocus=${(e) => { if (e.target === e.currentTarget) tk.setCursor(i); }}>
                  <td><code class="waybill-no-inline">${no}</code>
                    ${k.late && html` <span class="late-badge">${t('dispatch.late')}</span>`}</td>
                  <td class="courier nowrap">${k.courier.display_name}${c
                    ? html` <span class="muted">${c.node}</span>` : ''}</td>
                  <td>${districts[k.area_division] || ''} <code class="muted">${k.area_division}</code></td>
                  <td class="nowrap due">${minute(k.due_at)}</td>
                  <td class="nowrap">${minute(k.assigned_at)}</td>
                  <td class="row-actions">
                    <button type="button" class="danger unassign" tabindex=${on ? 0 : -1}
                      disabled=${busy === no} aria-label=${t('dispatch.unassign.label', { no })}
                      onClick=${() => { tk.setCursor(i); unassign(no); }}>${t('dispatch.unassign')}</button>
                    <a class="detail-link" tabindex=${on ? 0 : -1}
                      href=${'#/orders/search/' + encodeURIComponent(no)}>${t('dispatch.detail')}</a>
                  </td>
                </tr>`;
              })}</tbody>
            </table>
          </div>`}
        ${tasksNext !== null && html`<button type="button" class="more"
          onClick=${() => loadTasks(tasksNext)}>${t('search.more')}</button>`}
      </section>

      <section class="panel dispatch-couriers" aria-labelledby="dp-couriers">
        <h2 id="dp-couriers">${t('dispatch.couriers.title')}</h2>
        ${capacity > 0 && html`<p class="muted">${t('dispatch.couriers.capacity', { cap: capacity })}</p>`}
        <${Notice} kind="error">${errors.couriers}<//>
        ${couriers === null ? html`<${Loading} />` : couriers.length === 0
          ? html`<p class="dispatch-empty">${t('dispatch.couriers.empty')}</p>`
          : html`<div class="table-wrap">
            <table class="data courier-table" aria-labelledby="dp-couriers">
              <thead><tr>
                <th scope="col">${t('dispatch.col.courier')}</th>
                <th scope="col">${t('dispatch.col.node')}</th>
                <th scope="col">${t('dispatch.col.load')}</th>
              </tr></thead>
              <tbody>${couriers.map((c) => {
                const full = c.open_tasks >= capacity;
                const pct = capacity > 0 ? Math.min(100, Math.round((100 * c.open_tasks) / capacity)) : 0;
                return html`<tr key=${c.id} data-username=${c.username}
                    class=${!c.active ? 'inactive' : full ? 'full' : ''}>
                  <td>${c.display_name} <code class="muted">${c.username}</code>
                    ${!c.active && html` <span class="badge off">
                      ${t('dispatch.status.inactive')}</span>`}</td>
                  <td class="nowrap">${c.node}</td>
                  <td class="load">
                    <span class="load-num">${c.open_tasks}/${capacity}</span>
                    <span class="load-bar" aria-hidden="true"><span style=${`width: ${pct}%`}></span></span>
                    ${full && c.active && html` <span class="badge full">${t('dispatch.status.full')}</span>`}
                  </td>
                </tr>`;
              })}</tbody>
            </table>
          </div>`}
      </section>
    </div>
  </div>`;
}
