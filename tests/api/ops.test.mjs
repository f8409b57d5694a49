// Operations: health and metrics endpoints, a request id on every answer,
// English messages on request, graceful shutdown on SIGTERM with a request
// in flight, and (PostgreSQL only) the database going away and coming back
// under a running server: clean 503s, no crash, recovery without a restart.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startServer, api, login, BACKEND, DEMO_PASSWORD } from '../lib/harness.mjs';
import { raw, assertError, pollUntil, sleep } from './lib/http.mjs';
import { privateCluster } from './lib/pg.mjs';

let srv, base;
before(async () => { srv = await startServer(); base = srv.url; });
after(async () => { await srv?.stop(); });

test('GET /healthz → 200 {"status":"ok"}, public', async () => {
  const r = await api(base, 'GET', '/healthz');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  assert.deepEqual(r.body, { status: 'ok' });
});

test('GET /metrics is Prometheus text with per-route request counters and the pool size', async () => {
  const admin = await login(base, 'admin');
  for (let i = 0; i < 3; i++) assert.equal((await api(base, 'GET', '/api/v1/me', { token: admin })).status, 200);
  await api(base, 'GET', '/api/v1/no-such-route');
  const r = await api(base, 'GET', '/metrics');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/plain/);
  const text = r.body;
  assert.match(text, /^# TYPE pd_http_requests_total counter$/m);
  assert.match(text, /^# TYPE pd_db_pool_size gauge$/m);
  // Every sample line is NAME{labels} VALUE or NAME VALUE.
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    assert.match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? [-+]?(\d+(\.\d+)?([eE][-+]?\d+)?|NaN|\+Inf|-Inf)$/, `sample line: ${line}`);
  }
  const samples = text.split('\n').filter((l) => l.startsWith('pd_http_requests_total{'));
  assert.ok(samples.length > 0, 'pd_http_requests_total samples');
  assert.ok(samples.every((l) => /route="[^"]*"/.test(l)), 'every sample has a route label');
  const me = samples.filter((l) => /route="[^"]*\/api\/v1\/me"/.test(l));
  assert.ok(me.length > 0, `a sample for route /api/v1/me in:\n${samples.join('\n')}`);
  assert.ok(me.reduce((n, l) => n + Number(l.split(' ').pop()), 0) >= 3, 'at least the 3 GET /me counted');
  // Unknown paths must not each become a label value (unbounded cardinality).
  assert.ok(!text.includes('no-such-route'), 'unmatched paths are not route labels');
  const pool = text.split('\n').find((l) => /^pd_db_pool_size(\{.*\})? /.test(l));
  assert.ok(pool, 'pd_db_pool_size sample');
  assert.ok(Number(pool.split(' ').pop()) >= 1, `pool size ≥ 1: ${pool}`);
});

test('every response carries an X-Request-Id; a sane incoming one is echoed', async () => {
  const admin = await login(base, 'admin');
  const answers = [
    await api(base, 'GET', '/healthz'),
    await api(base, 'GET', '/metrics'),
    await api(base, 'GET', '/api/v1/me'),
    await api(base, 'GET', '/api/v1/me', { token: admin }),
    await api(base, 'GET', '/api/v1/nope', { token: admin }),
    await api(base, 'DELETE', '/api/v1/me', { token: admin }),
    await api(base, 'POST', '/api/v1/auth/login', { body: { username: 'admin', password: 'nope' } }),
    await raw(base, { path: '/api/v1/me', headers: { authorization: `Bearer ${admin}` } }),
  ];
  const ids = answers.map((r) => (r.headers.get ? r.headers.get('x-request-id') : r.headers['x-request-id']));
  for (const [i, id] of ids.entries()) assert.ok(typeof id === 'string' && id.length >= 8, `answer ${i} has an id: ${id}`);
  assert.equal(new Set(ids).size, ids.length, 'ids are unique');

  for (const given of ['abc-123', 'c0ffee00-1111-2222-3333-444455556666', 'req_42.x']) {
    const r = await api(base, 'GET', '/healthz', { headers: { 'x-request-id': given } });
    assert.equal(r.headers.get('x-request-id'), given, `echo ${given}`);
  }
  // An id that is not sane (too long, or with characters unfit for a log line) is replaced.
  for (const insane of ['x'.repeat(1000), 'a b<script>', 'id"with"quotes']) {
    const r = await api(base, 'GET', '/healthz', { headers: { 'x-request-id': insane } });
    const id = r.headers.get('x-request-id');
    assert.ok(id && id !== insane, `not echoed: ${insane.slice(0, 20)}… → ${id}`);
  }
});

test('messages are Chinese by default, English with ?lang=en or Accept-Language: en', async () => {
  const zh = await api(base, 'GET', '/api/v1/me');
  assertError(zh, 401, 'auth.required');
  assert.equal(zh.body.error.message, '请先登录');
  const en = await api(base, 'GET', '/api/v1/me?lang=en');
  assertError(en, 401, 'auth.required');
  assert.equal(en.body.error.message, 'authentication required');
  const al = await api(base, 'GET', '/api/v1/me', { headers: { 'accept-language': 'en-GB,en;q=0.9' } });
  assert.equal(al.body.error.message, 'authentication required');
  const alzh = await api(base, 'GET', '/api/v1/me', { headers: { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.5' } });
  assert.equal(alzh.body.error.message, '请先登录');
  const bad = await api(base, 'POST', '/api/v1/auth/login?lang=en', { body: { username: 'admin', password: 'wrong-one1' } });
  assertError(bad, 401, 'auth.bad_credentials');
  assert.equal(bad.body.error.message, 'wrong user name or password');
  // The machine code never changes with the language.
  assert.equal(zh.body.error.code, en.body.error.code);
});

test('SIGTERM with a request in flight: the request completes, the server exits 0', async () => {
  const s = await startServer();
  let code;
  try {
    let afterTerm;
    const inflight = raw(s.url, {
      method: 'POST', path: '/api/v1/auth/login', headers: { 'content-type': 'application/json' },
      chunks: ['{"username":"admin",', `"password":"${DEMO_PASSWORD}"}`],
      beforeEnd: async () => {
        await sleep(500);            // the server has the headers: the request is in flight
        s.proc.kill('SIGTERM');
        await sleep(500);
        // A new connection now is refused or answered 503, never served.
        afterTerm = await raw(s.url, { path: '/healthz', timeoutMs: 3000 }).catch((e) => e);
      },
    });
    const r = await inflight;
    assert.equal(r.status, 200, `the in-flight login completes: ${r.text}`);
    assert.equal(typeof r.body.token, 'string');
    if (!(afterTerm instanceof Error)) assert.equal(afterTerm.status, 503, `new request after SIGTERM: ${afterTerm.status}`);
    code = await Promise.race([s.exited, sleep(15000).then(() => 'still running after 15 s')]);
  } finally {
    await s.stop();
  }
  assert.equal(code, 0, 'exit status 0 after SIGTERM');
});

test('SIGINT stops the server gracefully too', async () => {
  const s = await startServer({ seed: false });
  try {
    assert.equal((await api(s.url, 'GET', '/healthz')).status, 200);
    s.proc.kill('SIGINT');
    const code = await Promise.race([s.exited, sleep(15000).then(() => 'still running after 15 s')]);
    assert.equal(code, 0);
  } finally {
    await s.stop();
  }
});

test('PostgreSQL goes away and comes back: 503s, no crash, recovery', { timeout: 240000 }, async (t) => {
  if (BACKEND !== 'pg') { t.skip('PostgreSQL only: the embedded SQLite database cannot go away'); return; }
  const dir = join(tmpdir(), `pdt-pg-${randomBytes(4).toString('hex')}`);
  const port = 56100 + Math.floor(Math.random() * 800);
  const cluster = privateCluster(dir, port);
  let s;
  try {
    s = await startServer({ database: { url: cluster.url, drop() {} } });
    const admin = await login(s.url, 'admin');
    assert.equal((await api(s.url, 'GET', '/api/v1/users', { token: admin })).status, 200);

    await cluster.stopServer();
    const down = await pollUntil(async () => (await api(s.url, 'GET', '/healthz')).status === 503, { timeoutMs: 15000, everyMs: 250 });
    assert.ok(down, '/healthz turns 503 within 15 s');
    const h = await api(s.url, 'GET', '/healthz');
    assert.deepEqual(h.body, { status: 'unavailable' });
    assertError(await api(s.url, 'GET', '/api/v1/users', { token: admin }), 503, 'db.unavailable');
    // A login while the database is away is "unavailable", never "bad credentials".
    assertError(await api(s.url, 'POST', '/api/v1/auth/login', { body: { username: 'agent', password: DEMO_PASSWORD } }), 503, 'db.unavailable');
    assertError(await api(s.url, 'POST', '/api/v1/users', { token: admin, body: { username: 'while.down', display_name: '离线', role: 'agent', node_code: 'GD-SZ', password: 'Parcel2026ok' } }), 503, 'db.unavailable');
    assert.equal(s.proc.exitCode, null, 'the server is still running');
    assert.equal(s.proc.signalCode, null, 'the server did not die of a signal');

    await cluster.startServer();
    const up = await pollUntil(async () => (await api(s.url, 'GET', '/healthz')).status === 200, { timeoutMs: 30000, everyMs: 500 });
    assert.ok(up, '/healthz is 200 again within 30 s of the database coming back');
    const users = await pollUntil(async () => { const r = await api(s.url, 'GET', '/api/v1/users', { token: admin }); return r.status === 200 && r; }, { timeoutMs: 10000, everyMs: 250 });
    assert.ok(users, 'API calls work again with the same session');
    assert.ok(!users.body.items.some((u) => u.username === 'while.down'), 'nothing was written while the database was away');
    assert.equal((await api(s.url, 'POST', '/api/v1/auth/login', { body: { username: 'agent', password: DEMO_PASSWORD } })).status, 200);
  } finally {
    try { if (s) await s.stop(); } finally { cluster.remove(); }
  }
});
