// 主管看板 (#/tickets/board): what a supervisor must see at a glance — the
// clocks of open tickets that are about to run out (the server's state
// due_soon, past the rule's warning point) or have run out (overdue),
// grouped by rule and node, and the shift handovers nobody has acknowledged
// yet. It asks GET /api/v1/tickets for open tickets with a clock due within
// the next 48 hours (the server filters on deadlines; the console only
// groups what it gets) and GET /api/v1/handovers?unacknowledged=1, and
// refreshes both every 30 s by itself.

import { api } from './api.js';
import { t } from './i18n.js';
import { html, useState, useEffect, Notice, Loading, formatTime } from './ui.js';
import { ClockBadge, clockName, termName } from './tickets.js';

const REFRESH_MS = 30_000;
const HORIZON_MS = 48 * 3600 * 1000;
const HOT = new Set(['due_soon', 'overdue']);

/** RFC 3339 in China time for an epoch ms. */
const rfc = (ms) => new Date(ms + 8 * 3600 * 1000).toISOString().slice(0, 19) + '+08:00';

/** Groups keyed "rule|node", overdue first, then by the earliest deadline. */
function group(tickets) {
  const m = new Map();
  for (const tk of tickets) {
    for (const c of tk.clocks || []) {
      if (!HOT.has(c.state)) continue;
      const key = `${c.rule}|${tk.node.code}`;
      if (!m.has(key)) m.set(key, { rule: c.rule, name: clockName(c), node: tk.node, rows: [] });
      m.get(key).rows.push({ tk, c });
    }
  }
  const groups = [...m.values()];
  for (const g of groups) {
    g.rows.sort((a, b) => Date.parse(a.c.due_at) - Date.parse(b.c.due_at));
    g.overdue = g.rows.filter((r) => r.c.state === 'overdue').length;
  }
  groups.sort((a, b) => b.overdue - a.overdue || Date.parse(a.rows[0].c.due_at) - Date.parse(b.rows[0].c.due_at));
  return groups;
}

export function BoardPage({ rd }) {
  const [groups, setGroups] = useState(null);
  const [handovers, setHandovers] = useState(null);
  const [err, setErr] = useState(null);
  const [at, setAt] = useState(null);

  useEffect(() => {
    let live = true;
    async function load() {
      try {
        const now = Date.now();
        const [tk, ho] = await Promise.all([
          api('GET', '/api/v1/tickets', { query: { status: 'open', due_before: rfc(now + HORIZON_MS), limit: 200 } }),
          api('GET', '/api/v1/handovers', { query: { unacknowledged: 1 } }).catch(() => ({ items: [] })),
        ]);
        if (!live) return;
        setGroups(group(tk.items));
        setHandovers(ho.items || []);
        setErr(null);
        setAt(rfc(now));
      } catch (e) {
        if (live) setErr(e.message);
      }
    }
    load();
    const id = setInterval(load, REFRESH_MS);
    return () => { live = false; clearInterval(id); };
  }, []);

  if (!groups && !err) return html`<${Loading} />`;
  return html`<div class="sd-board">
    <p class="muted" role="status">${t('sd.board.updated')} <time id="sb-updated">${formatTime(at)}</time>
      · ${t('sd.board.auto')}</p>
    <${Notice} kind="error">${err}<//>
    <section aria-labelledby="sb-clocks-h">
      <h2 id="sb-clocks-h">${t('sd.board.clocks')}</h2>
      ${groups && groups.length === 0 && html`<p class="panel muted">${t('sd.board.none')}</p>`}
      <div class="sd-board-grid" id="sb-groups">
        ${(groups || []).map((g) => html`<section key=${g.rule + g.node.code} class=${'panel sd-group' + (g.overdue ? ' has-overdue' : '')}
            data-rule=${g.rule} data-node=${g.node.code}>
          <h3>${g.name} <span class="muted">· ${g.node.name}</span>
            <span class="sd-count">${g.rows.length}</span></h3>
          <ul>${g.rows.map(({ tk, c }) => html`<li key=${tk.ticket_no}>
            <a href=${'#/tickets/' + tk.ticket_no}>${tk.ticket_no}</a>
            ${termName(rd, 'categories', tk.category)}
            <${ClockBadge} c=${c} /></li>`)}</ul>
        </section>`)}
      </div>
    </section>
    <section aria-labelledby="sb-ho-h">
      <h2 id="sb-ho-h">${t('sd.board.handovers')}</h2>
      ${handovers && handovers.length === 0 ? html`<p class="panel muted">${t('sd.board.no_handovers')}</p>`
        : html`<ul class="panel sd-ho-list" id="sb-handovers">${(handovers || []).map((h) => html`<li key=${h.id}>
          <a href=${'#/handover/' + h.id}>${h.shift_date} ${h.shift_zh || h.shift}</a>
          ${h.node && (h.node.name || h.node)} · ${h.author && (h.author.display_name || h.author)}
          <span class="muted">${formatTime(h.created_at).slice(0, 16)}</span></li>`)}</ul>`}
    </section>
  </div>`;
}

