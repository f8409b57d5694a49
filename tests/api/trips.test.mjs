// Vehicles, trips and loading plans (配载, docs/tracking.md "Trips and
// loading plans"): vehicles and trips created and refused field by field;
// a plan checked against the vehicle's weight and volume, refused naming the
// item that tipped it over and by how much, all or nothing; an item on
// another trip that has not arrived refused 409 until that trip arrives;
// plan changes only before departure; the loading order (last stop first,
// heavy under light) with its balance figures; a bag planned as one item
// weighing what is inside; and the trip view setting the plan beside the
// load and unload scans: planned, loaded, unloaded, and a load nobody
// planned listed as unplanned. Network scope: the origin's staff plan, a
// stop's staff see the trip, others get 404.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, login } from '../lib/harness.mjs';
import { assertError, audit, createUser, GOOD_PASSWORD } from './lib/http.mjs';
import { orderBody, createOrder } from './lib/orders.mjs';

let srv, base, admin, planner, agent, dispatcher, shClerk, shDispatcher, key;
before(async () => {
  srv = await startServer();
  base = srv.url;
  // supervisor (GD) plans at GZ-HUB; dispatcher (GD-SZ) is outside GZ-HUB's subtree
  [planner, agent, dispatcher] = await Promise.all(['supervisor', 'agent', 'dispatcher'].map((u) => login(base, u)));
  admin = await login(base, 'admin');
  const r = await api(base, 'POST', '/api/v1/apikeys', { token: admin, body: { name: '广州分拨 装车枪', role: 'scanner', node_code: 'HQ' } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  key = r.body.key;
  await createUser(base, admin, 'sh.tripclerk', { role: 'inquiry_clerk', node_code: 'SH-PD01', display_name: '浦东查询员' });
  shClerk = await login(base, 'sh.tripclerk', GOOD_PASSWORD);
  await createUser(base, admin, 'sh.tripdispatch', { role: 'dispatcher', node_code: 'SH-HUB', display_name: '上海分拨调度' });
  shDispatcher = await login(base, 'sh.tripdispatch', GOOD_PASSWORD);
});
after(async () => { await srv?.stop(); });

const HOUR = 3600e3;
const cn = (ms) => new Date(ms + 8 * 3600e3).toISOString().replace(/\.\d{3}Z$/, '+08:00');
let serial = 0;
const uniq = () => `${Date.now() % 100000}${++serial}`;
const post = (path, body, token = planner) => api(base, 'POST', path, { token, body });
const get = (path, token = planner) => api(base, 'GET', path, { token });

async function vehicle(over = {}) {
  const body = { plate: `粤A${uniq()}`, type: '9.6米厢式货车', capacity_weight_g: 10000, capacity_volume_cm3: 100000, node: 'GZ-HUB', ...over };
  const r = await post('/api/v1/vehicles', body);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
async function trip(plate, over = {}) {
  const body = { trip_no: `GZ-SH-${uniq()}`, plate, origin: 'GZ-HUB', stops: ['SH-HUB', 'SH-PD01'], planned_departure: cn(Date.now() + 2 * HOUR), ...over };
  const r = await post('/api/v1/trips', body);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
/** An order of @p weight_g grams and, when given, dimensions in mm. */
async function order(weight_g, dims, over = {}) {
  const goods = { weight_g, length_mm: undefined, width_mm: undefined, height_mm: undefined };
  if (dims) Object.assign(goods, { length_mm: dims[0], width_mm: dims[1], height_mm: dims[2] });
  return createOrder(base, agent, orderBody({ goods, ...over }));
}
const plan = (no, items, token = planner) => post(`/api/v1/trips/${encodeURIComponent(no)}/plan`, { items }, token);
const view = async (no, token = planner) => {
  const r = await get(`/api/v1/trips/${encodeURIComponent(no)}`, token);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
};
const setState = (no, state, token = planner) => post(`/api/v1/trips/${encodeURIComponent(no)}/state`, { state }, token);
let seq = 0;
const DEVICE = `PDA-TRIP-${Date.now() % 100000}`;
const ev = (over) => ({ type: 'load', at: cn(Date.now() - 2 * HOUR), node: 'GZ-HUB', operator: '装车员', device_id: DEVICE, device_seq: ++seq, ...over });
async function scan(events) {
  const r = await api(base, 'POST', '/api/v1/scans', { token: key, body: events });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.rejected, [], JSON.stringify(r.body.rejected));
  return r.body;
}

test('vehicles: created with capitals, refused field by field, listed within the network', async () => {
  const n = uniq();
  const v = await vehicle({ plate: `粤b${n}x` });
  assert.deepEqual({ ...v, created_at: undefined }, {
    plate: `粤B${n}X`, type: '9.6米厢式货车', capacity_weight_g: 10000, capacity_volume_cm3: 100000, node: 'GZ-HUB', created_at: undefined,
  });
  assertError(await post('/api/v1/vehicles', { plate: `粤B${n}X`, type: '厢式货车', capacity_weight_g: 1, capacity_volume_cm3: 1, node: 'GZ-HUB' }), 409, 'vehicle.exists', 'plate');
  assertError(await post('/api/v1/vehicles', { plate: `粤B${uniq()}`, type: '厢式货车', capacity_weight_g: 0, capacity_volume_cm3: 1 }), 400, 'json.range', 'capacity_weight_g');
  assertError(await post('/api/v1/vehicles', { plate: `粤B ${uniq()}`, type: '厢式货车', capacity_weight_g: 1, capacity_volume_cm3: 1 }), 400, 'json.format', 'plate');
  assertError(await post('/api/v1/vehicles', { plate: `粤B${uniq()}`, type: '厢式货车', capacity_weight_g: 1, capacity_volume_cm3: 1, node: 'GZ-HUB' }, dispatcher), 422, 'vehicle.node_unknown', 'node');
  assertError(await post('/api/v1/vehicles', { plate: `粤B${uniq()}`, type: '厢式货车', capacity_weight_g: 1 }), 400, 'json.missing', 'capacity_volume_cm3');
  // agents read (tracking.read) but do not plan (dispatch)
  assertError(await post('/api/v1/vehicles', { plate: `粤B${uniq()}`, type: 'x', capacity_weight_g: 1, capacity_volume_cm3: 1 }, agent), 403, 'auth.forbidden');

  const mine = await get('/api/v1/vehicles');
  assert.equal(mine.status, 200);
  assert.ok(mine.body.items.some((x) => x.plate === v.plate));
  const theirs = await get('/api/v1/vehicles', shClerk);
  assert.equal(theirs.status, 200);
  assert.ok(!theirs.body.items.some((x) => x.plate === v.plate), 'a GZ vehicle is not Shanghai\'s');
});

test('trips: created with their stops; unknown vehicle, nodes and repeated stops refused by field', async () => {
  const v = await vehicle();
  const no = `GZ-SH-${uniq()}`;
  const t = await trip(v.plate, { trip_no: no });
  assert.equal(t.trip_no, no);
  assert.equal(t.state, 'planned');
  assert.equal(t.state_zh, '已配载');
  assert.equal(t.origin, 'GZ-HUB');
  assert.deepEqual(t.stops, ['SH-HUB', 'SH-PD01']);
  assert.equal(t.vehicle.plate, v.plate);
  assert.deepEqual(t.plan, { items: 0, weight_g: 0, volume_cm3: 0, contents: 0, unmeasured: 0, fill: { weight: 0, volume: 0 }, remaining: { weight_g: 10000, volume_cm3: 100000 } });
  assert.deepEqual([t.items, t.unplanned], [[], []]);
  assert.equal(t.departed_at, null);

  const body = (over) => ({ trip_no: `T-${uniq()}`, plate: v.plate, origin: 'GZ-HUB', stops: ['SH-HUB'], planned_departure: cn(Date.now()), ...over });
  assertError(await post('/api/v1/trips', body({ trip_no: no })), 409, 'trip.exists', 'trip_no');
  assertError(await post('/api/v1/trips', body({ plate: '粤Z00000' })), 422, 'trip.vehicle_unknown', 'plate');
  assertError(await post('/api/v1/trips', body({ origin: 'NO-SUCH' })), 422, 'trip.node_unknown', 'origin');
  assertError(await post('/api/v1/trips', body({ stops: ['SH-HUB', 'NO-SUCH'] })), 422, 'trip.node_unknown', 'stops[1]');
  assertError(await post('/api/v1/trips', body({ stops: ['GZ-HUB'] })), 422, 'trip.stop_invalid', 'stops[0]');
  assertError(await post('/api/v1/trips', body({ stops: ['SH-HUB', 'SH-HUB'] })), 422, 'trip.stop_invalid', 'stops[1]');
  assertError(await post('/api/v1/trips', body({ stops: [] })), 400, 'json.too_short', 'stops');
  assertError(await post('/api/v1/trips', body({ trip_no: 'A/B' })), 400, 'json.format', 'trip_no');
  assertError(await post('/api/v1/trips', body({ planned_departure: '明天' })), 400, 'json.format', 'planned_departure');
  // the dispatcher of GD-SZ: neither the vehicle nor the origin is in its network
  assertError(await post('/api/v1/trips', body(), dispatcher), 422, 'trip.vehicle_unknown', 'plate');

  // scope: Shanghai staff see a trip calling there; GD-SZ staff do not see a GZ-HUB trip
  assert.equal((await view(no, shClerk)).trip_no, no);
  assertError(await get(`/api/v1/trips/${no}`, agent), 404, 'trip.not_found');
  assertError(await get('/api/v1/trips/NO-SUCH-TRIP'), 404, 'trip.not_found');
  const list = await get('/api/v1/trips?state=planned');
  assert.equal(list.status, 200);
  assert.ok(list.body.items.some((x) => x.trip_no === no));
  assertError(await get('/api/v1/trips?state=lost'), 400, 'query.invalid', 'state');
});

test('capacity: over weight and over volume name the item and by how much; all or nothing', async () => {
  const v = await vehicle({ capacity_weight_g: 10000, capacity_volume_cm3: 100000 });
  const t = await trip(v.plate);
  const [a, b, c, d] = await Promise.all([order(4000, [300, 200, 100]), order(5000, [300, 200, 100]), order(3000, [300, 200, 100]), order(500)]);
  let r = await plan(t.trip_no, [{ waybill_no: a.waybill_no, stop: 0 }, { waybill_no: b.waybill_no, stop: 1 }]);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.plan.weight_g, 9000);
  assert.equal(r.body.plan.volume_cm3, 12000);
  assert.deepEqual(r.body.plan.fill, { weight: 0.9, volume: 0.12 });
  assert.deepEqual(r.body.plan.remaining, { weight_g: 1000, volume_cm3: 88000 });

  r = await plan(t.trip_no, [{ waybill_no: c.waybill_no, stop: 0 }]);
  assertError(r, 422, 'trip.over_weight', 'items[0]');
  assert.match(r.body.error.message, /over by 2000 g/);
  // d alone would fit (9,500 g); with c after it the request is 2,500 g over: neither is added
  r = await plan(t.trip_no, [{ waybill_no: d.waybill_no, stop: 0 }, { waybill_no: c.waybill_no, stop: 0 }]);
  assertError(r, 422, 'trip.over_weight', 'items[1]');
  assert.match(r.body.error.message, /over by 2500 g/);
  let now = await view(t.trip_no);
  assert.deepEqual(now.items.map((x) => x.waybill_no).sort(), [a.waybill_no, b.waybill_no].sort());
  assert.equal(now.plan.weight_g, 9000);
  // d alone fits
  r = await plan(t.trip_no, [{ waybill_no: d.waybill_no, stop: 1 }]);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const dItem = r.body.items.find((x) => x.waybill_no === d.waybill_no);
  assert.equal(dItem.volume_cm3, 0, 'no dimensions, no volume');
  assert.equal(dItem.unmeasured, 1);
  assert.equal(r.body.plan.unmeasured, 1);

  const small = await vehicle({ capacity_weight_g: 1000000, capacity_volume_cm3: 10000 });
  const t2 = await trip(small.plate);
  const [e, f] = await Promise.all([order(100, [300, 200, 100]), order(100, [300, 200, 100])]);
  r = await plan(t2.trip_no, [{ waybill_no: e.waybill_no, stop: 0 }, { waybill_no: f.waybill_no, stop: 0 }]);
  assertError(r, 422, 'trip.over_volume', 'items[1]');
  assert.match(r.body.error.message, /over by 2000 cm3/);
  now = await view(t2.trip_no);
  assert.equal(now.plan.items, 0, 'nothing added');
});

test('bad plan items are refused by field', async () => {
  const v = await vehicle();
  const t = await trip(v.plate);
  const a = await order(1000, [100, 100, 100]);
  const cancelled = await order(1000);
  assert.equal((await api(base, 'POST', `/api/v1/waybills/${cancelled.waybill_no}/cancel`, { token: agent, body: { reason: '客户取消' } })).status, 200);
  assertError(await plan(t.trip_no, [{ waybill_no: a.waybill_no, stop: 2 }]), 422, 'trip.stop_invalid', 'items[0].stop');
  assertError(await plan(t.trip_no, [{ waybill_no: a.waybill_no }]), 400, 'json.missing', 'items[0].stop');
  assertError(await plan(t.trip_no, [{ stop: 0 }]), 400, 'json.missing', 'items[0].waybill_no');
  assertError(await plan(t.trip_no, [{ waybill_no: a.waybill_no, bag_no: 'B1', stop: 0 }]), 400, 'json.format', 'items[0].waybill_no');
  assertError(await plan(t.trip_no, [{ waybill_no: 'PD0000000000001', stop: 0 }]), 400, 'waybill.no_invalid', 'items[0].waybill_no');
  assertError(await plan(t.trip_no, [{ waybill_no: a.waybill_no, stop: 0 }, { waybill_no: a.waybill_no, stop: 1 }]), 400, 'json.format', 'items[1].waybill_no');
  assertError(await plan(t.trip_no, [{ bag_no: 'NO-SUCH-BAG', stop: 0 }]), 422, 'trip.item_unknown', 'items[0].bag_no');
  assertError(await plan(t.trip_no, [{ waybill_no: cancelled.waybill_no, stop: 0 }]), 422, 'trip.item_unavailable', 'items[0].waybill_no');
  assertError(await plan(t.trip_no, []), 400, 'json.too_short', 'items');
  assertError(await plan('NO-SUCH-TRIP', [{ waybill_no: a.waybill_no, stop: 0 }]), 404, 'trip.not_found');
  // the GD-SZ dispatcher cannot see a GZ-HUB trip, let alone plan it
  assertError(await plan(t.trip_no, [{ waybill_no: a.waybill_no, stop: 0 }], dispatcher), 404, 'trip.not_found');
  assert.equal((await view(t.trip_no)).plan.items, 0);
});

test('an item on another trip that has not arrived is refused 409; free again once it arrives; changes stop at departure', async () => {
  const v = await vehicle();
  const [t1, t2] = [await trip(v.plate), await trip(v.plate)];
  const [a, b] = await Promise.all([order(1000, [100, 100, 100]), order(1000, [100, 100, 100])]);
  assert.equal((await plan(t1.trip_no, [{ waybill_no: a.waybill_no, stop: 0 }])).status, 200);
  let r = await plan(t2.trip_no, [{ waybill_no: b.waybill_no, stop: 0 }, { waybill_no: a.waybill_no, stop: 0 }]);
  assertError(r, 409, 'trip.item_planned', 'items[1].waybill_no');
  assert.match(r.body.error.message, new RegExp(`on trip ${t1.trip_no}`));
  assert.equal((await view(t2.trip_no)).plan.items, 0, 'b was not added either');
  // again on the same trip: also planned already
  assertError(await plan(t1.trip_no, [{ waybill_no: a.waybill_no, stop: 1 }]), 409, 'trip.item_planned', 'items[0].waybill_no');

  // taken off t1 while planned, it may go on t2; back on t1 it is refused again
  r = await api(base, 'DELETE', `/api/v1/trips/${t1.trip_no}/plan/waybill/${a.waybill_no}`, { token: planner });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.plan.items, 0);
  assertError(await api(base, 'DELETE', `/api/v1/trips/${t1.trip_no}/plan/waybill/${a.waybill_no}`, { token: planner }), 404, 'trip.item_not_found', 'waybill_no');
  assertError(await api(base, 'DELETE', `/api/v1/trips/${t1.trip_no}/plan/parcel/${a.waybill_no}`, { token: planner }), 400, 'json.enum', 'kind');
  assert.equal((await plan(t2.trip_no, [{ waybill_no: a.waybill_no, stop: 0 }])).status, 200);
  assert.equal((await plan(t1.trip_no, [{ waybill_no: b.waybill_no, stop: 0 }])).status, 200);

  // t2: loading (still open to changes), then departed: no more changes
  r = await setState(t2.trip_no, 'loading');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.state, 'loading');
  const c = await order(500, [100, 100, 100]);
  assert.equal((await plan(t2.trip_no, [{ waybill_no: c.waybill_no, stop: 1 }])).status, 200);
  r = await setState(t2.trip_no, 'departed');
  assert.equal(r.body.state, 'departed');
  assert.ok(r.body.departed_at);
  assertError(await setState(t2.trip_no, 'loading'), 409, 'trip.state', 'state');
  assertError(await setState(t2.trip_no, 'departed'), 409, 'trip.state', 'state');
  assertError(await plan(t2.trip_no, [{ waybill_no: (await order(100)).waybill_no, stop: 0 }]), 409, 'trip.state');
  assertError(await api(base, 'DELETE', `/api/v1/trips/${t2.trip_no}/plan/waybill/${c.waybill_no}`, { token: planner }), 409, 'trip.state');
  // departed is not arrived: a is still held
  assertError(await plan(t1.trip_no, [{ waybill_no: a.waybill_no, stop: 0 }]), 409, 'trip.item_planned', 'items[0].waybill_no');
  // the stop's staff may tell the arrival; then a is free for its next leg
  r = await setState(t2.trip_no, 'arrived', shClerk);
  assertError(r, 403, 'auth.forbidden'); // an inquiry clerk has no dispatch
  r = await setState(t2.trip_no, 'arrived');
  assert.equal(r.body.state, 'arrived');
  assert.ok(r.body.arrived_at);
  assert.equal(r.body.plan.items, 2, 'an arrived trip keeps its plan');
  assert.equal((await plan(t1.trip_no, [{ waybill_no: a.waybill_no, stop: 1 }])).status, 200);
  assertError(await setState(t1.trip_no, 'lost'), 400, 'json.enum', 'state');
});

test('loading order: the last stop first, heavy under light, with the balance of the load', async () => {
  const v = await vehicle({ capacity_weight_g: 40000, capacity_volume_cm3: 1000000 });
  const t = await trip(v.plate, { stops: ['SH-HUB', 'SH-PD01'] });
  // [weight, stop]: two for the first stop (SH-HUB), two for the last (SH-PD01)
  const spec = [[2000, 0], [9000, 0], [1000, 1], [7000, 1]];
  const os = await Promise.all(spec.map(([w]) => order(w, [500, 400, 300]))); // 60,000 cm³ each
  const r = await plan(t.trip_no, os.map((o, i) => ({ waybill_no: o.waybill_no, stop: spec[i][1] })));
  assert.equal(r.status, 200, JSON.stringify(r.body));

  const lo = await get(`/api/v1/trips/${t.trip_no}/loading-order`);
  assert.equal(lo.status, 200, JSON.stringify(lo.body));
  assert.deepEqual(lo.body.sequence.map((s) => [s.seq, s.waybill_no, s.stop_node, s.weight_g]), [
    [1, os[3].waybill_no, 'SH-PD01', 7000], // the last stop's items go in first, the heaviest at the bottom
    [2, os[2].waybill_no, 'SH-PD01', 1000],
    [3, os[1].waybill_no, 'SH-HUB', 9000], // the first stop's go in last, nearest the doors
    [4, os[0].waybill_no, 'SH-HUB', 2000],
  ]);
  // lanes: 7000 left; 1000 right; 9000 right (1000 < 7000); 2000 left (7000 < 10000)
  assert.deepEqual(lo.body.sequence.map((s) => s.side), ['left', 'right', 'right', 'left']);
  // each lane is 500,000 cm³ long: centres at 60,000 and 180,000 of it
  assert.deepEqual(lo.body.sequence.map((s) => s.position), [0.06, 0.06, 0.18, 0.18]);
  assert.deepEqual(lo.body.balance, {
    left_g: 9000, right_g: 10000, lateral_imbalance: 0.052, front_g: 19000, rear_g: 0,
    centre_of_gravity: 0.129,
  });
  assert.deepEqual(lo.body.fill, { weight: 0.475, volume: 0.24 });
  assert.deepEqual(lo.body.capacity, { weight_g: 40000, volume_cm3: 1000000 });
  assert.deepEqual(lo.body.stops, ['SH-HUB', 'SH-PD01']);
  // Shanghai sees it; GD-SZ does not
  assert.equal((await get(`/api/v1/trips/${t.trip_no}/loading-order`, shClerk)).status, 200);
  assertError(await get(`/api/v1/trips/${t.trip_no}/loading-order`, agent), 404, 'trip.not_found');
});

test('a bag is one item weighing its contents; the view shows planned, loaded, unloaded and unplanned loads', async () => {
  const v = await vehicle({ capacity_weight_g: 100000, capacity_volume_cm3: 10000000 });
  const t = await trip(v.plate, { stops: ['SH-HUB', 'SH-PD01'] });
  const bagNo = `GZB-${uniq()}`;
  // a: two parcels of 3,000 g and 400×300×200 mm together; c: one of 1,200 g, 300×200×100 mm
  const a = await createOrder(base, agent, orderBody({ parcels: 2, goods: { weight_g: 3000, length_mm: 400, width_mm: 300, height_mm: 200 } }));
  const c = await order(1200, [300, 200, 100]);
  const [x, y, z] = await Promise.all([order(800, [100, 100, 100]), order(900, [100, 100, 100]), order(700, [100, 100, 100])]);
  const t0 = Date.now() - 10 * HOUR;
  await scan([
    ev({ type: 'bag', parcel_no: a.parcels[0].parcel_no, bag_no: bagNo, at: cn(t0) }),
    ev({ type: 'bag', parcel_no: a.parcels[1].parcel_no, bag_no: bagNo, at: cn(t0) }),
    ev({ type: 'bag', waybill_no: c.waybill_no, bag_no: bagNo, at: cn(t0) }),
  ]);
  const r = await plan(t.trip_no, [
    { bag_no: bagNo, stop: 1 }, { waybill_no: x.waybill_no, stop: 0 }, { waybill_no: y.waybill_no, stop: 1 },
  ]);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const bagItem = r.body.items.find((i) => i.bag_no === bagNo);
  assert.deepEqual({ kind: bagItem.kind, weight_g: bagItem.weight_g, volume_cm3: bagItem.volume_cm3, contents: bagItem.contents, unmeasured: bagItem.unmeasured, stop_node: bagItem.stop_node, status: bagItem.status },
    { kind: 'bag', weight_g: 4200, volume_cm3: 30000, contents: 3, unmeasured: 0, stop_node: 'SH-PD01', status: 'planned' });
  assert.equal(r.body.plan.weight_g, 4200 + 800 + 900);
  assert.equal(r.body.plan.contents, 5);

  // scans: the bag loaded by one bag event, x loaded, z loaded though nobody planned it;
  // x unloaded at its stop, y never loaded
  await scan([
    ev({ bag_no: bagNo, type: 'load', trip_no: t.trip_no, at: cn(t0 + HOUR) }),
    ev({ waybill_no: x.waybill_no, type: 'load', trip_no: t.trip_no, at: cn(t0 + HOUR) }),
    ev({ waybill_no: z.waybill_no, type: 'load', trip_no: t.trip_no, at: cn(t0 + HOUR) }),
    ev({ waybill_no: x.waybill_no, type: 'unload', trip_no: t.trip_no, node: 'SH-HUB', at: cn(t0 + 5 * HOUR) }),
    ev({ waybill_no: y.waybill_no, type: 'load', trip_no: 'ANOTHER-TRIP', at: cn(t0 + HOUR) }),
  ]);
  const w = await view(t.trip_no);
  const by = Object.fromEntries(w.items.map((i) => [i.waybill_no ?? i.bag_no, i]));
  assert.equal(by[bagNo].status, 'loaded');
  assert.equal(by[bagNo].load_scans, 3, 'the bag event expanded into one load per parcel inside');
  assert.equal(by[x.waybill_no].status, 'unloaded');
  assert.equal(by[x.waybill_no].unloaded_node, 'SH-HUB');
  assert.equal(by[x.waybill_no].unloaded_elsewhere, false);
  assert.ok(by[x.waybill_no].loaded_at && by[x.waybill_no].unloaded_at);
  assert.equal(by[y.waybill_no].status, 'planned');
  assert.equal(by[y.waybill_no].loaded_at, null);
  assert.deepEqual(w.unplanned.map((u) => [u.kind, u.waybill_no, u.status, u.loaded_node]), [['waybill', z.waybill_no, 'loaded', 'GZ-HUB']]);
  assert.deepEqual(w.counts, { planned: 1, loaded: 1, unloaded: 1, unplanned: 1 });
  assert.equal(w.scans, 6); // 3 expanded + x load + z load + x unload

  // the bag is on this trip: another trip cannot have it
  const t2 = await trip(v.plate);
  assertError(await plan(t2.trip_no, [{ bag_no: bagNo, stop: 0 }]), 409, 'trip.item_planned', 'items[0].bag_no');
});

test('a stop\'s dispatcher sees the trip and may record its arrival, nothing else; every change is audited', async () => {
  const v = await vehicle();
  const t = await trip(v.plate, { stops: ['SH-HUB'] });
  const a = await order(1000, [100, 100, 100]);
  assert.equal((await view(t.trip_no, shDispatcher)).trip_no, t.trip_no);
  assertError(await plan(t.trip_no, [{ waybill_no: a.waybill_no, stop: 0 }], shDispatcher), 403, 'auth.forbidden');
  assertError(await setState(t.trip_no, 'departed', shDispatcher), 403, 'auth.forbidden');
  assert.equal((await plan(t.trip_no, [{ waybill_no: a.waybill_no, stop: 0 }])).status, 200);
  assert.equal((await setState(t.trip_no, 'departed')).status, 200);
  const r = await setState(t.trip_no, 'arrived', shDispatcher);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.state, 'arrived');

  const entries = (await audit(base, admin, { object_type: 'trip', object_id: t.trip_no })).map((e) => e.action);
  assert.deepEqual(entries.sort(), ['trip.create', 'trip.plan', 'trip.state', 'trip.state'].sort());
  const vs = await audit(base, admin, { object_type: 'vehicle', object_id: v.plate });
  assert.deepEqual(vs.map((e) => e.action), ['vehicle.create']);
});
