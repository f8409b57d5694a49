// Shift handover (交接班, issue 5 item 6; docs/service-desk-problems.md
// "Shift handover"): a shift writes what happened and its open items
// (linked to a ticket, a problem parcel or a waybill, each checked), the
// next shift of the same node acknowledges it — never its author, never
// another node, once — and a supervisor lists what nobody acknowledged
// across the network below them. Run on both databases by scripts/test.sh.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, login } from '../lib/harness.mjs';
import { assertError } from './lib/http.mjs';
import { orderBody, createOrder, waybillNo } from './lib/orders.mjs';

let srv, base, admin, agent, clerk, dispatcher, supervisor, courier, shClerk, systemKey;
let W, problemId, shProblemId, entry;

const post = (path, body, token) => api(base, 'POST', path, { token, body });
const get = (path, token) => api(base, 'GET', path, { token });
const ids = (r) => r.body.items.map((h) => h.id);

before(async () => {
  srv = await startServer({ args: ['--monitor-worker', 'false'] });
  base = srv.url;
  admin = await login(base, 'admin');
  agent = await login(base, 'agent'); // GD-SZ
  clerk = await login(base, 'inquiry_clerk'); // GD-SZ
  dispatcher = await login(base, 'dispatcher'); // GD-SZ
  supervisor = await login(base, 'supervisor'); // GD
  courier = await login(base, 'courier'); // SZ-NS01
  const sh = await post('/api/v1/users', { username: `sh-ho-${Date.now() % 100000}`, display_name: '上海查询员', role: 'inquiry_clerk', node_code: 'SH', password: 'Parcel2026ok' }, admin);
  assert.equal(sh.status, 201, JSON.stringify(sh.body));
  shClerk = await login(base, sh.body.username, 'Parcel2026ok');
  const k = await post('/api/v1/apikeys', { name: '电商系统', role: 'customer_system', node_code: 'GD-SZ' }, admin);
  systemKey = k.body.key;
  W = (await createOrder(base, agent, orderBody())).waybill_no;
  const p = await post('/api/v1/problems', { waybill_no: W, type: 'address', reason: '收件地址不详' }, agent);
  assert.equal(p.status, 201, JSON.stringify(p.body));
  problemId = p.body.id;
  const q = await post('/api/v1/problems', { waybill_no: W, type: 'refused', reason: '上海收件人拒收' }, shClerk);
  assert.equal(q.status, 201, JSON.stringify(q.body));
  shProblemId = q.body.id;
});

after(async () => {
  await srv?.stop();
});

test('a shift writes its handover with linked open items', async () => {
  const r = await post('/api/v1/handovers', {
    shift: 'night',
    shift_date: '2026-11-22',
    text: '夜班受理查询 35 件；地址不详问题件待联系收件人。',
    items: [
      { kind: 'problem', ref: String(problemId), note: '早上 9 点后联系收件人' },
      { kind: 'waybill', ref: W },
      { kind: 'ticket', ref: 'TS20261122-0007', note: '客户等待回电' },
    ],
  }, agent);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  entry = r.body;
  assert.equal(entry.node, 'GD-SZ');
  assert.equal(entry.shift, 'night');
  assert.equal(entry.shift_zh, '夜班');
  assert.equal(entry.shift_date, '2026-11-22');
  assert.equal(entry.author.username, 'agent');
  assert.equal(entry.open_items, 3);
  assert.deepEqual(entry.items[1], { kind: 'waybill', ref: W, note: '' });
  assert.equal(entry.acknowledged, false);
  assert.equal(entry.acknowledgement, null);
  // Today in China when no date is given.
  const today = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
  const d = await post('/api/v1/handovers', { shift: 'day', text: '白班无异常。' }, dispatcher);
  assert.equal(d.status, 201, JSON.stringify(d.body));
  assert.equal(d.body.shift_date, today);
  assert.deepEqual(d.body.items, []);
});

test('the supervisor sees what nobody has acknowledged, within the network', async () => {
  const open = await get('/api/v1/handovers?unacknowledged=1', supervisor);
  assert.equal(open.status, 200);
  assert.ok(ids(open).includes(entry.id));
  assert.deepEqual(ids(await get('/api/v1/handovers?unacknowledged=1', shClerk)), []);
  assert.deepEqual(ids(await get('/api/v1/handovers', courier)), [], 'the outlet below sees none of the branch\'s');
  assert.ok(ids(await get('/api/v1/handovers?node=GD-SZ', supervisor)).includes(entry.id));
  assertError(await get('/api/v1/handovers?node=SH', supervisor), 400, 'query.invalid', 'node');
  assertError(await get('/api/v1/handovers?unacknowledged=yes', supervisor), 400, 'query.invalid', 'unacknowledged');
  assertError(await get(`/api/v1/handovers/${entry.id}`, shClerk), 404, 'handover.not_found');
  assert.equal((await get(`/api/v1/handovers/${entry.id}`, clerk)).status, 200);
});

test('only another user of the same node acknowledges, once', async () => {
  const ack = (token, body) => post(`/api/v1/handovers/${entry.id}/ack`, body, token);
  assertError(await ack(agent), 403, 'handover.own_entry');
  assertError(await ack(supervisor), 403, 'handover.other_node');
  assertError(await ack(shClerk), 404, 'handover.not_found');
  assertError(await ack(clerk, { note: 'x'.repeat(201) }), 400, 'json.too_long', 'note');
  const r = await ack(clerk, { note: '已接班，上午跟进' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.acknowledged, true);
  assert.equal(r.body.acknowledgement.by, 'inquiry_clerk');
  assert.equal(r.body.acknowledgement.note, '已接班，上午跟进');
  assertError(await ack(dispatcher), 409, 'handover.already_acknowledged');
  const open = await get('/api/v1/handovers?unacknowledged=1', supervisor);
  assert.ok(!ids(open).includes(entry.id));
  assert.ok(ids(await get('/api/v1/handovers', supervisor)).includes(entry.id));
  const log = await get('/api/v1/audit?object_type=handover&limit=100', admin);
  const mine = log.body.items.filter((a) => a.object_id === String(entry.id)).map((a) => a.action).sort();
  assert.deepEqual(mine, ['handover.ack', 'handover.create']);
});

test('bad input is refused naming the field, and nothing is written', async () => {
  const before_ = ids(await get('/api/v1/handovers?limit=200', supervisor)).length;
  const bad = (body, token = agent) => post('/api/v1/handovers', body, token);
  const ok = { shift: 'early', text: '早班' };
  assertError(await bad({ ...ok, shift: 'siesta' }), 400, 'json.enum', 'shift');
  assertError(await bad({ shift: 'early' }), 400, 'json.missing', 'text');
  assertError(await bad({ ...ok, text: '  ' }), 400, 'json.too_short', 'text');
  assertError(await bad({ ...ok, shift_date: '2026-13-01' }), 400, 'json.format', 'shift_date');
  assertError(await bad({ ...ok, shift_date: '2099-01-01' }), 400, 'json.range', 'shift_date');
  assertError(await bad({ ...ok, node: 'SH' }), 422, 'handover.node_unknown', 'node');
  assertError(await bad({ ...ok, items: {} }), 400, 'json.type', 'items');
  assertError(await bad({ ...ok, items: ['x'] }), 400, 'json.type', 'items[0]');
  assertError(await bad({ ...ok, items: [{ kind: 'memo', ref: '1' }] }), 400, 'json.enum', 'items[0].kind');
  assertError(await bad({ ...ok, items: [{ kind: 'problem' }] }), 400, 'json.missing', 'items[0].ref');
  assertError(await bad({ ...ok, items: [{ kind: 'waybill', ref: W }, { kind: 'problem', ref: 'abc' }] }), 400, 'json.format', 'items[1].ref');
  assertError(await bad({ ...ok, items: [{ kind: 'problem', ref: '999999' }] }), 422, 'handover.item_unknown', 'items[0].ref');
  assertError(await bad({ ...ok, items: [{ kind: 'problem', ref: String(shProblemId) }] }), 422, 'handover.item_unknown', 'items[0].ref');
  assertError(await bad({ ...ok, items: [{ kind: 'waybill', ref: 'PD1' }] }), 400, 'json.format', 'items[0].ref');
  assertError(await bad({ ...ok, items: [{ kind: 'waybill', ref: waybillNo(999999998) }] }), 422, 'handover.item_unknown', 'items[0].ref');
  assertError(await bad({ ...ok, items: [{ kind: 'ticket', ref: 'TS 1' }] }), 400, 'json.format', 'items[0].ref');
  assertError(await bad({ ...ok, items: Array.from({ length: 51 }, () => ({ kind: 'waybill', ref: W })) }), 400, 'json.too_long', 'items');
  assertError(await bad(ok, systemKey), 403, 'auth.forbidden');
  assertError(await api(base, 'POST', '/api/v1/handovers', { body: ok }), 401, 'auth.required');
  assert.equal(ids(await get('/api/v1/handovers?limit=200', supervisor)).length, before_);
});
