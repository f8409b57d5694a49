// Untrusted text that ends up in fixed-size fields — a failed login's user
// name in the audit log, the User-Agent stored with a session — is kept as
// valid UTF-8 (cut between characters, broken bytes replaced), so neither
// the database (PostgreSQL refuses broken UTF-8) nor the JSON encoder can
// lose the record.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, login, DEMO_PASSWORD } from '../lib/harness.mjs';
import { raw } from './lib/http.mjs';

let srv, base, admin;
before(async () => {
  srv = await startServer();
  base = srv.url;
  admin = await login(base, 'admin');
});
after(async () => { await srv?.stop(); });

test('a failed login with a long Chinese user name is audited and listed', async () => {
  const name = '张'.repeat(64); // 192 bytes: longer than the audit's object_id field
  const r = await raw(base, {
    method: 'POST', path: '/api/v1/auth/login', localAddress: '127.0.9.9',
    headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: name, password: 'x' }),
  });
  assert.equal(r.status, 401, r.text);
  const list = await api(base, 'GET', '/api/v1/audit?action=auth.login_failed&limit=5', { token: admin });
  assert.equal(list.status, 200, JSON.stringify(list.body));
  const entry = list.body.items.find((e) => e.object_id.startsWith('张'));
  assert.ok(entry, 'the entry is listed');
  assert.match(entry.object_id, /^张+$/, 'cut between characters');
  assert.ok(entry.object_id.length < 64);
});

test('a User-Agent with bytes that are not UTF-8 does not break the login', async () => {
  const r = await raw(base, {
    method: 'POST', path: '/api/v1/auth/login', localAddress: '127.0.9.10',
    headers: { 'content-type': 'application/json', 'user-agent': 'PDA-7 \xff\xfe 巴枪'.replace('巴枪', '') },
    body: JSON.stringify({ username: 'agent', password: DEMO_PASSWORD }),
  });
  assert.equal(r.status, 200, r.text);
  const me = await api(base, 'GET', '/api/v1/me', { token: r.body.token });
  assert.equal(me.status, 200);
});
