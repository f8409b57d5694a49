// Authentication: login and its cookie, bad credentials, lockout after
// consecutive failures, logout, password change, disabled accounts, session
// expiry, API keys, and the per-address login rate limit. Each test makes
// its own users so that a lockout or a password change cannot leak into the
// next test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, DEMO_PASSWORD } from '../lib/harness.mjs';
import { raw, assertError, createUser, audit, sleep, RFC3339_CN, GOOD_PASSWORD } from './lib/http.mjs';

// This file logs in some 40 times within seconds. Each login comes from its
// own loopback source address so that only the rate-limit test (last) meets
// the per-address limit, whether or not a successful login resets it.
let nextHost = 1;
function loginRaw(username, password = DEMO_PASSWORD, headers = {}, url = base) {
  const n = nextHost++;
  return raw(url, {
    method: 'POST', path: '/api/v1/auth/login', localAddress: `127.0.${1 + Math.floor(n / 250)}.${1 + (n % 250)}`,
    headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ username, password }),
  });
}
async function login(username, password = DEMO_PASSWORD) {
  const r = await loginRaw(username, password);
  assert.equal(r.status, 200, `login ${username}: ${r.text}`);
  return r.body.token;
}

let srv, base, admin;
before(async () => {
  srv = await startServer();
  base = srv.url;
  admin = await login('admin');
});
after(async () => { await srv?.stop(); });

const me = (token, headers = {}) => api(base, 'GET', '/api/v1/me', { token, headers });

/** Parse one Set-Cookie line into {name, value, attrs: Map(lower-case name → value)}. */
function parseCookie(line) {
  const [pair, ...attrs] = line.split(';').map((s) => s.trim());
  const eq = pair.indexOf('=');
  const m = new Map();
  for (const a of attrs) {
    const i = a.indexOf('=');
    m.set((i < 0 ? a : a.slice(0, i)).toLowerCase(), i < 0 ? true : a.slice(i + 1));
  }
  return { name: pair.slice(0, eq), value: pair.slice(eq + 1), attrs: m };
}

function sessionCookie(r) {
  const all = typeof r.headers.getSetCookie === 'function' ? r.headers.getSetCookie() : (r.headers['set-cookie'] || []);
  const lines = all.filter((l) => l.startsWith('pd_session='));
  assert.equal(lines.length, 1, `one pd_session Set-Cookie, got ${JSON.stringify(all)}`);
  return parseCookie(lines[0]);
}

test('login: token, user, expiry and a HttpOnly SameSite=Strict cookie without Secure', async () => {
  const r = await loginRaw('agent');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(typeof r.body.token, 'string');
  assert.ok(r.body.token.length >= 20);
  assert.ok(!r.body.token.startsWith('pdk_'), 'a session token is not an API key');
  assert.match(r.body.expires_at, RFC3339_CN);
  assert.equal(r.body.user.username, 'agent');
  assert.equal(r.body.user.node.code, 'GD-SZ');
  const c = sessionCookie(r);
  assert.equal(c.value, r.body.token);
  assert.equal(c.attrs.get('httponly'), true, 'HttpOnly');
  assert.equal(String(c.attrs.get('samesite')).toLowerCase(), 'strict', 'SameSite=Strict');
  assert.equal(c.attrs.get('path'), '/', 'Path=/');
  assert.equal(c.attrs.has('secure'), false, 'no Secure by default (plain HTTP on loopback)');
  // Two logins give two different sessions.
  const r2 = await loginRaw('agent');
  assert.notEqual(r2.body.token, r.body.token);
});

test('the cookie authenticates instead of a Bearer token', async () => {
  const tok = await login('agent');
  const r = await me(undefined, { cookie: `pd_session=${tok}` });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.username, 'agent');
  assert.equal(r.body.auth, 'session');
  // Among other cookies, too.
  const r2 = await me(undefined, { cookie: `theme=dark; pd_session=${tok}; lang=zh` });
  assert.equal(r2.status, 200, JSON.stringify(r2.body));
  assertError(await me(undefined, { cookie: 'pd_session=not-a-session' }), 401, 'auth.invalid_token');
});

test('wrong password and unknown user get the same 401 auth.bad_credentials', async () => {
  await createUser(base, admin, 'bad.cred');
  const wrong = await loginRaw('bad.cred', 'Wrong12345');
  assertError(wrong, 401, 'auth.bad_credentials');
  const unknown = await loginRaw('nobody.here', 'Wrong12345');
  assertError(unknown, 401, 'auth.bad_credentials');
  assert.equal(unknown.body.error.message, wrong.body.error.message, 'same message for both');
  assert.equal(unknown.body.error.field, wrong.body.error.field, 'same field for both');
  // The failed attempt is audited.
  const failed = await audit(base, admin, { action: 'auth.login_failed' });
  assert.ok(failed.length >= 1, 'auth.login_failed recorded');
  assert.ok(!JSON.stringify(failed).includes('Wrong12345'), 'the attempted password is never logged');
});

test('5 consecutive failures lock the account: auth.locked even with the right password', async () => {
  await createUser(base, admin, 'lock.me');
  for (let i = 1; i <= 5; i++) {
    const r = await loginRaw('lock.me', `Wrong${i}pass`);
    assert.equal(r.status, 401, `attempt ${i}`);
    assert.ok(['auth.bad_credentials', 'auth.locked'].includes(r.body.error.code), `attempt ${i}: ${r.body.error.code}`);
    if (i < 5) assert.equal(r.body.error.code, 'auth.bad_credentials', `attempt ${i} is not yet locked`);
  }
  assertError(await loginRaw('lock.me', GOOD_PASSWORD), 401, 'auth.locked');
  assertError(await loginRaw('lock.me', GOOD_PASSWORD), 401, 'auth.locked');
  // Other accounts are unaffected.
  assert.equal((await loginRaw('agent')).status, 200);
});

test('failures must be consecutive: a success resets the count', async () => {
  await createUser(base, admin, 'reset.count');
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 4; i++) assertError(await loginRaw('reset.count', 'Nope1234x'), 401, 'auth.bad_credentials');
    const ok = await loginRaw('reset.count', GOOD_PASSWORD);
    assert.equal(ok.status, 200, `round ${round}: 4 failures then the right password works: ${JSON.stringify(ok.body)}`);
  }
});

test('logout: 204, the cookie is cleared, the token stops working', async () => {
  const tok = await login('agent');
  assert.equal((await me(tok)).status, 200);
  const r = await api(base, 'POST', '/api/v1/auth/logout', { token: tok });
  assert.equal(r.status, 204, JSON.stringify(r.body));
  const c = sessionCookie(r);
  assert.equal(c.attrs.get('max-age'), '0', 'Max-Age=0 clears the cookie');
  assertError(await me(tok), 401, 'auth.invalid_token');
  assertError(await me(undefined, { cookie: `pd_session=${tok}` }), 401, 'auth.invalid_token');
  const entries = await audit(base, admin, { action: 'auth.logout' });
  assert.ok(entries.length >= 1, 'auth.logout audited');
});

test('password change: rules, other sessions ended, current session kept', async () => {
  const u = await createUser(base, admin, 'pw.change');
  const a = await login('pw.change', GOOD_PASSWORD);
  const b = await login('pw.change', GOOD_PASSWORD);
  const change = (token, body) => api(base, 'POST', '/api/v1/auth/password', { token, body });

  assertError(await change(a, { current_password: 'NotMine123', new_password: 'Brand2new9' }), 422, 'auth.current_password_wrong', 'current_password');
  for (const weak of ['short1', 'lettersonly', '1234567890', 'abc12']) {
    assertError(await change(a, { current_password: GOOD_PASSWORD, new_password: weak }), 422, 'auth.password_weak', 'new_password');
  }
  // Refused changes changed nothing: both sessions live, old password works.
  assert.equal((await me(a)).status, 200);
  assert.equal((await me(b)).status, 200);

  const ok = await change(a, { current_password: GOOD_PASSWORD, new_password: 'Brand2new9' });
  assert.equal(ok.status, 204, JSON.stringify(ok.body));
  assert.equal((await me(a)).status, 200, 'the session that changed the password stays valid');
  assertError(await me(b), 401, 'auth.invalid_token');
  assertError(await loginRaw('pw.change', GOOD_PASSWORD), 401, 'auth.bad_credentials');
  assert.equal((await loginRaw('pw.change', 'Brand2new9')).status, 200);

  const entries = await audit(base, admin, { action: 'auth.password_change' });
  assert.ok(entries.some((e) => e.actor.id === u.id), 'auth.password_change audited');
  assert.ok(!JSON.stringify(entries).includes('Brand2new9'), 'no password in the audit log');
});

test('password change body is validated like any other', async () => {
  const tok = await login('agent');
  assertError(await api(base, 'POST', '/api/v1/auth/password', { token: tok, body: { current_password: DEMO_PASSWORD } }), 400, 'json.missing', 'new_password');
  assertError(await api(base, 'POST', '/api/v1/auth/password', { token: tok, body: { current_password: 5, new_password: 'Brand2new9' } }), 400, 'json.type', 'current_password');
});

test('a disabled user cannot log in and their sessions stop working', async () => {
  const u = await createUser(base, admin, 'to.disable');
  const tok = await login('to.disable', GOOD_PASSWORD);
  assert.equal((await me(tok)).status, 200);
  const r = await api(base, 'PATCH', `/api/v1/users/${u.id}`, { token: admin, body: { active: false } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.active, false);
  assertError(await me(tok), 401, 'auth.invalid_token');
  assertError(await loginRaw('to.disable', GOOD_PASSWORD), 401, 'auth.disabled');
  // Re-enabled: logs in again (the old session stays ended).
  const back = await api(base, 'PATCH', `/api/v1/users/${u.id}`, { token: admin, body: { active: true } });
  assert.equal(back.status, 200);
  assert.equal((await loginRaw('to.disable', GOOD_PASSWORD)).status, 200);
  assertError(await me(tok), 401, 'auth.invalid_token');
});

test('an administrator cannot disable their own account', async () => {
  const self = (await me(admin)).body;
  assertError(await api(base, 'PATCH', `/api/v1/users/${self.id}`, { token: admin, body: { active: false } }), 422, 'user.self');
  assert.equal((await me(admin)).status, 200);
});

test('admin password reset (PATCH password) ends the user’s sessions', async () => {
  const u = await createUser(base, admin, 'to.reset');
  const tok = await login('to.reset', GOOD_PASSWORD);
  const r = await api(base, 'PATCH', `/api/v1/users/${u.id}`, { token: admin, body: { password: 'Reset2026x' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assertError(await me(tok), 401, 'auth.invalid_token');
  assertError(await loginRaw('to.reset', GOOD_PASSWORD), 401, 'auth.bad_credentials');
  assert.equal((await loginRaw('to.reset', 'Reset2026x')).status, 200);
});

test('an idle session expires after auth.session_ttl_s (server started with --auth-session-ttl-s 1)', async () => {
  const short = await startServer({ args: ['--auth-session-ttl-s', '1'] });
  try {
    const r = await loginRaw('agent', DEMO_PASSWORD, {}, short.url);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const exp = Date.parse(r.body.expires_at);
    assert.ok(exp - Date.now() < 60e3, `expires_at follows the 1 s TTL: ${r.body.expires_at}`);
    assert.equal((await api(short.url, 'GET', '/api/v1/me', { token: r.body.token })).status, 200);
    await sleep(2500);
    assertError(await api(short.url, 'GET', '/api/v1/me', { token: r.body.token }), 401, 'auth.invalid_token');
    assertError(await api(short.url, 'GET', '/api/v1/me', { headers: { cookie: `pd_session=${r.body.token}` } }), 401, 'auth.invalid_token');
  } finally {
    await short.stop();
  }
});

test('API keys: machine role only, key works as "apikey", no user-only endpoints, revocation', async () => {
  const c = await api(base, 'POST', '/api/v1/apikeys', { token: admin, body: { name: '广州分拨 扫描枪 1', role: 'scanner', node_code: 'GZ-HUB' } });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  const key = c.body;
  assert.match(key.key, /^pdk_[A-Za-z0-9_-]{16,}$/);
  assert.equal(key.name, '广州分拨 扫描枪 1');
  assert.equal(key.role, 'scanner');
  assert.equal(key.node.code, 'GZ-HUB');
  assert.equal(key.revoked_at, null);
  assert.equal(typeof key.prefix, 'string');
  assert.ok(key.key.startsWith(key.prefix), `prefix ${key.prefix} starts the key`);
  assert.ok(key.prefix.length < key.key.length - 8, 'the prefix does not give the key away');
  assert.match(key.created_at, RFC3339_CN);

  const m = await me(key.key);
  assert.equal(m.status, 200, JSON.stringify(m.body));
  assert.equal(m.body.auth, 'apikey');
  assert.equal(m.body.role, 'scanner');
  assert.equal(m.body.node.code, 'GZ-HUB');

  assertError(await api(base, 'POST', '/api/v1/auth/password', { token: key.key, body: { current_password: 'x', new_password: 'Brand2new9' } }), 403, 'auth.forbidden');
  assertError(await api(base, 'GET', '/api/v1/users', { token: key.key }), 403, 'auth.forbidden');

  const list = await api(base, 'GET', '/api/v1/apikeys', { token: admin });
  assert.equal(list.status, 200);
  const row = list.body.items.find((k) => k.id === key.id);
  assert.ok(row, 'listed');
  assert.equal(row.key, undefined, 'the key is shown only once');
  assert.ok(!JSON.stringify(list.body).includes(key.key), 'the list never contains a key');

  const d = await api(base, 'DELETE', `/api/v1/apikeys/${key.id}`, { token: admin });
  assert.equal(d.status, 204, JSON.stringify(d.body));
  assertError(await me(key.key), 401, 'auth.invalid_token');
  const after = (await api(base, 'GET', '/api/v1/apikeys', { token: admin })).body.items.find((k) => k.id === key.id);
  assert.ok(after && after.revoked_at !== null, 'revoked_at set');
  assert.match(after.revoked_at, RFC3339_CN);
  assertError(await api(base, 'DELETE', '/api/v1/apikeys/987654321', { token: admin }), 404, 'apikey.not_found');

  assertError(await me('pdk_' + 'A'.repeat(40)), 401, 'auth.invalid_token');
  for (const action of ['apikey.create', 'apikey.revoke']) {
    const e = await audit(base, admin, { action });
    assert.ok(e.some((x) => String(x.object_id) === String(key.id)), `${action} audited`);
  }
  assert.ok(!JSON.stringify(await audit(base, admin)).includes(key.key), 'the key itself is never in the audit log');
});

test('API keys: a human role is refused with 422 user.role_invalid, nothing is created', async () => {
  const before = (await api(base, 'GET', '/api/v1/apikeys', { token: admin })).body.items.length;
  for (const role of ['agent', 'admin']) {
    assertError(await api(base, 'POST', '/api/v1/apikeys', { token: admin, body: { name: 'nope', role, node_code: 'GZ-HUB' } }), 422, 'user.role_invalid');
  }
  assertError(await api(base, 'POST', '/api/v1/apikeys', { token: admin, body: { name: 'nope', role: 'scanner', node_code: 'NOPE-9' } }), 404, 'node.not_found', 'node_code');
  assert.equal((await api(base, 'GET', '/api/v1/apikeys', { token: admin })).body.items.length, before);
});

test('login rate limit: the 31st attempt within a minute from one address gets 429; other addresses do not', async () => {
  // A private source address (any 127.0.0.0/8 address reaches the server),
  // so this test does not block the other tests' logins from 127.0.0.1.
  const from = '127.0.0.77';
  const attempt = (username, password, headers = {}) => raw(base, {
    method: 'POST', path: '/api/v1/auth/login', localAddress: from,
    headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ username, password }),
  });
  const t0 = Date.now();
  let first429 = 0;
  for (let i = 1; i <= 40 && Date.now() - t0 < 50e3; i++) {
    // Unknown user names: no account gets locked on the way.
    const r = await attempt(`rl.nobody.${i}`, 'Wrong12345');
    if (r.status === 429) { first429 = i; assertError(r, 429, 'request.rate_limited'); break; }
    assertError(r, 401, 'auth.bad_credentials');
  }
  assert.equal(first429, 31, `30 attempts allowed, the 31st refused (first 429 at ${first429})`);
  assert.ok(Date.now() - t0 < 60e3, 'all within a minute');
  // Still limited with the right password, and X-Forwarded-For is not trusted by default.
  assertError(await attempt('agent', DEMO_PASSWORD), 429, 'request.rate_limited');
  assertError(await attempt('agent', DEMO_PASSWORD, { 'x-forwarded-for': '10.1.2.3' }), 429, 'request.rate_limited');
  // Another address is not affected.
  const other = await raw(base, {
    method: 'POST', path: '/api/v1/auth/login', localAddress: '127.0.0.78',
    headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'agent', password: DEMO_PASSWORD }),
  });
  assert.equal(other.status, 200, other.text);
});
