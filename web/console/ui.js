// Small building blocks shared by the pages: a labelled form field that shows
// the API's error message right beside the input it names, a status line,
// time formatting, and the hash-route helpers. Nothing here talks to the
// server.

import { html } from '/vendor/htm/preact/standalone.module.js';
import { t, tOr } from './i18n.js';

/** Re-export so pages import Preact from one place. */
export * from '/vendor/htm/preact/standalone.module.js';

/**
 * A labelled input. `name` is the API field name, so an ApiError's `field`
 * maps onto the input without a lookup table; `error` is its message.
 */
export function Field({ id, name, label, hint, error, as = 'input', children, ...rest }) {
  const hintId = hint ? `${id}-hint` : null;
  const errId = `${id}-error`;
  const described = [hintId, error ? errId : null].filter(Boolean).join(' ') || undefined;
  return html`<div class=${'field' + (error ? ' has-error' : '')} data-field=${name}>
    <label for=${id}>${label}</label>
    <${as} id=${id} name=${name} aria-invalid=${error ? 'true' : undefined}
      aria-describedby=${described} ...${rest}>${children}</${as}>
    ${hint && html`<small id=${hintId} class="hint">${hint}</small>`}
    ${error && html`<p id=${errId} class="field-error" role="alert">${error}</p>`}
  </div>`;
}

/** A one-line message: kind is 'error', 'ok' or 'info'. */
export function Notice({ kind = 'info', children }) {
  if (!children) return null;
  return html`<p class=${'notice notice-' + kind} role=${kind === 'error' ? 'alert' : 'status'}>
    ${children}
  </p>`;
}

/**
 * Show an RFC 3339 time as "YYYY-MM-DD HH:MM:SS", keeping the offset only when
 * it is not China time, which is what every staff member reads.
 */
export function formatTime(s) {
  if (!s) return '';
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.\d+)?(Z|[+-]\d\d:\d\d)?$/.exec(s);
  if (!m) return s;
  return m[3] && m[3] !== '+08:00' ? `${m[1]} ${m[2]} ${m[3]}` : `${m[1]} ${m[2]}`;
}

export const roleName = (role, fallback) => tOr('role.' + role, fallback || role);
export const nodeTypeName = (type, fallback) => tOr('ntype.' + type, fallback || type);
export const permTitle = (perm) => tOr('perm.' + perm, perm);

/** The current hash route as path segments: "#/admin/users" → ["admin","users"]. */
export function currentRoute() {
  const h = location.hash.replace(/^#\/?/, '');
  return h ? h.split('/').filter(Boolean).map(decodeURIComponent) : [];
}

export function navigate(path) {
  if (location.hash !== '#' + path) location.hash = path;
}

export function Loading() {
  return html`<p class="muted" role="status">${t('common.loading')}</p>`;
}
