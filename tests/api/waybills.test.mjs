// POST/GET /api/v1/waybills: taking an order (the CONTRACT.md order priced as
// docs/fees.md example 2, its promise and its parcels), every field of the
// order body refused with its field named and nothing written, prohibited
// goods, Idempotency-Key retries (also racing), waybill numbers with their
// check digit and network scope, masking of personal data, order search,
// and the public "send a parcel" endpoint with its per-address limit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, login } from '../lib/harness.mjs';
import { assertError, audit, createUser, raw, RFC3339_CN, GOOD_PASSWORD, sleep } from './lib/http.mjs';
import {
  contractOrder, orderBody, uniqueRef, uniquePhone, createOrder, getOrder, listOrders, act,
  historyActions, auditCount, waybillNo, checkDigitOk, WAYBILL_NO, PARCEL_NO, MASKED_PHONE,
} from './lib/orders.mjs';

let srv, base, agent, admin;
before(async () => {
  srv = await startServer();
  base = srv.url;
  agent = await login(base, 'agent');
  admin = await login(base, 'admin');
});
after(async () => { await srv?.stop(); });

const post = (body, { token = agent, headers = {} } = {}) =>
  api(base, 'POST', '/api/v1/waybills', { token, body, headers });
const parts = (q) => Object.fromEntries(q.components.map((c) => [c.code, c.amount_fen]));

// ---- 1. create ---------------------------------------------------------------

test('the CONTRACT.md order: 201, accepted, priced as docs/fees.md example 2, GET answers the same', async () => {
  const r = await post(contractOrder());
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const w = r.body;
  assert.match(w.waybill_no, WAYBILL_NO);
  assert.ok(checkDigitOk(w.waybill_no), `${w.waybill_no} passes its Damm check digit`);
  assert.equal(w.state, 'accepted');
  assert.equal(w.state_zh, '已受理');
  assert.deepEqual(w.review, []);
  assert.equal(w.node, 'GD-SZ', 'the order belongs to the agent’s node');
  assert.deepEqual([w.channel, w.service, w.payment, w.customer_ref, w.customer_code], ['phone', 'standard', 'sender', 'PO-1001', null]);
  assert.equal(w.sender.district_code, '440305');
  assert.equal(w.recipient.district_code, '310115');
  assert.equal(w.recipient.city, '上海市');
  assert.equal(w.sender.name, '张三', 'the agent holds personal_data.read');
  assert.equal(w.recipient.phone, '13900139000');
  // docs/fees.md example 2.
  assert.equal(w.total_fen, 2472);
  assert.equal(w.chargeable_weight_g, 1500);
  assert.equal(w.quote.total_fen, 2472);
  assert.equal(w.quote.zone, 'national');
  assert.equal(w.quote.actual_weight_g, 1200);
  assert.equal(w.quote.volumetric_weight_g, 1000);
  assert.equal(w.quote.chargeable_weight_g, 1500);
  assert.deepEqual(parts(w.quote), { freight: 2400, fuel_surcharge: 72 });
  assert.deepEqual(w.quote.ratecard, { code: 'standard', version: 1 });
  assert.equal(w.quote.pricing, 'ratecard');
  // The promise, in China time, delivery after pickup.
  assert.match(w.promise.planned_pickup_at, RFC3339_CN);
  assert.match(w.promise.promised_delivery_at, RFC3339_CN);
  const planned = Date.parse(w.promise.planned_pickup_at), promised = Date.parse(w.promise.promised_delivery_at);
  assert.ok(planned >= Date.parse(w.created_at), 'pickup is planned after the order');
  assert.ok(promised > planned, `delivery ${w.promise.promised_delivery_at} after pickup ${w.promise.planned_pickup_at}`);
  assert.ok(Number.isInteger(w.promise.days) && w.promise.days > 0, `days ${w.promise.days}`);
  // One parcel, numbered like the waybill.
  assert.equal(w.parcels.length, 1);
  assert.equal(w.parcels[0].parcel_no, w.waybill_no);
  assert.equal(w.parcels[0].seq, 1);
  assert.equal(w.courier, null);
  assert.equal(w.version, 1);
  assert.match(w.created_at, RFC3339_CN);
  assert.ok(Math.abs(Date.parse(w.created_at) - Date.now()) < 5 * 60e3, 'created now');

  assert.deepEqual(await getOrder(base, agent, w.waybill_no), w, 'GET answers what POST answered');

  const created = await audit(base, admin, { action: 'waybill.create', object_id: w.waybill_no });
  assert.equal(created.length, 1, 'one waybill.create audit entry');
  assert.equal(created[0].actor.name, 'agent');
  assert.equal(created[0].detail.state, 'accepted');
  assert.equal(created[0].detail.total_fen, 2472);
});

test('three parcels: three distinct parcel numbers, none the waybill number; a parcel number finds the master', async () => {
  const w = await createOrder(base, agent, orderBody({ parcels: 3 }));
  assert.equal(w.parcels.length, 3);
  const nos = w.parcels.map((p) => p.parcel_no);
  assert.equal(new Set(nos).size, 3, `distinct: ${nos}`);
  assert.deepEqual(w.parcels.map((p) => p.seq), [1, 2, 3]);
  for (const no of nos) {
    assert.match(no, PARCEL_NO);
    assert.notEqual(no, w.waybill_no);
    assert.ok(no.startsWith(w.waybill_no), `${no} carries the master number ${w.waybill_no}`);
    assert.ok(checkDigitOk(no), `${no} passes its check digit`);
  }
  for (const no of nos) {
    const g = await getOrder(base, agent, no);
    assert.equal(g.waybill_no, w.waybill_no, `GET ${no} answers the master waybill`);
    assert.equal(g.parcels.length, 3);
  }
  const typo = nos[1].slice(0, -1) + String((Number(nos[1].slice(-1)) + 1) % 10);
  assertError(await api(base, 'GET', `/api/v1/waybills/${typo}`, { token: agent }), 400, 'waybill.no_invalid', 'no');
});

// ---- 2. every field refused, nothing written --------------------------------

test('every field: missing, wrong type, enum, range, length, format and business rules name the field; nothing is written', async () => {
  const BAD_REF = uniqueRef('BAD');
  const creates0 = await auditCount(base, admin, 'waybill.create');
  const all0 = (await listOrders(base, admin, { limit: '200' })).items.length;
  const long = (n, ch = '字') => ch.repeat(n);
  const noNames = { province: undefined, city: undefined, district: undefined };
  const win = (from, to) => ({ pickup_window: { from, to } });
  // [label, overrides (undefined deletes), status, code, field]
  const cases = [
    // required fields
    ['no channel', { channel: undefined }, 400, 'json.missing', 'channel'],
    ['channel null', { channel: null }, 400, 'json.missing', 'channel'],
    ['no service', { service: undefined }, 400, 'json.missing', 'service'],
    ['no payment', { payment: undefined }, 400, 'json.missing', 'payment'],
    ['no sender.name', { sender: { name: undefined } }, 400, 'json.missing', 'sender.name'],
    ['no sender.phone', { sender: { phone: undefined } }, 400, 'json.missing', 'sender.phone'],
    ['no sender.address', { sender: { address: undefined } }, 400, 'json.missing', 'sender.address'],
    ['no sender at all', { sender: undefined }, 400, 'json.missing', 'sender.name'],
    ['no recipient.name', { recipient: { name: undefined } }, 400, 'json.missing', 'recipient.name'],
    ['no recipient.phone', { recipient: { phone: undefined } }, 400, 'json.missing', 'recipient.phone'],
    ['no recipient.address', { recipient: { address: undefined } }, 400, 'json.missing', 'recipient.address'],
    ['no goods.name', { goods: { name: undefined } }, 400, 'json.missing', 'goods.name'],
    ['no goods.weight_g', { goods: { weight_g: undefined } }, 400, 'json.missing', 'goods.weight_g'],
    ['no goods at all', { goods: undefined }, 400, 'json.missing', 'goods.name'],
    // wrong types
    ['channel number', { channel: 7 }, 400, 'json.type', 'channel'],
    ['service bool', { service: true }, 400, 'json.type', 'service'],
    ['payment array', { payment: ['sender'] }, 400, 'json.type', 'payment'],
    ['customer_code number', { customer_code: 5 }, 400, 'json.type', 'customer_code'],
    ['customer_ref number', { customer_ref: 5 }, 400, 'json.type', 'customer_ref'],
    ['sender a string', { sender: '张三 13800138000' }, 400, 'json.type', 'sender'],
    ['sender.name number', { sender: { name: 5 } }, 400, 'json.type', 'sender.name'],
    ['sender.phone number', { sender: { phone: 13800138000 } }, 400, 'json.type', 'sender.phone'],
    ['sender.company number', { sender: { company: 1 } }, 400, 'json.type', 'sender.company'],
    ['recipient.province number', { recipient: { province: 31 } }, 400, 'json.type', 'recipient.province'],
    ['recipient.city object', { recipient: { city: {} } }, 400, 'json.type', 'recipient.city'],
    ['recipient.district bool', { recipient: { district: false } }, 400, 'json.type', 'recipient.district'],
    ['recipient.district_code number', { recipient: { ...noNames, district_code: 310115 } }, 400, 'json.type', 'recipient.district_code'],
    ['recipient.address array', { recipient: { address: ['世纪大道'] } }, 400, 'json.type', 'recipient.address'],
    ['goods a string', { goods: '衣服' }, 400, 'json.type', 'goods'],
    ['goods.name number', { goods: { name: 1 } }, 400, 'json.type', 'goods.name'],
    ['goods.category number', { goods: { category: 1 } }, 400, 'json.type', 'goods.category'],
    ['goods.quantity string', { goods: { quantity: '1' } }, 400, 'json.type', 'goods.quantity'],
    ['goods.quantity fraction', { goods: { quantity: 1.5 } }, 400, 'json.type', 'goods.quantity'],
    ['goods.weight_g string', { goods: { weight_g: '1200' } }, 400, 'json.type', 'goods.weight_g'],
    ['goods.length_mm string', { goods: { length_mm: '300' } }, 400, 'json.type', 'goods.length_mm'],
    ['goods.width_mm fraction', { goods: { width_mm: 200.5 } }, 400, 'json.type', 'goods.width_mm'],
    ['goods.height_mm bool', { goods: { height_mm: true } }, 400, 'json.type', 'goods.height_mm'],
    ['declared_value_fen string', { declared_value_fen: '0' }, 400, 'json.type', 'declared_value_fen'],
    ['cod_fen fraction', { cod_fen: 1.5 }, 400, 'json.type', 'cod_fen'],
    ['parcels string', { parcels: '1' }, 400, 'json.type', 'parcels'],
    ['special_packaging string', { special_packaging: 'yes' }, 400, 'json.type', 'special_packaging'],
    ['agency_fees string', { agency_fees: 'inspection' }, 400, 'json.type', 'agency_fees'],
    ['agency_fees of numbers', { agency_fees: [7] }, 400, 'json.type', 'agency_fees[0]'],
    ['pickup_window string', { pickup_window: '明天上午' }, 400, 'json.type', 'pickup_window'],
    ['pickup_window.from number', win(1, '2026-12-01T12:00:00+08:00'), 400, 'json.type', 'pickup_window.from'],
    ['remarks number', { remarks: 5 }, 400, 'json.type', 'remarks'],
    ['expected_total_fen string', { expected_total_fen: '2472' }, 400, 'json.type', 'expected_total_fen'],
    ['submit string', { submit: 'true' }, 400, 'json.type', 'submit'],
    // enums (exact, lower case)
    ['channel unknown', { channel: 'telegram' }, 400, 'json.enum', 'channel'],
    ['channel upper case', { channel: 'PHONE' }, 400, 'json.enum', 'channel'],
    ['service unknown', { service: 'teleport' }, 400, 'json.enum', 'service'],
    ['payment unknown', { payment: 'cash' }, 400, 'json.enum', 'payment'],
    // ranges
    ['quantity 0', { goods: { quantity: 0 } }, 400, 'json.range', 'goods.quantity'],
    ['quantity 100001', { goods: { quantity: 100001 } }, 400, 'json.range', 'goods.quantity'],
    ['weight 0', { goods: { weight_g: 0 } }, 400, 'json.range', 'goods.weight_g'],
    ['weight negative', { goods: { weight_g: -5 } }, 400, 'json.range', 'goods.weight_g'],
    ['weight over 1e9', { goods: { weight_g: 1000000001 } }, 400, 'json.range', 'goods.weight_g'],
    ['length 0', { goods: { length_mm: 0 } }, 400, 'json.range', 'goods.length_mm'],
    ['height 20001', { goods: { height_mm: 20001 } }, 400, 'json.range', 'goods.height_mm'],
    ['declared value negative', { declared_value_fen: -1 }, 400, 'json.range', 'declared_value_fen'],
    ['cod negative', { cod_fen: -1 }, 400, 'json.range', 'cod_fen'],
    ['parcels 0', { parcels: 0 }, 400, 'json.range', 'parcels'],
    ['parcels 1000', { parcels: 1000 }, 400, 'json.range', 'parcels'],
    ['expected total negative', { expected_total_fen: -1 }, 400, 'json.range', 'expected_total_fen'],
    // lengths (characters, not bytes)
    ['sender.name empty', { sender: { name: '' } }, 400, 'json.too_short', 'sender.name'],
    ['sender.name 65 chars', { sender: { name: long(65) } }, 400, 'json.too_long', 'sender.name'],
    ['recipient.name 65 chars', { recipient: { name: long(65, 'a') } }, 400, 'json.too_long', 'recipient.name'],
    ['sender.phone 33 chars', { sender: { phone: long(33, '1') } }, 400, 'json.too_long', 'sender.phone'],
    ['sender.company 101 chars', { sender: { company: long(101) } }, 400, 'json.too_long', 'sender.company'],
    ['sender.province 33 chars', { sender: { province: long(33) } }, 400, 'json.too_long', 'sender.province'],
    ['recipient.district_code 7 digits', { recipient: { ...noNames, district_code: '3101150' } }, 400, 'json.too_long', 'recipient.district_code'],
    ['sender.address empty', { sender: { address: '' } }, 400, 'json.too_short', 'sender.address'],
    ['recipient.address 201 chars', { recipient: { address: long(201) } }, 400, 'json.too_long', 'recipient.address'],
    ['goods.name empty', { goods: { name: '' } }, 400, 'json.too_short', 'goods.name'],
    ['goods.name 101 chars', { goods: { name: long(101) } }, 400, 'json.too_long', 'goods.name'],
    ['goods.category 33 chars', { goods: { category: long(33) } }, 400, 'json.too_long', 'goods.category'],
    ['customer_code empty', { customer_code: '' }, 400, 'json.too_short', 'customer_code'],
    ['customer_ref 65 chars', { customer_ref: long(65, 'R') }, 400, 'json.too_long', 'customer_ref'],
    ['remarks 501 chars', { remarks: long(501) }, 400, 'json.too_long', 'remarks'],
    // phones
    ['sender.phone too short', { sender: { phone: '12345' } }, 400, 'phone.invalid', 'sender.phone'],
    ['sender.phone with a letter', { sender: { phone: '138-0013-800a' } }, 400, 'phone.invalid', 'sender.phone'],
    ['sender.phone service number', { sender: { phone: '95555' } }, 400, 'phone.invalid', 'sender.phone'],
    ['recipient.phone 10 digits', { recipient: { phone: '1380013800' } }, 400, 'phone.invalid', 'recipient.phone'],
    ['recipient.phone prefix 12', { recipient: { phone: '12800138000' } }, 400, 'phone.invalid', 'recipient.phone'],
    // addresses
    ['unknown province', { recipient: { province: '火星省' } }, 422, 'address.unknown', 'recipient.province'],
    ['unknown district', { recipient: { district: '火星区' } }, 422, 'address.unknown', 'recipient.district'],
    ['city of another province', { recipient: { province: '湖南省', city: '深圳市', district: '南山区' } }, 422, 'address.mismatch', 'recipient.city'],
    ['sender without divisions', { sender: noNames }, 400, 'address.incomplete', 'sender.province'],
    ['district code that does not exist', { recipient: { ...noNames, district_code: '999999' } }, 400, 'address.code_invalid', 'recipient.district_code'],
    // dimensions all three or none
    ['length only', { goods: { width_mm: undefined, height_mm: undefined } }, 400, 'json.missing', 'goods.width_mm'],
    ['no height', { goods: { height_mm: undefined } }, 400, 'json.missing', 'goods.height_mm'],
    ['no length', { goods: { length_mm: undefined } }, 400, 'json.missing', 'goods.length_mm'],
    // pickup window
    ['window ends before it starts', win('2026-12-01T12:00:00+08:00', '2026-12-01T09:00:00+08:00'), 400, 'pickup.window_invalid', 'pickup_window.to'],
    ['window of no length', win('2026-12-01T12:00:00+08:00', '2026-12-01T12:00:00+08:00'), 400, 'pickup.window_invalid', 'pickup_window.to'],
    ['window without its end', { pickup_window: { from: '2026-12-01T09:00:00+08:00' } }, 400, 'json.missing', 'pickup_window.to'],
    ['window without its start', { pickup_window: { to: '2026-12-01T09:00:00+08:00' } }, 400, 'json.missing', 'pickup_window.from'],
    ['window start not RFC 3339', win('明天 9 点', '2026-12-01T12:00:00+08:00'), 400, 'json.format', 'pickup_window.from'],
    ['window end without offset', win('2026-12-01T09:00:00+08:00', '2026-12-01T12:00:00'), 400, 'json.format', 'pickup_window.to'],
    // unknown fields, at every level
    ['unknown top-level field', { colour: 'red' }, 400, 'json.unknown_field', 'colour'],
    ['unknown sender field', { sender: { email: 'a@b.cn' } }, 400, 'json.unknown_field', 'sender.email'],
    ['unknown goods field', { goods: { colour: 'red' } }, 400, 'json.unknown_field', 'goods.colour'],
    ['unknown window field', { pickup_window: { from: '2026-12-01T09:00:00+08:00', to: '2026-12-01T12:00:00+08:00', note: 'x' } }, 400, 'json.unknown_field', 'pickup_window.note'],
    ['the server’s own fields are not input', { waybill_no: 'PD0000000000013' }, 400, 'json.unknown_field', 'waybill_no'],
    // business rules (valid JSON)
    ['unknown customer', { customer_code: 'NOPE-1' }, 422, 'customer.unknown', 'customer_code'],
    ['monthly payment without an account', { payment: 'monthly' }, 422, 'payment.account_required', 'payment'],
    ['cold chain to Xinjiang', { service: 'cold_chain', recipient: { ...noNames, district_code: '650102' } }, 422, 'quote.service_unavailable', 'service'],
    ['declared value over the limit', { declared_value_fen: 100000000000 }, 422, 'quote.limit_exceeded', 'declared_value_fen'],
    ['unknown agency fee', { agency_fees: ['bribes'] }, 400, 'quote.agency_fee_unknown', 'agency_fees'],
  ];
  const failures = [];
  for (const [label, over, status, code, field] of cases) {
    const r = await post(orderBody({ customer_ref: BAD_REF, ...over }));
    try {
      assertError(r, status, code, field);
    } catch (e) {
      failures.push(`${label}: ${e.message.split('\n')[0]}`);
    }
  }
  // Bodies that are not an order at all.
  const rawCases = [['[]', 'json.not_object'], ['{"channel":', 'json.malformed'], ['', 'json.malformed']];
  for (const [text, code] of rawCases) {
    const r = await api(base, 'POST', '/api/v1/waybills', { token: agent, raw: text, headers: { 'content-type': 'application/json' } });
    try { assertError(r, 400, code); } catch (e) { failures.push(`body ${JSON.stringify(text)}: ${e.message.split('\n')[0]}`); }
  }
  assert.deepEqual(failures, [], `${failures.length} of ${cases.length + rawCases.length} refusals wrong`);

  // Nothing of it was written: no waybill, no audit entry.
  assert.deepEqual((await listOrders(base, admin, { customer_ref: BAD_REF })).items, []);
  assert.equal(await auditCount(base, admin, 'waybill.create'), creates0, 'no waybill.create audit entry for the refusals');
  assert.equal((await listOrders(base, admin, { limit: '200' })).items.length, all0, 'no waybill at all was added');
  // … and the same body, fixed, is taken.
  const w = await createOrder(base, agent, orderBody({ customer_ref: BAD_REF }));
  assert.equal(w.customer_ref, BAD_REF);
});

test('the longest allowed values are taken', async () => {
  const w = await createOrder(base, agent, orderBody({ sender: { name: '名'.repeat(64) }, remarks: '备'.repeat(500), customer_ref: 'R'.repeat(64) }));
  assert.equal(w.sender.name, '名'.repeat(64));
  assert.equal(w.remarks.length, 500);
  assert.equal(w.customer_ref.length, 64);
});

// ---- 3. prohibited goods --------------------------------------------------------

test('prohibited goods are refused with goods.name named, however they are written; nothing is written', async () => {
  const REF = uniqueRef('PROHIB');
  const creates0 = await auditCount(base, admin, 'waybill.create');
  for (const name of ['烟花', '雷管', '生日礼物（含烟花）', 'FireWorks', '鞭炮 2 箱']) {
    const r = await post(orderBody({ customer_ref: REF, goods: { name } }));
    assertError(r, 422, 'goods.prohibited', 'goods.name');
  }
  assert.deepEqual((await listOrders(base, admin, { customer_ref: REF })).items, []);
  assert.equal(await auditCount(base, admin, 'waybill.create'), creates0);
});

// ---- 7. Idempotency-Key ----------------------------------------------------------

test('Idempotency-Key: a retry replays the first answer; the same key with another body is refused', async () => {
  const body = orderBody();
  const key = `order-${uniqueRef('K')}`;
  const first = await post(body, { headers: { 'idempotency-key': key } });
  assert.equal(first.status, 201, JSON.stringify(first.body));
  assert.equal(first.headers.get('idempotent-replayed'), null, 'the first answer is not a replay');
  const again = await post(body, { headers: { 'idempotency-key': key } });
  assert.equal(again.status, 201, JSON.stringify(again.body));
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  assert.equal(again.body.waybill_no, first.body.waybill_no);
  assert.equal(again.body.state, first.body.state);
  assert.equal(again.body.total_fen, first.body.total_fen);
  assert.equal((await listOrders(base, agent, { customer_ref: body.customer_ref })).items.length, 1, 'one waybill');
  assert.deepEqual(again.body, first.body, 'the replay is the first answer, verbatim');

  // Even after the order moved on, a retry gets the first answer (the
  // client's retry must not see a different outcome of the same request).
  const cancelled = await api(base, 'POST', `/api/v1/waybills/${first.body.waybill_no}/cancel`, { token: agent, body: { reason: '客户取消' } });
  assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
  const later = await post(body, { headers: { 'idempotency-key': key } });
  assert.equal(later.status, 201);
  assert.equal(later.headers.get('idempotent-replayed'), 'true');
  assert.deepEqual(later.body, first.body);
  assert.equal(later.body.state, 'accepted');

  const other = { ...body, remarks: '改了备注' };
  assertError(await post(other, { headers: { 'idempotency-key': key } }), 422, 'idempotency.key_reused');
  assert.equal((await listOrders(base, agent, { customer_ref: body.customer_ref })).items.length, 1, 'still one waybill');

  // Without a key the same body is a new order (found as a duplicate, not replayed).
  const nokey = await post(body);
  assert.equal(nokey.status, 201);
  assert.notEqual(nokey.body.waybill_no, first.body.waybill_no);
  assert.equal(nokey.headers.get('idempotent-replayed'), null);
});

test('Idempotency-Key: 20 concurrent requests with one key make exactly one waybill', async () => {
  const body = orderBody();
  const key = `race-${uniqueRef('K')}`;
  const creates0 = await auditCount(base, admin, 'waybill.create');
  const rs = await Promise.all(Array.from({ length: 20 }, () => post(body, { headers: { 'idempotency-key': key } })));
  assert.deepEqual(rs.map((r) => r.status), Array(20).fill(201), JSON.stringify(rs.filter((r) => r.status !== 201).map((r) => r.body)));
  assert.equal(new Set(rs.map((r) => r.body.waybill_no)).size, 1, 'every answer names the same waybill');
  assert.equal(rs.filter((r) => r.headers.get('idempotent-replayed') !== 'true').length, 1, 'exactly one answer is not a replay');
  assert.equal((await listOrders(base, agent, { customer_ref: body.customer_ref })).items.length, 1, 'one waybill stored');
  assert.equal(await auditCount(base, admin, 'waybill.create'), creates0 + 1, 'one waybill.create');
});

test('Idempotency-Key: keys are per caller; malformed keys are refused before anything is written', async () => {
  const body = orderBody();
  const key = `shared-${uniqueRef('K')}`;
  const supervisor = await login(base, 'supervisor');
  const a = await post(body, { headers: { 'idempotency-key': key } });
  const b = await post(body, { token: supervisor, headers: { 'idempotency-key': key } });
  assert.equal(a.status, 201);
  assert.equal(b.status, 201, JSON.stringify(b.body));
  assert.notEqual(a.body.waybill_no, b.body.waybill_no, 'another caller’s key is another key');
  assert.equal(b.headers.get('idempotent-replayed'), null);

  const REF = uniqueRef('BADKEY');
  for (const bad of ['k'.repeat(129), 'k'.repeat(200), 'has space', 'tab\tinside']) {
    assertError(await post(orderBody({ customer_ref: REF }), { headers: { 'idempotency-key': bad } }), 400, 'idempotency.key_invalid', 'Idempotency-Key');
  }
  assert.deepEqual((await listOrders(base, agent, { customer_ref: REF })).items, []);
  const longest = await post(orderBody({ customer_ref: REF }), { headers: { 'idempotency-key': 'k'.repeat(128) } });
  assert.equal(longest.status, 201, `a 128-character key is fine: ${JSON.stringify(longest.body)}`);
});

// ---- 8. numbers and scope --------------------------------------------------------

test('waybill numbers: check digit refused before any look-up (400), unknown 404, lower-case prefix accepted', async () => {
  const w = await createOrder(base, agent, orderBody());
  const no = w.waybill_no;
  const typo = no.slice(0, 8) + String((Number(no[8]) + 1) % 10) + no.slice(9);
  for (const bad of ['PD0000000000000', typo, 'PD123', 'XX' + no.slice(2), no + '1']) {
    assertError(await api(base, 'GET', `/api/v1/waybills/${bad}`, { token: agent }), 400, 'waybill.no_invalid', 'no');
  }
  assertError(await api(base, 'GET', `/api/v1/waybills?no=${typo}`, { token: agent }), 400, 'waybill.no_invalid', 'no');
  assertError(await api(base, 'GET', `/api/v1/waybills/${typo}/history`, { token: agent }), 400, 'waybill.no_invalid', 'no');
  assertError(await act(base, agent, typo, 'cancel', { reason: 'x' }), 400, 'waybill.no_invalid', 'no');

  const unknown = waybillNo(999999999999);
  assert.ok(checkDigitOk(unknown));
  assertError(await api(base, 'GET', `/api/v1/waybills/${unknown}`, { token: agent }), 404, 'waybill.not_found', null);

  const lower = await getOrder(base, agent, 'pd' + no.slice(2));
  assert.equal(lower.waybill_no, no);
});

test('a GD-SZ waybill does not exist for a user in Shanghai (404 like an unknown number, not listed)', async () => {
  const w = await createOrder(base, agent, orderBody());
  await createUser(base, admin, 'pd.clerk', { role: 'inquiry_clerk', node_code: 'SH-PD01' });
  const sh = await login(base, 'pd.clerk', GOOD_PASSWORD);
  const out = await api(base, 'GET', `/api/v1/waybills/${w.waybill_no}`, { token: sh });
  assertError(out, 404, 'waybill.not_found', null);
  const none = await api(base, 'GET', `/api/v1/waybills/${waybillNo(999999999998)}`, { token: sh });
  assert.equal(out.body.error.message, none.body.error.message, 'out of scope reads like absent');
  assertError(await api(base, 'GET', `/api/v1/waybills/${w.waybill_no}/history`, { token: sh }), 404, 'waybill.not_found');
  assert.deepEqual((await listOrders(base, sh, { no: w.waybill_no })).items, []);
  assert.deepEqual((await listOrders(base, sh, { customer_ref: w.customer_ref })).items, []);
  assert.ok(!(await listOrders(base, sh, { limit: '200' })).items.some((i) => i.waybill_no === w.waybill_no));
  // The Shenzhen supervisor above it (GD) sees it.
  const sup = await login(base, 'supervisor');
  assert.equal((await getOrder(base, sup, w.waybill_no)).waybill_no, w.waybill_no);
});

test('50 parallel orders get 50 distinct, valid numbers', async () => {
  const rs = await Promise.all(Array.from({ length: 50 }, () => post(orderBody())));
  assert.deepEqual(rs.map((r) => r.status), Array(50).fill(201), JSON.stringify(rs.find((r) => r.status !== 201)?.body));
  const nos = rs.map((r) => r.body.waybill_no);
  assert.equal(new Set(nos).size, 50, 'distinct');
  for (const no of nos) assert.ok(checkDigitOk(no), `${no} check digit`);
});

// ---- 9. personal data -------------------------------------------------------------

test('without personal_data.read names and phones are masked (GET and list) and the read is not audited; the agent’s read is', async () => {
  const w = await createOrder(base, agent, orderBody({ sender: { name: '欧阳娜娜' } }));
  const no = w.waybill_no;
  const am = await login(base, 'account_manager'); // orders.read, no personal_data.read
  const reads0 = (await audit(base, admin, { action: 'waybill.read_personal', object_id: no })).length;

  const g = await getOrder(base, am, no);
  assert.equal(g.sender.name, '欧***');
  assert.equal(g.recipient.name, '李*');
  assert.match(g.sender.phone, MASKED_PHONE);
  assert.match(g.recipient.phone, MASKED_PHONE);
  assert.equal(g.sender.phone.slice(0, 3) + g.sender.phone.slice(-4), w.sender.phone.slice(0, 3) + w.sender.phone.slice(-4));
  assert.ok(!JSON.stringify(g).includes(w.sender.phone) && !JSON.stringify(g).includes(w.recipient.phone), 'no full phone anywhere');
  const item = (await listOrders(base, am, { customer_ref: w.customer_ref })).items[0];
  assert.equal(item.waybill_no, no);
  assert.equal(item.sender.name, '欧***');
  assert.equal(item.recipient.name, '李*');
  assert.match(item.sender.phone, MASKED_PHONE);
  assert.match(item.recipient.phone, MASKED_PHONE);
  assert.equal((await audit(base, admin, { action: 'waybill.read_personal', object_id: no })).length, reads0, 'masked reads are not audited');

  const full = await getOrder(base, agent, no);
  assert.equal(full.sender.name, '欧阳娜娜');
  assert.equal(full.sender.phone, w.sender.phone);
  const reads = await audit(base, admin, { action: 'waybill.read_personal', object_id: no });
  assert.equal(reads.length, reads0 + 1, 'the agent’s read is audited');
  assert.equal(reads[0].actor.name, 'agent');
  assert.equal(reads[0].object_type, 'waybill');
  assert.ok(!(await historyActions(base, agent, no)).includes('waybill.read_personal'), 'the history shows changes, not reads');
});

// ---- 10. search ------------------------------------------------------------------

test('search by phone on either side in any format, customer_ref, dates, state and number', async () => {
  const REF = uniqueRef('SRCH');
  const a = await createOrder(base, agent, orderBody({ customer_ref: REF }));
  await sleep(40);
  const b = await createOrder(base, agent, orderBody({ customer_ref: REF }));
  await sleep(40);
  const c = await createOrder(base, agent, orderBody({ customer_ref: REF }));
  const nos = (body) => body.items.map((i) => i.waybill_no);

  assert.deepEqual(nos(await listOrders(base, agent, { customer_ref: REF })), [c.waybill_no, b.waybill_no, a.waybill_no], 'newest first');
  const p = b.sender.phone;
  for (const typed of [p, `${p.slice(0, 3)} ${p.slice(3, 7)} ${p.slice(7)}`, `+86 ${p}`, `${p.slice(0, 3)}-${p.slice(3, 7)}-${p.slice(7)}`]) {
    assert.deepEqual(nos(await listOrders(base, agent, { phone: typed })), [b.waybill_no], `sender phone typed ${typed}`);
  }
  assert.deepEqual(nos(await listOrders(base, agent, { phone: c.recipient.phone })), [c.waybill_no], 'recipient phone');
  assert.deepEqual(nos(await listOrders(base, agent, { phone: uniquePhone() })), []);

  const mid = (x, y) => new Date((Date.parse(x.created_at) + Date.parse(y.created_at)) / 2).toISOString();
  assert.deepEqual(nos(await listOrders(base, agent, { customer_ref: REF, from: mid(a, b) })), [c.waybill_no, b.waybill_no]);
  assert.deepEqual(nos(await listOrders(base, agent, { customer_ref: REF, to: mid(a, b) })), [a.waybill_no]);
  assert.deepEqual(nos(await listOrders(base, agent, { customer_ref: REF, from: mid(a, b), to: mid(b, c) })), [b.waybill_no]);

  const cancelled = await act(base, agent, c.waybill_no, 'cancel', { reason: '客户取消' });
  assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
  assert.deepEqual(nos(await listOrders(base, agent, { customer_ref: REF, state: 'cancelled' })), [c.waybill_no]);
  assert.deepEqual(nos(await listOrders(base, agent, { customer_ref: REF, state: 'accepted' })), [b.waybill_no, a.waybill_no]);

  const one = await listOrders(base, agent, { no: b.waybill_no });
  assert.deepEqual(nos(one), [b.waybill_no]);
  assert.equal(one.next_before, null);
  const item = one.items[0];
  assert.equal(item.state, 'accepted');
  assert.equal(item.total_fen, b.total_fen);
  assert.equal(item.customer_ref, REF);
  assert.equal(item.recipient.city, '上海市');
  assert.equal(item.sender.phone, b.sender.phone);
  assert.match(item.created_at, RFC3339_CN);

  assertError(await api(base, 'GET', '/api/v1/waybills?state=lost', { token: agent }), 400, 'query.invalid', 'state');
  assertError(await api(base, 'GET', '/api/v1/waybills?phone=abc', { token: agent }), 400, 'phone.invalid', 'phone');
  assertError(await api(base, 'GET', '/api/v1/waybills?from=yesterday', { token: agent }), 400, 'query.invalid', 'from');
  assertError(await api(base, 'GET', '/api/v1/waybills?limit=0', { token: agent }), 400, 'query.invalid', 'limit');
  assertError(await api(base, 'GET', '/api/v1/waybills?limit=201', { token: agent }), 400, 'query.invalid', 'limit');
  assertError(await api(base, 'GET', '/api/v1/waybills?colour=red', { token: agent }), 400, 'query.unknown_parameter', 'colour');
});

test('search pages with limit and before, newest first, without repeats or gaps', async () => {
  const REF = uniqueRef('PAGE');
  const made = [];
  for (let i = 0; i < 5; i++) made.push((await createOrder(base, agent, orderBody({ customer_ref: REF }))).waybill_no);
  const seen = [];
  let before = null;
  for (let page = 0; page < 5; page++) {
    const q = { customer_ref: REF, limit: '2' };
    if (before !== null) q.before = String(before);
    const r = await listOrders(base, agent, q);
    assert.ok(r.items.length <= 2);
    seen.push(...r.items.map((i) => i.waybill_no));
    before = r.next_before;
    if (before === null) break;
    assert.equal(r.items.length, 2, 'a page with a next page is full');
  }
  assert.equal(before, null, 'the last page says so');
  assert.deepEqual(seen, made.reverse());
});

// ---- 13. the public form ------------------------------------------------------------

function publicBody(over = {}) {
  const b = orderBody(over);
  delete b.channel;
  delete b.payment;
  return b;
}

test('public order: no login, 201 with number, state, price and promise and no personal data', async () => {
  const body = publicBody({ customer_ref: uniqueRef('WEB') });
  const r = await api(base, 'POST', '/api/v1/public/waybills', { body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.match(r.body.waybill_no, WAYBILL_NO);
  assert.equal(r.body.state, 'accepted');
  assert.equal(r.body.total_fen, 2472);
  assert.match(r.body.promise.planned_pickup_at, RFC3339_CN);
  assert.match(r.body.promise.promised_delivery_at, RFC3339_CN);
  const text = JSON.stringify(r.body);
  for (const secret of [body.sender.name, body.recipient.name, body.sender.phone, body.recipient.phone, body.recipient.address, body.sender.phone.slice(-4)]) {
    assert.ok(!text.includes(secret), `the answer does not contain ${secret}: ${text}`);
  }
  for (const key of ['sender', 'recipient', 'goods', 'customer_ref', 'remarks']) assert.equal(r.body[key], undefined, `no ${key}`);

  // Staff see it: taken on the web, owned by the node serving the sender's
  // district (seed-demo: SZ-NS01 serves 南山区 440305).
  const w = await getOrder(base, admin, r.body.waybill_no);
  assert.equal(w.channel, 'web');
  assert.equal(w.node, 'SZ-NS01');
  // A sender in a district no node lists: the root of the network.
  const far = orderBody({ sender: { province: '甘肃省', city: '兰州市', district: '城关区' } });
  delete far.channel;
  delete far.payment;
  const rf = await api(base, 'POST', '/api/v1/public/waybills', { body: far });
  assert.equal(rf.status, 201, JSON.stringify(rf.body));
  assert.equal((await getOrder(base, admin, rf.body.waybill_no)).node, 'HQ');
  assert.equal(w.sender.name, body.sender.name);
  const created = await audit(base, admin, { action: 'waybill.create', object_id: r.body.waybill_no });
  assert.equal(created.length, 1);
  assert.equal(created[0].actor.kind, 'public');
});

test('public order: channel forced to web, always submitted, no customer accounts, bad input named', async () => {
  const forced = await api(base, 'POST', '/api/v1/public/waybills', { body: { ...publicBody(), channel: 'phone', submit: false } });
  assert.equal(forced.status, 201, JSON.stringify(forced.body));
  assert.equal(forced.body.state, 'accepted', 'submit:false is ignored');
  assert.equal((await getOrder(base, admin, forced.body.waybill_no)).channel, 'web');

  assertError(await api(base, 'POST', '/api/v1/public/waybills', { body: publicBody({ customer_code: 'C-001' }) }), 422, 'payment.account_required', 'customer_code');
  assertError(await api(base, 'POST', '/api/v1/public/waybills', { body: { ...publicBody(), payment: 'monthly' } }), 422, 'payment.account_required', 'payment');
  assertError(await api(base, 'POST', '/api/v1/public/waybills', { body: publicBody({ recipient: { phone: undefined } }) }), 400, 'json.missing', 'recipient.phone');
  assertError(await api(base, 'POST', '/api/v1/public/waybills', { body: publicBody({ goods: { name: '雷管' } }) }), 422, 'goods.prohibited', 'goods.name');
});

test('public order: the 21st order from one address within 10 minutes is refused (429), another address is not', async () => {
  const fresh = await startServer(); // the limit lives in the process
  try {
    const send = (from) => raw(fresh.url, {
      method: 'POST', path: '/api/v1/public/waybills', localAddress: from,
      headers: { 'content-type': 'application/json' }, body: JSON.stringify(publicBody()),
    });
    const statuses = [];
    for (let i = 0; i < 20; i++) statuses.push((await send('127.0.3.7')).status);
    assert.deepEqual(statuses, Array(20).fill(201));
    const limited = await send('127.0.3.7');
    assertError(limited, 429, 'request.rate_limited');
    assert.equal((await send('127.0.3.8')).status, 201, 'another address has its own allowance');
  } finally {
    await fresh.stop();
  }
});

test('who may take and read orders: staff with orders.create, customer systems (their own only); no login is 401', async () => {
  assertError(await api(base, 'POST', '/api/v1/waybills', { body: orderBody() }), 401, 'auth.required');
  assertError(await post(orderBody(), { token: await login(base, 'account_manager') }), 403, 'auth.forbidden');
  assertError(await post(orderBody(), { token: await login(base, 'courier') }), 403, 'auth.forbidden');
  assertError(await api(base, 'GET', `/api/v1/waybills`, {}), 401, 'auth.required');
  // A customer system's API key takes orders and reads its own by number, in
  // full; other callers' orders do not exist for it, and it has no lists.
  const keyOf = async (name) => {
    const k = await api(base, 'POST', '/api/v1/apikeys', { token: admin, body: { name, role: 'customer_system', node_code: 'GD-SZ' } });
    assert.equal(k.status, 201, JSON.stringify(k.body));
    return k.body.key;
  };
  const [shop, other] = [await keyOf('淘宝店铺对接'), await keyOf('京东店铺对接')];
  const body = orderBody();
  const w = await createOrder(base, shop, body);
  assert.equal(w.node, 'GD-SZ');
  assert.equal(w.sender.phone, body.sender.phone, 'its own order in full');
  assert.equal((await getOrder(base, shop, w.waybill_no)).waybill_no, w.waybill_no);
  const agents = await createOrder(base, agent, orderBody());
  assertError(await api(base, 'GET', `/api/v1/waybills/${agents.waybill_no}`, { token: shop }), 404, 'waybill.not_found');
  assertError(await api(base, 'GET', `/api/v1/waybills/${w.waybill_no}`, { token: other }), 404, 'waybill.not_found');
  assertError(await api(base, 'GET', '/api/v1/waybills', { token: shop }), 403, 'auth.forbidden');
  assert.equal((await getOrder(base, agent, w.waybill_no)).waybill_no, w.waybill_no, 'staff of the node see it');
});

test('weight limits: over 100 kg per parcel or 30 t of freight is refused; over 50 kg per parcel is reviewed', async () => {
  const ref = uniqueRef('WL');
  assertError(await post(orderBody({ customer_ref: ref, goods: { weight_g: 120000 } })), 422, 'quote.limit_exceeded', 'goods.weight_g');
  assertError(await post(orderBody({ customer_ref: ref, service: 'freight', goods: { weight_g: 30000001 } })), 422, 'quote.limit_exceeded', 'goods.weight_g');
  assert.equal((await listOrders(base, agent, { customer_ref: ref })).items.length, 0, 'refusals write nothing');
  // The same 120 kg in three parcels is 40 kg each: a normal order.
  const three = await post(orderBody({ goods: { weight_g: 120000 }, parcels: 3 }));
  assert.equal(three.status, 201, JSON.stringify(three.body));
  assert.equal(three.body.state, 'accepted');
  // 60 kg in one parcel: doubtful, to review with the reason.
  const heavy = await post(orderBody({ goods: { weight_g: 60000 } }));
  assert.equal(heavy.status, 201);
  assert.equal(heavy.body.state, 'in_review');
  assert.deepEqual(heavy.body.review.map((r) => r.code), ['goods.weight_doubtful']);
  // 25 t of freight is fine.
  const truck = await post(orderBody({ service: 'freight', goods: { weight_g: 25000000 } }));
  assert.equal(truck.status, 201, JSON.stringify(truck.body));
});
