// `parceldesk generate` (CONTRACT.md): a small run checked through the API.
// The waybills it lists are real orders (GET /api/v1/waybills/{no} decodes
// them: normalised parties in GB/T 2260 districts, valid mobiles, a quote
// from the rate card), each with exactly K scan events along a route through
// the network's own nodes, oldest first and never in the future, with
// idempotency keys no other event has; the public and staff tracking views
// serve them. The same seed on an equal database gives the same data, and
// --events-per-waybill 0 gives waybills awaiting their first scan. Bad
// arguments exit 2 naming the flag; failures exit 1 with the reason.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, api, login, BIN, ROOT } from '../lib/harness.mjs';
import { WAYBILL_NO, checkDigitOk } from './lib/orders.mjs';

const MOBILE = /^1[3-9]\d{9}$/;
const SERVICES = ['standard', 'express', 'cold_chain', 'freight'];
const TYPES = new Set(['pickup', 'arrival', 'sort', 'bag', 'unbag', 'load', 'departure', 'unload',
  'station_arrival', 'out_for_delivery', 'delivered', 'failed_attempt', 'locker_in', 'exception',
  'return_start', 'returned']);
// A fixed clock a minute in the past, so that two runs draw the same times.
const NOW = new Date(Math.floor(Date.now() / 60000) * 60000 - 60000).toISOString();

let srv, twin, base, admin, dir;
before(async () => {
  [srv, twin] = await Promise.all([startServer(), startServer()]);
  base = srv.url;
  admin = await login(base, 'admin');
  dir = mkdtempSync(join(tmpdir(), 'pd-generate-'));
});
after(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  await Promise.all([srv?.stop(), twin?.stop()]);
});

/** Run `parceldesk generate`; returns {status, stdout, stderr}. */
function generate(args, env = {}) {
  const r = spawnSync(BIN, ['generate', ...args], {
    cwd: ROOT, encoding: 'utf8', timeout: 120000, env: { ...process.env, PD_FAKE_NOW: NOW, ...env },
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const show = (r) => `exit ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
const listed = (path) => readFileSync(path, 'utf8').split('\n').filter(Boolean);

let numbers;
let nodeCodes;

test('generate lists N new waybills, each a full order GET /api/v1/waybills/{no} serves', async () => {
  const list = join(dir, 'list.txt');
  const r = generate(['--db', srv.db, '--waybills', '40', '--events-per-waybill', '10', '--seed', '7', '--list', list]);
  assert.equal(r.status, 0, show(r));
  assert.match(r.stdout, /generated 40 waybills and 400 scan events/);
  numbers = listed(list);
  assert.equal(numbers.length, 40);
  assert.equal(new Set(numbers).size, 40, 'every number once');
  const nodes = await api(base, 'GET', '/api/v1/nodes', { token: admin });
  assert.equal(nodes.status, 200);
  nodeCodes = new Set(nodes.body.items.map((n) => n.code));
  const services = new Set();
  for (const no of numbers) {
    assert.match(no, WAYBILL_NO);
    assert.ok(checkDigitOk(no), `${no}: check digit`);
    const w = await api(base, 'GET', `/api/v1/waybills/${no}`, { token: admin });
    assert.equal(w.status, 200, `${no}: ${JSON.stringify(w.body)}`);
    const d = w.body;
    assert.equal(d.waybill_no, no);
    assert.equal(d.state, 'picked_up', `${no}: scanned waybills are in the network`);
    assert.ok(SERVICES.includes(d.service), d.service);
    services.add(d.service);
    assert.ok(nodeCodes.has(d.node), `${no}: owned by a node of the network (${d.node})`);
    for (const p of ['sender', 'recipient']) {
      const party = d[p];
      assert.match(party.phone, MOBILE, `${no} ${p}.phone`);
      assert.match(party.district_code, /^\d{6}$/, `${no} ${p}.district_code`);
      assert.ok(party.name.length >= 2 && party.address.length >= 6, `${no} ${p}: ${JSON.stringify(party)}`);
      assert.ok(party.province && party.city && party.district, `${no} ${p}: division names`);
    }
    assert.ok(d.goods.weight_g > 0 && d.goods.name, JSON.stringify(d.goods));
    assert.ok(d.total_fen > 0 && d.quote.total_fen === d.total_fen, `${no}: priced (${d.total_fen})`);
    assert.equal(d.quote.ratecard.code, 'standard');
    assert.equal(d.parcel_count, d.parcels.length);
    assert.deepEqual(d.review, [], `${no}: nothing for a reviewer`);
  }
  assert.ok(services.size >= 2, `services vary: ${[...services]}`);
});

test('each waybill has exactly K events along a route of the network, oldest first, never in the future', async () => {
  const keys = new Set();
  const statuses = new Set();
  const now = Date.parse(NOW);
  for (const no of numbers) {
    const pub = await api(base, 'GET', `/api/v1/public/tracking/${no}`);
    assert.equal(pub.status, 200, `${no}: ${JSON.stringify(pub.body)}`);
    assert.equal(pub.body.waybill_no, no);
    assert.ok(pub.body.kuaidi100 && pub.body.aftership, 'integrator codes');
    statuses.add(pub.body.status);
    const staff = await api(base, 'GET', `/api/v1/tracking/${no}`, { token: admin });
    assert.equal(staff.status, 200, JSON.stringify(staff.body));
    const evs = staff.body.events;
    assert.equal(evs.length, 10, `${no}: 10 events`);
    assert.equal(pub.body.events.length, 10);
    assert.equal(evs[0].type, 'pickup', `${no}: the story starts with the pickup`);
    let prev = 0;
    for (const e of evs) {
      assert.ok(TYPES.has(e.type), e.type);
      const at = Date.parse(e.at);
      assert.ok(at >= prev, `${no}: oldest first`);
      assert.ok(at <= now, `${no}: ${e.at} is not after the generator's clock ${NOW}`);
      prev = at;
      assert.ok(nodeCodes.has(e.node), `${no}: ${e.node} is a node of the network`);
      const key = `${e.device_id}#${e.device_seq}`;
      assert.ok(e.device_id && Number.isInteger(e.device_seq), JSON.stringify(e));
      assert.ok(!keys.has(key), `idempotency key ${key} used twice`);
      keys.add(key);
      if (e.type === 'delivered') assert.ok(e.signer_type, `${no}: delivered names its signer type`);
    }
  }
  assert.ok(statuses.has('delivered'), `most parcels end delivered: ${[...statuses]}`);
  assert.ok(statuses.size >= 2, `not every parcel ends alike: ${[...statuses]}`);
});

test('the same seed on an equal database gives the same data; another seed does not', async () => {
  const a = join(dir, 'twin.txt');
  const r = generate(['--db', twin.db, '--waybills', '40', '--events-per-waybill', '10', '--seed', '7', '--list', a]);
  assert.equal(r.status, 0, show(r));
  assert.deepEqual(listed(a), numbers, 'the same numbers on an equal database');
  const tadmin = await login(twin.url, 'admin');
  for (const no of numbers.slice(0, 8)) {
    const [x, y] = await Promise.all([
      api(base, 'GET', `/api/v1/waybills/${no}`, { token: admin }),
      api(twin.url, 'GET', `/api/v1/waybills/${no}`, { token: tadmin }),
    ]);
    for (const k of ['sender', 'recipient', 'goods', 'service', 'payment', 'channel', 'total_fen', 'promise']) {
      assert.deepEqual(y.body[k], x.body[k], `${no}: ${k}`);
    }
    const [p, q] = await Promise.all([
      api(base, 'GET', `/api/v1/public/tracking/${no}`),
      api(twin.url, 'GET', `/api/v1/public/tracking/${no}`),
    ]);
    assert.deepEqual(q.body, p.body, `${no}: the same timeline`);
  }
  // Another seed, on the twin (its next numbers): other people, other routes.
  const b = join(dir, 'other.txt');
  const o = generate(['--db', twin.db, '--waybills', '5', '--events-per-waybill', '10', '--seed', '8', '--list', b]);
  assert.equal(o.status, 0, show(o));
  const first = await api(twin.url, 'GET', `/api/v1/waybills/${listed(b)[0]}`, { token: tadmin });
  const mine = await api(base, 'GET', `/api/v1/waybills/${numbers[0]}`, { token: admin });
  assert.notDeepEqual(first.body.recipient, mine.body.recipient);
});

test('a second run into the same database stores all its events: device ids are its own', async () => {
  const list = join(dir, 'again.txt');
  const r = generate(['--db', srv.db, '--waybills', '5', '--events-per-waybill', '10', '--seed', '7', '--list', list]);
  assert.equal(r.status, 0, show(r));
  assert.match(r.stdout, /generated 5 waybills and 50 scan events/);
  const again = listed(list);
  assert.ok(again.every((no) => !numbers.includes(no)), 'new numbers');
  const t = await api(base, 'GET', `/api/v1/tracking/${again[0]}`, { token: admin });
  assert.equal(t.body.events.length, 10);
});

test('--events-per-waybill 0 gives waybills awaiting their first scan', async () => {
  const list = join(dir, 'zero.txt');
  const r = generate(['--db', srv.db, '--waybills', '6', '--events-per-waybill', '0', '--list', list]);
  assert.equal(r.status, 0, show(r));
  assert.match(r.stdout, /generated 6 waybills and 0 scan events/);
  for (const no of listed(list)) {
    const w = await api(base, 'GET', `/api/v1/waybills/${no}`, { token: admin });
    assert.equal(w.status, 200);
    assert.equal(w.body.state, 'accepted');
    const p = await api(base, 'GET', `/api/v1/public/tracking/${no}`);
    assert.equal(p.status, 200, JSON.stringify(p.body));
    assert.equal(p.body.status, 'info_received');
    assert.deepEqual(p.body.events, []);
  }
});

test('bad arguments exit 2 naming the flag; nothing is generated', async () => {
  const cases = [
    [['--db', srv.db], /--waybills/],
    [['--db', srv.db, '--waybills', '0'], /--waybills/],
    [['--db', srv.db, '--waybills', 'many'], /--waybills/],
    [['--db', srv.db, '--waybills', '3', '--events-per-waybill', '-1'], /--events-per-waybill/],
    [['--db', srv.db, '--waybills', '3', '--events-per-waybill', '101'], /--events-per-waybill/],
    [['--db', srv.db, '--waybills', '3', '--seed', 'x'], /--seed/],
    [['--db', srv.db, '--waybills', '3', '--colour', 'blue'], /colour/],
    [['--db', srv.db, '--waybills', '3', 'extra'], /extra/],
  ];
  const before_ = (await api(base, 'GET', '/api/v1/waybills?limit=1', { token: admin })).body;
  for (const [args, re] of cases) {
    const r = generate(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${show(r)}`);
    assert.match(r.stderr, re, `${args.join(' ')}: names the flag: ${r.stderr}`);
  }
  const after_ = (await api(base, 'GET', '/api/v1/waybills?limit=1', { token: admin })).body;
  assert.deepEqual(after_, before_, 'no waybill was added');
});

test('failures exit 1 with the reason: an unwritable list, a database without schema', async () => {
  const r = generate(['--db', srv.db, '--waybills', '3', '--list', join(dir, 'no/such/dir/list.txt')]);
  assert.equal(r.status, 1, show(r));
  assert.match(r.stderr, /--list/);
  const empty = `sqlite:${join(dir, 'empty.db')}`;
  const e = generate(['--db', empty, '--waybills', '3']);
  assert.equal(e.status, 1, show(e));
  assert.match(e.stderr, /migrate/);
});
