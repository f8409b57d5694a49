// Access control: every protected endpoint refuses a request without
// credentials (401 auth.required) or with bad ones (401 auth.invalid_token);
// a role without the permission gets 403 auth.forbidden and writes nothing;
// and network scoping hides everything outside the caller's node subtree
// (404, exactly as if it did not exist).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, login } from '../lib/harness.mjs';
import { assertError, createUser, listUsers, usernameFree, userBody, pollUntil } from './lib/http.mjs';

let srv, base, admin;
before(async () => {
  srv = await startServer();
  base = srv.url;
  admin = await login(base, 'admin');
});
after(async () => { await srv?.stop(); });

const GD_SUBTREE = ['GD', 'GD-SZ', 'SZ-NS01', 'SZ-FT01', 'GZ-TH01', 'GZ-HUB'];
const HQ_USERS = ['admin', 'legal', 'analyst'];
const GD_USERS = ['supervisor', 'manager', 'complaint_handler', 'claims_handler', 'account_manager',
  'agent', 'inquiry_clerk', 'dispatcher', 'resident_agent', 'courier'];

// [method, path, body] for every protected endpoint of the foundation API.
const PROTECTED = [
  ['GET', '/api/v1/me'],
  ['POST', '/api/v1/auth/password', { current_password: 'Demo2026pass', new_password: 'Other2026pass' }],
  ['GET', '/api/v1/nodes'],
  ['GET', '/api/v1/nodes/GD'],
  ['POST', '/api/v1/nodes', { code: 'SZ-NEW1', name: '新网点', type: 'outlet', parent_code: 'GD-SZ' }],
  ['PATCH', '/api/v1/nodes/GD', { name: '改名' }],
  ['GET', '/api/v1/users'],
  ['GET', '/api/v1/users/1'],
  ['POST', '/api/v1/users', userBody('anon.user')],
  ['PATCH', '/api/v1/users/1', { display_name: '改名' }],
  ['GET', '/api/v1/apikeys'],
  ['POST', '/api/v1/apikeys', { name: 'k', role: 'scanner', node_code: 'GZ-HUB' }],
  ['DELETE', '/api/v1/apikeys/1'],
  ['GET', '/api/v1/audit'],
  ['GET', '/api/v1/permissions'],
  ['PUT', '/api/v1/permissions/agent', { permissions: ['me'] }],
];

test('every protected endpoint without credentials → 401 auth.required', async () => {
  for (const [method, path, body] of PROTECTED) {
    const r = await api(base, method, path, { body });
    assertError(r, 401, 'auth.required');
    assert.ok(r.headers.get('x-request-id'), `${method} ${path} has X-Request-Id`);
  }
});

test('every protected endpoint with a garbage or unknown token → 401 auth.invalid_token', async () => {
  const bad = [
    { authorization: 'Bearer garbage' },
    { authorization: 'Bearer ' + 'a'.repeat(64) },
    { authorization: 'Bearer pdk_' + 'Z'.repeat(40) },
    { cookie: 'pd_session=garbage' },
  ];
  for (const [method, path, body] of PROTECTED) {
    for (const headers of bad) {
      const r = await api(base, method, path, { body, headers });
      assertError(r, 401, 'auth.invalid_token');
    }
  }
});

test('the refused writes above changed nothing', async () => {
  assert.ok(await usernameFree(base, admin, 'anon.user'), 'anon.user not created');
  assertError(await api(base, 'GET', '/api/v1/nodes/SZ-NEW1', { token: admin }), 404, 'node.not_found');
  const gd = await api(base, 'GET', '/api/v1/nodes/GD', { token: admin });
  assert.equal(gd.body.name, '广东省分公司');
  assert.equal((await login(base, 'agent')).length > 0, true, 'agent password unchanged');
});

test('roles without the permission get 403 auth.forbidden and write nothing', async () => {
  const agent = await login(base, 'agent');
  const courier = await login(base, 'courier');
  assertError(await api(base, 'POST', '/api/v1/users', { token: agent, body: userBody('by.agent', { node_code: 'GD-SZ' }) }), 403, 'auth.forbidden');
  assert.ok(await usernameFree(base, admin, 'by.agent'), 'by.agent not created');
  assertError(await api(base, 'GET', '/api/v1/audit', { token: agent }), 403, 'auth.forbidden');
  assertError(await api(base, 'GET', '/api/v1/users', { token: courier }), 403, 'auth.forbidden');
  assertError(await api(base, 'GET', '/api/v1/apikeys', { token: agent }), 403, 'auth.forbidden');
  assertError(await api(base, 'PUT', '/api/v1/permissions/agent', { token: agent, body: { permissions: ['me', 'users.manage'] } }), 403, 'auth.forbidden');
  const me = await api(base, 'GET', '/api/v1/me', { token: agent });
  assert.ok(!me.body.permissions.includes('users.manage'), 'the agent did not grant itself users.manage');
  // Bad input from a caller without the permission is still 403, not 400:
  // nothing about the endpoint is revealed.
  assertError(await api(base, 'POST', '/api/v1/users', { token: agent, body: { nonsense: true } }), 403, 'auth.forbidden');
});

test('supervisor@GD sees GD’s subtree in GET /nodes, in path order, and nothing of SH or HQ', async () => {
  const sup = await login(base, 'supervisor');
  const r = await api(base, 'GET', '/api/v1/nodes', { token: sup });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const codes = r.body.items.map((n) => n.code);
  assert.deepEqual([...codes].sort(), [...GD_SUBTREE].sort());
  assert.equal(codes[0], 'GD', 'the caller’s node comes first');
  // Ordered by path: every node comes after its parent.
  for (const n of r.body.items) {
    if (n.code !== 'GD') assert.ok(codes.indexOf(n.parent_code) < codes.indexOf(n.code), `${n.code} after ${n.parent_code}`);
  }
  const sz = r.body.items.find((n) => n.code === 'SZ-NS01');
  assert.equal(sz.name, '深圳南山营业部');
  assert.equal(sz.type, 'outlet');
  assert.equal(typeof sz.type_name, 'string');
  assert.equal(sz.parent_code, 'GD-SZ');
  assert.equal(typeof sz.depth, 'number');
  assert.equal(sz.depth, r.body.items.find((n) => n.code === 'GD-SZ').depth + 1);
  assert.equal(sz.active, true);
  for (const code of ['SH-PD01', 'SH', 'HQ', 'SH-HUB']) {
    assertError(await api(base, 'GET', `/api/v1/nodes/${code}`, { token: sup }), 404, 'node.not_found');
  }
  const own = await api(base, 'GET', '/api/v1/nodes/SZ-FT01', { token: sup });
  assert.equal(own.status, 200);
  assert.equal(own.body.code, 'SZ-FT01');
  // Admin at HQ sees the whole network, HQ first with no parent.
  const all = await api(base, 'GET', '/api/v1/nodes', { token: admin });
  assert.equal(all.body.items[0].code, 'HQ');
  assert.equal(all.body.items[0].parent_code, null);
  for (const c of ['SH', 'SH-PD01', 'SH-HUB', ...GD_SUBTREE]) assert.ok(all.body.items.some((n) => n.code === c), `admin sees ${c}`);
});

test('GET /users as supervisor@GD lists only users within GD; others answer 404', async () => {
  const sup = await login(base, 'supervisor');
  const shUser = await createUser(base, admin, 'sh.staff', { node_code: 'SH-PD01' });
  const items = await listUsers(base, sup);
  const names = items.map((u) => u.username);
  for (const u of items) assert.ok(GD_SUBTREE.includes(u.node.code), `${u.username} at ${u.node.code} is inside GD`);
  for (const n of GD_USERS) assert.ok(names.includes(n), `${n} listed`);
  for (const n of [...HQ_USERS, 'sh.staff']) assert.ok(!names.includes(n), `${n} not listed`);
  // Other people's phones are masked in the list.
  for (const u of items) if (u.phone && u.username !== 'supervisor') assert.match(u.phone, /^\d{3}\*{4}\d{4}$/, `${u.username} phone masked`);
  assertError(await api(base, 'GET', `/api/v1/users/${shUser.id}`, { token: sup }), 404, 'user.not_found');
  // Search cannot reach outside the subtree either.
  const q = await listUsers(base, sup, 'q=admin');
  assert.ok(!q.some((u) => u.username === 'admin'), 'q=admin finds nothing outside GD');
  const role = await listUsers(base, sup, 'role=legal');
  assert.equal(role.length, 0, 'no legal user inside GD');
});

test('GET /users pagination: next_after walks every row exactly once', async () => {
  const seen = new Set();
  let after = null;
  for (let page = 0; page < 40; page++) {
    const r = await api(base, 'GET', `/api/v1/users?limit=3${after === null ? '' : `&after=${after}`}`, { token: admin });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(r.body.items.length <= 3, 'limit respected');
    for (const u of r.body.items) { assert.ok(!seen.has(u.id), `user ${u.id} seen twice`); seen.add(u.id); }
    if (r.body.next_after === null) break;
    after = r.body.next_after;
  }
  const all = await listUsers(base, admin);
  assert.equal(seen.size, all.length);
  assert.ok(seen.size >= 13, 'the 13 demo users at least');
});

test('manager@GD creates users under GD, not outside it, and not administrators', async () => {
  const mgr = await login(base, 'manager');
  const ok = await api(base, 'POST', '/api/v1/users', { token: mgr, body: userBody('ft.agent', { node_code: 'SZ-FT01' }) });
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  assert.equal(ok.body.node.code, 'SZ-FT01');

  for (const node of ['SH-PD01', 'HQ', 'NOPE-9']) {
    const r = await api(base, 'POST', '/api/v1/users', { token: mgr, body: userBody(`x.${node.toLowerCase()}`, { node_code: node }) });
    assertError(r, 404, 'node.not_found', 'node_code');
    assert.ok(await usernameFree(base, admin, `x.${node.toLowerCase()}`), `nothing written for ${node}`);
  }
  assertError(await api(base, 'POST', '/api/v1/users', { token: mgr, body: userBody('gd.admin', { role: 'admin', node_code: 'GD' }) }), 403, 'auth.forbidden');
  assert.ok(await usernameFree(base, admin, 'gd.admin'), 'no admin created');
  // Nor promote someone to admin, nor move them out of GD.
  assertError(await api(base, 'PATCH', `/api/v1/users/${ok.body.id}`, { token: mgr, body: { role: 'admin' } }), 403, 'auth.forbidden');
  assertError(await api(base, 'PATCH', `/api/v1/users/${ok.body.id}`, { token: mgr, body: { node_code: 'SH-PD01' } }), 404, 'node.not_found', 'node_code');
  const still = await api(base, 'GET', `/api/v1/users/${ok.body.id}`, { token: admin });
  assert.equal(still.body.role, 'agent');
  assert.equal(still.body.node.code, 'SZ-FT01');
  // Users outside GD cannot be changed: 404.
  const sh = await createUser(base, admin, 'sh.other', { node_code: 'SH-HUB' });
  assertError(await api(base, 'PATCH', `/api/v1/users/${sh.id}`, { token: mgr, body: { display_name: '改' } }), 404, 'user.not_found');
  // An administrator may create an administrator.
  const a2 = await api(base, 'POST', '/api/v1/users', { token: admin, body: userBody('second.admin', { role: 'admin', node_code: 'HQ' }) });
  assert.equal(a2.status, 201, JSON.stringify(a2.body));
  // Machine roles are not for people.
  assertError(await api(base, 'POST', '/api/v1/users', { token: admin, body: userBody('a.scanner', { role: 'scanner' }) }), 422, 'user.role_invalid');
  assert.ok(await usernameFree(base, admin, 'a.scanner'));
});

test('permission matrix: readable, editable by admin, admin keeps permissions.manage, changes take effect', async () => {
  const r = await api(base, 'GET', '/api/v1/permissions', { token: admin });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const sup = r.body.roles.find((x) => x.role === 'supervisor');
  assert.ok(sup && sup.human === true && sup.permissions.includes('users.read'), 'supervisor holds users.read');
  assert.equal(r.body.roles.find((x) => x.role === 'scanner').human, false);
  assert.ok(r.body.permissions.some((p) => p.name === 'audit.read' && typeof p.title === 'string'));

  const adminPerms = r.body.roles.find((x) => x.role === 'admin').permissions;
  // api.md: removing permissions.manage from admin is refused with 422 (no code named).
  const refuse = await api(base, 'PUT', '/api/v1/permissions/admin', { token: admin, body: { permissions: adminPerms.filter((p) => p !== 'permissions.manage') } });
  assert.equal(refuse.status, 422, JSON.stringify(refuse.body));
  assert.match(refuse.body.error.code, /^[a-z_]+\.[a-z_]+$/);
  assertError(await api(base, 'PUT', '/api/v1/permissions/supervisor', { token: admin, body: { permissions: [...sup.permissions, 'fly.to.moon'] } }), 400, 'permission.unknown');
  const again = await api(base, 'GET', '/api/v1/permissions', { token: admin });
  assert.deepEqual(again.body.roles.find((x) => x.role === 'admin').permissions.slice().sort(), adminPerms.slice().sort(), 'admin unchanged');
  assert.deepEqual(again.body.roles.find((x) => x.role === 'supervisor').permissions.slice().sort(), sup.permissions.slice().sort(), 'supervisor unchanged');

  // Take users.read from supervisors: their GET /users turns 403; give it back: 200.
  const supTok = await login(base, 'supervisor');
  const cut = await api(base, 'PUT', '/api/v1/permissions/supervisor', { token: admin, body: { permissions: sup.permissions.filter((p) => p !== 'users.read') } });
  assert.equal(cut.status, 200, JSON.stringify(cut.body));
  const refused = await pollUntil(async () => (await api(base, 'GET', '/api/v1/users', { token: supTok })).status === 403, { timeoutMs: 10000 });
  assert.ok(refused, 'within 10 s of the change the supervisor is refused users.read');
  const back = await api(base, 'PUT', '/api/v1/permissions/supervisor', { token: admin, body: { permissions: sup.permissions } });
  assert.equal(back.status, 200, JSON.stringify(back.body));
  const allowed = await pollUntil(async () => (await api(base, 'GET', '/api/v1/users', { token: supTok })).status === 200, { timeoutMs: 10000 });
  assert.ok(allowed, 'within 10 s of the change back the supervisor reads users again');
  const audit = await api(base, 'GET', '/api/v1/audit?action=permission.update&limit=10', { token: admin });
  assert.equal(audit.status, 200);
  assert.ok(audit.body.items.length >= 2, 'both changes audited');
});
