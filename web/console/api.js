// The one way the console talks to the server. It sends the session cookie
// (the token itself is HttpOnly and never touches script or localStorage),
// asks for error messages in the current language, turns the API error
// envelope into an ApiError carrying code, message and field, and reports any
// 401 on an authenticated call to the app so it can send the user back to the
// login page. It is not a cache and does no retrying.

import { lang, langTag, t } from './i18n.js';

export class ApiError extends Error {
  /**
   * @param {number} status HTTP status, 0 when the server could not be reached
   * @param {string} code   stable code such as "user.exists"
   * @param {string} message text to show, already in the requested language
   * @param {string|null} field the request field at fault, if one is
   */
  constructor(status, code, message, field = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

let onUnauthorized = null;

/** Register the handler called when an authenticated call answers 401. */
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

function buildUrl(path, query) {
  const u = new URL(path, location.origin);
  if (query) {
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== '') u.searchParams.set(k, String(v));
    }
  }
  if (lang() === 'en') u.searchParams.set('lang', 'en');
  return u.pathname + u.search;
}

/**
 * Call the API.
 * @param {string} method
 * @param {string} path  e.g. "/api/v1/users"
 * @param {{query?: object, body?: any, anonymous?: boolean}} opts
 *   anonymous: a 401 is an answer for the caller (login form, first probe),
 *   not a sign that the session ended.
 * @returns {Promise<any>} the parsed JSON body, or null for 204
 * @throws {ApiError}
 */
export async function api(method, path, { query, body, anonymous = false } = {}) {
  const headers = { accept: 'application/json', 'accept-language': langTag() };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(buildUrl(path, query), init);
  } catch {
    throw new ApiError(0, 'network', t('err.network'));
  }
  let data = null;
  const text = await res.text().catch(() => '');
  if (text && (res.headers.get('content-type') || '').includes('json')) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (res.ok) return data;

  const e = data && data.error;
  const err = e && typeof e.message === 'string'
    ? new ApiError(res.status, e.code || '', e.message, e.field || null)
    : new ApiError(res.status, '', t('err.http', { status: res.status }));
  if (res.status === 401 && !anonymous && onUnauthorized) onUnauthorized(err);
  throw err;
}

/** GET /healthz: resolves to 'ok', 'down' (503) or 'unreachable'. */
export async function health() {
  try {
    const res = await fetch('/healthz', { cache: 'no-store', credentials: 'same-origin' });
    const data = await res.json().catch(() => null);
    return res.ok && data && data.status === 'ok' ? 'ok' : 'down';
  } catch {
    return 'unreachable';
  }
}
