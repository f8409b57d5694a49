// The foundation issue's acceptance walk, end to end on one server: the
// administrator logs in and creates staff, a new agent logs in and is kept
// inside its own branch (records of another branch answer 404, as if they
// did not exist), and the audit log shows who did what, newest first, with
// the request id of each write.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, login, DEMO_PASSWORD } from '../lib/harness.mjs';
import { assertError, createUser, audit, loginRaw, RFC3339_CN, GOOD_PASSWORD } from './lib/http.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv?.stop(); });

test('acceptance walk: admin → new agent in Nanshan → cross-branch 404 → audit log', async (t) => {
  const base = srv.url;
  const s = {}; // state carried from step to step

  await t.test('admin logs in', async () => {
    const r = await loginRaw(base, 'admin', DEMO_PASSWORD, { 'x-request-id': 'walk-admin-login' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(typeof r.body.token, 'string');
    assert.ok(r.body.token.length >= 20, 'token looks random enough');
    assert.match(r.body.expires_at, RFC3339_CN);
    assert.ok(Date.parse(r.body.expires_at) > Date.now(), 'expires in the future');
    assert.equal(r.body.user.username, 'admin');
    assert.equal(r.headers.get('x-request-id'), 'walk-admin-login');
    s.admin = r.body.token;
  });

  await t.test('GET /me describes the administrator', async () => {
    const r = await api(base, 'GET', '/api/v1/me', { token: s.admin });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const me = r.body;
    assert.equal(me.username, 'admin');
    assert.equal(me.display_name, '系统管理员');
    assert.equal(me.role, 'admin');
    assert.equal(me.role_name, '系统管理员');
    assert.equal(me.node.code, 'HQ');
    assert.equal(me.node.name, '总公司');
    assert.equal(me.node.type, 'head_office');
    assert.equal(me.active, true);
    assert.equal(me.auth, 'session');
    assert.match(me.created_at, RFC3339_CN);
    for (const p of ['me', 'users.read', 'users.manage', 'audit.read', 'nodes.read', 'apikeys.manage', 'permissions.manage']) {
      assert.ok(me.permissions.includes(p), `admin holds ${p}: ${me.permissions}`);
    }
    s.adminId = me.id;
  });

  await t.test('admin creates an agent at outlet SZ-NS01 and a user in Shanghai', async () => {
    const r = await api(base, 'POST', '/api/v1/users', {
      token: s.admin,
      headers: { 'x-request-id': 'walk-create-agent' },
      body: { username: 'ns.agent', display_name: '南山 座席一', role: 'agent', node_code: 'SZ-NS01', password: GOOD_PASSWORD, phone: '13800138000' },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const u = r.body;
    assert.equal(u.username, 'ns.agent');
    assert.equal(u.display_name, '南山 座席一');
    assert.equal(u.role, 'agent');
    assert.equal(u.role_name, '座席/受理员');
    assert.deepEqual({ code: u.node.code, name: u.node.name, type: u.node.type }, { code: 'SZ-NS01', name: '深圳南山营业部', type: 'outlet' });
    assert.equal(u.active, true);
    assert.match(u.created_at, RFC3339_CN);
    assert.ok(Math.abs(Date.parse(u.created_at) - Date.now()) < 5 * 60e3, 'created_at is now');
    assert.equal(u.password, undefined, 'no password in the answer');
    assert.equal(u.password_hash, undefined, 'no hash in the answer');
    s.agent = u;

    s.shUser = await createUser(base, s.admin, 'pd.agent', { node_code: 'SH-PD01', display_name: '浦东 座席', phone: '13900139000' });
    assert.equal(s.shUser.node.code, 'SH-PD01');
    // A supervisor in Shenzhen: it holds users.read, so its 404 for the
    // Shanghai user can only come from network scoping.
    s.szSup = await createUser(base, s.admin, 'sz.supervisor', { role: 'supervisor', node_code: 'GD-SZ' });
  });

  await t.test('the new agent logs in and sees itself', async () => {
    const r = await loginRaw(base, 'ns.agent', GOOD_PASSWORD, { 'x-request-id': 'walk-agent-login' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.user.id, s.agent.id);
    s.agentToken = r.body.token;
    const me = await api(base, 'GET', '/api/v1/me', { token: s.agentToken });
    assert.equal(me.status, 200);
    assert.equal(me.body.id, s.agent.id);
    assert.equal(me.body.node.code, 'SZ-NS01');
    assert.equal(me.body.phone, '13800138000', 'own phone is not masked');
    assert.ok(!me.body.permissions.includes('users.manage'), 'an agent does not manage users');
    assert.ok(!me.body.permissions.includes('audit.read'), 'an agent does not read the audit log');
  });

  await t.test('the agent gets 404 for another branch’s node and sees only its own subtree', async () => {
    assertError(await api(base, 'GET', '/api/v1/nodes/SH-PD01', { token: s.agentToken }), 404, 'node.not_found');
    assertError(await api(base, 'GET', '/api/v1/nodes/GD', { token: s.agentToken }), 404, 'node.not_found');
    const own = await api(base, 'GET', '/api/v1/nodes/SZ-NS01', { token: s.agentToken });
    assert.equal(own.status, 200, JSON.stringify(own.body));
    assert.equal(own.body.code, 'SZ-NS01');
    const all = await api(base, 'GET', '/api/v1/nodes', { token: s.agentToken });
    assert.equal(all.status, 200);
    assert.deepEqual(all.body.items.map((n) => n.code), ['SZ-NS01']);
  });

  await t.test('the agent cannot read users at all (no users.read: 403, not a leak)', async () => {
    // api.md: "agent: no users.*" and "Permission missing for the role → 403".
    assertError(await api(base, 'GET', `/api/v1/users/${s.shUser.id}`, { token: s.agentToken }), 403, 'auth.forbidden');
  });

  await t.test('a Shenzhen supervisor gets 404 for the Shanghai user, 200 for its own branch', async () => {
    const tok = await login(base, 'sz.supervisor', GOOD_PASSWORD);
    assertError(await api(base, 'GET', `/api/v1/users/${s.shUser.id}`, { token: tok }), 404, 'user.not_found');
    assertError(await api(base, 'GET', `/api/v1/users/${s.adminId}`, { token: tok }), 404, 'user.not_found');
    const own = await api(base, 'GET', `/api/v1/users/${s.agent.id}`, { token: tok });
    assert.equal(own.status, 200, JSON.stringify(own.body));
    assert.equal(own.body.username, 'ns.agent');
    // An id that exists nowhere answers exactly like one out of scope.
    const none = await api(base, 'GET', '/api/v1/users/987654321', { token: tok });
    assertError(none, 404, 'user.not_found');
    const out = await api(base, 'GET', `/api/v1/users/${s.shUser.id}`, { token: tok });
    assert.equal(out.body.error.message, none.body.error.message, 'out of scope is indistinguishable from absent');
  });

  await t.test('admin reads the Shanghai user: full phone; the list masks it', async () => {
    const r = await api(base, 'GET', `/api/v1/users/${s.shUser.id}`, { token: s.admin, headers: { 'x-request-id': 'walk-read-personal' } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.phone, '13900139000');
    const list = await api(base, 'GET', '/api/v1/users?q=pd.agent&limit=50', { token: s.admin });
    assert.equal(list.status, 200);
    const row = list.body.items.find((u) => u.id === s.shUser.id);
    assert.ok(row, 'pd.agent is in the list');
    assert.equal(row.phone, '139****9000');
  });

  await t.test('the audit log shows the walk, newest first', async () => {
    const items = await audit(base, s.admin);
    assert.ok(items.length >= 5, `at least 5 entries, got ${items.length}`);
    for (let i = 1; i < items.length; i++) {
      assert.ok(Date.parse(items[i - 1].at) >= Date.parse(items[i].at), `newest first at ${i}`);
    }
    for (const e of items) {
      assert.match(e.at, RFC3339_CN);
      assert.equal(typeof e.action, 'string');
      assert.ok(e.actor && typeof e.actor === 'object', 'actor object');
    }
    const find = (pred, what) => { const e = items.find(pred); assert.ok(e, `${what} in ${JSON.stringify(items.map((x) => x.action))}`); return e; };

    const adminLogin = find((e) => e.action === 'auth.login' && e.request_id === 'walk-admin-login', 'admin auth.login');
    assert.equal(adminLogin.actor.id, s.adminId);
    assert.equal(adminLogin.actor.name, 'admin');
    assert.equal(typeof adminLogin.actor.kind, 'string');
    assert.equal(adminLogin.ip, '127.0.0.1');

    const create = find((e) => e.action === 'user.create' && String(e.object_id) === String(s.agent.id), 'user.create of ns.agent');
    assert.equal(create.actor.id, s.adminId);
    assert.equal(create.object_type, 'user');
    assert.equal(create.request_id, 'walk-create-agent');
    assert.equal(create.node_code, 'SZ-NS01');
    assert.ok(!JSON.stringify(create.detail ?? null).includes(GOOD_PASSWORD), 'no password in the audit detail');

    const agentLogin = find((e) => e.action === 'auth.login' && e.actor.id === s.agent.id, 'ns.agent auth.login');
    assert.equal(agentLogin.request_id, 'walk-agent-login');

    const personal = find((e) => e.action === 'user.read_personal' && String(e.object_id) === String(s.shUser.id), 'user.read_personal');
    assert.equal(personal.actor.id, s.adminId);
    assert.equal(personal.request_id, 'walk-read-personal');

    // Ordering of this walk's own writes: the read happened after the create.
    assert.ok(items.indexOf(personal) < items.indexOf(create), 'newer entries come first');

    // Refusals are not writes: the agent's 404s and 403 left nothing.
    assert.ok(!items.some((e) => e.actor.id === s.agent.id && e.action !== 'auth.login'), 'agent did no writes');
    // Filter by action.
    const creates = await audit(base, s.admin, { action: 'user.create' });
    assert.ok(creates.length >= 3, 'three users created in this walk');
    assert.ok(creates.every((e) => e.action === 'user.create'), 'filter keeps only user.create');
    // Filter by actor.
    const mine = await audit(base, s.admin, { actor_id: String(s.agent.id) });
    assert.ok(mine.length >= 1 && mine.every((e) => e.actor.id === s.agent.id), 'actor filter');
  });

  await t.test('audit pagination (next_before) and the object filter', async () => {
    const all = await audit(base, s.admin);
    const seen = [];
    let before = null;
    for (let page = 0; page < 100; page++) {
      const q = new URLSearchParams({ limit: '2' });
      if (before !== null) q.set('before', String(before));
      const r = await api(base, 'GET', `/api/v1/audit?${q}`, { token: s.admin });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.ok(r.body.items.length <= 2, 'limit respected');
      seen.push(...r.body.items.map((e) => e.id));
      if (r.body.next_before === null) break;
      before = r.body.next_before;
    }
    assert.equal(new Set(seen).size, seen.length, 'no entry twice across pages');
    // Reading the log writes nothing, so the pages add up to exactly what `all` showed.
    assert.deepEqual(seen, all.map((e) => e.id), 'pages concatenate to the whole log, newest first');
    const obj = await audit(base, s.admin, { object_type: 'user', object_id: String(s.shUser.id) });
    assert.ok(obj.length >= 2, 'user.create and user.read_personal of pd.agent');
    assert.ok(obj.every((e) => e.object_type === 'user' && String(e.object_id) === String(s.shUser.id)), 'object filter');
    assertError(await api(base, 'GET', '/api/v1/audit?limit=abc', { token: s.admin }), 400, 'query.invalid', 'limit');
    assertError(await api(base, 'GET', '/api/v1/audit?colour=red', { token: s.admin }), 400, 'query.unknown_parameter', 'colour');
  });
});
