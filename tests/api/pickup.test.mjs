// Dispatch and pickup (DOMAIN.md §4): assigning a pickup task automatically
// (by area and load) or to a named courier, taking it back, the dispatcher's
// task list with late tasks, and the courier's pickup inspection (收寄验视):
// re-weighing re-prices the order with the fee before and after in the
// history, prohibited goods found at the door cancel the order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, login } from '../lib/harness.mjs';
import { assertError, createUser, RFC3339_CN, GOOD_PASSWORD } from './lib/http.mjs';
import { orderBody, merge, createOrder, getOrder, act, patchOrder, historyActions } from './lib/orders.mjs';

let srv, base, agent, outletAgent, dispatcher, courier, admin;
before(async () => {
  srv = await startServer();
  base = srv.url;
  [agent, outletAgent, dispatcher, courier, admin] = await Promise.all(
    ['agent', 'resident_agent', 'dispatcher', 'courier', 'admin'].map((u) => login(base, u)));
  await createUser(base, admin, 'ft.courier', { role: 'courier', node_code: 'SZ-FT01', display_name: '福田快递员' });
  await createUser(base, admin, 'sh.courier', { role: 'courier', node_code: 'SH-PD01', display_name: '浦东快递员' });
});
after(async () => { await srv?.stop(); });

/** RFC 3339 in China time for epoch ms. */
function cn(ms) {
  return new Date(ms + 8 * 3600e3).toISOString().replace(/\.\d{3}Z$/, '+08:00');
}

async function tasks(token, query = {}) {
  const r = await api(base, 'GET', `/api/v1/pickup-tasks?${new URLSearchParams(query)}`, { token });
  assert.equal(r.status, 200, `pickup-tasks: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.items;
}
const taskOf = async (no, query = {}) => (await tasks(dispatcher, { limit: '500', ...query })).find((k) => k.waybill_no === no);
const assign = (no, body, token = dispatcher) => act(base, token, no, 'pickup', body);
const inspect = (no, body, token = courier) => act(base, token, no, 'inspection', body);

/** An order taken at the courier's own outlet (SZ-NS01), assigned to that courier. */
async function assignedAtOutlet(over = {}) {
  const body = orderBody(over);
  const w = await createOrder(base, outletAgent, body);
  assert.equal(w.node, 'SZ-NS01');
  const r = await assign(w.waybill_no);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.courier.username, 'courier');
  return { body, w: r.body };
}

test('automatic assignment: pickup_assigned with the courier of the area, an open task; DELETE takes it back', async () => {
  const w = await createOrder(base, outletAgent, orderBody());
  const r = await assign(w.waybill_no);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.state, 'pickup_assigned');
  assert.equal(r.body.state_zh, '已派揽收');
  assert.deepEqual({ username: r.body.courier.username, display_name: r.body.courier.display_name }, { username: 'courier', display_name: '林快递' });
  assert.equal(r.body.version, w.version + 1);

  const k = await taskOf(w.waybill_no);
  assert.ok(k, 'the task is listed');
  assert.equal(k.state, 'open');
  assert.equal(k.courier.display_name, '林快递');
  assert.equal(k.courier.id, r.body.courier.id);
  assert.equal(k.late, false);
  assert.match(k.assigned_at, RFC3339_CN);
  assert.equal(Date.parse(k.due_at), Date.parse(w.promise.planned_pickup_at), 'due at the planned pickup time when there is no window');
  // The courier sees its own tasks.
  assert.ok((await tasks(courier)).some((x) => x.waybill_no === w.waybill_no));

  assertError(await assign(w.waybill_no), 409, 'order.transition_invalid');
  const d = await api(base, 'DELETE', `/api/v1/waybills/${w.waybill_no}/pickup`, { token: dispatcher });
  assert.equal(d.status, 200, JSON.stringify(d.body));
  assert.equal(d.body.state, 'accepted');
  assert.equal(d.body.courier, null);
  assert.equal((await taskOf(w.waybill_no, { state: 'cancelled' }))?.state, 'cancelled');
  assert.equal(await taskOf(w.waybill_no, { state: 'open' }), undefined);
  assertError(await api(base, 'DELETE', `/api/v1/waybills/${w.waybill_no}/pickup`, { token: dispatcher }), 409, 'order.transition_invalid');
  assert.deepEqual(await historyActions(base, agent, w.waybill_no), ['waybill.create', 'waybill.assign_pickup', 'waybill.unassign_pickup']);
  const h = await api(base, 'GET', `/api/v1/waybills/${w.waybill_no}/history`, { token: agent });
  assert.equal(h.body.items[1].detail.automatic, true);
  assert.equal(h.body.items[1].detail.courier, 'courier');
});

test('named courier: a courier of the area is taken; anyone else is pickup.courier_invalid', async () => {
  const w = await createOrder(base, agent, orderBody()); // node GD-SZ: both outlets' couriers serve it
  for (const [who, status, code, field] of [
    ['agent', 422, 'pickup.courier_invalid', 'courier'],
    ['sh.courier', 422, 'pickup.courier_invalid', 'courier'],
    ['nobody.here', 422, 'pickup.courier_invalid', 'courier'],
    [5, 400, 'json.type', 'courier'],
    ['', 400, 'json.too_short', 'courier'],
  ]) assertError(await assign(w.waybill_no, { courier: who }), status, code, field);
  assert.equal((await getOrder(base, agent, w.waybill_no)).state, 'accepted', 'refusals change nothing');

  const r = await assign(w.waybill_no, { courier: 'ft.courier' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.courier.username, 'ft.courier');
  const mine = await tasks(dispatcher, { courier: 'ft.courier' });
  assert.ok(mine.some((k) => k.waybill_no === w.waybill_no && k.courier.display_name === '福田快递员'));
  assert.ok(mine.every((k) => k.courier.display_name === '福田快递员'));
  assertError(await api(base, 'GET', '/api/v1/pickup-tasks?courier=nobody.here', { token: dispatcher }), 400, 'query.invalid', 'courier');
});

test('automatic assignment balances the load between the couriers of the area', async () => {
  // 罗湖区 is served by GD-SZ as a whole (seed-demo lists the city 4403 for
  // GD-SZ and only 南山/福田 for the outlets), so both outlets' couriers
  // qualify and the less loaded one is chosen.
  const LUOHU = { province: '广东省', city: '深圳市', district: '罗湖区' };
  const open = async (name) => (await tasks(dispatcher, { courier: name, state: 'open', limit: '500' })).length;
  for (let i = 0; i < 4; i++) {
    const [a, b] = [await open('courier'), await open('ft.courier')];
    const w = await createOrder(base, agent, orderBody({ sender: LUOHU }));
    const r = await assign(w.waybill_no);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const expected = a < b ? 'courier' : b < a ? 'ft.courier' : null;
    if (expected) assert.equal(r.body.courier.username, expected, `loads ${a}/${b}: the less loaded one`);
  }
  const [a, b] = [await open('courier'), await open('ft.courier')];
  assert.ok(Math.abs(a - b) <= 1, `open tasks ${a} and ${b} differ by at most one`);
});

test('only accepted orders are dispatched, only by dispatch staff', async () => {
  const doubtful = await createOrder(base, agent, orderBody({ goods: { name: '充电宝' } }));
  assertError(await assign(doubtful.waybill_no), 409, 'order.transition_invalid');
  const draft = await createOrder(base, agent, orderBody({ submit: false }));
  assertError(await assign(draft.waybill_no), 409, 'order.transition_invalid');
  const w = await createOrder(base, agent, orderBody());
  assertError(await assign(w.waybill_no, undefined, agent), 403, 'auth.forbidden');
  assertError(await api(base, 'GET', '/api/v1/pickup-tasks', { token: agent }), 403, 'auth.forbidden');
  assertError(await api(base, 'GET', '/api/v1/pickup-tasks?state=late', { token: dispatcher }), 400, 'query.invalid', 'state');
  assertError(await api(base, 'GET', '/api/v1/pickup-tasks?late=yes', { token: dispatcher }), 400, 'query.invalid', 'late');
});

test('late: a task past the end of its pickup window is listed with late=true; a future one is not', async () => {
  const now = Date.now();
  const past = await createOrder(base, agent, orderBody({ pickup_window: { from: cn(now - 3 * 3600e3), to: cn(now - 2 * 3600e3) } }));
  const future = await createOrder(base, agent, orderBody({ pickup_window: { from: cn(now + 2 * 3600e3), to: cn(now + 4 * 3600e3) } }));
  assert.equal(Date.parse(past.pickup_window.to), Math.floor((now - 2 * 3600e3) / 1000) * 1000);
  for (const w of [past, future]) assert.equal((await assign(w.waybill_no)).status, 200);
  const late = await tasks(dispatcher, { late: 'true', limit: '500' });
  const k = late.find((x) => x.waybill_no === past.waybill_no);
  assert.ok(k, 'the late task is listed');
  assert.equal(k.late, true);
  assert.equal(Date.parse(k.due_at), Date.parse(past.pickup_window.to), 'due at the end of the window');
  assert.ok(late.every((x) => x.late === true && x.state === 'open'));
  assert.ok(!late.some((x) => x.waybill_no === future.waybill_no), 'a task due later is not late');
  assert.equal((await taskOf(future.waybill_no)).late, false);
});

test('inspection with re-weighing: picked_up, re-priced, reweigh in the history with the fee before and after', async () => {
  const { body, w } = await assignedAtOutlet();
  const r = await inspect(w.waybill_no, { goods_ok: true, prohibited_found: false, weight_g: 3200, packaging: 'ok', quantity: 1 });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.state, 'picked_up');
  assert.equal(r.body.state_zh, '已揽收');
  assert.equal(r.body.goods.weight_g, 3200);
  const q = await api(base, 'POST', '/api/v1/quotes', { token: agent, body: merge(body, { goods: { weight_g: 3200 } }) });
  assert.equal(q.status, 200);
  assert.equal(r.body.total_fen, q.body.total_fen, 're-priced on the tariff with the new weight');
  assert.notEqual(r.body.total_fen, w.total_fen);
  assert.equal(r.body.chargeable_weight_g, q.body.chargeable_weight_g);

  const h = await api(base, 'GET', `/api/v1/waybills/${w.waybill_no}/history`, { token: agent });
  assert.deepEqual(h.body.items.map((e) => e.action), ['waybill.create', 'waybill.assign_pickup', 'waybill.reweigh', 'waybill.pick_up']);
  const rw = h.body.items[2];
  assert.equal(rw.actor, 'courier');
  assert.deepEqual(rw.detail, { weight_before_g: 1200, weight_after_g: 3200, fee_before_fen: w.total_fen, fee_after_fen: r.body.total_fen });
  assert.equal((await taskOf(w.waybill_no, { state: 'done' }))?.state, 'done', 'the task is done');

  // In the network now: no more moves before pickup, goods and addresses locked.
  assertError(await inspect(w.waybill_no, { goods_ok: true, prohibited_found: false }), 409, 'order.transition_invalid');
  assertError(await act(base, agent, w.waybill_no, 'cancel', { reason: '不寄了' }), 409, 'order.transition_invalid');
  assertError(await api(base, 'DELETE', `/api/v1/waybills/${w.waybill_no}/pickup`, { token: dispatcher }), 409, 'order.transition_invalid');
  assertError(await patchOrder(base, agent, w.waybill_no, { goods: { weight_g: 1000 } }), 422, 'order.field_locked', 'goods.weight_g');
  assertError(await patchOrder(base, agent, w.waybill_no, { recipient: { address: '别处 1 号' } }), 422, 'order.field_locked', 'recipient.address');
  const c = await patchOrder(base, agent, w.waybill_no, { recipient: { phone: '021-58881234' } });
  assert.equal(c.status, 200, JSON.stringify(c.body));
  assert.equal(c.body.recipient.phone, '021-58881234');
});

test('inspection without re-weighing keeps the price and writes no reweigh', async () => {
  const { w } = await assignedAtOutlet();
  const r = await inspect(w.waybill_no, { goods_ok: true, prohibited_found: false, weight_g: 1200 });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.state, 'picked_up');
  assert.equal(r.body.total_fen, w.total_fen);
  assert.deepEqual(await historyActions(base, agent, w.waybill_no), ['waybill.create', 'waybill.assign_pickup', 'waybill.pick_up']);
});

test('prohibited goods found at the door: 422 goods.prohibited and the order is cancelled', async () => {
  const { w } = await assignedAtOutlet();
  assertError(await inspect(w.waybill_no, { goods_ok: false, prohibited_found: true, goods_name: '烟花' }), 422, 'goods.prohibited');
  const g = await getOrder(base, agent, w.waybill_no);
  assert.equal(g.state, 'cancelled');
  assert.equal((await taskOf(w.waybill_no, { state: 'cancelled' }))?.state, 'cancelled', 'the task ends with the order');
  assert.ok((await historyActions(base, agent, w.waybill_no)).includes('waybill.inspection_refused'));

  // The courier ticks nothing but names what is in the box: screened all the same.
  const { w: w2 } = await assignedAtOutlet();
  assertError(await inspect(w2.waybill_no, { goods_ok: true, prohibited_found: false, goods_name: '雷管' }), 422, 'goods.prohibited');
  assert.equal((await getOrder(base, agent, w2.waybill_no)).state, 'cancelled');
});

test('inspection: only of an assigned order, only with scans.write, every field checked', async () => {
  const w = await createOrder(base, outletAgent, orderBody());
  assertError(await inspect(w.waybill_no, { goods_ok: true, prohibited_found: false }), 409, 'order.transition_invalid');
  const { w: a } = await assignedAtOutlet();
  for (const [body, code, field] of [
    [{ prohibited_found: false }, 'json.missing', 'goods_ok'],
    [{ goods_ok: true }, 'json.missing', 'prohibited_found'],
    [{ goods_ok: 'yes', prohibited_found: false }, 'json.type', 'goods_ok'],
    [{ goods_ok: true, prohibited_found: false, packaging: 'bag' }, 'json.enum', 'packaging'],
    [{ goods_ok: true, prohibited_found: false, weight_g: 0 }, 'json.range', 'weight_g'],
    [{ goods_ok: true, prohibited_found: false, weight_g: 1000, length_mm: 300 }, 'json.missing', 'width_mm'],
    [{ goods_ok: true, prohibited_found: false, length_mm: 300, width_mm: 200, height_mm: 100 }, 'json.missing', 'weight_g'],
    [{ goods_ok: true, prohibited_found: false, colour: 'red' }, 'json.unknown_field', 'colour'],
  ]) assertError(await inspect(a.waybill_no, body), 400, code, field);
  assertError(await inspect(a.waybill_no, { goods_ok: true, prohibited_found: false }, agent), 403, 'auth.forbidden');
  assert.equal((await getOrder(base, agent, a.waybill_no)).state, 'pickup_assigned', 'refusals change nothing');
});

// Orders are taken at the branch (GD-SZ) and collected by the courier of an
// outlet below it (SZ-NS01): the waybill is outside the courier's network,
// yet the courier sent to collect it must be able to open and inspect it —
// and only while it is their task.
test('the courier assigned to an order taken at the branch can open and inspect it, others cannot', async () => {
  const w = await createOrder(base, agent, orderBody()); // node GD-SZ
  const ft = await login(base, 'ft.courier', GOOD_PASSWORD);
  assertError(await api(base, 'GET', `/api/v1/waybills/${w.waybill_no}`, { token: courier }), 404, 'waybill.not_found');
  const r = await assign(w.waybill_no, { courier: 'courier' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.ok((await tasks(courier)).some((k) => k.waybill_no === w.waybill_no), 'the task is in the courier’s list');
  const g = await api(base, 'GET', `/api/v1/waybills/${w.waybill_no}`, { token: courier });
  assert.equal(g.status, 200, `GET by the assigned courier: ${g.status} ${JSON.stringify(g.body)}`);
  assert.equal(g.body.waybill_no, w.waybill_no);
  assertError(await api(base, 'GET', `/api/v1/waybills/${w.waybill_no}`, { token: ft }), 404, 'waybill.not_found');
  assertError(await inspect(w.waybill_no, { goods_ok: true, prohibited_found: false }, ft), 404, 'waybill.not_found');

  // Taken back, it is out of the courier's reach again.
  assert.equal((await api(base, 'DELETE', `/api/v1/waybills/${w.waybill_no}/pickup`, { token: dispatcher })).status, 200);
  assertError(await api(base, 'GET', `/api/v1/waybills/${w.waybill_no}`, { token: courier }), 404, 'waybill.not_found');
  assert.equal((await assign(w.waybill_no, { courier: 'courier' })).status, 200);
  const i = await inspect(w.waybill_no, { goods_ok: true, prohibited_found: false });
  assert.equal(i.status, 200, `inspection by the assigned courier: ${i.status} ${JSON.stringify(i.body)}`);
  assert.equal(i.body.state, 'picked_up');
});

// Public orders belong to the root of the network (waybills.c), so only
// head-office staff can dispatch them; "automatic by area and capacity"
// (s2-api.md) must still mean a courier of the sender's area, not the least
// loaded courier anywhere in the country.
test('an order is assigned first to the couriers of the node serving the pickup district', async () => {
  // 福田区 440304 is SZ-FT01's area: its courier, even when busier.
  const FUTIAN = { province: '广东省', city: '深圳市', district: '福田区' };
  for (let i = 0; i < 2; i++) {
    const w = await createOrder(base, agent, orderBody({ sender: FUTIAN }));
    const r = await assign(w.waybill_no);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.courier.username, 'ft.courier');
  }
});

test('a public order is assigned automatically to a courier of the sender’s area', async () => {
  const busy = await createOrder(base, agent, orderBody());
  assert.equal((await assign(busy.waybill_no, { courier: 'courier' })).status, 200); // the Nanshan courier has work
  const body = orderBody(); // sender in 深圳 南山区
  delete body.channel;
  delete body.payment;
  const p = await api(base, 'POST', '/api/v1/public/waybills', { body });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  const r = await assign(p.body.waybill_no, undefined, admin);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.ok(['courier', 'ft.courier'].includes(r.body.courier.username),
    `a Shenzhen courier collects in Shenzhen; got ${r.body.courier.username}`);
});

test('couriers see their own tasks only', async () => {
  const w = await createOrder(base, agent, orderBody());
  assert.equal((await assign(w.waybill_no, { courier: 'ft.courier' })).status, 200);
  const ft = await login(base, 'ft.courier', GOOD_PASSWORD);
  assert.ok((await tasks(ft)).some((k) => k.waybill_no === w.waybill_no));
  assert.ok(!(await tasks(courier)).some((k) => k.waybill_no === w.waybill_no), 'not in another courier’s list');
  assert.ok((await tasks(courier, { courier: 'ft.courier' })).every((k) => k.courier.display_name === '林快递'), '?courier= does not widen a courier’s view');
});

test('mine=courier lists the caller’s own pickups even when the orders belong to the parent branch', async () => {
  const w = await createOrder(base, agent, orderBody()); // owned by GD-SZ, above the courier's outlet
  assert.equal((await assign(w.waybill_no, { courier: 'courier' })).status, 200);
  const r = await api(base, 'GET', '/api/v1/waybills?mine=courier&limit=200', { token: courier });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.ok(r.body.items.some((x) => x.waybill_no === w.waybill_no), 'the assigned order is listed');
  assert.ok(r.body.items.every((x) => x.state !== undefined));
  assertError(await api(base, 'GET', '/api/v1/waybills?mine=all', { token: courier }), 400, 'query.invalid', 'mine');
  // Without mine=, the courier's own subtree holds none of GD-SZ's orders.
  const plain = await api(base, 'GET', '/api/v1/waybills?limit=200', { token: courier });
  assert.ok(!plain.body.items.some((x) => x.waybill_no === w.waybill_no));
});

test('GET /api/v1/couriers lists the couriers in scope with their open pickups and the capacity', async () => {
  const w = await createOrder(base, agent, orderBody());
  assert.equal((await assign(w.waybill_no, { courier: 'courier' })).status, 200);
  const r = await api(base, 'GET', '/api/v1/couriers', { token: dispatcher });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.capacity, 40);
  const c = r.body.items.find((x) => x.username === 'courier');
  assert.ok(c, 'the demo courier is listed');
  assert.equal(c.node, 'SZ-NS01');
  const open = (await tasks(dispatcher, { courier: 'courier', state: 'open', limit: '500' })).length;
  assert.equal(c.open_tasks, open, 'the load is the number of open tasks');
  assert.ok(r.body.items.every((x) => typeof x.open_tasks === 'number' && x.display_name));
  assertError(await api(base, 'GET', '/api/v1/couriers', { token: agent }), 403, 'auth.forbidden');
  assertError(await api(base, 'GET', '/api/v1/couriers?x=1', { token: dispatcher }), 400, 'query.unknown_parameter');
});

test('the order list carries what a dispatcher plans with: sender district, address (personal) and window', async () => {
  const now = Date.now();
  const w = await createOrder(base, agent, orderBody({ pickup_window: { from: cn(now + 3600e3), to: cn(now + 3 * 3600e3) } }));
  const r = await api(base, 'GET', `/api/v1/waybills?no=${w.waybill_no}`, { token: dispatcher });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const row = r.body.items[0];
  assert.equal(row.sender.district, '南山区');
  assert.equal(row.sender.address, w.sender.address, 'the dispatcher may see personal data');
  assert.deepEqual(row.pickup_window, w.pickup_window);
  // Without personal_data.read the street address is withheld.
  const am = await login(base, 'account_manager');
  const m = await api(base, 'GET', `/api/v1/waybills?no=${w.waybill_no}`, { token: am }); // at GD, above GD-SZ
  assert.equal(m.status, 200, JSON.stringify(m.body));
  assert.equal(m.body.items.length, 1);
  assert.equal(m.body.items[0].sender.address, null);
  assert.equal(m.body.items[0].sender.district, '南山区');
});
