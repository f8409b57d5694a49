// 修改密码: every signed-in user can change their own password here
// (POST /api/v1/auth/password). The server judges the current password and the
// strength of the new one and names the field at fault; the page only checks
// that the new password was typed the same way twice.

import { api } from './api.js';
import { t } from './i18n.js';
import { html, useState, useRef, Field, Notice } from './ui.js';

const EMPTY = { current_password: '', new_password: '', confirm: '' };

export function PasswordPage() {
  const [form, setForm] = useState(EMPTY);
  const [errors, setErrors] = useState({});
  const [formError, setFormError] = useState(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const formRef = useRef(null);

  const set = (k) => (e) => setForm({ ...form, [k]: e.currentTarget.value });
  const focusField = (name) => {
    const el = formRef.current && formRef.current.querySelector(`[name="${name}"]`);
    if (el) el.focus();
  };

  async function submit(ev) {
    ev.preventDefault();
    setDone(false);
    setFormError(null);
    const errs = {};
    if (!form.current_password) errs.current_password = t('common.required');
    if (!form.new_password) errs.new_password = t('common.required');
    else if (form.new_password !== form.confirm) errs.confirm = t('pw.mismatch');
    setErrors(errs);
    const first = Object.keys(errs)[0];
    if (first) return focusField(first);
    setBusy(true);
    try {
      await api('POST', '/api/v1/auth/password', {
        body: { current_password: form.current_password, new_password: form.new_password },
      });
      setForm(EMPTY);
      setDone(true);
    } catch (e) {
      if (e.field && e.field in EMPTY) {
        setErrors({ [e.field]: e.message });
        focusField(e.field);
      } else {
        setFormError(e.message);
      }
    } finally {
      setBusy(false);
    }
  }

  return html`<section class="page narrow">
    <h1 tabindex="-1">${t('pw.title')}</h1>
    <form class="panel form" ref=${formRef} onSubmit=${submit} novalidate>
      <${Field} id="pw-current" name="current_password" type="password" label=${t('pw.current')}
        autocomplete="current-password" value=${form.current_password}
        error=${errors.current_password} onInput=${set('current_password')} />
      <${Field} id="pw-new" name="new_password" type="password" label=${t('pw.new')}
        hint=${t('pw.new.hint')} autocomplete="new-password" value=${form.new_password}
        error=${errors.new_password} onInput=${set('new_password')} />
      <${Field} id="pw-confirm" name="confirm" type="password" label=${t('pw.confirm')}
        autocomplete="new-password" value=${form.confirm}
        error=${errors.confirm} onInput=${set('confirm')} />
      <${Notice} kind="error">${formError}<//>
      <${Notice} kind="ok">${done && t('pw.done')}<//>
      <div class="actions">
        <button type="submit" class="primary" disabled=${busy}>${t('pw.submit')}</button>
      </div>
    </form>
  </section>`;
}
