// Tracking (DOMAIN.md §4–§5): the status table through the API (Kuaidi100
// and AfterShip codes for every kind of end a parcel can come to), the
// summary of a multi-parcel waybill, the public view with names masked and
// no phone digits, the full view behind the last four digits of a phone
// (right, wrong, rate-limited), number enumeration answered 429, the staff
// view with risk and ETA, audited and held to the network, the pickup
// inspection's scan, and a cancelled order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, login } from '../lib/harness.mjs';
import { assertError, audit, createUser, raw, RFC3339_CN, GOOD_PASSWORD } from './lib/http.mjs';
import { orderBody, createOrder, act, waybillNo, NANSHAN } from './lib/orders.mjs';

let srv, base, admin, agent, analyst, key;
before(async () => {
  srv = await startServer();
  base = srv.url;
  [admin, agent, analyst] = await Promise.all(['admin', 'agent', 'analyst'].map((u) => login(base, u)));
  const r = await api(base, 'POST', '/api/v1/apikeys', { token: admin, body: { name: '总部扫描', role: 'scanner', node_code: 'HQ' } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  key = r.body.key;
  await createUser(base, admin, 'sh.clerk', { role: 'inquiry_clerk', node_code: 'SH-PD01', display_name: '浦东查询员' });
});
after(async () => { await srv?.stop(); });

const HOUR = 3600e3;
const cn = (ms) => new Date(ms + 8 * 3600e3).toISOString().replace(/\.\d{3}Z$/, '+08:00');
let seq = 0;
const DEVICE = `PDA-TRK-${Date.now() % 100000}`;
function ev(no, over = {}) {
  return { waybill_no: no, type: 'arrival', at: cn(Date.now() - 5 * HOUR), node: 'GZ-HUB', operator: '王分拣', device_id: DEVICE, device_seq: ++seq, ...over };
}
async function scan(events) {
  const r = await api(base, 'POST', '/api/v1/scans', { token: key, body: events });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.rejected, [], JSON.stringify(r.body.rejected));
  return r.body;
}
/** Public look-up from a loopback address of its own (the limits are per address). */
const pub = (no, query = '', from = '127.0.0.1') => raw(base, { path: `/api/v1/public/tracking/${no}${query}`, localAddress: from });
async function pubOk(no, query = '', from) {
  const r = await pub(no, query, from);
  assert.equal(r.status, 200, `public tracking ${no}${query}: ${r.status} ${r.text}`);
  return r.body;
}
async function staffView(no, token = admin) {
  const r = await api(base, 'GET', `/api/v1/tracking/${no}`, { token });
  assert.equal(r.status, 200, `staff tracking ${no}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** An order with a pickup and a trip to Shanghai behind it, ready for the last mile. */
async function inShanghai(over = {}) {
  const w = await createOrder(base, agent, orderBody(over));
  const t0 = Date.now() - 30 * HOUR;
  await scan([
    ev(w.waybill_no, { type: 'pickup', node: 'SZ-NS01', at: cn(t0) }),
    ev(w.waybill_no, { type: 'departure', node: 'GZ-HUB', at: cn(t0 + 2 * HOUR) }),
    ev(w.waybill_no, { type: 'arrival', node: 'SH-PD01', at: cn(t0 + 20 * HOUR) }),
  ]);
  return { w, t: t0 + 21 * HOUR };
}

test('the status table through the API: Kuaidi100 and AfterShip codes of every kind of end', async () => {
  const cases = [
    [[], 'info_received', 1, 101, 'InfoReceived', 'InfoReceived_001'],
    [[{ type: 'out_for_delivery', node: 'SH-PD01' }], 'out_for_delivery', 5, null, 'OutForDelivery', 'OutForDelivery_001'],
    [[{ type: 'delivered', signer_type: 'recipient', signer: '李四', node: 'SH-PD01' }], 'delivered', 3, 301, 'Delivered', 'Delivered_003'],
    [[{ type: 'delivered', signer_type: 'proxy', signer: '门卫王师傅', consent: true, node: 'SH-PD01' }], 'delivered_proxy', 3, 303, 'Delivered', 'Delivered_001'],
    [[{ type: 'locker_in', consent: true, node: 'SH-PD01' }], 'available_for_pickup', 5, 501, 'AvailableForPickup', 'AvailableForPickup_001'],
    [[{ type: 'delivered', signer_type: 'locker', consent: true, node: 'SH-PD01' }], 'delivered_locker', 3, 304, 'Delivered', 'Delivered_002'],
    [[{ type: 'failed_attempt', reason: 'refused', node: 'SH-PD01' }], 'refused', 14, null, 'Exception', 'Exception_003'],
    [[{ type: 'failed_attempt', reason: 'unreachable', node: 'SH-PD01' }], 'unreachable', 2, 206, 'AttemptFail', 'AttemptFail_002'],
    [[{ type: 'failed_attempt', reason: 'address', node: 'SH-PD01' }], 'address_issue', 2, 207, 'Exception', 'Exception_007'],
    [[{ type: 'exception', reason: 'damaged', node: 'SH-PD01' }], 'damaged', 2, 209, 'Exception', 'Exception_012'],
    [[{ type: 'return_start', node: 'SH-PD01' }], 'returning', 6, null, 'Exception', 'Exception_010'],
    [[{ type: 'return_start', node: 'SH-PD01' }, { type: 'returned', node: 'SZ-NS01' }], 'returned', 4, null, 'Exception', 'Exception_011'],
  ];
  for (const [events, status, state, advanced, tag, subtag] of cases) {
    let no;
    if (events.length === 0) {
      no = (await createOrder(base, agent, orderBody())).waybill_no;
    } else {
      const { w, t } = await inShanghai();
      no = w.waybill_no;
      await scan(events.map((e, i) => ev(no, { ...e, at: cn(t + i * HOUR) })));
    }
    const p = await pubOk(no);
    assert.equal(p.status, status, `${JSON.stringify(events)} → ${p.status}`);
    assert.deepEqual(p.kuaidi100, { state, advanced }, `kuaidi100 of ${status}`);
    assert.deepEqual(p.aftership, { tag, subtag }, `aftership of ${status}`);
    assert.equal(typeof p.status_zh, 'string');
    const s = await staffView(no);
    assert.equal(s.status, status, 'the staff view agrees');
  }
});

test('the public answer: CONTRACT.md fields, oldest event first, signers masked, no phone digits', async () => {
  const { w, t } = await inShanghai();
  await scan([ev(w.waybill_no, { type: 'delivered', signer_type: 'recipient', signer: '李四', photo: 'pod/2026/abc.jpg', node: 'SH-PD01', at: cn(t) })]);
  const r = await pub(w.waybill_no);
  assert.equal(r.status, 200);
  assert.match(r.headers['content-type'], /^application\/json/);
  const p = r.body;
  assert.equal(p.waybill_no, w.waybill_no);
  assert.equal(p.view, 'public');
  assert.equal(p.status, 'delivered');
  assert.equal(p.status_zh, '已签收');
  assert.match(p.promised_delivery_at, RFC3339_CN);
  assert.match(p.delivered_at, RFC3339_CN);
  assert.deepEqual(p.events.map((e) => e.type), ['pickup', 'departure', 'arrival', 'delivered']);
  for (const e of p.events) {
    assert.match(e.at, RFC3339_CN);
    assert.equal(typeof e.type_zh, 'string');
    assert.equal(typeof e.description, 'string');
    assert.ok(e.node);
    assert.equal(e.signer, undefined, 'no signer field in public');
    assert.equal(e.photo, undefined, 'no photo in public');
  }
  assert.equal(p.events[0].node, 'SZ-NS01');
  assert.equal(p.events[0].node_name, '深圳南山营业部');
  const last = p.events.at(-1);
  assert.match(last.description, /李\*/);
  assert.deepEqual(p.parcels, [{ parcel_no: w.waybill_no, status: 'delivered', status_zh: '已签收' }]);
  // Nothing personal anywhere in the text: no full name, no phone digits, no photo.
  for (const secret of ['李四', '张三', w.recipient.phone ?? '', w.sender.phone ?? '', 'pod/2026/abc.jpg', '世纪大道']) {
    if (secret) assert.ok(!r.text.includes(secret), `the public answer leaks ${secret}`);
  }
  const order = await api(base, 'GET', `/api/v1/waybills/${w.waybill_no}`, { token: agent });
  for (const phone of [order.body.sender.phone, order.body.recipient.phone]) {
    assert.ok(!r.text.includes(phone.slice(3, 7)), 'no middle digits of a phone');
    assert.ok(!r.text.includes(phone.slice(-4)), 'not even the last four digits');
  }
  // A number with a wrong check digit is refused before any look-up; an unknown one is 404.
  const bad = w.waybill_no.slice(0, -1) + String((Number(w.waybill_no.at(-1)) + 1) % 10);
  assertError(await pub(bad), 400, 'waybill.no_invalid', 'no');
  assertError(await pub(waybillNo(888888888), '', '127.0.0.3'), 404, 'tracking.not_found');
  assertError(await pub(w.waybill_no, '?foo=1'), 400, 'query.unknown_parameter', 'foo');
  assertError(await pub(w.waybill_no, '?phone_last4=12a4'), 400, 'query.invalid', 'phone_last4');
});

test('the full view: the last four digits of either phone unlock signers and photos; wrong digits 403, then 429', async () => {
  const { w, t } = await inShanghai();
  await scan([ev(w.waybill_no, { type: 'delivered', signer_type: 'proxy', consent: true, signer: '门卫王师傅', photo: 'pod/xyz.jpg', node: 'SH-PD01', at: cn(t) })]);
  const rec = w.recipient.phone ?? (await api(base, 'GET', `/api/v1/waybills/${w.waybill_no}`, { token: agent })).body.recipient.phone;
  const order = (await api(base, 'GET', `/api/v1/waybills/${w.waybill_no}`, { token: agent })).body;
  const from = '127.0.0.5';
  const full = await pubOk(w.waybill_no, `?phone_last4=${order.recipient.phone.slice(-4)}`, from);
  assert.equal(full.view, 'full');
  const d = full.events.at(-1);
  assert.equal(d.signer, '门卫王师傅');
  assert.equal(d.signer_type, 'proxy');
  assert.equal(d.photo, 'pod/xyz.jpg');
  assert.equal(full.status, 'delivered_proxy');
  const text = JSON.stringify(full);
  for (const phone of [order.sender.phone, order.recipient.phone, rec]) assert.ok(!text.includes(phone), 'never a full phone number');
  assert.equal((await pubOk(w.waybill_no, `?phone_last4=${order.sender.phone.slice(-4)}`, from)).view, 'full', 'the sender’s digits work too');
  const reads = await audit(base, admin, { action: 'tracking.read_full', object_id: w.waybill_no });
  assert.equal(reads.length, 2, 'each full view is audited');
  assert.equal(reads[0].actor.kind, 'public');

  // Wrong digits: 403 five times for this number from this address, then 429 — even for the right digits.
  const wrong = order.recipient.phone.slice(-4) === '0000' ? '1111' : '0000';
  const guesser = '127.0.0.6';
  for (let i = 0; i < 5; i++) assertError(await pub(w.waybill_no, `?phone_last4=${wrong}`, guesser), 403, 'tracking.phone_mismatch', 'phone_last4');
  assertError(await pub(w.waybill_no, `?phone_last4=${wrong}`, guesser), 429, 'request.rate_limited');
  assertError(await pub(w.waybill_no, `?phone_last4=${order.recipient.phone.slice(-4)}`, guesser), 429, 'request.rate_limited');
  // The masked view stays open to that address, and the full view to others.
  assert.equal((await pubOk(w.waybill_no, '', guesser)).view, 'public');
  assert.equal((await pubOk(w.waybill_no, `?phone_last4=${order.recipient.phone.slice(-4)}`, '127.0.0.7')).view, 'full');
});

test('number enumeration: unknown numbers from one address are limited, then every look-up from it is 429', async () => {
  const w = await createOrder(base, agent, orderBody());
  await scan([ev(w.waybill_no, { type: 'pickup', node: 'SZ-NS01' })]);
  const from = '127.0.0.9';
  for (let i = 0; i < 30; i++) assertError(await pub(waybillNo(700000000 + i), '', from), 404, 'tracking.not_found');
  assertError(await pub(waybillNo(700000100), '', from), 429, 'request.rate_limited');
  assertError(await pub(w.waybill_no, '', from), 429, 'request.rate_limited');
  // Another address is not affected; known numbers do not count.
  for (let i = 0; i < 40; i++) assert.equal((await pub(w.waybill_no, '', '127.0.0.10')).status, 200);
});

test('a waybill of several parcels: per-parcel status, the summary waits for the last parcel, an exception wins', async () => {
  const { w, t } = await inShanghai({ parcels: 3 });
  const [p1, p2, p3] = w.parcels.map((p) => p.parcel_no);
  await scan([
    ev(w.waybill_no, { type: 'out_for_delivery', node: 'SH-PD01', at: cn(t) }),
    ev(w.waybill_no, { parcel_no: p1, type: 'delivered', signer_type: 'recipient', signer: '李四', node: 'SH-PD01', at: cn(t + HOUR) }),
    ev(w.waybill_no, { parcel_no: p2, type: 'delivered', signer_type: 'recipient', signer: '李四', node: 'SH-PD01', at: cn(t + HOUR) }),
  ]);
  let p = await pubOk(w.waybill_no);
  assert.deepEqual(p.parcels.map((x) => [x.parcel_no, x.status]), [[p1, 'delivered'], [p2, 'delivered'], [p3, 'out_for_delivery']]);
  assert.equal(p.status, 'out_for_delivery', 'delivered only when every parcel is');
  assert.equal(p.delivered_at, null);
  await scan([ev(w.waybill_no, { parcel_no: p3, type: 'delivered', signer_type: 'locker', consent: true, node: 'SH-PD01', at: cn(t + 2 * HOUR) })]);
  p = await pubOk(w.waybill_no);
  assert.equal(p.status, 'delivered');
  assert.equal(Date.parse(p.delivered_at), Math.floor((t + 2 * HOUR) / 1000) * 1000, 'when the last parcel was delivered');
  await scan([ev(w.waybill_no, { parcel_no: p2, type: 'exception', reason: 'damaged', node: 'SH-PD01', at: cn(t + 3 * HOUR) })]);
  p = await pubOk(w.waybill_no);
  assert.equal(p.status, 'damaged');
  assert.deepEqual(p.parcels.map((x) => x.status), ['delivered', 'damaged', 'delivered_locker']);
  assert.equal(p.events.at(-1).parcel_no, p2);
});

test('the staff view: risk, ETA, every field; audited for staff who see personal data; held to the network', async () => {
  const { w, t } = await inShanghai();
  await scan([ev(w.waybill_no, { type: 'out_for_delivery', node: 'SH-PD01', at: cn(t), temperature_c: 4.5, bag_no: 'B-77' })]);
  const reads0 = (await audit(base, admin, { action: 'tracking.read_personal', object_id: w.waybill_no })).length;
  const v = await staffView(w.waybill_no, agent);
  assert.equal(v.view, 'staff');
  assert.equal(v.has_order, true);
  assert.deepEqual([v.order.state, v.order.service, v.order.node, v.order.dest_district_code], ['accepted', 'standard', 'GD-SZ', '310115']);
  assert.ok(['on_time', 'at_risk', 'late'].includes(v.risk), v.risk);
  if (v.risk === 'late') assert.equal(v.eta, null);
  else assert.equal(Date.parse(v.eta), Date.parse(v.promised_delivery_at), 'ETA: the promise while it can be kept');
  assert.match(v.last_event_at, RFC3339_CN);
  const e = v.events.at(-1);
  assert.equal(e.temperature_c, 4.5);
  assert.equal(e.bag_no, 'B-77');
  assert.equal(e.device_id, DEVICE);
  assert.equal(typeof e.device_seq, 'number');
  assert.match(e.received_at, RFC3339_CN);
  const reads = await audit(base, admin, { action: 'tracking.read_personal', object_id: w.waybill_no });
  assert.equal(reads.length, reads0 + 1, 'the agent’s read is audited');
  assert.equal(reads[0].actor.name, 'agent');
  // An analyst (no personal_data.read) sees signers masked and is not audited.
  const { w: w2, t: t2 } = await inShanghai();
  await scan([ev(w2.waybill_no, { type: 'delivered', signer_type: 'recipient', signer: '李四', node: 'SH-PD01', at: cn(t2) })]);
  const a = await staffView(w2.waybill_no, analyst);
  assert.equal(a.events.at(-1).signer, '李*');
  assert.equal((await audit(base, admin, { action: 'tracking.read_personal', object_id: w2.waybill_no })).length, 0);
  assert.equal((await staffView(w2.waybill_no, agent)).events.at(-1).signer, '李四');
  assert.equal(a.risk, 'on_time');
  assert.equal(a.eta, null, 'delivered: no ETA');
  // Outside the caller's network: 404 as if it did not exist.
  const clerk = await login(base, 'sh.clerk', GOOD_PASSWORD);
  assertError(await api(base, 'GET', `/api/v1/tracking/${w.waybill_no}`, { token: clerk }), 404, 'tracking.not_found');
  assertError(await api(base, 'GET', `/api/v1/tracking/${w.waybill_no}`, {}), 401, 'auth.required');
  assertError(await api(base, 'GET', `/api/v1/tracking/${w.waybill_no}`, { token: key }), 403, 'auth.forbidden');
});

test('the pickup inspection stores a pickup scan: tracking shows picked_up at the courier’s node', async () => {
  const [resident, dispatcher, courier] = await Promise.all(['resident_agent', 'dispatcher', 'courier'].map((u) => login(base, u)));
  const w = await createOrder(base, resident, orderBody({ sender: NANSHAN }));
  assert.equal((await pubOk(w.waybill_no)).status, 'info_received');
  assert.equal((await act(base, dispatcher, w.waybill_no, 'pickup')).status, 200);
  const r = await act(base, courier, w.waybill_no, 'inspection', { goods_ok: true, prohibited_found: false });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const p = await pubOk(w.waybill_no);
  assert.equal(p.status, 'picked_up');
  assert.deepEqual(p.kuaidi100, { state: 1, advanced: 103 });
  assert.deepEqual(p.events.map((e) => [e.type, e.node]), [['pickup', 'SZ-NS01']]);
  const s = await staffView(w.waybill_no);
  assert.equal(s.events[0].device_id, 'parceldesk-inspection');
  assert.equal(s.events[0].operator, 'courier');
  assert.equal(s.order.state, 'picked_up');
});

test('a cancelled order without scans is cancelled in tracking', async () => {
  const w = await createOrder(base, agent, orderBody());
  const c = await act(base, agent, w.waybill_no, 'cancel', { reason: '客户取消' });
  assert.equal(c.status, 200, JSON.stringify(c.body));
  const p = await pubOk(w.waybill_no);
  assert.equal(p.status, 'cancelled');
  assert.deepEqual(p.kuaidi100, { state: 2, advanced: 210 });
  assert.deepEqual(p.aftership, { tag: null, subtag: null });
  assert.deepEqual(p.events, []);
});

test('an order without a tracking row (taken before tracking existed) is built on its first public look-up', async () => {
  const { execFileSync } = await import('node:child_process');
  const w = await createOrder(base, agent, orderBody());
  // Remove its row behind the server's back, as a database from before
  // migration 006 would have none.
  const sql = `DELETE FROM tracking WHERE waybill_no = '${w.waybill_no}'`;
  if (srv.db.startsWith('sqlite:')) execFileSync('sqlite3', ['-cmd', '.timeout 10000', srv.db.slice('sqlite:'.length), sql]);
  else execFileSync('psql', ['-q', '-v', 'ON_ERROR_STOP=1', '-c', sql, srv.db]);
  const r = await api(base, 'GET', `/api/v1/public/tracking/${w.waybill_no}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.waybill_no, w.waybill_no);
  assert.equal(r.body.status, 'info_received');
  // A valid number nobody has is still 404.
  const unknown = await api(base, 'GET', `/api/v1/public/tracking/${waybillNo(999999999990)}`);
  assert.equal(unknown.status, 404);
});
