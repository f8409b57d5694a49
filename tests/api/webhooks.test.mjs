// Notifications (docs/operations.md "Notifications"): webhook subscriptions
// over the API, and deliveries to real HTTP receivers this test starts on
// loopback — one that checks every signature, one that fails twice and then
// recovers (the delivery ends delivered after 3 attempts), one that always
// fails (dead-lettered after notify.max_attempts, revived by the retry
// endpoint) — plus the SMS files the default spool sender writes. Events are
// real tracking status changes: an order taken (info_received) and scans
// posted by a device (POST /api/v1/scans).
//
// The server runs with notify.allow_private on (the receivers are on
// 127.0.0.1) and tiny back-off; a second server with the default
// configuration shows that private addresses are refused there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, api, login } from '../lib/harness.mjs';
import { assertError, audit, pollUntil, RFC3339_CN } from './lib/http.mjs';
import { orderBody, createOrder } from './lib/orders.mjs';

const SECRET = 'whsec-0123456789abcdef';
const MAX_ATTEMPTS = 3;

let srv, base, am, agent, admin, scanner, spool;
let receiver, hookBase;
let deviceSeq = 0;

// ---- the receiver -----------------------------------------------------------

/** Every request received: {path, headers, raw, body, sigOk}. */
const received = [];
const flakyCount = new Map(); // event id → attempts seen
let downRecovered = false;

function startReceiver() {
  return new Promise((ok) => {
    const s = http.createServer((req, res) => {
      const parts = [];
      req.on('data', (d) => parts.push(d));
      req.on('end', () => {
        const raw = Buffer.concat(parts);
        const sig = String(req.headers['x-parceldesk-signature'] || '');
        const want = 'sha256=' + createHmac('sha256', SECRET).update(raw).digest('hex');
        let body = null;
        try { body = JSON.parse(raw.toString('utf8')); } catch { /* recorded as null */ }
        received.push({ path: req.url, method: req.method, headers: req.headers, raw: raw.toString('utf8'), body, sigOk: sig === want });
        if (req.url.startsWith('/flaky')) {
          const n = (flakyCount.get(body?.id) || 0) + 1;
          flakyCount.set(body?.id, n);
          res.writeHead(n <= 2 ? 500 : 200, { 'content-type': 'text/plain' });
          return res.end(n <= 2 ? 'temporarily broken' : 'ok');
        }
        if (req.url.startsWith('/slow')) { // answers only after the test has acted
          setTimeout(() => { res.writeHead(503); res.end('too late'); }, 1500);
          return;
        }
        if (req.url.startsWith('/down')) {
          res.writeHead(downRecovered ? 200 : 503);
          return res.end(downRecovered ? 'back' : 'down for maintenance');
        }
        res.writeHead(204);
        res.end();
      });
    });
    s.listen(0, '127.0.0.1', () => ok(s));
  });
}

const receivedFor = (path, no) => received.filter((r) => r.path === path && r.body?.data?.waybill_no === no);

// ---- helpers ------------------------------------------------------------------

const subscribe = (body, token = am) => api(base, 'POST', '/api/v1/webhooks', { token, body });

async function subscribeOk(body, token = am) {
  const r = await subscribe({ secret: SECRET, ...body }, token);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

async function scan(no, type, extra = {}, atOffsetS = 0) {
  deviceSeq += 1;
  const ev = {
    waybill_no: no, type, at: new Date(Date.now() - 600000 + atOffsetS * 1000 + deviceSeq).toISOString(),
    node: 'SZ-NS01', operator: '林快递', device_id: 'PDA-WEBHOOK', device_seq: deviceSeq, ...extra,
  };
  const r = await api(base, 'POST', '/api/v1/scans', { token: scanner, body: [ev] });
  assert.equal(r.status, 200, `scan ${type}: ${r.status} ${JSON.stringify(r.body)}`);
  assert.equal(r.body.accepted, 1, `scan ${type}: ${JSON.stringify(r.body)}`);
}

async function deliveries(query, token = am) {
  const r = await api(base, 'GET', `/api/v1/webhooks/deliveries?${new URLSearchParams(query)}`, { token });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.items;
}

async function deliveryOf(webhookId, no, pred = () => true) {
  return pollUntil(async () => (await deliveries({ webhook: webhookId, waybill_no: no })).find(pred), { timeoutMs: 20000, everyMs: 100 });
}

before(async () => {
  spool = mkdtempSync(join(tmpdir(), 'pd-spool-'));
  receiver = await startReceiver();
  hookBase = `http://127.0.0.1:${receiver.address().port}`;
  srv = await startServer({
    env: {
      PD_NOTIFY_ALLOW_PRIVATE: 'true',
      PD_NOTIFY_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      PD_NOTIFY_BACKOFF_BASE_MS: '150',
      PD_NOTIFY_BACKOFF_MAX_MS: '300',
      PD_NOTIFY_POLL_MS: '50',
      PD_NOTIFY_TIMEOUT_MS: '5000',
      PD_NOTIFY_SPOOL_DIR: spool,
    },
  });
  base = srv.url;
  [am, agent, admin] = await Promise.all(['account_manager', 'agent', 'admin'].map((u) => login(base, u)));
  const k = await api(base, 'POST', '/api/v1/apikeys', { token: admin, body: { name: 'PDA 网关', role: 'scanner', node_code: 'GD-SZ' } });
  assert.equal(k.status, 201, JSON.stringify(k.body));
  scanner = k.body.key;
});

after(async () => {
  await srv?.stop();
  await new Promise((ok) => (receiver ? receiver.close(ok) : ok()));
  if (spool) rmSync(spool, { recursive: true, force: true });
});

// ---- subscriptions ------------------------------------------------------------

test('a subscription is created, listed without its secret, and deleted', async () => {
  const r = await subscribe({ url: `${hookBase}/ok/crud`, secret: SECRET, kinds: ['delivered', 'exception'], customer_code: 'SZ-SHOP01' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const w = r.body;
  assert.ok(Number.isInteger(w.id) && w.id > 0);
  assert.equal(w.url, `${hookBase}/ok/crud`);
  assert.deepEqual(w.kinds, ['delivered', 'exception']);
  assert.equal(w.customer_code, 'SZ-SHOP01');
  assert.equal(w.node, 'GD', 'the account manager’s node by default');
  assert.equal(w.active, true);
  assert.match(w.created_at, RFC3339_CN);
  assert.equal(w.secret, undefined, 'the secret is never returned');

  const list = await api(base, 'GET', '/api/v1/webhooks', { token: am });
  assert.equal(list.status, 200);
  const mine = list.body.items.find((x) => x.id === w.id);
  assert.ok(mine, 'listed');
  assert.equal(JSON.stringify(list.body).includes(SECRET), false, 'no secret in the list');

  const created = await audit(base, admin, { action: 'webhook.create', object_id: String(w.id) });
  assert.equal(created.length, 1);
  assert.equal(JSON.stringify(created[0]).includes(SECRET), false, 'no secret in the audit log');

  const del = await api(base, 'DELETE', `/api/v1/webhooks/${w.id}`, { token: am });
  assert.equal(del.status, 204);
  assertError(await api(base, 'DELETE', `/api/v1/webhooks/${w.id}`, { token: am }), 404, 'webhook.not_found');
  const after1 = await api(base, 'GET', '/api/v1/webhooks', { token: am });
  assert.equal(after1.body.items.some((x) => x.id === w.id), false, 'gone from the list');
  const withDeleted = await api(base, 'GET', '/api/v1/webhooks?include_deleted=true', { token: am });
  const old = withDeleted.body.items.find((x) => x.id === w.id);
  assert.equal(old.active, false);
  assert.match(old.deleted_at, RFC3339_CN);
});

test('bad subscriptions are refused naming the field', async () => {
  const good = { url: `${hookBase}/ok/bad`, secret: SECRET, kinds: ['delivered'] };
  assertError(await subscribe({ ...good, url: 'ftp://example.com/x' }), 400, 'webhook.url_invalid', 'url');
  assertError(await subscribe({ ...good, url: 'not a url' }), 400, 'webhook.url_invalid', 'url');
  assertError(await subscribe({ ...good, url: 'https://user:pw@example.com/x' }), 400, 'webhook.url_invalid', 'url');
  assertError(await subscribe({ ...good, url: 'https://example.com/' + 'a'.repeat(500) }), 400, 'json.too_long', 'url');
  assertError(await subscribe({ ...good, secret: 'short' }), 400, 'json.too_short', 'secret');
  assertError(await subscribe({ ...good, secret: '有中文的密钥有中文的密钥有中文的密钥' }), 400, 'json.format', 'secret');
  assertError(await subscribe({ ...good, kinds: [] }), 400, 'json.too_short', 'kinds');
  assertError(await subscribe({ ...good, kinds: 'delivered' }), 400, 'json.type', 'kinds');
  assertError(await subscribe({ ...good, kinds: ['delivered', 'teleported'] }), 400, 'webhook.kind_unknown', 'kinds[1]');
  assertError(await subscribe({ ...good, customer_code: 'NO-SUCH-CUSTOMER' }), 422, 'customer.unknown', 'customer_code');
  assertError(await subscribe({ ...good, node: 'SH' }), 404, 'node.not_found', 'node');
  assertError(await subscribe({ ...good, colour: 'blue' }), 400, 'json.unknown_field', 'colour');
  const { secret, ...noSecret } = good;
  assert.ok(secret);
  assertError(await subscribe(noSecret), 400, 'json.missing', 'secret');
  // Staff without the customers permission.
  assertError(await subscribe(good, agent), 403, 'auth.forbidden');
  assertError(await api(base, 'GET', '/api/v1/webhooks/deliveries?state=lost', { token: am }), 400, 'query.invalid', 'state');
  assertError(await api(base, 'GET', '/api/v1/webhooks/deliveries/999999', { token: am }), 404, 'webhook.delivery_not_found');
  assertError(await api(base, 'POST', '/api/v1/webhooks/deliveries/999999/retry', { token: am }), 404, 'webhook.delivery_not_found');
});

test('private and loopback addresses are refused by default (notify.allow_private off)', async () => {
  const other = await startServer();
  try {
    const token = await login(other.url, 'account_manager');
    const post = (url) => api(other.url, 'POST', '/api/v1/webhooks', { token, body: { url, secret: SECRET, kinds: ['delivered'] } });
    for (const url of ['http://127.0.0.1:9/hook', 'http://localhost/hook', 'http://10.1.2.3/hook', 'http://192.168.1.10/hook',
      'http://169.254.169.254/latest/meta-data', 'http://[::1]:8080/hook', 'http://[::ffff:127.0.0.1]/hook', 'http://100.64.0.1/']) {
      assertError(await post(url), 422, 'webhook.url_not_allowed', 'url');
    }
    const pub = await post('https://hooks.example.com/parceldesk');
    assert.equal(pub.status, 201, JSON.stringify(pub.body));
  } finally {
    await other.stop();
  }
});

test('a customer system manages only its own subscriptions and hears only of its own orders', async () => {
  const k = await api(base, 'POST', '/api/v1/apikeys', { token: admin, body: { name: '电商系统', role: 'customer_system', node_code: 'GD-SZ' } });
  assert.equal(k.status, 201, JSON.stringify(k.body));
  const key = k.body.key;
  const own = await subscribeOk({ url: `${hookBase}/ok/key`, kinds: ['status_changed'] }, key);
  assert.equal(own.node, 'GD-SZ');
  const staff = await subscribeOk({ url: `${hookBase}/ok/staff`, kinds: ['status_changed'] });

  const keyList = await api(base, 'GET', '/api/v1/webhooks', { token: key });
  assert.equal(keyList.status, 200);
  assert.deepEqual(keyList.body.items.map((x) => x.id), [own.id], 'only its own');
  const amList = await api(base, 'GET', '/api/v1/webhooks', { token: am });
  assert.ok(amList.body.items.some((x) => x.id === own.id) && amList.body.items.some((x) => x.id === staff.id));
  assertError(await api(base, 'DELETE', `/api/v1/webhooks/${staff.id}`, { token: key }), 404, 'webhook.not_found');

  // Its own order is reported to it; an order taken by staff is not.
  const mineOrder = await createOrder(base, key, orderBody());
  const staffOrder = await createOrder(base, agent, orderBody());
  const got = await pollUntil(() => receivedFor('/ok/key', mineOrder.waybill_no).length > 0 && receivedFor('/ok/staff', staffOrder.waybill_no).length > 0, { timeoutMs: 20000, everyMs: 100 });
  assert.ok(got, 'both subscriptions heard of their orders');
  const first = receivedFor('/ok/key', mineOrder.waybill_no)[0].body;
  assert.equal(first.kind, 'status_changed');
  assert.equal(first.data.status, 'info_received');
  assert.equal(first.data.previous_status, null);
  assert.equal(receivedFor('/ok/key', staffOrder.waybill_no).length, 0, 'not told of an order it did not create');
  const keyDeliveries = await deliveries({}, key);
  assert.ok(keyDeliveries.length > 0);
  assert.ok(keyDeliveries.every((d) => d.webhook_id === own.id), 'a customer system sees its own deliveries only');

  assert.equal((await api(base, 'DELETE', `/api/v1/webhooks/${own.id}`, { token: key })).status, 204);
  assert.equal((await api(base, 'DELETE', `/api/v1/webhooks/${staff.id}`, { token: am })).status, 204);
});

// ---- deliveries -----------------------------------------------------------------

test('status changes are POSTed signed, in the documented shape; delivery sends an SMS to the spool', async () => {
  const all = await subscribeOk({ url: `${hookBase}/ok/all`, kinds: ['status_changed'] });
  const onlyDelivered = await subscribeOk({ url: `${hookBase}/ok/delivered`, kinds: ['delivered'] });
  const otherCustomer = await subscribeOk({ url: `${hookBase}/ok/customer`, kinds: ['status_changed'], customer_code: 'SZ-SHOP01' });
  const body = orderBody();
  const order = await createOrder(base, agent, body);
  const no = order.waybill_no;
  await scan(no, 'pickup', {}, 0);
  await scan(no, 'delivered', { signer_type: 'recipient', signer: '李四' }, 60);

  const three = await pollUntil(() => receivedFor('/ok/all', no).length >= 3 && receivedFor('/ok/delivered', no).length >= 1, { timeoutMs: 20000, everyMs: 100 });
  assert.ok(three, `expected 3 events at /ok/all, got ${receivedFor('/ok/all', no).length}`);
  const got = receivedFor('/ok/all', no);
  assert.deepEqual(got.map((r) => r.body.data.status).sort(), ['delivered', 'info_received', 'picked_up']);
  for (const r of got) {
    assert.equal(r.method, 'POST');
    assert.ok(r.sigOk, `signature of ${r.raw.slice(0, 80)}`);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.match(r.headers['user-agent'], /^ParcelDesk-Webhooks\//);
    assert.equal(r.headers['x-parceldesk-event'], r.body.kind);
    assert.equal(r.headers['x-parceldesk-event-id'], r.body.id);
    assert.match(r.headers['x-parceldesk-delivery'], /^\d+$/);
    assert.equal(r.headers['x-parceldesk-attempt'], '1');
    assert.match(r.body.id, /^evt_[0-9a-f]{32}$/);
    assert.match(r.body.created_at, RFC3339_CN);
    assert.match(r.body.data.occurred_at, RFC3339_CN);
    assert.equal(r.body.data.waybill_no, no);
    const t = r.body.data.tracking;
    assert.equal(t.waybill_no, no);
    assert.ok(t.kuaidi100 && t.aftership, 'the tracking object integrators know');
    assert.ok(Array.isArray(t.events));
  }
  const delivered = got.find((r) => r.body.data.status === 'delivered');
  assert.equal(delivered.body.kind, 'delivered');
  assert.equal(delivered.body.data.previous_status, 'picked_up');
  assert.equal(delivered.body.data.tracking.status, 'delivered');
  assert.equal(got.find((r) => r.body.data.status === 'picked_up').body.kind, 'status_changed');
  assert.equal(new Set(got.map((r) => r.body.id)).size, 3, 'one event id per change');
  // Kinds and customers filter.
  const onlyD = receivedFor('/ok/delivered', no);
  assert.equal(onlyD.length, 1);
  assert.equal(onlyD[0].body.kind, 'delivered');
  assert.equal(onlyD[0].body.id, delivered.body.id, 'the same event to every subscriber');
  assert.equal(receivedFor('/ok/customer', no).length, 0, 'another customer’s subscription hears nothing');

  // The delivery log.
  const log = await deliveries({ webhook: all.id, waybill_no: no });
  assert.equal(log.length, 3);
  for (const d of log) {
    assert.equal(d.state, 'delivered');
    assert.equal(d.attempts, 1);
    assert.equal(d.last_status, 204);
    assert.equal(d.last_error, null);
    assert.equal(d.next_try_at, null);
    assert.match(d.done_at, RFC3339_CN);
    assert.equal(d.url, `${hookBase}/ok/all`);
  }
  const one = await api(base, 'GET', `/api/v1/webhooks/deliveries/${delivered.headers['x-parceldesk-delivery']}`, { token: am });
  assert.equal(one.status, 200, JSON.stringify(one.body));
  assert.deepEqual(one.body.payload, delivered.body, 'the payload is what was sent');
  assert.equal(one.body.attempt_log.length, 1);
  assert.equal(one.body.attempt_log[0].status, 204);
  assert.equal(one.body.attempt_log[0].attempt, 1);
  assert.ok(Number.isInteger(one.body.attempt_log[0].duration_ms));

  // The SMS of the delivery, written by the spool sender; none for a pickup.
  const file = await pollUntil(() => {
    const dir = join(spool, 'sms');
    if (!existsSync(dir)) return null;
    return readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8'))).filter((m) => m.waybill_no === no);
  }, { timeoutMs: 10000, everyMs: 100 });
  assert.ok(file && file.length === 1, `one SMS for ${no}: ${JSON.stringify(file)}`);
  const sms = file[0];
  assert.equal(sms.channel, 'sms');
  assert.equal(sms.kind, 'delivered');
  assert.equal(sms.to, body.recipient.phone, 'the recipient’s mobile, read from the order when sent');
  assert.ok(sms.text.includes(no) && sms.text.includes('已签收'), sms.text);
  assert.equal(readdirSync(join(spool, 'sms')).some((f) => f.startsWith('.')), false, 'no half-written files left');
  assert.equal(existsSync(join(spool, 'email')), false, 'e-mail is off by default');

  for (const w of [all, onlyDelivered, otherCustomer]) await api(base, 'DELETE', `/api/v1/webhooks/${w.id}`, { token: am });
});

test('a receiver that fails twice and then recovers gets the delivery on the third attempt', async () => {
  const w = await subscribeOk({ url: `${hookBase}/flaky`, kinds: ['delivered'] });
  const order = await createOrder(base, agent, orderBody());
  const no = order.waybill_no;
  await scan(no, 'pickup', {}, 0);
  await scan(no, 'delivered', { signer_type: 'recipient', signer: '李四' }, 60);
  const d = await deliveryOf(w.id, no, (x) => x.state === 'delivered');
  assert.ok(d, 'delivered in the end');
  assert.equal(d.attempts, 3);
  assert.equal(d.last_status, 200);
  const tries = receivedFor('/flaky', no);
  assert.equal(tries.length, 3);
  assert.deepEqual(tries.map((r) => r.headers['x-parceldesk-attempt']), ['1', '2', '3']);
  assert.ok(tries.every((r) => r.sigOk && r.raw === tries[0].raw), 'the same signed bytes every time');
  const one = await api(base, 'GET', `/api/v1/webhooks/deliveries/${d.id}`, { token: am });
  assert.deepEqual(one.body.attempt_log.map((a) => a.status), [500, 500, 200]);
  assert.match(one.body.attempt_log[0].error, /^HTTP 500: temporarily broken/);
  assert.equal(one.body.attempt_log[2].error, null);
  await api(base, 'DELETE', `/api/v1/webhooks/${w.id}`, { token: am });
});

test('a receiver that always fails is dead-lettered after the last attempt; retry sends it again', async () => {
  downRecovered = false;
  const w = await subscribeOk({ url: `${hookBase}/down`, kinds: ['failed_attempt'] });
  const order = await createOrder(base, agent, orderBody());
  const no = order.waybill_no;
  await scan(no, 'pickup', {}, 0);
  await scan(no, 'failed_attempt', { reason: 'unreachable' }, 60);
  const dead = await pollUntil(async () => (await deliveries({ state: 'dead', webhook: w.id })).find((x) => x.waybill_no === no), { timeoutMs: 20000, everyMs: 100 });
  assert.ok(dead, 'in the dead-letter list');
  assert.equal(dead.kind, 'failed_attempt');
  assert.equal(dead.attempts, MAX_ATTEMPTS);
  assert.equal(dead.last_status, 503);
  assert.match(dead.last_error, /^HTTP 503: down for maintenance/);
  assert.equal(dead.next_try_at, null);
  assert.equal(receivedFor('/down', no).length, MAX_ATTEMPTS, 'no attempt after the last');

  // Only a dead delivery can be retried; this one can, once.
  downRecovered = true;
  const r = await api(base, 'POST', `/api/v1/webhooks/deliveries/${dead.id}/retry`, { token: am });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.ok(['pending', 'delivered'].includes(r.body.state));
  const done = await deliveryOf(w.id, no, (x) => x.state === 'delivered');
  assert.ok(done, 'delivered after the retry');
  assert.equal(done.attempts, MAX_ATTEMPTS + 1);
  assert.equal(done.last_status, 200);
  assertError(await api(base, 'POST', `/api/v1/webhooks/deliveries/${dead.id}/retry`, { token: am }), 409, 'webhook.delivery_not_dead');
  const retried = await audit(base, admin, { action: 'webhook.delivery_retry', object_id: String(dead.id) });
  assert.equal(retried.length, 1);
  // The failed attempt also became an SMS (DOMAIN.md §5: failed delivery).
  const sms = await pollUntil(() => existsSync(join(spool, 'sms')) && readdirSync(join(spool, 'sms')).map((f) => JSON.parse(readFileSync(join(spool, 'sms', f), 'utf8'))).find((m) => m.waybill_no === no), { timeoutMs: 10000, everyMs: 100 });
  assert.ok(sms, 'an SMS for the failed attempt');
  assert.equal(sms.kind, 'failed_attempt');
  assert.ok(sms.text.includes('派送未成功'), sms.text);
  await api(base, 'DELETE', `/api/v1/webhooks/${w.id}`, { token: am });
});

test('deleting a subscription cancels its deliveries, even one in flight', async () => {
  const w = await subscribeOk({ url: `${hookBase}/slow`, kinds: ['status_changed'] });
  const order = await createOrder(base, agent, orderBody());
  const no = order.waybill_no;
  // The receiver holds the first attempt open; delete while it does.
  assert.ok(await pollUntil(() => receivedFor('/slow', no).length === 1, { timeoutMs: 20000, everyMs: 20 }), 'first attempt arrived');
  assert.equal((await api(base, 'DELETE', `/api/v1/webhooks/${w.id}`, { token: am })).status, 204);
  const d = await deliveryOf(w.id, no);
  assert.equal(d.state, 'cancelled');
  assert.match(d.done_at, RFC3339_CN);
  await new Promise((ok) => setTimeout(ok, 2500)); // the held answer arrives, retries would be due
  const after2 = await deliveryOf(w.id, no);
  assert.equal(after2.state, 'cancelled', 'the late answer does not revive it');
  assert.equal(after2.attempts, 0, 'an outcome after the deletion is not recorded');
  assert.equal(receivedFor('/slow', no).length, 1, 'nothing sent after the deletion');
  assertError(await api(base, 'POST', `/api/v1/webhooks/deliveries/${d.id}/retry`, { token: am }), 409, 'webhook.delivery_not_dead');
});
