// 工作台: the first page after login. It shows who the server thinks the user
// is (account, role, network node), the permissions the role grants, and
// whether the server and its database answer (GET /healthz). Later issues add
// the operational figures here.

import { health } from './api.js';
import { t } from './i18n.js';
import { html, useState, useEffect, useCallback, roleName, nodeTypeName, permTitle } from './ui.js';

function Health() {
  const [state, setState] = useState({ status: 'checking', at: null });
  const check = useCallback(async () => {
    setState((s) => ({ ...s, status: 'checking' }));
    const status = await health();
    setState({ status, at: new Date() });
  }, []);
  useEffect(() => { check(); }, [check]);

  const label = {
    checking: t('dash.health.checking'),
    ok: t('dash.health.ok'),
    down: t('dash.health.down'),
    unreachable: t('dash.health.unreachable'),
  }[state.status];
  const time = state.at
    ? state.at.toLocaleTimeString(document.documentElement.lang, { hour12: false })
    : '';
  return html`<section class="panel" aria-labelledby="dash-health">
    <h2 id="dash-health">${t('dash.health')}</h2>
    <p class=${'health health-' + state.status} data-status=${state.status} role="status">
      <span class="dot" aria-hidden="true"></span>${label}
    </p>
    ${time && html`<p class="muted">${t('dash.health.checked', { time })}</p>`}
    <button type="button" onClick=${check} disabled=${state.status === 'checking'}>
      ${t('dash.health.refresh')}
    </button>
  </section>`;
}

export function Dashboard({ me }) {
  const node = me.node || {};
  const perms = Array.isArray(me.permissions) ? me.permissions : [];
  return html`<section class="page dashboard">
    <h1 tabindex="-1">${t('nav.dashboard')}</h1>
    <div class="grid">
      <section class="panel" aria-labelledby="dash-me">
        <h2 id="dash-me">${t('dash.me')}</h2>
        <dl class="facts">
          <dt>${t('dash.display_name')}</dt><dd class="me-display-name">${me.display_name}</dd>
          <dt>${t('dash.username')}</dt><dd><code>${me.username}</code></dd>
          <dt>${t('dash.role')}</dt><dd>${roleName(me.role, me.role_name)}</dd>
          <dt>${t('dash.node')}</dt>
          <dd>
            ${node.name} <span class="muted">${node.code} · ${nodeTypeName(node.type)}</span>
          </dd>
          ${me.auth && html`<dt>${t('dash.auth')}</dt><dd>${t('dash.auth.' + me.auth)}</dd>`}
        </dl>
      </section>
      <${Health} />
      <section class="panel wide" aria-labelledby="dash-perms">
        <h2 id="dash-perms">${t('dash.perms')}</h2>
        ${perms.length === 0
          ? html`<p class="muted">${t('dash.perms.none')}</p>`
          : html`<ul class="perm-list">
              ${perms.map((p) => html`<li key=${p}>
                <span>${permTitle(p)}</span> <code>${p}</code>
              </li>`)}
            </ul>`}
      </section>
    </div>
  </section>`;
}
