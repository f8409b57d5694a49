// Bags (集包, docs/tracking.md "Bags"): a bag of three parcels of two
// waybills filled by bag scans; one departure naming only the bag moves all
// three timelines and tracking statuses (staff and public views); the same
// event re-sent is a duplicate and expands nothing; an unbag of one parcel
// and of the whole bag; unknown and empty bags and types a bag event cannot
// have, rejected by index with the field; GET /api/v1/bags/{bag_no} with the
// contents in and out and the events, held to the caller's network.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, login } from '../lib/harness.mjs';
import { assertError, createUser, GOOD_PASSWORD } from './lib/http.mjs';
import { orderBody, createOrder } from './lib/orders.mjs';

let srv, base, admin, agent, key, shClerk;
before(async () => {
  srv = await startServer();
  base = srv.url;
  [admin, agent] = await Promise.all(['admin', 'agent'].map((u) => login(base, u)));
  const r = await api(base, 'POST', '/api/v1/apikeys', { token: admin, body: { name: '广州分拨 集包枪', role: 'scanner', node_code: 'HQ' } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  key = r.body.key;
  await createUser(base, admin, 'sh.bagclerk', { role: 'inquiry_clerk', node_code: 'SH-PD01', display_name: '浦东查询员' });
  shClerk = await login(base, 'sh.bagclerk', GOOD_PASSWORD);
});
after(async () => { await srv?.stop(); });

const HOUR = 3600e3;
const cn = (ms) => new Date(ms + 8 * 3600e3).toISOString().replace(/\.\d{3}Z$/, '+08:00');
let seq = 0;
const DEVICE = `PDA-BAG-${Date.now() % 100000}`;
let bagSerial = 0;
const bagNo = () => `GZB${Date.now() % 1000000}${++bagSerial}`;
const ev = (over) => ({ type: 'arrival', at: cn(Date.now() - 5 * HOUR), node: 'GZ-HUB', operator: '王集包', device_id: DEVICE, device_seq: ++seq, ...over });
const post = (events) => api(base, 'POST', '/api/v1/scans', { token: key, body: events });
async function scan(events) {
  const r = await post(events);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.rejected, [], JSON.stringify(r.body.rejected));
  return r.body;
}
async function staff(no) {
  const r = await api(base, 'GET', `/api/v1/tracking/${no}`, { token: admin });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}
const bag = (no, token = admin) => api(base, 'GET', `/api/v1/bags/${encodeURIComponent(no)}`, { token });
const byIndex = (rejected) => Object.fromEntries(rejected.map((x) => [x.index, [x.error.code, x.error.field ?? null]]));

/** Two waybills (2 parcels + 1 parcel) picked up, their three parcels in bag @p b. */
async function filledBag(b, t0) {
  const a = await createOrder(base, agent, orderBody({ parcels: 2 }));
  const c = await createOrder(base, agent, orderBody());
  const [a1, a2] = a.parcels.map((p) => p.parcel_no);
  await scan([
    ev({ waybill_no: a.waybill_no, type: 'pickup', node: 'SZ-NS01', at: cn(t0) }),
    ev({ waybill_no: c.waybill_no, type: 'pickup', node: 'SZ-NS01', at: cn(t0) }),
  ]);
  const r = await scan([
    ev({ parcel_no: a1, type: 'bag', bag_no: b, at: cn(t0 + HOUR) }),
    ev({ parcel_no: a2, type: 'bag', bag_no: b, at: cn(t0 + HOUR) }),
    ev({ waybill_no: c.waybill_no, type: 'bag', bag_no: b, at: cn(t0 + HOUR) }),
  ]);
  assert.equal(r.accepted, 3);
  assert.equal(r.expanded, undefined, 'no bag event, no "expanded" key');
  return { a, c, a1, a2 };
}

test('one departure naming only the bag moves all three parcels; re-sent it expands nothing', async () => {
  const b = bagNo();
  const t0 = Date.now() - 20 * HOUR;
  const { a, c, a1, a2 } = await filledBag(b, t0);
  assert.equal((await staff(a.waybill_no)).status, 'in_transit');

  const dep = ev({ type: 'departure', bag_no: b, at: cn(t0 + 2 * HOUR) });
  const r = await scan([dep]);
  assert.deepEqual(r, { accepted: 1, duplicates: 0, expanded: 3, rejected: [] });

  for (const [no, parcels] of [[a.waybill_no, [a1, a2]], [c.waybill_no, [c.waybill_no]]]) {
    const s = await staff(no);
    assert.equal(s.status, 'departed', `${no} moved by the bag's departure`);
    assert.deepEqual(s.parcels.map((p) => [p.parcel_no, p.status]), parcels.map((p) => [p, 'departed']));
    const deps = s.events.filter((e) => e.type === 'departure');
    assert.equal(deps.length, parcels.length, JSON.stringify(s.events));
    for (const e of deps) {
      assert.equal(e.bag_no, b);
      assert.equal(e.node, 'GZ-HUB');
    }
  }
  // the public tracking of a content shows the departure
  const p = await api(base, 'GET', `/api/v1/public/tracking/${c.waybill_no}`);
  assert.equal(p.status, 200, JSON.stringify(p.body));
  assert.equal(p.body.status, 'departed');
  assert.ok(p.body.events.some((e) => e.type === 'departure'), JSON.stringify(p.body.events));

  // re-sent: a duplicate, nothing expanded, the timelines unchanged
  const again = await scan([dep]);
  assert.deepEqual(again, { accepted: 0, duplicates: 1, expanded: 0, rejected: [] });
  assert.equal((await staff(a.waybill_no)).events.filter((e) => e.type === 'departure').length, 2);

  // the bag as staff see it
  const v = await bag(b);
  assert.equal(v.status, 200, JSON.stringify(v.body));
  assert.equal(v.body.state, 'sealed');
  assert.equal(v.body.node, 'GZ-HUB');
  assert.equal(v.body.inside, 3);
  assert.deepEqual(v.body.contents.map((x) => [x.waybill_no, x.parcel_no, x.inside]).sort(),
    [[a.waybill_no, a1, true], [a.waybill_no, a2, true], [c.waybill_no, null, true]].sort());
  assert.deepEqual(v.body.events.map((e) => [e.type, e.expanded, e.device_id]), [['departure', 3, DEVICE]]);
});

test('unbag: one parcel out, then the whole bag opened; later bag events see what was inside then', async () => {
  const b = bagNo();
  const t0 = Date.now() - 20 * HOUR;
  const { a, c, a1, a2 } = await filledBag(b, t0);
  await scan([ev({ parcel_no: a2, type: 'unbag', bag_no: b, at: cn(t0 + 2 * HOUR) })]);
  let v = (await bag(b)).body;
  assert.equal(v.inside, 2);
  assert.equal(v.contents.find((x) => x.parcel_no === a2).inside, false);

  // an arrival of the bag: only the two still inside
  let r = await scan([ev({ type: 'arrival', bag_no: b, node: 'SH-HUB', at: cn(t0 + 10 * HOUR) })]);
  assert.equal(r.expanded, 2);
  const s = await staff(a.waybill_no);
  assert.deepEqual(s.events.filter((e) => e.type === 'arrival').map((e) => e.parcel_no), [a1]);

  // unbag of the whole bag: both leave, the bag is opened
  r = await scan([ev({ type: 'unbag', bag_no: b, node: 'SH-HUB', at: cn(t0 + 11 * HOUR) })]);
  assert.deepEqual(r, { accepted: 1, duplicates: 0, expanded: 2, rejected: [] });
  v = (await bag(b)).body;
  assert.equal(v.state, 'opened');
  assert.equal(v.inside, 0);
  assert.ok(v.contents.every((x) => !x.inside && x.removed_at));
  assert.ok((await staff(c.waybill_no)).events.some((e) => e.type === 'unbag' && e.bag_no === b));

  // after the opening the bag is empty: a new event is refused, an event dated before it still expands
  r = await post([
    ev({ type: 'departure', bag_no: b, node: 'SH-HUB', at: cn(t0 + 12 * HOUR) }),
    ev({ type: 'sort', bag_no: b, node: 'GZ-HUB', at: cn(t0 + 3 * HOUR) }),
  ]);
  assert.equal(r.status, 200);
  assert.deepEqual(byIndex(r.body.rejected), { 0: ['scan.bag_empty', '[0].bag_no'] });
  assert.equal(r.body.accepted, 1);
  assert.equal(r.body.expanded, 2);
});

test('bad bag events are rejected by index and field; the good ones of the batch still count', async () => {
  const b = bagNo();
  const t0 = Date.now() - 20 * HOUR;
  await filledBag(b, t0);
  const r = await post([
    /* 0 */ ev({ type: 'departure', bag_no: 'NO-SUCH-BAG-1', at: cn(t0 + 2 * HOUR) }),
    /* 1 */ ev({ type: 'delivered', bag_no: b, signer_type: 'recipient', at: cn(t0 + 2 * HOUR) }),
    /* 2 */ ev({ type: 'departure', at: cn(t0 + 2 * HOUR) }),
    /* 3 */ ev({ type: 'load', bag_no: b, at: cn(t0 + 2 * HOUR) }),
    /* 4 */ ev({ type: 'departure', bag_no: b, node: 'SH-PD01', at: cn(t0 + 2 * HOUR), device_id: `${DEVICE}-x` }),
    /* 5 */ ev({ type: 'sort', bag_no: b, at: cn(t0 + 90 * 60e3) }),
  ]);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(byIndex(r.body.rejected), {
    0: ['scan.bag_unknown', '[0].bag_no'],
    1: ['scan.bag_event_type', '[1].type'],
    2: ['json.missing', '[2].waybill_no'],
    3: ['json.missing', '[3].trip_no'],
  });
  assert.equal(r.body.accepted, 2);
  assert.equal(r.body.expanded, 6);
  assert.match(r.body.rejected[0].error.message, /bag|袋/);
});

test('GET /api/v1/bags/{bag_no}: unknown 404, outside the network 404, no anonymous access', async () => {
  const b = bagNo();
  await filledBag(b, Date.now() - 20 * HOUR);
  assertError(await bag('NO-SUCH-BAG-2'), 404, 'bag.not_found');
  assertError(await bag(b, shClerk), 404, 'bag.not_found');
  const anon = await api(base, 'GET', `/api/v1/bags/${b}`);
  assert.equal(anon.status, 401);
});
