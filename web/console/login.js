// The login page. It posts the user name and password, lets the server set
// the HttpOnly session cookie, and hands control back to the app, which then
// asks GET /api/v1/me who is signed in. The token in the answer is
// deliberately dropped: the console keeps no credentials of its own. Errors
// are the server's own messages (wrong password, locked, rate-limited).

import { api } from './api.js';
import { t, lang } from './i18n.js';
import { html, useState, useEffect, useRef, Notice } from './ui.js';

export function LoginPage({ notice, onLoggedIn, onToggleLang }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const userRef = useRef(null);
  const passRef = useRef(null);

  useEffect(() => { userRef.current && userRef.current.focus(); }, []);

  async function submit(ev) {
    ev.preventDefault();
    if (busy) return;
    if (!username.trim() || !password) {
      setError(t('login.missing'));
      (username.trim() ? passRef : userRef).current.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api('POST', '/api/v1/auth/login', {
        body: { username: username.trim(), password }, anonymous: true,
      });
      await onLoggedIn();
    } catch (e) {
      setError(e.message);
      setPassword('');
      setBusy(false);
      passRef.current && passRef.current.focus();
    }
  }

  return html`<div class="login-wrap">
    <main class="login-card" id="main">
      <div class="login-head">
        <img src="/console/icon.svg" alt="" width="40" height="40" />
        <div>
          <p class="brand-name">ParcelDesk</p>
          <h1>${t('login.title')}</h1>
        </div>
      </div>
      <p class="login-product">${t('app.name')}</p>
      ${notice && html`<${Notice} kind="info">${t(notice)}<//>`}
      <form class="login-form" onSubmit=${submit} novalidate>
        <div class="field">
          <label for="login-username">${t('login.username')}</label>
          <input id="login-username" name="username" autocomplete="username" ref=${userRef}
            autocapitalize="none" spellcheck=${false} value=${username}
            onInput=${(e) => setUsername(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="login-password">${t('login.password')}</label>
          <input id="login-password" name="password" type="password" ref=${passRef}
            autocomplete="current-password" value=${password}
            onInput=${(e) => setPassword(e.currentTarget.value)} />
        </div>
        <button type="submit" class="primary" disabled=${busy}>
          ${busy ? t('login.busy') : t('login.submit')}
        </button>
        <p class="login-error" role="alert" aria-live="assertive">${error || ''}</p>
      </form>
      <div class="login-foot">
        <button type="button" class="link" lang=${lang() === 'zh' ? 'en' : 'zh-CN'}
          title=${t('lang.switch.title')} onClick=${onToggleLang}>${t('lang.switch')}</button>
      </div>
    </main>
  </div>`;
}
