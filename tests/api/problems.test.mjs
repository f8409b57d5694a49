// The stale-parcel job and the problem-parcel queue (issue 4 item 3;
// docs/tracking.md "The stale-parcel job"). Orders are taken on servers
// whose clock is pinned in the past (PD_FAKE_NOW), so that at today's clock
// one waybill has been quiet for three days (no update for too long) and
// another is more than seven days past its promise (totally delayed, 彻底延误),
// while a third scanned an hour ago is left alone. `parceldesk monitor run`
// marks each once — a second run opens nothing new — with an exception scan
// the public tracking shows (no_update: Kuaidi100 2/202, AfterShip
// Exception_005), opens its problem parcel, notifies the webhook subscriber
// through the outbox the tracking rebuild fills, and a later real scan
// supersedes the mark by event time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import { startServer, freshDatabase, api, login, BIN, ROOT } from '../lib/harness.mjs';
import { assertError, pollUntil } from './lib/http.mjs';
import { orderBody, createOrder } from './lib/orders.mjs';

const HOUR = 3600e3;
const DAY = 24 * HOUR;
const SECRET = 'problems-test-secret-0123456789';
const cn = (ms) => new Date(ms + 8 * HOUR).toISOString().replace(/Z$/, '+08:00');

let db, srv, base, admin, agent, receiver, hookUrl;
const received = [];
let seq = 0;
let A, B, C; // totally delayed, quiet, busy

/** Run `parceldesk monitor run` on the test database; returns its JSON summary. */
function monitor(args = []) {
  const out = execFileSync(BIN, ['monitor', 'run', '--db', db.url, ...args], {
    cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(out.trim().split('\n').pop());
}

async function scan(base_, token, no, type, atMs, extra = {}) {
  seq += 1;
  const r = await api(base_, 'POST', '/api/v1/scans', {
    token,
    body: [{ waybill_no: no, type, at: cn(atMs), node: 'SZ-NS01', operator: '林快递', device_id: 'PDA-PROBLEMS', device_seq: seq, ...extra }],
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.accepted, 1, JSON.stringify(r.body));
}

/** Take an order with a pickup scan an hour before it, on a server whose clock reads @p nowMs. */
async function orderAt(nowMs) {
  const s = await startServer({ database: db, env: { PD_FAKE_NOW: new Date(nowMs).toISOString() }, args: ['--monitor-worker', 'false'] });
  try {
    const w = await createOrder(s.url, await login(s.url, 'agent'), orderBody());
    await scan(s.url, await login(s.url, 'admin'), w.waybill_no, 'pickup', nowMs - HOUR);
    return w;
  } finally {
    await s.stop();
  }
}

const pub = async (no) => {
  const r = await api(base, 'GET', `/api/v1/public/tracking/${no}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
};
const problems = async (query = {}, token = agent) => {
  const r = await api(base, 'GET', `/api/v1/problems?${new URLSearchParams(query)}`, { token });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.items;
};

before(async () => {
  db = freshDatabase();
  const now = Date.now();
  A = await orderAt(now - 12 * DAY); // promised about 9 days ago, Shenzhen → Shanghai (7-day rule)
  B = await orderAt(now - 3 * DAY); // quiet for three days, promise not 7 days past
  receiver = await new Promise((ok) => {
    const s = http.createServer((req, res) => {
      const parts = [];
      req.on('data', (d) => parts.push(d));
      req.on('end', () => {
        try { received.push(JSON.parse(Buffer.concat(parts).toString('utf8'))); } catch { /* not JSON: ignored */ }
        res.writeHead(204);
        res.end();
      });
    });
    s.listen(0, '127.0.0.1', () => ok(s));
  });
  hookUrl = `http://127.0.0.1:${receiver.address().port}/hook`;
  srv = await startServer({
    database: db,
    env: { PD_NOTIFY_ALLOW_PRIVATE: 'true', PD_NOTIFY_POLL_MS: '100' },
    args: ['--monitor-worker', 'false'],
  });
  base = srv.url;
  admin = await login(base, 'admin');
  agent = await login(base, 'agent');
  const am = await login(base, 'account_manager');
  const sub = await api(base, 'POST', '/api/v1/webhooks', { token: am, body: { url: hookUrl, secret: SECRET, kinds: ['delayed', 'exception'] } });
  assert.equal(sub.status, 201, JSON.stringify(sub.body));
  C = await createOrder(base, agent, orderBody());
  await scan(base, admin, C.waybill_no, 'pickup', Date.now() - HOUR);
});

after(async () => {
  await srv?.stop();
  receiver?.close();
  db?.drop();
});

test('one round marks the quiet waybill and the totally delayed one, each once; the busy one is left alone', async () => {
  const first = monitor();
  assert.deepEqual({ ...first, at: undefined }, { no_update: 1, delayed: 1, problems_opened: 2, exceptions: 0, receipts_overdue: 0, at: undefined });

  const open = await problems({ state: 'open' });
  const byNo = Object.fromEntries(open.map((p) => [p.waybill_no, p]));
  assert.equal(open.length, 2, JSON.stringify(open));
  assert.equal(byNo[B.waybill_no].type, 'no_update');
  assert.equal(byNo[B.waybill_no].type_zh, '长时间未更新');
  assert.equal(byNo[A.waybill_no].type, 'delayed');
  assert.equal(byNo[A.waybill_no].type_zh, '彻底延误');
  for (const p of open) {
    assert.equal(p.source, 'auto');
    assert.equal(p.state, 'open');
    assert.equal(p.node, 'SZ-NS01', 'the node of the last scan acts');
    assert.equal(p.closed_at, null);
    assert.match(p.reason, /小时/);
  }
  assert.equal(byNo[C.waybill_no], undefined, 'scanned an hour ago: not a problem');

  // Running again changes nothing: same situation, same scan, same open problem.
  const second = monitor();
  assert.deepEqual([second.no_update, second.delayed, second.problems_opened], [0, 0, 0]);
  assert.equal((await problems({ state: 'open' })).length, 2);
  // Even judged a little later (a second server's clock), nothing new either.
  const later = monitor(['--now', cn(Date.now() + 60000)]);
  assert.deepEqual([later.no_update, later.delayed, later.problems_opened], [0, 0, 0]);
});

test('the queue\'s filters and their errors, within the caller\'s network', async () => {
  assert.deepEqual((await problems({ type: 'no_update' })).map((p) => p.waybill_no), [B.waybill_no]);
  assert.deepEqual((await problems({ type: 'delayed', node: 'SZ-NS01' })).map((p) => p.waybill_no), [A.waybill_no]);
  assert.deepEqual(await problems({ state: 'closed' }), []);
  assert.deepEqual(await problems({ waybill_no: C.waybill_no }), []);
  // Paged newest first.
  const one = await api(base, 'GET', '/api/v1/problems?limit=1', { token: agent });
  assert.equal(one.body.items.length, 1);
  const rest = await problems({ before: one.body.next_before });
  assert.equal(rest.length, 1);
  assert.notEqual(rest[0].id, one.body.items[0].id);
  // Shanghai's staff do not see Shenzhen's problems; a node outside the network is refused.
  const sh = await api(base, 'POST', '/api/v1/users', { token: admin, body: { username: `sh-clerk-${Date.now() % 100000}`, display_name: '上海查询员', role: 'inquiry_clerk', node_code: 'SH', password: 'Parcel2026ok' } });
  assert.equal(sh.status, 201, JSON.stringify(sh.body));
  const shToken = await login(base, sh.body.username, 'Parcel2026ok');
  assert.deepEqual(await problems({}, shToken), []);
  assertError(await api(base, 'GET', '/api/v1/problems?node=SZ-NS01', { token: shToken }), 400, 'query.invalid', 'node');
  assertError(await api(base, 'GET', '/api/v1/problems?state=pending', { token: agent }), 400, 'query.invalid', 'state');
  assertError(await api(base, 'GET', '/api/v1/problems?type=teleported', { token: agent }), 400, 'query.invalid', 'type');
  assertError(await api(base, 'GET', '/api/v1/problems?colour=red', { token: agent }), 400, 'query.unknown_parameter', 'colour');
  assertError(await api(base, 'GET', '/api/v1/problems'), 401, 'auth.required');
});

test('public tracking shows no_update with the integrators\' codes; the totally delayed one an exception', async () => {
  const b = await pub(B.waybill_no);
  assert.equal(b.status, 'no_update');
  assert.equal(b.status_zh, '长时间未更新');
  assert.deepEqual(b.kuaidi100, { state: 2, advanced: 202 });
  assert.deepEqual(b.aftership, { tag: 'Exception', subtag: 'Exception_005' });
  const lastB = b.events.at(-1);
  assert.equal(lastB.type, 'exception');
  assert.equal(lastB.node, null);
  const staff = await api(base, 'GET', `/api/v1/tracking/${B.waybill_no}`, { token: admin });
  assert.equal(staff.status, 200);
  const mark = staff.body.events.at(-1);
  assert.equal(mark.reason_code, 'no_update');
  assert.equal(mark.device_id, 'PD-MONITOR');
  assert.equal(mark.status, 'no_update');

  const a = await pub(A.waybill_no);
  assert.equal(a.status, 'exception');
  assert.equal(a.events.at(-1).type, 'exception');
  assert.match(a.events.at(-1).description, /快件延误/);
  assert.equal((await pub(C.waybill_no)).status, 'picked_up');
});

test('the subscriber is told: kind delayed for no_update, exception for the totally delayed', async () => {
  const forNo = (no) => received.filter((e) => e.data?.waybill_no === no);
  await pollUntil(() => forNo(B.waybill_no).length > 0 && forNo(A.waybill_no).length > 0, { timeoutMs: 15000 });
  const b = forNo(B.waybill_no);
  assert.equal(b.length, 1, 'once');
  assert.equal(b[0].kind, 'delayed');
  assert.equal(b[0].data.status, 'no_update');
  assert.equal(b[0].data.previous_status, 'picked_up');
  assert.equal(b[0].data.tracking.status, 'no_update');
  const a = forNo(A.waybill_no);
  assert.equal(a.length, 1);
  assert.equal(a[0].kind, 'exception');
  assert.equal(a[0].data.status, 'exception');
});

test('a later real scan supersedes the mark, and the waybill is no longer quiet', async () => {
  await scan(base, admin, B.waybill_no, 'arrival', Date.now() + 1000, { node: 'GZ-HUB' });
  await scan(base, admin, A.waybill_no, 'out_for_delivery', Date.now() + 1000, { node: 'SH-PD01' });
  assert.equal((await pub(B.waybill_no)).status, 'in_transit');
  assert.equal((await pub(A.waybill_no)).status, 'out_for_delivery');
  const again = monitor(['--now', cn(Date.now() + 5000)]);
  assert.deepEqual([again.no_update, again.delayed, again.problems_opened], [0, 0, 0]);
  // The problems stay open for the service desk to close.
  assert.equal((await problems({ state: 'open' })).length, 2);
});

test('monitor run: bad arguments exit 2 naming the flag', () => {
  const run = (args) => {
    try {
      execFileSync(BIN, ['monitor', ...args], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      return { status: 0, stderr: '' };
    } catch (e) {
      return { status: e.status, stderr: String(e.stderr) };
    }
  };
  let r = run(['run', '--db', db.url, '--now', 'yesterday']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--now/);
  r = run(['walk', '--db', db.url]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /walk/);
  r = run(['run', '--db', 'sqlite:/nonexistent/dir/x.db']);
  assert.equal(r.status, 1);
});
