// 呼叫中心大屏 (#/callcenter/wall): the call centre now, for the floor's wall
// screen, refreshed by itself every 10 seconds with the time of the last
// refresh in view. One request per refresh, GET /api/v1/callcenter/live,
// which the server computes from the queue log of the last 24 hours
// (docs/kpi-definitions.md, "Now"): calls waiting and how long the oldest
// has waited, per queue; today's offered, answered, abandoned and service
// level (the China day, the same figures as the indicators page); and each
// agent's state — talking, ringing, available, wrap-up, paused with its
// reason, logged out — with how long the agent has been in it. Nothing is
// estimated here: every number is the server's.
//
// Keys: D dark theme (remembered), F wall mode (no navigation; Esc leaves),
// R refresh now.

import { t } from './i18n.js';
import { api } from './api.js';
import { html, useState, useEffect, useRef, Notice, Loading } from './ui.js';
import { SECOND, clock, fmtDuration, fmtRate } from './cc_common.js';

export const REFRESH_MS = 10 * SECOND;
const DARK_KEY = 'pd.cc.wall.dark';

/** The states in the order the board shows them (GET /callcenter/live "states"). */
export const STATES = ['talking', 'ringing', 'available', 'wrap_up', 'paused', 'logged_out'];

/** How long in a state: m:ss, h:mm:ss, or a dash when it began before the log read. */
export function fmtFor(s) {
  if (s === null || s === undefined) return '—';
  const p = (n) => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}:${p(m)}:${p(s % 60)}` : `${m}:${p(s % 60)}`;
}

function readDark() {
  try { return localStorage.getItem(DARK_KEY) === '1'; } catch { return false; }
}

function Big({ id, label, value, hint, tone }) {
  return html`<div class=${'cc-big' + (tone ? ' tone-' + tone : '')} data-kpi=${id}>
    <div class="cc-big-label">${label}</div>
    <div class="cc-big-value" id=${'cc-wall-' + id}>${value}</div>
    ${hint && html`<div class="cc-big-hint">${hint}</div>`}
  </div>`;
}

function AgentTile({ name, a }) {
  const what = a.state === 'paused' && a.reason ? `${t('cc.state.paused')}：${a.reason}` : t('cc.state.' + a.state);
  return html`<li class=${'st-' + a.state} data-agent=${name} data-state=${a.state}>
    <span class="cc-tile-name">${name}</span>
    <span class="cc-tile-state">${what}</span>
    <span class="cc-tile-for" title=${a.since || ''}>${fmtFor(a.for_s)}</span>
  </li>`;
}

export function Wallboard() {
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const [dark, setDark] = useState(readDark);
  const [wallMode, setWallMode] = useState(false);
  const busy = useRef(false);
  const live = useRef(true);

  async function load() {
    if (busy.current) return;
    busy.current = true;
    try {
      const now = await api('GET', '/api/v1/callcenter/live');
      if (!live.current) return;
      setData({ now, at: Date.now() });
      setError(null);
    } catch (e) {
      if (live.current) setError(e.message);
    } finally {
      busy.current = false;
    }
  }

  useEffect(() => {
    live.current = true;
    load();
    const id = setInterval(load, REFRESH_MS);
    return () => {
      live.current = false;
      clearInterval(id);
    };
  }, []);

  useEffect(() => {
    try { localStorage.setItem(DARK_KEY, dark ? '1' : '0'); } catch { /* not remembered */ }
  }, [dark]);

  // Wall mode hides the console's frame (style.css, body.cc-wall-mode).
  useEffect(() => {
    document.body.classList.toggle('cc-wall-mode', wallMode);
    return () => document.body.classList.remove('cc-wall-mode');
  }, [wallMode]);

  useEffect(() => {
    function onKey(e) {
      if (e.altKey || e.ctrlKey || e.metaKey || e.isComposing) return;
      const tag = e.target && e.target.tagName;
      if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA') return;
      if (e.key === 'd' || e.key === 'D') setDark((v) => !v);
      else if (e.key === 'f' || e.key === 'F') setWallMode((v) => !v);
      else if (e.key === 'r' || e.key === 'R') load();
      else if (e.key === 'Escape') setWallMode(false);
      else return;
      e.preventDefault();
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const n = data && data.now;
  const c = n && n.today;
  const agents = n ? Object.entries(n.agents) : [];
  const queues = n ? Object.entries(n.queues) : [];

  return html`<div class=${'cc-wall' + (dark ? ' cc-dark' : '')} id="cc-wall">
    <div class="cc-wall-bar">
      <p class="cc-updated" role="status">
        ${data ? html`${t('cc.wall.updated')} <time id="cc-wall-updated">${clock(data.at)}</time>`
          : t('common.loading')}
        <span class="muted"> · ${t('cc.wall.every')}</span>
      </p>
      <div class="cc-wall-actions">
        <button type="button" aria-pressed=${dark ? 'true' : 'false'} aria-keyshortcuts="D"
          onClick=${() => setDark((v) => !v)}>${t('cc.wall.dark')} <kbd>D</kbd></button>
        <button type="button" aria-pressed=${wallMode ? 'true' : 'false'} aria-keyshortcuts="F"
          onClick=${() => setWallMode((v) => !v)}>${t('cc.wall.mode')} <kbd>F</kbd></button>
        <button type="button" aria-keyshortcuts="R" onClick=${load}>${t('cc.wall.refresh')} <kbd>R</kbd></button>
      </div>
    </div>
    ${error && html`<${Notice} kind="error">${error}${data ? ' · ' + t('cc.wall.stale') : ''}<//>`}
    ${!data && !error && html`<${Loading} />`}
    ${n && html`
      <div class="cc-bigs">
        <${Big} id="waiting" label=${t('cc.wall.waiting')} value=${n.waiting}
          tone=${n.waiting > 0 ? 'warn' : null} />
        <${Big} id="longest_wait" label=${t('cc.live.longest')} value=${fmtDuration(n.longest_wait_s)}
          hint=${t('cc.live.longest.hint')} tone=${n.longest_wait_s > n.parameters.service_level_s ? 'bad' : null} />
        <${Big} id="service_level" label=${t('cc.wall.sl', { s: n.parameters.service_level_s })}
          value=${fmtRate(c.service_level)} />
        <${Big} id="answered" label=${t('cc.wall.answered')} value=${c.answered} />
        <${Big} id="abandoned" label=${t('cc.wall.abandoned')} value=${c.abandoned}
          tone=${c.abandoned > 0 ? 'bad' : null} />
        <${Big} id="offered" label=${t('cc.wall.offered')} value=${c.offered} />
      </div>
      <h2 class="cc-wall-h">${t('cc.wall.agents')}</h2>
      <div class="cc-states">
        ${STATES.map((s) => html`<div key=${s} class=${'cc-state st-' + s} data-state=${s}>
          <span class="cc-state-n" id=${'cc-wall-state-' + s}>${n.states[s]}</span>
          <span class="cc-state-label">${t('cc.state.' + s)}</span>
        </div>`)}
      </div>
      <ul class="cc-agent-tiles" aria-label=${t('cc.wall.agents')}>
        ${agents.map(([name, a]) => html`<${AgentTile} key=${name} name=${name} a=${a} />`)}
      </ul>
      ${queues.length > 0 && html`<div class="table-wrap"><table class="data cc-wall-queues">
        <caption class="sr-only">${t('cc.wall.queues')}</caption>
        <thead><tr><th scope="col">${t('cc.col.queue')}</th><th scope="col">${t('cc.wall.waiting')}</th>
          <th scope="col">${t('cc.live.longest')}</th>
          <th scope="col">${t('cc.kpi.offered')}</th><th scope="col">${t('cc.kpi.answered')}</th>
          <th scope="col">${t('cc.kpi.abandoned')}</th><th scope="col">${t('cc.kpi.service_level')}</th></tr></thead>
        <tbody>${queues.map(([q, f]) => html`<tr key=${q} data-queue=${q}>
          <th scope="row">${q}</th><td class="num">${f.waiting}</td>
          <td class="num">${fmtDuration(f.longest_wait_s)}</td>
          <td class="num">${f.today.offered}</td><td class="num">${f.today.answered}</td>
          <td class="num">${f.today.abandoned}</td><td class="num">${fmtRate(f.today.service_level)}</td></tr>`)}
        </tbody></table></div>`}
      <p class="muted cc-note">${t('cc.live.note')}</p>`}
    <p class="keys muted">${t('cc.wall.keys')}</p>
  </div>`;
}
