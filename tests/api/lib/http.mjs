// Helpers for the API suite beyond tests/lib/harness.mjs: a raw HTTP client
// on node:http (for what fetch cannot do — invalid UTF-8 bodies, chunked
// uploads sent in pieces, a chosen loopback source address, replies that
// arrive while the body is still being sent), the assertion every error
// answer must pass, and small builders for the records the tests create.
import http from 'node:http';
import assert from 'node:assert/strict';
import { api, DEMO_PASSWORD } from '../../lib/harness.mjs';

/** RFC 3339 with the +08:00 offset the spec asks for. */
export const RFC3339_CN = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?\+08:00$/;

/** A password that satisfies the rule (≥ 8 characters, a letter and a digit). */
export const GOOD_PASSWORD = 'Parcel2026ok';

/**
 * Send one request with node:http.
 * @param {string} base   http://127.0.0.1:PORT
 * @param {object} o      method, path, headers, body (Buffer|string),
 *                        chunks ([Buffer|string] sent one by one with
 *                        Transfer-Encoding: chunked), localAddress,
 *                        timeoutMs (default 15000), beforeEnd (async hook
 *                        run after the first chunk, before the rest).
 * @returns {Promise<{status:number, headers:object, text:string, body:any}>}
 *          headers are node's lower-cased object; body is parsed JSON when
 *          the reply says JSON, otherwise the text.
 */
export function raw(base, { method = 'GET', path = '/', headers = {}, body, chunks, localAddress, timeoutMs = 15000, beforeEnd } = {}) {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (fn, v) => { if (!settled) { settled = true; clearTimeout(timer); fn(v); } };
    const h = { ...headers };
    if (body !== undefined && chunks === undefined) h['content-length'] = Buffer.byteLength(body);
    const req = http.request({ host: u.hostname, port: u.port, method, path, headers: h, localAddress, agent: false }, (res) => {
      const parts = [];
      res.on('data', (d) => parts.push(d));
      res.on('error', (e) => done(reject, e));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        let parsed = text;
        if ((res.headers['content-type'] || '').includes('json') && text) {
          try { parsed = JSON.parse(text); } catch (e) { done(reject, new Error(`reply is not JSON: ${text.slice(0, 200)}`)); return; }
        }
        done(resolve, { status: res.statusCode, headers: res.headers, text, body: parsed });
      });
    });
    const timer = setTimeout(() => { req.destroy(); done(reject, new Error(`no reply within ${timeoutMs} ms for ${method} ${path.slice(0, 80)}`)); }, timeoutMs);
    // A server may answer (413, 415…) and close while the body is still going
    // out; the write then fails with EPIPE/ECONNRESET but the reply is what
    // the test wants. Only an error with no reply at all is a failure.
    req.on('error', (e) => setTimeout(() => done(reject, e), 500));
    (async () => {
      if (chunks !== undefined) {
        const [first, ...rest] = chunks;
        if (first !== undefined) req.write(first);
        if (beforeEnd) await beforeEnd();
        for (const c of rest) req.write(c);
      } else if (body !== undefined) {
        req.write(body);
      }
      req.end();
    })().catch((e) => done(reject, e));
  });
}

/**
 * Assert an error answer: the status, a JSON body {"error":{code,message[,field]}}
 * with a non-empty message, and the code. `field`: a string the field must
 * equal; null when the answer must not name a field; undefined: not checked.
 */
export function assertError(r, status, code, field) {
  const what = `${status} ${code}${field ? ' field ' + field : ''}; got ${r.status} ${typeof r.body === 'string' ? r.body.slice(0, 300) : JSON.stringify(r.body)}`;
  assert.equal(r.status, status, `status: expected ${what}`);
  assert.ok(r.body && typeof r.body === 'object' && r.body.error && typeof r.body.error === 'object', `error body: expected ${what}`);
  assert.equal(r.body.error.code, code, `code: expected ${what}`);
  assert.equal(typeof r.body.error.message, 'string', `message: expected ${what}`);
  assert.ok(r.body.error.message.length > 0, `empty message: ${what}`);
  if (field === null) assert.equal(r.body.error.field, undefined, `no field expected: ${what}`);
  else if (field !== undefined) assert.equal(r.body.error.field, field, `field: expected ${what}`);
}

/**
 * A valid POST /api/v1/users body; override any field. The default display
 * name is cut to 64 characters so that a test about a long user name is not
 * refused for its display name instead.
 */
export function userBody(username, over = {}) {
  const display_name = Array.from(`测试用户 ${username}`).slice(0, 64).join('');
  return { username, display_name, role: 'agent', node_code: 'GD-SZ', password: GOOD_PASSWORD, ...over };
}

/** Create a user as `token`; asserts 201 and returns the USER. */
export async function createUser(base, token, username, over = {}) {
  const r = await api(base, 'POST', '/api/v1/users', { token, body: userBody(username, over) });
  assert.equal(r.status, 201, `create user ${username}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Every user visible to `token` (follows next_after, at most 50 pages). */
export async function listUsers(base, token, query = '') {
  const items = [];
  let after = null;
  for (let page = 0; page < 50; page++) {
    const q = new URLSearchParams(query);
    q.set('limit', '100');
    if (after !== null) q.set('after', String(after));
    const r = await api(base, 'GET', `/api/v1/users?${q}`, { token });
    assert.equal(r.status, 200, `list users: ${r.status} ${JSON.stringify(r.body)}`);
    assert.ok(Array.isArray(r.body.items), 'items is an array');
    items.push(...r.body.items);
    if (r.body.next_after === null || r.body.next_after === undefined) return items;
    after = r.body.next_after;
  }
  throw new Error('more than 50 pages of users');
}

/** True when no user visible to `token` has this user name. */
export async function usernameFree(base, token, username) {
  const items = await listUsers(base, token, new URLSearchParams({ q: username }).toString());
  return !items.some((u) => u.username === username);
}

/** The audit entries visible to `token`, newest first (one page of up to 200). */
export async function audit(base, token, query = {}) {
  const q = new URLSearchParams({ limit: '200', ...query });
  const r = await api(base, 'GET', `/api/v1/audit?${q}`, { token });
  assert.equal(r.status, 200, `audit: ${r.status} ${JSON.stringify(r.body)}`);
  assert.ok(Array.isArray(r.body.items), 'audit items is an array');
  return r.body.items;
}

/** Log in and return the whole answer (status, headers, body). */
export function loginRaw(base, username, password = DEMO_PASSWORD, headers = {}) {
  return api(base, 'POST', '/api/v1/auth/login', { body: { username, password }, headers });
}

/** Wait `ms` milliseconds. */
export const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

/**
 * Poll `fn` every `everyMs` until it returns a truthy value or `timeoutMs`
 * passes; returns the last value (falsy on timeout). Bounded in time and in
 * count (timeoutMs / everyMs + 1 calls).
 */
export async function pollUntil(fn, { timeoutMs = 10000, everyMs = 200 } = {}) {
  const end = Date.now() + timeoutMs;
  let v;
  for (let i = 0; i <= Math.ceil(timeoutMs / everyMs); i++) {
    v = await fn();
    if (v || Date.now() >= end) return v;
    await sleep(everyMs);
  }
  return v;
}
