// POST /api/v1/scans (DOMAIN.md §4, CONTRACT.md "A scan event"): a batch of
// good, repeated and bad events where every bad one is reported by its index
// and field and the good ones are stored; NDJSON with malformed lines; a
// re-sent batch counted as duplicates and stored once; events arriving out
// of order placed by event time; the consent rule; the network scope of a
// scanner's key; scans for a number whose order does not exist yet, shown
// with the order once it is taken; the batch limits.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, login } from '../lib/harness.mjs';
import { assertError, raw } from './lib/http.mjs';
import { orderBody, createOrder, waybillNo } from './lib/orders.mjs';

let srv, base, admin, agent, hqKey, gzKey;
before(async () => {
  srv = await startServer();
  base = srv.url;
  admin = await login(base, 'admin');
  agent = await login(base, 'agent');
  const key = async (name, node) => {
    const r = await api(base, 'POST', '/api/v1/apikeys', { token: admin, body: { name, role: 'scanner', node_code: node } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.key;
  };
  hqKey = await key('总部测试扫描枪', 'HQ');
  gzKey = await key('广州分拨 扫描枪', 'GZ-HUB');
});
after(async () => { await srv?.stop(); });

/** RFC 3339 in China time for epoch ms. */
const cn = (ms) => new Date(ms + 8 * 3600e3).toISOString().replace(/\.\d{3}Z$/, '+08:00');
const HOUR = 3600e3;
let seq = 1000;
let dev = 0;
/** A device id of its own for each test, so that sequences never collide across tests. */
const device = () => `PDA-T${++dev}-${Date.now() % 100000}`;

/** An event with the CONTRACT.md fields; override any. */
function ev(no, over = {}) {
  return { waybill_no: no, type: 'arrival', at: cn(Date.now() - 5 * HOUR), node: 'GZ-HUB', operator: '王分拣', device_id: 'PDA-7', device_seq: ++seq, ...over };
}

const scans = (events, { token = hqKey, ndjson = false, lang } = {}) => ndjson
  ? raw(base, { method: 'POST', path: '/api/v1/scans' + (lang ? `?lang=${lang}` : ''), headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' }, body: events })
  : api(base, 'POST', '/api/v1/scans' + (lang ? `?lang=${lang}` : ''), { token, body: events });

const staff = (no, token = admin) => api(base, 'GET', `/api/v1/tracking/${no}`, { token });
const pub = (no) => api(base, 'GET', `/api/v1/public/tracking/${no}`);

async function staffView(no, token = admin) {
  const r = await staff(no, token);
  assert.equal(r.status, 200, `staff tracking ${no}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** The rejected list as {index: [code, field]}. */
const byIndex = (rejected) => Object.fromEntries(rejected.map((x) => [x.index, [x.error.code, x.error.field ?? null]]));

test('a batch with good, repeated and every kind of bad event: each bad one by index and field, the good ones stored', async () => {
  const w = await createOrder(base, agent, orderBody());
  const no = w.waybill_no;
  const d = device();
  const t0 = Date.now() - 10 * HOUR;
  const bad = no.slice(0, -1) + String((Number(no.at(-1)) + 1) % 10);
  const other = waybillNo(987654321);
  const events = [
    /* 0 */ ev(no, { type: 'pickup', node: 'SZ-NS01', at: cn(t0), device_id: d, device_seq: 1 }),
    /* 1 */ ev(no, { type: 'warp_drive', device_id: d, device_seq: 2 }),
    /* 2 */ ev(no, { node: 'NO-SUCH-NODE', device_id: d, device_seq: 3 }),
    /* 3 */ ev(no, { at: cn(Date.now() + 2 * HOUR), device_id: d, device_seq: 4 }),
    /* 4 */ ev(no, { device_id: d, device_seq: undefined }),
    /* 5 */ ev(bad, { device_id: d, device_seq: 6 }),
    /* 6 */ ev(no, { parcel_no: `${other}001${0}`, device_id: d, device_seq: 7 }),
    /* 7 */ ev(undefined, { device_id: d, device_seq: 8 }),
    /* 8 */ ev(no, { type: 'delivered', device_id: d, device_seq: 9 }),
    /* 9 */ ev(no, { type: 'failed_attempt', device_id: d, device_seq: 10 }),
    /* 10 */ ev(no, { type: 'bag', device_id: d, device_seq: 11 }),
    /* 11 */ ev(no, { type: 'locker_in', device_id: d, device_seq: 12 }),
    /* 12 */ ev(no, { type: 'delivered', signer_type: 'proxy', signer: '王五', consent: false, device_id: d, device_seq: 13 }),
    /* 13 */ ev(no, { colour: 'red', device_id: d, device_seq: 14 }),
    /* 14 */ 42,
    /* 15 */ ev(no, { temperature_c: 4.1234, device_id: d, device_seq: 16 }),
    /* 16 */ ev(no, { at: 'yesterday', device_id: d, device_seq: 17 }),
    /* 17 */ ev(no, { type: 'sort', at: cn(t0 + HOUR), device_id: d, device_seq: 18 }),
    /* 18 */ ev(no, { type: 'pickup', node: 'SZ-NS01', at: cn(t0), device_id: d, device_seq: 1 }), // repeats 0
    /* 19 */ ev(no, { signer_type: 'neighbour', device_id: d, device_seq: 20 }),
    /* 20 */ ev(no, { type: 'load', trip_no: 'T-1', temperature_c: -18.5, at: cn(t0 + 2 * HOUR), device_id: d, device_seq: 21 }),
    /* 21 */ ev(no, { device_id: 'x'.repeat(65), device_seq: 22 }),
    /* 22 */ ev(no, { device_seq: -1, device_id: d }),
  ];
  // The parcel of another waybill: its check digits must be right to reach the mismatch check.
  const pd = `${other}001`;
  events[6].parcel_no = pd + damm(pd.slice(2));
  events[7] = { ...events[7] };
  delete events[7].waybill_no;
  const r = await scans(events, { lang: 'en' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.accepted, 3, JSON.stringify(r.body));
  assert.equal(r.body.duplicates, 1, 'the repeat inside the batch');
  assert.deepEqual(byIndex(r.body.rejected), {
    1: ['scan.type_unknown', '[1].type'],
    2: ['scan.node_unknown', '[2].node'],
    3: ['scan.time_in_future', '[3].at'],
    4: ['json.missing', '[4].device_seq'],
    5: ['waybill.no_invalid', '[5].waybill_no'],
    6: ['scan.parcel_mismatch', '[6].parcel_no'],
    7: ['json.missing', '[7].waybill_no'],
    8: ['json.missing', '[8].signer_type'],
    9: ['json.missing', '[9].reason'],
    10: ['json.missing', '[10].bag_no'],
    11: ['scan.consent_required', '[11].consent'],
    12: ['scan.consent_required', '[12].consent'],
    13: ['json.unknown_field', '[13].colour'],
    14: ['json.not_object', null],
    15: ['json.format', '[15].temperature_c'],
    16: ['json.format', '[16].at'],
    19: ['json.enum', '[19].signer_type'],
    21: ['json.too_long', '[21].device_id'],
    22: ['json.range', '[22].device_seq'],
  });
  for (const x of r.body.rejected) {
    assert.equal(typeof x.error.message, 'string');
    assert.ok(x.error.message.length > 0, `message of [${x.index}]`);
  }
  assert.match(r.body.rejected.find((x) => x.index === 15).error.message, /3 decimals/);
  // Stored: the three good events, once each, oldest first, every field kept.
  const v = await staffView(no);
  assert.deepEqual(v.events.map((e) => [e.type, e.device_seq]), [['pickup', 1], ['sort', 18], ['load', 21]]);
  const load = v.events[2];
  assert.equal(load.temperature_c, -18.5);
  assert.equal(load.trip_no, 'T-1');
  assert.equal(load.operator, '王分拣');
  assert.equal(load.device_id, d);
  assert.equal(v.status, 'in_transit');
});

/** Damm check digit (tests/api/lib/orders.mjs has it; re-exported here for parcel numbers). */
function damm(digits) {
  const t = [
    [0, 3, 1, 7, 5, 9, 8, 6, 4, 2], [7, 0, 9, 2, 1, 5, 4, 8, 6, 3], [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
    [1, 7, 5, 0, 9, 8, 3, 4, 2, 6], [6, 1, 2, 3, 0, 4, 5, 9, 7, 8], [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
    [5, 8, 6, 9, 7, 2, 0, 1, 3, 4], [8, 9, 4, 5, 3, 6, 2, 0, 1, 7], [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
    [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
  ];
  let i = 0;
  for (const ch of digits) i = t[i][ch.charCodeAt(0) - 48];
  return i;
}

test('NDJSON: a malformed line is rejected by its index, blank lines are not events, the rest are stored', async () => {
  const w = await createOrder(base, agent, orderBody());
  const d = device();
  const t0 = Date.now() - 8 * HOUR;
  const lines = [
    JSON.stringify(ev(w.waybill_no, { type: 'pickup', node: 'SZ-NS01', at: cn(t0), device_id: d, device_seq: 1 })),
    '{"waybill_no": "' + w.waybill_no + '", "type": "arrival",',
    '',
    '   ',
    JSON.stringify(ev(w.waybill_no, { at: cn(t0 + HOUR), device_id: d, device_seq: 2 })),
    '[1, 2, 3]',
    JSON.stringify(ev(w.waybill_no, { type: 'departure', at: cn(t0 + 2 * HOUR), device_id: d, device_seq: 3 })) + '\r',
  ];
  const r = await scans(lines.join('\n') + '\n', { ndjson: true });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.accepted, 3);
  assert.equal(r.body.duplicates, 0);
  assert.deepEqual(byIndex(r.body.rejected), { 1: ['scan.line_malformed', null], 3: ['scan.line_malformed', null] });
  const v = await staffView(w.waybill_no);
  assert.deepEqual(v.events.map((e) => e.type), ['pickup', 'arrival', 'departure']);
  assert.equal(v.status, 'departed');

  // The body must be events: an object instead of an array, or JSON that does not parse, is refused whole.
  assertError(await api(base, 'POST', '/api/v1/scans', { token: hqKey, body: ev(w.waybill_no) }), 400, 'json.type');
  assertError(await raw(base, { method: 'POST', path: '/api/v1/scans', headers: { authorization: `Bearer ${hqKey}`, 'content-type': 'application/json' }, body: '[{"type":' }), 400, 'json.malformed');
  assertError(await raw(base, { method: 'POST', path: '/api/v1/scans', headers: { authorization: `Bearer ${hqKey}`, 'content-type': 'text/csv' }, body: 'a,b' }), 415, 'request.content_type');
  assertError(await raw(base, { method: 'POST', path: '/api/v1/scans', headers: { authorization: `Bearer ${hqKey}`, 'content-type': 'application/x-ndjson' }, body: '\n\n' }), 400, 'json.malformed');
});

test('a re-sent batch is counted as duplicates and stored once', async () => {
  const w = await createOrder(base, agent, orderBody());
  const d = device();
  const t0 = Date.now() - 6 * HOUR;
  const batch = [
    ev(w.waybill_no, { type: 'pickup', node: 'SZ-NS01', at: cn(t0), device_id: d, device_seq: 7 }),
    ev(w.waybill_no, { type: 'departure', node: 'SZ-NS01', at: cn(t0 + HOUR), device_id: d, device_seq: 8 }),
  ];
  const first = await scans(batch);
  assert.deepEqual(first.body, { accepted: 2, duplicates: 0, rejected: [] });
  const again = await scans(batch);
  assert.deepEqual(again.body, { accepted: 0, duplicates: 2, rejected: [] });
  // The same device key with other content is still the same event: the first stays.
  const changed = await scans([{ ...batch[0], node: 'GZ-HUB', type: 'arrival' }]);
  assert.deepEqual(changed.body, { accepted: 0, duplicates: 1, rejected: [] });
  const v = await staffView(w.waybill_no);
  assert.deepEqual(v.events.map((e) => [e.type, e.device_seq]), [['pickup', 7], ['departure', 8]]);
  const p = await pub(w.waybill_no);
  assert.equal(p.body.events.length, 2);
});

test('events arriving out of order are placed by event time; the status is that of the latest event', async () => {
  const w = await createOrder(base, agent, orderBody());
  const d = device();
  const t0 = Date.now() - 20 * HOUR;
  // The departure from Guangzhou arrives first, the pickup and the arrival later.
  let r = await scans([ev(w.waybill_no, { type: 'departure', node: 'GZ-HUB', at: cn(t0 + 3 * HOUR), device_id: d, device_seq: 3 })]);
  assert.equal(r.body.accepted, 1);
  assert.equal((await pub(w.waybill_no)).body.status, 'departed');
  r = await scans([
    ev(w.waybill_no, { type: 'arrival', node: 'GZ-HUB', at: cn(t0 + 2 * HOUR), device_id: d, device_seq: 2 }),
    ev(w.waybill_no, { type: 'pickup', node: 'SZ-NS01', at: cn(t0), device_id: d, device_seq: 1 }),
  ]);
  assert.equal(r.body.accepted, 2);
  const p = await pub(w.waybill_no);
  assert.deepEqual(p.body.events.map((e) => e.type), ['pickup', 'arrival', 'departure']);
  assert.equal(p.body.status, 'departed', 'the later event by time decides, not the later arrival');
  const times = p.body.events.map((e) => Date.parse(e.at));
  assert.deepEqual([...times].sort((a, b) => a - b), times);
  // An arrival in the recipient's city (上海 浦东: SH-PD01 serves 310115) is arrived_dest_city.
  r = await scans([ev(w.waybill_no, { type: 'arrival', node: 'SH-PD01', at: cn(t0 + 9 * HOUR), device_id: d, device_seq: 4 })]);
  assert.equal(r.body.accepted, 1);
  const q = await pub(w.waybill_no);
  assert.equal(q.body.status, 'arrived_dest_city');
  assert.deepEqual(q.body.kuaidi100, { state: 0, advanced: 1001 });
  assert.deepEqual(q.body.aftership, { tag: 'InTransit', subtag: 'InTransit_001' });
});

test('consent: a locker, station or proxy delivery needs the recipient’s recorded consent', async () => {
  const w = await createOrder(base, agent, orderBody());
  const d = device();
  const t0 = Date.now() - 4 * HOUR;
  const r = await scans([
    ev(w.waybill_no, { type: 'locker_in', node: 'SH-PD01', at: cn(t0), device_id: d, device_seq: 1 }),
    ev(w.waybill_no, { type: 'locker_in', node: 'SH-PD01', at: cn(t0), consent: false, device_id: d, device_seq: 2 }),
    ev(w.waybill_no, { type: 'delivered', signer_type: 'station', node: 'SH-PD01', at: cn(t0 + HOUR), device_id: d, device_seq: 3 }),
    ev(w.waybill_no, { type: 'delivered', signer_type: 'recipient', signer: '李四', node: 'SH-PD01', at: cn(t0 + HOUR), device_id: d, device_seq: 4 }),
    ev(w.waybill_no, { type: 'locker_in', node: 'SH-PD01', at: cn(t0 + 30 * 60e3), consent: true, device_id: d, device_seq: 5 }),
  ]);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(byIndex(r.body.rejected), {
    0: ['scan.consent_required', '[0].consent'],
    1: ['scan.consent_required', '[1].consent'],
    2: ['scan.consent_required', '[2].consent'],
  });
  assert.equal(r.body.accepted, 2, 'delivery to the recipient in person needs no consent; a consented locker is fine');
  const v = await staffView(w.waybill_no);
  assert.deepEqual(v.events.map((e) => [e.type, e.consent]), [['locker_in', true], ['delivered', null]]);
});

test('a scanner’s key scans only at its node and below; staff need scans.write', async () => {
  const w = await createOrder(base, agent, orderBody());
  const d = device();
  const r = await scans([
    ev(w.waybill_no, { node: 'GZ-HUB', device_id: d, device_seq: 1 }),
    ev(w.waybill_no, { node: 'SH-HUB', device_id: d, device_seq: 2 }),
    ev(w.waybill_no, { type: 'exception', reason: 'damaged', node: undefined, device_id: d, device_seq: 3 }),
  ], { token: gzKey });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.accepted, 2, 'its own node, and an exception that names no node');
  assert.deepEqual(byIndex(r.body.rejected), { 1: ['auth.forbidden', '[1].node'] });
  assertError(await scans([ev(w.waybill_no, { device_id: d, device_seq: 9 })], { token: agent }), 403, 'auth.forbidden');
  assertError(await api(base, 'POST', '/api/v1/scans', { body: [] }), 401, 'auth.required');
  // A courier (scans.write) at SZ-NS01 scans there, not at the Guangzhou hub.
  const courier = await login(base, 'courier');
  const c = await scans([
    ev(w.waybill_no, { node: 'SZ-NS01', device_id: d, device_seq: 10 }),
    ev(w.waybill_no, { node: 'GZ-HUB', device_id: d, device_seq: 11 }),
  ], { token: courier });
  assert.equal(c.body.accepted, 1);
  assert.deepEqual(byIndex(c.body.rejected), { 1: ['auth.forbidden', '[1].node'] });
});

test('a parcel number names its waybill; a parcel of another waybill is refused', async () => {
  const w = await createOrder(base, agent, orderBody({ parcels: 2 }));
  const [p1, p2] = w.parcels.map((p) => p.parcel_no);
  const d = device();
  const r = await scans([
    { ...ev(undefined, { type: 'pickup', node: 'SZ-NS01', device_id: d, device_seq: 1 }), parcel_no: p1, waybill_no: undefined },
    ev(w.waybill_no, { parcel_no: p2, device_id: d, device_seq: 2 }),
    ev(p1, { type: 'sort', device_id: d, device_seq: 3 }), // a parcel number in waybill_no
  ].map((e) => JSON.parse(JSON.stringify(e))));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.rejected, []);
  assert.equal(r.body.accepted, 3);
  const v = await staffView(w.waybill_no);
  assert.deepEqual(v.events.map((e) => e.parcel_no).sort(), [p1, p1, p2].sort());
});

test('scans before the order exists are kept; once the order is taken, tracking shows both', async () => {
  // The next waybill number: serials are allocated one by one, and nothing
  // else takes orders on this server while this test runs.
  const before = await createOrder(base, agent, orderBody());
  const serial = Number(before.waybill_no.slice(2, 14));
  const next = waybillNo(serial + 1);
  const d = device();
  const t0 = Date.now() - 3 * HOUR;
  const r = await scans([ev(next, { type: 'arrival', node: 'GZ-HUB', at: cn(t0), device_id: d, device_seq: 1 })]);
  assert.deepEqual(r.body, { accepted: 1, duplicates: 0, rejected: [] });
  const early = await pub(next);
  assert.equal(early.status, 200, JSON.stringify(early.body));
  assert.equal(early.body.status, 'in_transit');
  assert.equal(early.body.promised_delivery_at, null, 'no order: no promise');
  // Staff of the root see scans of numbers no order has; a branch's staff do not.
  const orphan = await staffView(next);
  assert.equal(orphan.has_order, false);
  assert.equal(orphan.order, null);
  assertError(await staff(next, agent), 404, 'tracking.not_found');

  const w = await createOrder(base, agent, orderBody());
  assert.equal(w.waybill_no, next);
  const p = await pub(next);
  assert.equal(p.body.status, 'in_transit', 'the early scan counts for the new order');
  assert.equal(p.body.events.length, 1);
  assert.ok(p.body.promised_delivery_at, 'the order’s promise is there now');
  assert.equal(Date.parse(p.body.promised_delivery_at), Date.parse(w.promise.promised_delivery_at));
  const v = await staffView(next, agent);
  assert.equal(v.has_order, true);
  assert.equal(v.order.state, 'accepted');
});

test('batch limits: 1000 events are taken, the ones after each rejected; more than 10000 refused whole', async () => {
  const w = await createOrder(base, agent, orderBody());
  const d = device();
  const t0 = Date.now() - 30 * HOUR;
  const many = Array.from({ length: 1003 }, (_, i) => ev(w.waybill_no, { type: 'sort', at: cn(t0 + i * 1000), device_id: d, device_seq: i + 1 }));
  const r = await scans(many);
  assert.equal(r.status, 200, JSON.stringify(r.body).slice(0, 500));
  assert.equal(r.body.accepted, 1000);
  assert.deepEqual(r.body.rejected.map((x) => [x.index, x.error.code]), [[1000, 'scan.batch_too_large'], [1001, 'scan.batch_too_large'], [1002, 'scan.batch_too_large']]);
  // The rest sent again: taken.
  const rest = await scans(many.slice(1000));
  assert.deepEqual(rest.body, { accepted: 3, duplicates: 0, rejected: [] });
  assert.equal((await staffView(w.waybill_no)).events.length, 1003);

  const huge = '{}\n'.repeat(10001);
  assertError(await scans(huge, { ndjson: true }), 413, 'scan.batch_too_large');
});

test('concurrent batches for one waybill: its tracking row ends up with every event', async () => {
  // On PostgreSQL (READ COMMITTED) each rebuild first claims the row; without
  // that, one of two batches committing together loses its events from the
  // stored answer now and then (seen here about one round in five).
  for (let round = 0; round < 6; round++) {
    const no = (await createOrder(base, agent, orderBody())).waybill_no;
    const t0 = Date.now() - 40 * HOUR;
    const batches = Array.from({ length: 12 }, (_, b) => {
      const d = device();
      return [0, 1].map((j) => ev(no, { type: 'sort', at: cn(t0 + (b * 2 + j) * 60e3), device_id: d, device_seq: j + 1 }));
    });
    const answers = await Promise.all(batches.map((b) => scans(b)));
    for (const r of answers) assert.deepEqual(r.body, { accepted: 2, duplicates: 0, rejected: [] });
    const p = await pub(no);
    assert.equal(p.status, 200);
    assert.equal(p.body.events.length, 24, `round ${round}: the public answer holds the events of all 12 batches`);
  }
});
