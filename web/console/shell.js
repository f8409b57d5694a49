// The frame around every signed-in page: the top bar (product, who is signed
// in, language, change password, log out), the module navigation with its
// Alt+digit shortcuts, and the "coming later" panel for modules that are not
// built yet. Which modules a user sees depends on the permissions from
// GET /api/v1/me; the server enforces them again on every call.

import { t, lang } from './i18n.js';
import { html, useEffect, useMemo, roleName } from './ui.js';

/** Permissions any of which opens the administration module. */
export const ADMIN_PERMS = ['users.read', 'users.manage', 'audit.read', 'nodes.manage'];

/** The modules in navigation order; the shortcut is Alt+<key>. */
export const MODULES = [
  { id: 'dashboard', key: '1' },
  { id: 'orders', key: '2' },
  { id: 'tracking', key: '3', anyOf: ['tracking.read'] },
  { id: 'problems', key: '4', anyOf: ['tracking.read'] },
  { id: 'tickets', key: '5' },
  { id: 'kb', key: 'K' },
  { id: 'handover', key: 'H' },
  { id: 'claims', key: '6' },
  { id: 'customers', key: '7' },
  { id: 'callcenter', key: '8' },
  { id: 'reports', key: '9' },
  { id: 'goods', key: 'G' },
  { id: 'admin', key: '0', anyOf: ADMIN_PERMS },
];

/**
 * Alt+letter goes straight to a screen inside a module (shown on its tab), for
 * users with the permission; already there, the screen itself handles it.
 */
export const SCREEN_SHORTCUTS = [
  { code: 'KeyN', path: '/orders/new', perm: 'orders.create' },
  { code: 'KeyQ', path: '/orders', perm: 'quotes' },
  { code: 'KeyR', path: '/orders/review', perm: 'orders.review' },
  { code: 'KeyS', path: '/orders/search', perm: 'orders.read' },
  { code: 'KeyG', path: '/goods', perm: 'me' },
  { code: 'KeyI', path: '/orders/import', perm: 'orders.create' },
  { code: 'KeyD', path: '/orders/dispatch', perm: 'dispatch' },
  { code: 'KeyW', path: '/customers/webhooks', perm: 'customers' },
  { code: 'KeyK', path: '/kb', perm: 'me' },
  { code: 'KeyH', path: '/handover', perm: 'me' },
];

export const can = (me, perm) => Array.isArray(me.permissions) && me.permissions.includes(perm);

export function visibleModules(me) {
  return MODULES.filter((m) => !m.anyOf || m.anyOf.some((p) => can(me, p)));
}

function TopBar({ me, onToggleLang, onLogout }) {
  const node = me.node || {};
  return html`<header class="topbar">
    <a class="brand" href="#/dashboard">
      <img src="/console/icon.svg" alt="" width="28" height="28" />
      <span class="brand-name">ParcelDesk</span>
      <span class="brand-product">${t('app.name').replace(/^ParcelDesk\s*/, '')}</span>
    </a>
    <div class="who">
      <span class="sr-only">${t('top.user')}</span>
      <span class="user-name">${me.display_name || me.username}</span>
      <span class="user-role">${roleName(me.role, me.role_name)}</span>
      <span class="user-node" title=${node.code || ''}>${node.name || ''}</span>
    </div>
    <div class="top-actions">
      <button type="button" class="top-btn lang-switch" title=${t('lang.switch.title')}
        lang=${lang() === 'zh' ? 'en' : 'zh-CN'}
        onClick=${onToggleLang}>${t('lang.switch')}</button>
      <a class="top-btn" href="#/password">${t('top.password')}</a>
      <button type="button" class="top-btn logout" onClick=${onLogout}>${t('top.logout')}</button>
    </div>
  </header>`;
}

function SideNav({ modules, active }) {
  return html`<nav class="sidenav" aria-label=${t('nav.label')}>
    <ul>
      ${modules.map((m) => html`<li key=${m.id}>
        <a href=${'#/' + m.id} aria-current=${active === m.id ? 'page' : undefined}
          aria-keyshortcuts=${'Alt+' + m.key} title=${t('nav.shortcut', { key: 'Alt+' + m.key })}>
          <span class="nav-label">${t('nav.' + m.id)}</span>
          <kbd aria-hidden="true">Alt+${m.key}</kbd>
        </a>
      </li>`)}
    </ul>
  </nav>`;
}

/**
 * Alt+digit jumps to a module. e.code is used rather than e.key because Alt
 * changes the produced character on some keyboard layouts (macOS).
 */
let focusAfterNav = false;

function focusHeading() {
  const h = document.querySelector('#main h1');
  if (h) h.focus();
}

function useShortcuts(modules, active, me) {
  useEffect(() => {
    function onKey(e) {
      if (!e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
      const sc = SCREEN_SHORTCUTS.find((x) => x.code === e.code && can(me, x.perm));
      if (sc) {
        e.preventDefault();
        if (location.hash !== '#' + sc.path) location.hash = sc.path;
        return;
      }
      const m = /^(?:Digit|Numpad)(\d)$/.exec(e.code);
      if (!m) return;
      const mod = modules.find((x) => x.key === m[1]);
      if (!mod) return;
      e.preventDefault();
      if (location.hash === '#/' + mod.id) return focusHeading();
      focusAfterNav = true;
      location.hash = '#/' + mod.id;
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [modules, me]);

  // After a shortcut, move focus to the new page's heading so the next Tab
  // starts inside the module rather than wherever focus was before.
  useEffect(() => {
    if (!focusAfterNav) return;
    focusAfterNav = false;
    focusHeading();
  }, [active]);
}

export function Shell({ me, active, onToggleLang, onLogout, children }) {
  const modules = useMemo(() => visibleModules(me), [me]);
  useShortcuts(modules, active, me);
  return html`<div class="shell">
    <a class="skip-link" href="#main" onClick=${(e) => {
      e.preventDefault();
      document.getElementById('main').focus();
    }}>${t('app.skip')}</a>
    <${TopBar} me=${me} onToggleLang=${onToggleLang} onLogout=${onLogout} />
    <div class="body">
      <${SideNav} modules=${modules} active=${active} />
      <main id="main" tabindex="-1">${children}</main>
    </div>
  </div>`;
}

/** The honest placeholder for a module that later issues will build. */
export function ComingSoon({ id }) {
  return html`<section class="page">
    <h1 tabindex="-1">${t('nav.' + id)}</h1>
    <div class="panel coming">
      <h2>${t('coming.title')}</h2>
      <p>${t('coming.body')}</p>
    </div>
  </section>`;
}

export function Blocked({ kind }) {
  return html`<section class="page">
    <h1 tabindex="-1">${t(kind === 'forbidden' ? 'forbidden.body' : 'notfound.body')}</h1>
    <p><a href="#/dashboard">${t('back.dashboard')}</a></p>
  </section>`;
}
