// The life of an order before pickup (docs/orders.md): the doubts that send
// an order to the review queue (restricted goods, a price the customer was
// told wrong, a doubtful weight or address, a duplicate), who may approve,
// flag and cancel, drafts and their submission, and edits (PATCH) under the
// edit-rules table with optimistic versions, re-pricing and re-review.
// Every move is checked in the waybill's history and in the audit log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, login } from '../lib/harness.mjs';
import { assertError, audit, RFC3339_CN } from './lib/http.mjs';
import {
  orderBody, merge, createOrder, getOrder, listOrders, act, patchOrder, historyActions, waybillNo,
} from './lib/orders.mjs';

let srv, base, agent, supervisor, admin, dispatcher;
before(async () => {
  srv = await startServer();
  base = srv.url;
  [agent, supervisor, admin, dispatcher] = await Promise.all(['agent', 'supervisor', 'admin', 'dispatcher'].map((u) => login(base, u)));
});
after(async () => { await srv?.stop(); });

const codes = (w) => w.review.map((r) => r.code);
const NO_DIMS = { length_mm: undefined, width_mm: undefined, height_mm: undefined };

/** What POST /api/v1/quotes says @p body costs (the tariff, not hand arithmetic). */
async function quoteOf(body) {
  const r = await api(base, 'POST', '/api/v1/quotes', { token: agent, body });
  assert.equal(r.status, 200, `quote: ${JSON.stringify(r.body)}`);
  return r.body.total_fen;
}

/** The waybill's audit entries (admin view, newest first) without the personal-data reads. */
async function changes(no) {
  return (await audit(base, admin, { object_id: no })).filter((e) => e.action !== 'waybill.read_personal');
}

// ---- 4. review ------------------------------------------------------------------

test('doubts send an order to review with its reasons; clean twins are accepted', async (t) => {
  const s = {};
  await t.test('restricted goods (充电宝) → in_review, goods.restricted on goods.name', async () => {
    const w = await createOrder(base, agent, orderBody({ goods: { name: '充电宝' } }));
    assert.equal(w.state, 'in_review');
    assert.equal(w.state_zh, '待审核');
    assert.equal(w.review.length, 1, JSON.stringify(w.review));
    assert.equal(w.review[0].code, 'goods.restricted');
    assert.equal(w.review[0].field, 'goods.name');
    assert.ok(w.review[0].message.includes('充电宝'), w.review[0].message);
    assert.equal(w.total_fen, 2472, 'priced all the same');
    s.restricted = w;
  });
  await t.test('a wrong expected_total_fen → price.mismatch; the right one → accepted', async () => {
    const w = await createOrder(base, agent, orderBody({ expected_total_fen: 2000 }));
    assert.equal(w.state, 'in_review');
    assert.deepEqual(codes(w), ['price.mismatch']);
    assert.equal(w.review[0].field, 'expected_total_fen');
    assert.equal(w.expected_total_fen, 2000);
    s.mismatch = w;
    const right = await createOrder(base, agent, orderBody({ expected_total_fen: 2472 }));
    assert.equal(right.state, 'accepted', JSON.stringify(right.review));
    assert.deepEqual(right.review, []);
    s.clean = right;
  });
  await t.test('60 kg as a standard parcel → goods.weight_doubtful; as freight → accepted', async () => {
    const w = await createOrder(base, agent, orderBody({ goods: { weight_g: 60000, ...NO_DIMS } }));
    assert.equal(w.state, 'in_review');
    assert.deepEqual(codes(w), ['goods.weight_doubtful']);
    assert.equal(w.review[0].field, 'goods.weight_g');
    s.heavy = w;
    const freight = await createOrder(base, agent, orderBody({ service: 'freight', goods: { weight_g: 60000, ...NO_DIMS } }));
    assert.equal(freight.state, 'accepted', JSON.stringify(freight.review));
  });
  await t.test('the same order twice → the second is order.duplicate of the first', async () => {
    const body = orderBody();
    const first = await createOrder(base, agent, body);
    assert.equal(first.state, 'accepted');
    const second = await createOrder(base, agent, body);
    assert.notEqual(second.waybill_no, first.waybill_no);
    assert.equal(second.state, 'in_review');
    assert.deepEqual(codes(second), ['order.duplicate']);
    assert.equal(second.review[0].duplicate_of, first.waybill_no);
    assert.equal(second.review[0].field, null);
    assert.equal((await getOrder(base, agent, first.waybill_no)).state, 'accepted', 'the first stays accepted');
    // A different weight is a different order.
    const third = await createOrder(base, agent, merge(body, { goods: { weight_g: 1300 } }));
    assert.equal(third.state, 'accepted', JSON.stringify(third.review));
    s.first = first;
    s.dup = second;
  });
  await t.test('a detailed address too short to find the door → address.doubtful', async () => {
    const w = await createOrder(base, agent, orderBody({ recipient: { address: '1号' } }));
    assert.equal(w.state, 'in_review');
    assert.deepEqual(codes(w), ['address.doubtful']);
    assert.equal(w.review[0].field, 'recipient.address');
  });
  await t.test('the review queue (state=in_review) lists exactly the doubtful ones', async () => {
    const q = await listOrders(base, supervisor, { state: 'in_review', limit: '200' });
    const nos = q.items.map((i) => i.waybill_no);
    for (const w of [s.restricted, s.mismatch, s.heavy, s.dup]) assert.ok(nos.includes(w.waybill_no), `${w.waybill_no} queued`);
    for (const w of [s.clean, s.first]) assert.ok(!nos.includes(w.waybill_no), `${w.waybill_no} not queued`);
    assert.ok(q.items.every((i) => i.state === 'in_review'));
    const item = q.items.find((i) => i.waybill_no === s.restricted.waybill_no);
    assert.equal(item.review[0].code, 'goods.restricted', 'the queue shows why');
  });
  Object.assign(shared, s);
});

const shared = {};

test('approve: not by an agent (403); by a supervisor → accepted with no open reasons; twice → 409', async () => {
  const no = shared.restricted.waybill_no;
  assertError(await act(base, agent, no, 'approve'), 403, 'auth.forbidden');
  assert.equal((await getOrder(base, agent, no)).state, 'in_review');
  const r = await act(base, supervisor, no, 'approve');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.state, 'accepted');
  assert.deepEqual(r.body.review, []);
  assert.equal(r.body.version, shared.restricted.version + 1);
  assertError(await act(base, supervisor, no, 'approve'), 409, 'order.transition_invalid');
  assertError(await act(base, supervisor, waybillNo(999999999997), 'approve'), 404, 'waybill.not_found');

  const withNote = await act(base, supervisor, shared.mismatch.waybill_no, 'approve', { note: '客户已确认新价格' });
  assert.equal(withNote.status, 200, JSON.stringify(withNote.body));
  const entry = (await changes(shared.mismatch.waybill_no))[0];
  assert.equal(entry.action, 'waybill.approve');
  assert.equal(entry.actor.name, 'supervisor');
  assert.equal(entry.detail.reason, '客户已确认新价格');
  assert.deepEqual([entry.detail.from, entry.detail.to], ['in_review', 'accepted']);
  assert.deepEqual(entry.detail.review_before.map((x) => x.code), ['price.mismatch'], 'the reasons approved are kept in the audit');
  assertError(await act(base, supervisor, shared.heavy.waybill_no, 'approve', { note: 5 }), 400, 'json.type', 'note');
});

test('cancel needs a reason; a cancelled order is final: no edits, no moves', async () => {
  const no = shared.restricted.waybill_no; // created → approved above
  assertError(await act(base, agent, no, 'cancel', {}), 400, 'json.missing', 'reason');
  assertError(await act(base, agent, no, 'cancel', { reason: '' }), 400, 'json.too_short', 'reason');
  assertError(await act(base, agent, no, 'cancel', { reason: '客户不寄了', why: 'x' }), 400, 'json.unknown_field', 'why');
  assert.equal((await getOrder(base, agent, no)).state, 'accepted', 'refused cancels change nothing');
  const r = await act(base, agent, no, 'cancel', { reason: '客户不寄了' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.state, 'cancelled');
  assert.equal(r.body.state_zh, '已取消');

  assertError(await act(base, agent, no, 'cancel', { reason: '再取消一次' }), 409, 'order.transition_invalid');
  assertError(await act(base, supervisor, no, 'approve'), 409, 'order.transition_invalid');
  assertError(await act(base, agent, no, 'submit'), 409, 'order.transition_invalid');
  assertError(await act(base, dispatcher, no, 'pickup'), 409, 'order.transition_invalid');
  assertError(await patchOrder(base, agent, no, { remarks: '改备注' }), 422, 'order.field_locked', 'remarks');
  assertError(await patchOrder(base, agent, no, { recipient: { name: '王五' } }), 422, 'order.field_locked', 'recipient.name');
  assertError(await patchOrder(base, agent, no, { goods: { weight_g: 2000 } }), 422, 'order.field_locked', 'goods.weight_g');
  const after = await getOrder(base, agent, no);
  assert.equal(after.remarks, '');
  assert.equal(after.recipient.name, '李四');
});

test('every move is in the waybill’s history and in the audit log', async () => {
  const no = shared.restricted.waybill_no;
  const h = await api(base, 'GET', `/api/v1/waybills/${no}/history`, { token: agent });
  assert.equal(h.status, 200, JSON.stringify(h.body));
  assert.deepEqual(h.body.items.map((e) => e.action), ['waybill.create', 'waybill.approve', 'waybill.cancel'], 'oldest first');
  assert.deepEqual(h.body.items.map((e) => e.actor), ['agent', 'supervisor', 'agent']);
  for (const e of h.body.items) assert.match(e.at, RFC3339_CN);
  assert.equal(h.body.items[0].detail.state, 'in_review');
  assert.deepEqual([h.body.items[2].detail.from, h.body.items[2].detail.to, h.body.items[2].detail.reason], ['accepted', 'cancelled', '客户不寄了']);

  const log = await changes(no);
  assert.deepEqual(log.map((e) => e.action), ['waybill.cancel', 'waybill.approve', 'waybill.create'], 'newest first');
  for (const e of log) {
    assert.equal(e.object_type, 'waybill');
    assert.equal(e.object_id, no);
    assert.equal(e.node_code, 'GD-SZ');
  }
  assertError(await api(base, 'GET', `/api/v1/audit?object_id=${no}`, { token: agent }), 403, 'auth.forbidden');
});

test('flag: a reviewer sends an accepted order back to review with a reason', async () => {
  const w = await createOrder(base, agent, orderBody());
  assertError(await act(base, agent, w.waybill_no, 'flag', { reason: '可疑' }), 403, 'auth.forbidden');
  assertError(await act(base, supervisor, w.waybill_no, 'flag', {}), 400, 'json.missing', 'reason');
  const r = await act(base, supervisor, w.waybill_no, 'flag', { reason: '收件地址疑似虚假' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.state, 'in_review');
  assert.deepEqual(codes(r.body), ['review.flagged']);
  assert.equal(r.body.review[0].message, '收件地址疑似虚假');
  assertError(await act(base, supervisor, w.waybill_no, 'flag', { reason: '再标一次' }), 409, 'order.transition_invalid');
  // An edit does not wash a reviewer's flag away.
  const p = await patchOrder(base, agent, w.waybill_no, { remarks: '请尽快' });
  assert.equal(p.status, 200, JSON.stringify(p.body));
  assert.equal(p.body.state, 'in_review');
  assert.deepEqual(codes(p.body), ['review.flagged']);
  assert.deepEqual(await historyActions(base, agent, w.waybill_no), ['waybill.create', 'waybill.flag', 'waybill.update']);
});

// ---- 5. drafts ----------------------------------------------------------------------

test('drafts: submit:false saves a draft; submit accepts it, or queues it when in doubt', async () => {
  const d = await createOrder(base, agent, orderBody({ submit: false }));
  assert.equal(d.state, 'draft');
  assert.equal(d.state_zh, '草稿');
  assert.equal(d.submit, undefined, 'submit is an instruction, not a field of the waybill');
  assert.ok(!(await listOrders(base, supervisor, { state: 'in_review', limit: '200' })).items.some((i) => i.waybill_no === d.waybill_no));
  assertError(await act(base, await login(base, 'courier'), d.waybill_no, 'submit'), 403, 'auth.forbidden');
  const s = await act(base, agent, d.waybill_no, 'submit');
  assert.equal(s.status, 200, JSON.stringify(s.body));
  assert.equal(s.body.state, 'accepted');
  assertError(await act(base, agent, d.waybill_no, 'submit'), 409, 'order.transition_invalid');
  assert.deepEqual(await historyActions(base, agent, d.waybill_no), ['waybill.create', 'waybill.submit']);

  const doubtful = await createOrder(base, agent, orderBody({ submit: false, goods: { name: '移动电源' } }));
  assert.equal(doubtful.state, 'draft');
  const q = await act(base, agent, doubtful.waybill_no, 'submit');
  assert.equal(q.status, 200, JSON.stringify(q.body));
  assert.equal(q.body.state, 'in_review');
  assert.deepEqual(codes(q.body), ['goods.restricted']);

  // A draft is edited freely, stays a draft, and is submitted as edited.
  const e = await createOrder(base, agent, orderBody({ submit: false, goods: { name: '充电宝' } }));
  const p = await patchOrder(base, agent, e.waybill_no, { goods: { name: '书籍' }, version: e.version });
  assert.equal(p.status, 200, JSON.stringify(p.body));
  assert.equal(p.body.state, 'draft');
  assert.deepEqual(p.body.review, []);
  assert.equal((await act(base, agent, e.waybill_no, 'submit')).body.state, 'accepted');

  const gone = await createOrder(base, agent, orderBody({ submit: false }));
  const c = await act(base, agent, gone.waybill_no, 'cancel', { reason: '录错了' });
  assert.equal(c.body.state, 'cancelled');
});

// ---- 6. edits ----------------------------------------------------------------------

test('PATCH of an accepted order: a clean change re-prices and stays accepted; a doubtful one goes to review', async () => {
  // docs/orders.md says any change of goods, addresses or value sends an
  // accepted order back to review; the code (pd_order_apply_patch) does so
  // only when the changed order raises a doubt. This asserts the code.
  const body = orderBody();
  const w = await createOrder(base, agent, body);
  const futian = { province: '广东省', city: '深圳市', district: '福田区', address: '福华路 8 号' };
  const r = await patchOrder(base, agent, w.waybill_no, { recipient: futian, version: w.version });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.recipient.district_code, '440304');
  assert.equal(r.body.recipient.address, '福华路 8 号');
  assert.equal(r.body.recipient.name, body.recipient.name, 'untouched fields stay');
  assert.equal(r.body.version, w.version + 1);
  const price = await quoteOf(merge(body, { recipient: futian }));
  assert.notEqual(price, w.total_fen, 'same-city costs less than national');
  assert.equal(r.body.total_fen, price, 're-priced with the new destination');
  assert.equal(r.body.quote.zone, 'same_city');
  assert.equal(r.body.state, 'accepted', 'code: no doubt, no review (docs/orders.md says back to review)');
  const upd = (await changes(w.waybill_no))[0];
  assert.equal(upd.action, 'waybill.update');
  assert.ok(upd.detail.changed.includes('recipient.district_code'), JSON.stringify(upd.detail));
  assert.deepEqual([upd.detail.total_fen_before, upd.detail.total_fen], [w.total_fen, price]);

  const short = await patchOrder(base, agent, w.waybill_no, { recipient: { address: '2号' } });
  assert.equal(short.status, 200, JSON.stringify(short.body));
  assert.equal(short.body.state, 'in_review');
  assert.deepEqual(codes(short.body), ['address.doubtful']);
  // Fixing the doubt in review needs no reviewer.
  const fixed = await patchOrder(base, agent, w.waybill_no, { recipient: { address: '福华路 18 号' } });
  assert.equal(fixed.body.state, 'accepted');
  assert.deepEqual(fixed.body.review, []);
});

test('PATCH weight re-prices with version +1; a stale version is 409 and changes nothing', async () => {
  const body = orderBody();
  const w = await createOrder(base, agent, body);
  const r = await patchOrder(base, agent, w.waybill_no, { goods: { weight_g: 5200 }, version: 1 });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.version, 2);
  assert.equal(r.body.goods.weight_g, 5200);
  assert.equal(r.body.goods.name, body.goods.name);
  const price = await quoteOf(merge(body, { goods: { weight_g: 5200 } }));
  assert.equal(r.body.total_fen, price);
  assert.ok(r.body.total_fen > w.total_fen, `${r.body.total_fen} > ${w.total_fen}`);
  assert.equal(r.body.chargeable_weight_g, 5500);
  assert.equal(r.body.quote.total_fen, price);

  assertError(await patchOrder(base, agent, w.waybill_no, { remarks: '过期的修改', version: 1 }), 409, 'waybill.version_conflict', 'version');
  const now = await getOrder(base, agent, w.waybill_no);
  assert.equal(now.remarks, '');
  assert.equal(now.version, 2);

  assertError(await patchOrder(base, agent, w.waybill_no, { remarks: 'x', version: '2' }), 400, 'json.type', 'version');
  assertError(await patchOrder(base, agent, w.waybill_no, { submit: true }), 400, 'json.unknown_field', 'submit');
  assertError(await patchOrder(base, agent, w.waybill_no, { goods: { weight_g: 0 } }), 400, 'json.range', 'goods.weight_g');
  assertError(await patchOrder(base, agent, w.waybill_no, { recipient: { phone: '123' } }), 400, 'phone.invalid', 'recipient.phone');
  assertError(await patchOrder(base, agent, w.waybill_no, { colour: 'red' }), 400, 'json.unknown_field', 'colour');
  assertError(await patchOrder(base, agent, w.waybill_no, { goods: { name: '雷管' } }), 422, 'goods.prohibited', 'goods.name');
  assertError(await patchOrder(base, agent, w.waybill_no, { parcels: 2 }), 422, 'order.field_locked', 'parcels');
  assertError(await patchOrder(base, await login(base, 'account_manager'), w.waybill_no, { remarks: 'x' }), 403, 'auth.forbidden');
  assertError(await patchOrder(base, agent, waybillNo(999999999996), { remarks: 'x' }), 404, 'waybill.not_found');
  assert.equal((await getOrder(base, agent, w.waybill_no)).version, 2, 'refused edits change nothing');

  const same = await patchOrder(base, agent, w.waybill_no, { remarks: '' });
  assert.equal(same.status, 200);
  assert.equal(same.body.version, 2, 'an edit that changes nothing writes nothing');
  const noVersion = await patchOrder(base, agent, w.waybill_no, { remarks: '放门卫' });
  assert.equal(noVersion.body.version, 3, 'without a version the edit applies to the current one');
  assert.equal(noVersion.body.remarks, '放门卫');
});

test('PATCH in review keeps a duplicate’s reason; a restricted order fixed by an edit is accepted', async () => {
  const body = orderBody();
  const first = await createOrder(base, agent, body);
  const dup = await createOrder(base, agent, body);
  const r = await patchOrder(base, agent, dup.waybill_no, { remarks: '客户说是第二单' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.state, 'in_review');
  assert.deepEqual(codes(r.body), ['order.duplicate']);
  assert.equal(r.body.review[0].duplicate_of, first.waybill_no);

  const restricted = await createOrder(base, agent, orderBody({ goods: { name: '锂电池' } }));
  assert.equal(restricted.state, 'in_review');
  const fixed = await patchOrder(base, agent, restricted.waybill_no, { goods: { name: '手机壳' } });
  assert.equal(fixed.body.state, 'accepted');
  assert.deepEqual(fixed.body.review, []);
});

test('PATCH after pickup is assigned: pickup address, goods, value and window locked; recipient address, contacts, remarks not', async () => {
  const body = orderBody();
  const w = await createOrder(base, agent, body);
  const a = await act(base, dispatcher, w.waybill_no, 'pickup');
  assert.equal(a.status, 200, JSON.stringify(a.body));
  assert.equal(a.body.state, 'pickup_assigned');
  const v = a.body.version;

  assertError(await patchOrder(base, agent, w.waybill_no, { sender: { address: '科技园南路 2 号' } }), 422, 'order.field_locked', 'sender.address');
  assertError(await patchOrder(base, agent, w.waybill_no, { sender: { province: undefined, district_code: '440304' } }), 422, 'order.field_locked', 'sender.district_code');
  assertError(await patchOrder(base, agent, w.waybill_no, { goods: { weight_g: 3000 } }), 422, 'order.field_locked', 'goods.weight_g');
  assertError(await patchOrder(base, agent, w.waybill_no, { service: 'express' }), 422, 'order.field_locked', 'service');
  assertError(await patchOrder(base, agent, w.waybill_no, { cod_fen: 10000 }), 422, 'order.field_locked', 'cod_fen');
  assertError(await patchOrder(base, agent, w.waybill_no, { pickup_window: { from: '2026-12-01T09:00:00+08:00', to: '2026-12-01T12:00:00+08:00' } }), 422, 'order.field_locked', 'pickup_window');
  assertError(await patchOrder(base, agent, w.waybill_no, { parcels: 2 }), 422, 'order.field_locked', 'parcels');
  assert.equal((await getOrder(base, agent, w.waybill_no)).version, v, 'refusals change nothing');

  const rec = await patchOrder(base, agent, w.waybill_no, { recipient: { address: '世纪大道 200 号' }, version: v });
  assert.equal(rec.status, 200, JSON.stringify(rec.body));
  assert.equal(rec.body.recipient.address, '世纪大道 200 号');
  assert.equal(rec.body.state, 'pickup_assigned', 'the courier keeps the task');
  assert.equal(rec.body.courier.username, 'courier');
  assert.equal(rec.body.version, v + 1);
  const contact = await patchOrder(base, agent, w.waybill_no, { sender: { phone: '0755-86001234', name: '张三丰' }, remarks: '前台代收' });
  assert.equal(contact.status, 200, JSON.stringify(contact.body));
  assert.equal(contact.body.sender.phone, '0755-86001234');
  assert.equal(contact.body.sender.name, '张三丰');
  assert.equal(contact.body.remarks, '前台代收');
  assert.equal(contact.body.sender.address, body.sender.address);
});

// ---- accepted doubts, edits that cannot be reviewed any more -----------------------

test('a doubt a reviewer accepted stays accepted through later edits; a new doubt is open again', async () => {
  const w = await createOrder(base, agent, orderBody({ goods: { name: '充电宝' } }));
  assert.equal(w.state, 'in_review');
  const ok = await act(base, supervisor, w.waybill_no, 'approve');
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.deepEqual(ok.body.review, []);
  assert.deepEqual(ok.body.review_accepted.map((r) => [r.code, r.accepted, r.accepted_by]), [['goods.restricted', true, 'supervisor']]);
  // A contact change re-runs the checks: the same doubt stays accepted.
  const c = await patchOrder(base, agent, w.waybill_no, { recipient: { name: '王五' } });
  assert.equal(c.status, 200, JSON.stringify(c.body));
  assert.equal(c.body.state, 'accepted');
  assert.deepEqual(c.body.review, []);
  assert.equal(c.body.review_accepted.length, 1);
  // Another restricted item is a new doubt: back to review.
  const g = await patchOrder(base, agent, w.waybill_no, { goods: { name: '香水' } });
  assert.equal(g.status, 200, JSON.stringify(g.body));
  assert.equal(g.body.state, 'in_review');
  assert.deepEqual(codes(g.body), ['goods.restricted']);
  assert.ok(!(await listOrders(base, agent, { state: 'accepted', customer_ref: w.customer_ref })).items.length);
});

test('an agent cannot edit a duplicate out of review; a reviewer can', async () => {
  const body = orderBody();
  const first = await createOrder(base, agent, body);
  const dup = await createOrder(base, agent, body);
  assert.equal(dup.state, 'in_review');
  assert.deepEqual(codes(dup), ['order.duplicate']);
  // Nudging the weight changes the duplicate key, but the doubt stays open.
  const nudged = await patchOrder(base, agent, dup.waybill_no, { goods: { weight_g: body.goods.weight_g + 1 } });
  assert.equal(nudged.status, 200, JSON.stringify(nudged.body));
  assert.equal(nudged.body.state, 'in_review');
  assert.deepEqual(codes(nudged.body), ['order.duplicate']);
  // A reviewer's real correction clears it (the orders now differ).
  const fixed = await patchOrder(base, supervisor, dup.waybill_no, { goods: { weight_g: body.goods.weight_g + 500 } });
  assert.equal(fixed.status, 200, JSON.stringify(fixed.body));
  assert.equal(fixed.body.state, 'accepted');
  assert.notEqual(first.waybill_no, dup.waybill_no);
});

test('an edit that would need review is refused once a courier has the order', async () => {
  const w = await createOrder(base, agent, orderBody());
  const a = await api(base, 'POST', `/api/v1/waybills/${w.waybill_no}/pickup`, { token: dispatcher });
  assert.equal(a.status, 200, JSON.stringify(a.body));
  assertError(await patchOrder(base, agent, w.waybill_no, { recipient: { address: '1号' } }), 422, 'order.edit_needs_review', 'recipient.address');
  // A plain recipient change is still fine (re-priced, no doubt).
  const ok = await patchOrder(base, agent, w.waybill_no, { recipient: { address: '世纪大道 200 号 3 室' } });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.state, 'pickup_assigned');
});

test('goods banned after intake are refused at review (approve) and at the pickup inspection', async () => {
  const enc = encodeURIComponent;
  const term = `审核期禁寄${Date.now() % 100000}`;
  // Restricted at intake: the order waits in review.
  let r = await api(base, 'PUT', `/api/v1/goods/rules/${enc(term)}`, { token: admin, body: { category: '测试', level: 'restricted', condition: '测试条件' } });
  assert.ok([200, 201].includes(r.status), JSON.stringify(r.body));
  const inReview = await createOrder(base, agent, orderBody({ goods: { name: term } }));
  assert.equal(inReview.state, 'in_review');
  // Accepted before the ban, for the inspection case (approved by a reviewer).
  const accepted = await createOrder(base, agent, orderBody({ goods: { name: term } }));
  assert.equal((await act(base, supervisor, accepted.waybill_no, 'approve')).status, 200);
  // The list changes: now prohibited.
  r = await api(base, 'PUT', `/api/v1/goods/rules/${enc(term)}`, { token: admin, body: { category: '测试', level: 'prohibited' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assertError(await act(base, supervisor, inReview.waybill_no, 'approve'), 422, 'goods.prohibited', 'goods.name');
  assert.equal((await getOrder(base, agent, inReview.waybill_no)).state, 'in_review', 'a refused approval changes nothing');
  // At the door: the inspection refuses it and the order is cancelled.
  assert.equal((await api(base, 'POST', `/api/v1/waybills/${accepted.waybill_no}/pickup`, { token: dispatcher })).status, 200);
  const courierTok = await login(base, 'courier');
  const insp = await api(base, 'POST', `/api/v1/waybills/${accepted.waybill_no}/inspection`, { token: courierTok, body: { goods_ok: true, prohibited_found: false } });
  assertError(insp, 422, 'goods.prohibited', 'goods_name');
  assert.equal((await getOrder(base, agent, accepted.waybill_no)).state, 'cancelled');
  await api(base, 'PUT', `/api/v1/goods/rules/${enc(term)}`, { token: admin, body: { category: '测试', level: 'prohibited', active: false } });
});
