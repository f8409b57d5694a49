// Entry point of the staff console. It decides between the login page and
// the signed-in shell (by asking GET /api/v1/me, since the session cookie is
// invisible to script), routes on the URL hash so a reload stays on the same
// page, re-renders everything when the language changes, and sends the user
// back to the login page with a notice whenever an API call answers 401.

import { api, setUnauthorizedHandler } from './api.js';
import { lang, setLang, applyLang } from './i18n.js';
import { html, render, useState, useEffect, useCallback, currentRoute, Loading } from './ui.js';
import { LoginPage } from './login.js';
import { Shell, ComingSoon, Blocked, MODULES, visibleModules } from './shell.js';
import { GoodsPage } from './goods.js';
import { Dashboard } from './dashboard.js';
import { AdminPage } from './admin.js';
import { PasswordPage } from './password.js';
import { OrdersPage } from './orders.js';
import { WebhooksPage } from './webhooks.js';
import { TrackingPage } from './tracking.js';
import { CallcenterPage } from './callcenter.js';
import { TicketsPage } from './tickets.js';
import { ProblemsPage } from './sd_problems.js';
import { KbPage } from './sd_kb.js';
import { HandoverPage } from './sd_handover.js';

function useHashRoute() {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const on = () => setRoute(currentRoute());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

function Page({ me, route }) {
  const id = route[0] || 'dashboard';
  if (id === 'password') return html`<${PasswordPage} />`;
  if (!MODULES.some((m) => m.id === id)) return html`<${Blocked} kind="notfound" />`;
  if (!visibleModules(me).some((m) => m.id === id)) return html`<${Blocked} kind="forbidden" />`;
  if (id === 'dashboard') return html`<${Dashboard} me=${me} />`;
  if (id === 'orders') return html`<${OrdersPage} me=${me} section=${route[1]} arg=${route[2]} />`;
  if (id === 'admin') return html`<${AdminPage} me=${me} section=${route[1]} />`;
  if (id === 'goods') return html`<${GoodsPage} me=${me} />`;
  if (id === 'tracking') return html`<${TrackingPage} me=${me} arg=${route[1]} />`;
  if (id === 'callcenter') return html`<${CallcenterPage} me=${me} section=${route[1]} />`;
  if (id === 'tickets') return html`<${TicketsPage} me=${me} section=${route[1]} />`;
  if (id === 'problems') return html`<${ProblemsPage} me=${me} arg=${route[1]} />`;
  if (id === 'kb') return html`<${KbPage} me=${me} arg=${route[1]} />`;
  if (id === 'handover') return html`<${HandoverPage} me=${me} arg=${route[1]} />`;
  if (id === 'customers' && route[1] === 'webhooks') {
    return html`<${WebhooksPage} me=${me} section=${route[2]} />`;
  }
  return html`<${ComingSoon} id=${id} />`;
}

function App() {
  // undefined: still asking the server; null: signed out; object: GET /me.
  const [me, setMe] = useState(undefined);
  const [notice, setNotice] = useState(null);
  const [, setLangState] = useState(lang());
  const route = useHashRoute();

  const loadMe = useCallback(async (probe) => {
    try {
      const who = await api('GET', '/api/v1/me', { anonymous: probe });
      setNotice(null);
      setMe(who);
    } catch (e) {
      if (!probe) throw e;
      // A cookie the server no longer honours means the session ran out; no
      // cookie at all is just a first visit. Anything else (server down) is
      // worth saying, and the notice takes plain text as well as a key.
      if (e.status !== 401) setNotice(e.message);
      else setNotice(e.code === 'auth.invalid_token' ? 'login.expired' : null);
      setMe(null);
    }
  }, []);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      setMe(null);
      setNotice('login.expired');
    });
    loadMe(true);
  }, [loadMe]);

  const toggleLang = useCallback(() => {
    setLang(lang() === 'zh' ? 'en' : 'zh');
    setLangState(lang());
  }, []);

  const logout = useCallback(async () => {
    try {
      await api('POST', '/api/v1/auth/logout', { anonymous: true });
    } catch { /* the session is gone either way; the cookie expires on its own */ }
    setNotice(null);
    setMe(null);
    if (location.hash && location.hash !== '#/dashboard') location.hash = '#/dashboard';
  }, []);

  if (me === undefined) return html`<div class="boot"><${Loading} /></div>`;
  if (me === null) {
    return html`<${LoginPage} notice=${notice} onToggleLang=${toggleLang}
      onLoggedIn=${() => loadMe(false)} />`;
  }
  return html`<${Shell} me=${me} active=${route[0] || 'dashboard'}
      onToggleLang=${toggleLang} onLogout=${logout}>
    <${Page} me=${me} route=${route} />
  <//>`;
}

applyLang();
const root = document.getElementById('app');
// Drop the static "loading" text; Preact would otherwise render beside it.
root.textContent = '';
render(html`<${App} />`, root);
