// Hostile and sloppy input on the two create endpoints (POST /api/v1/users
// and POST /api/v1/nodes) and at the HTTP layer: every refusal is a clear
// 4xx naming the field at fault, and writes nothing; text that looks like
// SQL, quotes, emoji or LIKE wildcards round-trips byte for byte.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, login } from '../lib/harness.mjs';
import { raw, assertError, createUser, listUsers, usernameFree, userBody, GOOD_PASSWORD } from './lib/http.mjs';

let srv, base, admin;
before(async () => {
  srv = await startServer();
  base = srv.url;
  admin = await login(base, 'admin');
});
after(async () => { await srv?.stop(); });

/** POST a raw body (string or Buffer) with a JSON content type, as admin. */
const postRaw = (path, body, headers = {}) => raw(base, {
  method: 'POST', path, body,
  headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json', ...headers },
});
const postUser = (body) => api(base, 'POST', '/api/v1/users', { token: admin, body });
const postNode = (body) => api(base, 'POST', '/api/v1/nodes', { token: admin, body });
const nodeBody = (code, over = {}) => ({ code, name: `测试网点 ${code}`, type: 'outlet', parent_code: 'GD-SZ', ...over });

async function assertNoNode(code) {
  assertError(await api(base, 'GET', `/api/v1/nodes/${encodeURIComponent(code)}`, { token: admin }), 404, 'node.not_found');
}
async function assertNoUser(username) {
  assert.ok(await usernameFree(base, admin, username), `${username} must not have been created`);
}

const ENDPOINTS = [
  { path: '/api/v1/users', valid: userBody('shape.user'), check: () => assertNoUser('shape.user') },
  { path: '/api/v1/nodes', valid: nodeBody('SHAPE-1'), check: () => assertNoNode('SHAPE-1') },
];

test('malformed JSON, non-objects and an empty body are 400 and write nothing', async () => {
  for (const ep of ENDPOINTS) {
    const text = JSON.stringify(ep.valid);
    for (const bad of [text.slice(0, -1), text + '}', text.replace(':', ''), "{'username':'x'}", '{"a":1,}', text + ' trailing']) {
      assertError(await postRaw(ep.path, bad), 400, 'json.malformed');
    }
    for (const notObj of ['[]', JSON.stringify([ep.valid]), '"text"', '42', 'null', 'true']) {
      assertError(await postRaw(ep.path, notObj), 400, 'json.not_object');
    }
    // api.md names no code for an empty body; either of these is a clear answer.
    const empty = await postRaw(ep.path, '');
    assert.equal(empty.status, 400, `empty body on ${ep.path}: ${empty.text}`);
    assert.ok(['json.malformed', 'json.not_object'].includes(empty.body.error.code), `empty body code ${empty.body.error.code}`);
    await ep.check();
  }
});

test('wrong type for each field → 400 json.type naming the field', async () => {
  const userCases = { username: 123, display_name: true, role: 5, node_code: ['GD-SZ'], password: { p: 1 }, phone: 13800138000 };
  for (const [field, value] of Object.entries(userCases)) {
    assertError(await postUser({ ...userBody('type.user'), [field]: value }), 400, 'json.type', field);
  }
  await assertNoUser('type.user');
  const nodeCases = { code: 12, name: false, type: 3, parent_code: [], region: 5, utc_offset_min: '480' };
  for (const [field, value] of Object.entries(nodeCases)) {
    assertError(await postNode({ ...nodeBody('TYPE-1'), [field]: value }), 400, 'json.type', field);
  }
  assertError(await postNode({ ...nodeBody('TYPE-1'), utc_offset_min: 480.5 }), 400, 'json.type', 'utc_offset_min');
  await assertNoNode('TYPE-1');
});

test('unknown fields → 400 json.unknown_field naming the field (also when its value is an object)', async () => {
  assertError(await postUser({ ...userBody('unk.user'), nickname: 'x' }), 400, 'json.unknown_field', 'nickname');
  assertError(await postUser({ ...userBody('unk.user'), node: { code: 'GD-SZ' } }), 400, 'json.unknown_field', 'node');
  assertError(await postUser({ ...userBody('unk.user'), is_admin: true }), 400, 'json.unknown_field', 'is_admin');
  await assertNoUser('unk.user');
  assertError(await postNode({ ...nodeBody('UNK-1'), manager: 'x' }), 400, 'json.unknown_field', 'manager');
  assertError(await postNode({ ...nodeBody('UNK-1'), address: { city: '深圳市' } }), 400, 'json.unknown_field', 'address');
  await assertNoNode('UNK-1');
});

test('each missing required field → 400 json.missing naming it', async () => {
  for (const field of ['username', 'display_name', 'role', 'node_code', 'password']) {
    const b = userBody('miss.user');
    delete b[field];
    assertError(await postUser(b), 400, 'json.missing', field);
  }
  await assertNoUser('miss.user');
  assertError(await postUser({}), 400, 'json.missing');
  for (const field of ['code', 'name', 'type', 'parent_code']) {
    const b = nodeBody('MISS-1');
    delete b[field];
    assertError(await postNode(b), 400, 'json.missing', field);
  }
  await assertNoNode('MISS-1');
  // Optional fields may be left out.
  const noPhone = await postUser(userBody('no.phone'));
  assert.equal(noPhone.status, 201, JSON.stringify(noPhone.body));
});

test('phone: written as people write it, stored canonical; nonsense refused naming the field', async () => {
  const ok = await postUser(userBody('phone.ok', { phone: '+86 138-0013-8000' }));
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  assert.equal(ok.body.phone, '13800138000');
  const landline = await postUser(userBody('phone.land', { phone: '0755 8600 1234 转 8' }));
  assert.equal(landline.status, 201, JSON.stringify(landline.body));
  assert.equal(landline.body.phone, '0755-86001234-8');
  for (const phone of ['12345', '1280013800', 'call me', '138001380001']) {
    assertError(await postUser(userBody('phone.bad', { phone })), 400, 'phone.invalid', 'phone');
  }
  await assertNoUser('phone.bad');
});

test('display_name: 64 Chinese characters accepted, 65 → json.too_long, empty → json.too_short', async () => {
  const d64 = '网'.repeat(64);
  const ok = await postUser(userBody('len.ok', { display_name: d64 }));
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  assert.equal(ok.body.display_name, d64);
  const back = await api(base, 'GET', `/api/v1/users/${ok.body.id}`, { token: admin });
  assert.equal(back.body.display_name, d64);
  // 64 four-byte characters are 64 characters too (length is counted in characters, not bytes).
  const e64 = '📦'.repeat(64);
  const emoji = await postUser(userBody('len.emoji', { display_name: e64 }));
  assert.equal(emoji.status, 201, `64 emoji (256 bytes): ${JSON.stringify(emoji.body)}`);
  assert.equal(emoji.body.display_name, e64);
  assert.equal((await api(base, 'GET', `/api/v1/users/${emoji.body.id}`, { token: admin })).body.display_name, e64);
  assert.equal((await api(base, 'POST', '/api/v1/auth/login', { body: { username: 'len.emoji', password: GOOD_PASSWORD } })).status, 200);

  assertError(await postUser(userBody('len.long', { display_name: '网'.repeat(65) })), 400, 'json.too_long', 'display_name');
  assertError(await postUser(userBody('len.long', { display_name: 'a'.repeat(65) })), 400, 'json.too_long', 'display_name');
  assertError(await postUser(userBody('len.long', { display_name: '' })), 400, 'json.too_short', 'display_name');
  await assertNoUser('len.long');
});

test('bad enums and formats → 400 json.enum / json.format naming the field', async () => {
  assertError(await postUser(userBody('enum.user', { role: 'king' })), 400, 'json.enum', 'role');
  assertError(await postUser(userBody('enum.user', { role: 'Agent' })), 400, 'json.enum', 'role');
  await assertNoUser('enum.user');
  for (const username of ['Bad Name', 'UPPER', 'name@host', '张三', 'tab\tname']) {
    assertError(await postUser(userBody(username)), 400, 'json.format', 'username');
  }
  // Lengths are reported as lengths, the character set as a format.
  assertError(await postUser(userBody('a')), 400, 'json.too_short', 'username');
  assertError(await postUser(userBody('a'.repeat(65))), 400, 'json.too_long', 'username');
  const u64 = 'u'.repeat(64);
  assert.equal((await postUser(userBody(u64))).status, 201, '64-character user name accepted');

  assertError(await postNode(nodeBody('ENUM-1', { type: 'village' })), 400, 'json.enum', 'type');
  await assertNoNode('ENUM-1');
  // Lengths are reported as lengths, the character set as a format.
  for (const code of ['gd-x', 'GD X', 'GD_X', 'Ü-1', '-GD']) {
    assertError(await postNode(nodeBody(code)), 400, 'json.format', 'code');
  }
  assertError(await postNode(nodeBody('A')), 400, 'json.too_short', 'code');
  assertError(await postNode(nodeBody('X'.repeat(33))), 400, 'json.too_long', 'code');
  await assertNoNode('GD-X');
  assert.equal((await postNode(nodeBody('X'.repeat(32)))).status, 201, '32-character code accepted');
  assertError(await postNode(nodeBody('RANGE-1', { utc_offset_min: 100000 })), 400, 'json.range', 'utc_offset_min');
  await assertNoNode('RANGE-1');
});

test('node business rules: parent in scope, type fits, no duplicates', async () => {
  const ok = await postNode(nodeBody('SZ-NEW1', { name: '深圳新网点', region: 'CN', utc_offset_min: 480 }));
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  assert.equal(ok.body.code, 'SZ-NEW1');
  assert.equal(ok.body.name, '深圳新网点');
  assert.equal(ok.body.type, 'outlet');
  assert.equal(ok.body.parent_code, 'GD-SZ');
  assert.equal(ok.body.utc_offset_min, 480);
  assert.equal(ok.body.active, true);
  const gdsz = await api(base, 'GET', '/api/v1/nodes/GD-SZ', { token: admin });
  assert.equal(ok.body.depth, gdsz.body.depth + 1);
  assertError(await postNode(nodeBody('SZ-NEW1')), 409, 'node.exists');
  assertError(await postNode(nodeBody('NEW-2', { parent_code: 'NOPE-9' })), 404, 'node.not_found', 'parent_code');
  assertError(await postNode(nodeBody('NEW-2', { type: 'head_office', parent_code: 'GD' })), 422, 'node.parent_invalid');
  assertError(await postNode(nodeBody('NEW-2', { type: 'outlet', parent_code: 'SZ-NS01' })), 422, 'node.parent_invalid');
  assertError(await postNode(nodeBody('NEW-2', { type: 'branch_l1', parent_code: 'GD' })), 422, 'node.parent_invalid');
  await assertNoNode('NEW-2');
  const patched = await api(base, 'PATCH', '/api/v1/nodes/SZ-NEW1', { token: admin, body: { name: '深圳新网点（改）' } });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  assert.equal(patched.body.name, '深圳新网点（改）');
  assertError(await api(base, 'PATCH', '/api/v1/nodes/SZ-NEW1', { token: admin, body: { code: 'X-1' } }), 400, 'json.unknown_field', 'code');
  assertError(await api(base, 'PATCH', '/api/v1/nodes/SZ-NEW1', { token: admin, body: { active: 'no' } }), 400, 'json.type', 'active');
  assert.equal((await api(base, 'GET', '/api/v1/nodes/SZ-NEW1', { token: admin })).body.name, '深圳新网点（改）');
});

test('user business rules: duplicate name 409, machine role 422', async () => {
  await createUser(base, admin, 'dup.user');
  assertError(await postUser(userBody('dup.user', { display_name: '另一个' })), 409, 'user.exists');
  const all = await listUsers(base, admin, 'q=dup.user');
  assert.equal(all.filter((u) => u.username === 'dup.user').length, 1);
  assert.equal(all.find((u) => u.username === 'dup.user').display_name, '测试用户 dup.user', 'the first one is untouched');
  assertError(await postUser(userBody('machine.user', { role: 'customer_system' })), 422, 'user.role_invalid');
  assertError(await postUser(userBody('weak.user', { password: 'short' })), 422, 'auth.password_weak', 'password');
  await assertNoUser('machine.user');
  await assertNoUser('weak.user');
});

test('invalid UTF-8 in a body → 400 json.utf8_invalid', async () => {
  const pre = Buffer.from('{"username":"utf8.bad","display_name":"');
  const post = Buffer.from('","role":"agent","node_code":"GD-SZ","password":"Parcel2026ok"}');
  for (const bad of [[0xc3, 0x28], [0xff], [0xed, 0xa0, 0x80] /* UTF-16 surrogate */, [0xc0, 0xaf] /* overlong '/' */]) {
    const r = await postRaw('/api/v1/users', Buffer.concat([pre, Buffer.from(bad), post]));
    assertError(r, 400, 'json.utf8_invalid');
  }
  await assertNoUser('utf8.bad');
  const nodeRaw = Buffer.concat([Buffer.from('{"code":"UTF-1","name":"'), Buffer.from([0xc3, 0x28]), Buffer.from('","type":"outlet","parent_code":"GD-SZ"}')]);
  assertError(await postRaw('/api/v1/nodes', nodeRaw), 400, 'json.utf8_invalid');
  await assertNoNode('UTF-1');
  // A JSON \u escape of a lone surrogate is not valid text either.
  const esc = await postRaw('/api/v1/users', JSON.stringify(userBody('utf8.esc')).replace('测试用户', '\\ud800'));
  assert.equal(esc.status, 400, esc.text);
  await assertNoUser('utf8.esc');
});

test('a body over 1 MiB → 413 request.too_large (with Content-Length and chunked)', async () => {
  const big = JSON.stringify(userBody('big.user', { display_name: 'x'.repeat(1024 * 1024) }));
  assert.ok(big.length > 1024 * 1024);
  // The server answers 413 and closes while the client is still sending; a
  // reset can then discard the answer before the client reads it (TCP drops
  // unread data on RST). That is the network, not the server: try again, at
  // most three times — the answer, when it arrives, must be the 413.
  const again = async (send) => {
    for (let i = 1; ; i++) {
      try { return await send(); } catch (e) { if (i === 3) throw e; }
    }
  };
  assertError(await again(() => postRaw('/api/v1/users', big)), 413, 'request.too_large');
  const chunk = 'x'.repeat(64 * 1024);
  const pieces = ['{"username":"big.user","display_name":"', ...Array(20).fill(chunk), '","role":"agent","node_code":"GD-SZ","password":"Parcel2026ok"}'];
  const r = await again(() => raw(base, { method: 'POST', path: '/api/v1/users', chunks: pieces, headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' } }));
  assertError(r, 413, 'request.too_large');
  await assertNoUser('big.user');
  // The server is still healthy.
  assert.equal((await api(base, 'GET', '/healthz')).status, 200);
});

test('an over-long URL → 414 request.url_too_long', async () => {
  const r = await raw(base, { path: '/api/v1/nodes/' + 'A'.repeat(5000), headers: { authorization: `Bearer ${admin}` } });
  assertError(r, 414, 'request.url_too_long');
  const q = await raw(base, { path: '/api/v1/users?q=' + 'a'.repeat(5000), headers: { authorization: `Bearer ${admin}` } });
  assertError(q, 414, 'request.url_too_long');
});

test('routing: unknown route 404, wrong method 405 with Allow, wrong content type 415', async () => {
  for (const path of ['/api/v1/nope', '/api/v2/me', '/api/v1/users/1/extra/segments', '/api/v1/']) {
    assertError(await api(base, 'GET', path, { token: admin }), 404, 'route.not_found');
  }
  const del = await api(base, 'DELETE', '/api/v1/me', { token: admin });
  assertError(del, 405, 'route.method_not_allowed');
  const allow = (del.headers.get('allow') || '').split(',').map((s) => s.trim());
  assert.ok(allow.includes('GET'), `Allow lists GET: ${del.headers.get('allow')}`);
  assert.ok(!allow.includes('DELETE'), 'Allow does not list DELETE');
  const put = await api(base, 'PUT', '/api/v1/users', { token: admin, body: {} });
  assertError(put, 405, 'route.method_not_allowed');
  const allowUsers = (put.headers.get('allow') || '').split(',').map((s) => s.trim());
  for (const m of ['GET', 'POST']) assert.ok(allowUsers.includes(m), `Allow on /users lists ${m}: ${put.headers.get('allow')}`);

  const body = JSON.stringify(userBody('ctype.user'));
  assertError(await postRaw('/api/v1/users', body, { 'content-type': 'text/plain' }), 415, 'request.content_type');
  assertError(await postRaw('/api/v1/users', body, { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'request.content_type');
  await assertNoUser('ctype.user');
  const withCharset = await postRaw('/api/v1/users', body, { 'content-type': 'application/json; charset=utf-8' });
  assert.equal(withCharset.status, 201, `application/json; charset=utf-8 is JSON: ${withCharset.text}`);
});

test('text round-trips byte for byte and the users table keeps working', async () => {
  const names = [
    "'; DROP TABLE users; --",
    'Robert"); DELETE FROM users WHERE ("1"="1',
    'back\\slash \\\\ and \\"quote\\"',
    '"double" and \'single\' quotes',
    'emoji 📦🚚 parcel',
    '张三·李四',
    '100%_match',
    'e\u0301 combining + 𠀀 (U+20000)',
  ];
  const before = (await listUsers(base, admin)).length;
  const made = [];
  for (const [i, display_name] of names.entries()) {
    const r = await postUser(userBody(`rt.${i}`, { display_name }));
    assert.equal(r.status, 201, `${JSON.stringify(display_name)}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.display_name, display_name, 'create answer identical');
    made.push({ id: r.body.id, display_name });
  }
  for (const m of made) {
    const r = await api(base, 'GET', `/api/v1/users/${m.id}`, { token: admin });
    assert.equal(r.status, 200);
    assert.equal(r.body.display_name, m.display_name, `read back identical: ${JSON.stringify(m.display_name)}`);
    assert.equal(Buffer.compare(Buffer.from(r.body.display_name), Buffer.from(m.display_name)), 0);
  }
  const all = await listUsers(base, admin);
  assert.equal(all.length, before + made.length, 'every user still listed, none lost');
  assert.ok(all.some((u) => u.username === 'admin'), 'the users table still works');
  assert.equal((await api(base, 'POST', '/api/v1/auth/login', { body: { username: 'agent', password: 'Demo2026pass' } })).status, 200);
  // LIKE wildcards in a search are literal: "%_" finds only the name containing "%_".
  await createUser(base, admin, 'rt.wild', { display_name: '100xxmatch' });
  const hits = await listUsers(base, admin, new URLSearchParams({ q: '%_' }).toString());
  assert.ok(hits.some((u) => u.display_name === '100%_match'), 'the "%_" user is found');
  for (const u of hits) assert.ok(u.username.includes('%_') || u.display_name.includes('%_'), `"%_" matched ${u.username} / ${u.display_name}`);
  // SQL in a user name or search is just text.
  const q = await listUsers(base, admin, new URLSearchParams({ q: "' OR '1'='1" }).toString());
  assert.equal(q.length, 0, 'no user matches a quote-injection search');
  const odd = await api(base, 'GET', `/api/v1/users/${encodeURIComponent('1 OR 1=1')}`, { token: admin });
  assert.ok([400, 404].includes(odd.status), `a non-numeric user id is refused, got ${odd.status}`);
  assert.ok(!Array.isArray(odd.body.items) && odd.body.username === undefined, 'no user data for "1 OR 1=1"');
  assertError(await api(base, 'GET', `/api/v1/nodes/${encodeURIComponent("GD' OR '1'='1")}`, { token: admin }), 404, 'node.not_found');
});
