// Return receipts (签收回单, issue 4 item 5; docs/tracking.md "Return
// receipts"): an order taken with "return_receipt": true has a receipt in
// state required; its steps collected → sent_back → returned are posted one
// at a time, in order, each with time, node and operator; a skipped,
// repeated or backdated step is refused naming the field; the overdue
// listing finds receipts not back 7 days after delivery; the stale-parcel
// job counts them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, api, login, BIN, ROOT } from '../lib/harness.mjs';
import { assertError } from './lib/http.mjs';
import { orderBody, createOrder, waybillNo } from './lib/orders.mjs';

const HOUR = 3600e3;
const DAY = 24 * HOUR;
const cn = (ms) => new Date(ms + 8 * HOUR).toISOString().replace(/Z$/, '+08:00').replace('.000+', '+');

let srv, base, admin, agent, courier, clerk;
let seq = 0;
before(async () => {
  srv = await startServer({ args: ['--monitor-worker', 'false'] });
  base = srv.url;
  [admin, agent, courier, clerk] = await Promise.all(['admin', 'agent', 'courier', 'inquiry_clerk'].map((u) => login(base, u)));
});
after(async () => { await srv?.stop(); });

const withReceipt = async () => createOrder(base, agent, orderBody({ return_receipt: true }));
const receipt = (no, token = clerk) => api(base, 'GET', `/api/v1/waybills/${no}/receipt`, { token });
const step = (no, body, token = courier) => api(base, 'POST', `/api/v1/waybills/${no}/receipt/events`, { token, body });
const list = async (query, token = clerk) => {
  const r = await api(base, 'GET', `/api/v1/receipts?${new URLSearchParams(query)}`, { token });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.items.map((x) => x.waybill_no);
};

async function scan(no, type, atMs, extra = {}) {
  seq += 1;
  const r = await api(base, 'POST', '/api/v1/scans', {
    token: admin,
    body: [{ waybill_no: no, type, at: cn(atMs), node: 'SZ-NS01', device_id: 'PDA-RECEIPTS', device_seq: seq, ...extra }],
  });
  assert.equal(r.body.accepted, 1, JSON.stringify(r.body));
}
const deliver = async (no, atMs) => {
  await scan(no, 'pickup', atMs - DAY);
  await scan(no, 'delivered', atMs, { signer_type: 'recipient', signer: '李四', node: 'SH-PD01' });
};

test('an order asking for a receipt has one in state required; others have none', async () => {
  const w = await withReceipt();
  const r = await receipt(w.waybill_no);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.waybill_no, w.waybill_no);
  assert.equal(r.body.state, 'required');
  assert.equal(r.body.state_zh, '待取回单');
  assert.equal(r.body.node, 'GD-SZ');
  assert.deepEqual(r.body.steps, { collected: null, sent_back: null, returned: null });
  assert.equal(r.body.overdue, false);
  assert.equal(r.body.delivered_at, null);
  const order = await api(base, 'GET', `/api/v1/waybills/${w.waybill_no}`, { token: agent });
  assert.equal(order.body.return_receipt, true);

  const plain = await createOrder(base, agent, orderBody());
  assertError(await receipt(plain.waybill_no), 404, 'receipt.not_found');
  assertError(await step(plain.waybill_no, { state: 'collected', at: cn(Date.now()), node: 'SZ-NS01' }), 404, 'receipt.not_found');
  assertError(await api(base, 'POST', '/api/v1/waybills', { token: agent, body: orderBody({ return_receipt: 'yes' }) }), 400, 'json.type', 'return_receipt');
});

test('steps in order, each with time, node and operator; the wrong order refused naming the field', async () => {
  const { waybill_no: no } = await withReceipt();
  const t0 = Math.floor(Date.now() / 1000) * 1000 - 3 * HOUR; // whole seconds: answered as sent
  assertError(await step(no, { state: 'sent_back', at: cn(t0), node: 'SZ-NS01' }), 409, 'receipt.state_order', 'state');
  assertError(await step(no, { state: 'returned', at: cn(t0), node: 'SZ-NS01' }), 409, 'receipt.state_order', 'state');
  assertError(await step(no, { state: 'required', at: cn(t0), node: 'SZ-NS01' }), 400, 'json.enum', 'state');
  assertError(await step(no, { at: cn(t0), node: 'SZ-NS01' }), 400, 'json.missing', 'state');
  assertError(await step(no, { state: 'collected', node: 'SZ-NS01' }), 400, 'json.missing', 'at');
  assertError(await step(no, { state: 'collected', at: 'tomorrow', node: 'SZ-NS01' }), 400, 'json.format', 'at');
  assertError(await step(no, { state: 'collected', at: cn(Date.now() + HOUR), node: 'SZ-NS01' }), 422, 'scan.time_in_future', 'at');
  assertError(await step(no, { state: 'collected', at: cn(t0), node: 'NO-SUCH' }), 422, 'scan.node_unknown', 'node');
  assertError(await step(no, { state: 'collected', at: cn(t0), node: 'SH-PD01' }), 403, 'auth.forbidden', 'node');
  assertError(await step(no, { state: 'collected', at: cn(t0), node: 'SZ-NS01', return_waybill_no: waybillNo(5) }), 400, 'json.format', 'return_waybill_no');
  assertError(await step(no, { state: 'collected', at: cn(t0), node: 'SZ-NS01', colour: 'red' }), 400, 'json.unknown_field', 'colour');
  assertError(await step('PD0000000000001', { state: 'collected', at: cn(t0), node: 'SZ-NS01' }), 400, 'waybill.no_invalid');
  assertError(await step(no, { state: 'collected', at: cn(t0), node: 'SZ-NS01' }, clerk), 403, 'auth.forbidden');
  assert.equal((await receipt(no)).body.state, 'required', 'nothing refused was stored');

  let r = await step(no, { state: 'collected', at: cn(t0), node: 'SZ-NS01' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.state, 'collected');
  assert.deepEqual(r.body.steps.collected, { at: cn(t0), node: 'SZ-NS01', operator: 'courier' });
  assertError(await step(no, { state: 'collected', at: cn(t0), node: 'SZ-NS01' }), 409, 'receipt.state_order', 'state');
  assertError(await step(no, { state: 'sent_back', at: cn(t0 - HOUR), node: 'SZ-NS01' }), 400, 'json.range', 'at');

  const back = waybillNo(424242);
  r = await step(no, { state: 'sent_back', at: cn(t0 + HOUR), node: 'GZ-HUB', return_waybill_no: back, operator: '王回单' }, admin);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.state, 'sent_back');
  assert.equal(r.body.steps.sent_back.node, 'GZ-HUB');
  assert.equal(r.body.steps.sent_back.operator, '王回单');
  assert.equal(r.body.steps.sent_back.return_waybill_no, back);
  assert.equal(r.body.steps.collected.node, 'SZ-NS01', 'earlier steps are kept');

  r = await step(no, { state: 'returned', at: cn(t0 + 2 * HOUR), node: 'SZ-NS01' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.state, 'returned');
  assert.equal(r.body.state_zh, '回单已返还寄件人');
  assertError(await step(no, { state: 'returned', at: cn(t0 + 3 * HOUR), node: 'SZ-NS01' }), 409, 'receipt.state_order', 'state');

  const audit = await api(base, 'GET', `/api/v1/audit?action=receipt.step&object_id=${no}`, { token: admin });
  assert.equal(audit.status, 200);
  assert.equal(audit.body.items.length, 3, 'each step audited');
});

test('overdue: not back 7 days after delivery; the listing, its filters, and the job\'s count', async () => {
  const late = await withReceipt(); // delivered 10 days ago, still required
  const recent = await withReceipt(); // delivered yesterday
  const done = await withReceipt(); // delivered 10 days ago, back with the sender
  const moving = await withReceipt(); // delivered 9 days ago, on its way back: still overdue
  const now = Date.now();
  await deliver(late.waybill_no, now - 10 * DAY);
  await deliver(recent.waybill_no, now - DAY);
  await deliver(done.waybill_no, now - 10 * DAY);
  await deliver(moving.waybill_no, now - 9 * DAY);
  for (const [state, off] of [['collected', 10 * DAY - HOUR], ['sent_back', 9 * DAY], ['returned', 8 * DAY]])
    assert.equal((await step(done.waybill_no, { state, at: cn(now - off), node: 'SZ-NS01' })).status, 200);
  for (const [state, off] of [['collected', 9 * DAY - HOUR], ['sent_back', 8 * DAY]])
    assert.equal((await step(moving.waybill_no, { state, at: cn(now - off), node: 'SZ-NS01' })).status, 200);

  const overdue = await list({ overdue: 1 });
  const mine = [late, recent, done, moving].map((w) => w.waybill_no);
  assert.deepEqual(overdue.filter((n) => mine.includes(n)), [late.waybill_no, moving.waybill_no].sort());
  const l = await receipt(late.waybill_no);
  assert.equal(l.body.overdue, true);
  assert.ok(l.body.delivered_at, 'delivered_at from the tracking');
  assert.equal((await receipt(recent.waybill_no)).body.overdue, false);
  assert.equal((await receipt(done.waybill_no)).body.overdue, false);

  assert.ok((await list({ state: 'returned' })).includes(done.waybill_no));
  assert.ok(!(await list({ state: 'required' })).includes(done.waybill_no));
  assert.deepEqual((await list({ state: 'sent_back', overdue: 1 })).filter((n) => mine.includes(n)), [moving.waybill_no]);
  const page = await api(base, 'GET', '/api/v1/receipts?limit=1', { token: clerk });
  assert.equal(page.body.items.length, 1);
  assert.ok(page.body.next_after);
  const next = await list({ limit: 1, after: page.body.next_after });
  assert.ok(next[0] > page.body.next_after, 'by waybill number');

  assertError(await api(base, 'GET', '/api/v1/receipts?state=lost', { token: clerk }), 400, 'query.invalid', 'state');
  assertError(await api(base, 'GET', '/api/v1/receipts?overdue=yes', { token: clerk }), 400, 'query.invalid', 'overdue');
  assertError(await api(base, 'GET', '/api/v1/receipts?after=PD1', { token: clerk }), 400, 'query.invalid', 'after');

  const out = execFileSync(BIN, ['monitor', 'run', '--db', srv.db], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(JSON.parse(out.trim()).receipts_overdue, 2);
});
