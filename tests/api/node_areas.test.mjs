// GET/PUT /api/v1/nodes/{code}/areas: the divisions a node serves (docs/orders.md
// "Dispatch"). Every bad code is refused naming its index and nothing is
// replaced; only nodes.manage may change them, only within the caller's
// network; the areas decide which node owns an order from the public page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, login } from '../lib/harness.mjs';
import { assertError } from './lib/http.mjs';
import { orderBody } from './lib/orders.mjs';

let srv, base, admin, agent, supervisor;
before(async () => {
  srv = await startServer();
  base = srv.url;
  [admin, agent, supervisor] = await Promise.all(['admin', 'agent', 'supervisor'].map((u) => login(base, u)));
});
after(async () => { await srv?.stop(); });

const get = (code, token = admin) => api(base, 'GET', `/api/v1/nodes/${code}/areas`, { token });
const put = (code, divisions, token = admin) => api(base, 'PUT', `/api/v1/nodes/${code}/areas`, { token, body: { divisions } });

test('the seeded areas read back with their names; a replacement is audited and takes effect', async () => {
  const r = await get('SZ-FT01');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body, { node: 'SZ-FT01', areas: [{ code: '440304', name: '福田区' }] });
  const p = await put('SZ-FT01', ['440304', '440303']);
  assert.equal(p.status, 200, JSON.stringify(p.body));
  assert.deepEqual(p.body.areas.map((a) => a.code), ['440303', '440304']);
  const audit = await api(base, 'GET', '/api/v1/audit?action=node.set_areas', { token: admin });
  assert.ok(audit.body.items.some((e) => e.object_id === 'SZ-FT01'), 'node.set_areas is audited');
  // A public order from 罗湖区 now belongs to SZ-FT01.
  const body = orderBody({ sender: { province: '广东省', city: '深圳市', district: '罗湖区' } });
  delete body.channel;
  delete body.payment;
  const o = await api(base, 'POST', '/api/v1/public/waybills', { body });
  assert.equal(o.status, 201, JSON.stringify(o.body));
  const w = await api(base, 'GET', `/api/v1/waybills/${o.body.waybill_no}`, { token: admin });
  assert.equal(w.body.node, 'SZ-FT01');
  assert.equal((await put('SZ-FT01', ['440304'])).status, 200);
});

test('bad divisions are refused naming the index, and nothing is replaced', async () => {
  const cases = [
    [['4403', '44030'], 'divisions[1]'],
    [['abcd'], 'divisions[0]'],
    [['440399'], 'divisions[0]'], // not a GB/T 2260 district
    [['440304', 440303], 'divisions[1]'],
  ];
  for (const [divisions, field] of cases) {
    const r = await put('SZ-FT01', divisions);
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.error.field, field, JSON.stringify(r.body));
  }
  assertError(await api(base, 'PUT', '/api/v1/nodes/SZ-FT01/areas', { token: admin, body: { divisions: '440304' } }), 400, 'json.type', 'divisions');
  assertError(await api(base, 'PUT', '/api/v1/nodes/SZ-FT01/areas', { token: admin, body: {} }), 400, 'json.missing', 'divisions');
  assert.deepEqual((await get('SZ-FT01')).body.areas.map((a) => a.code), ['440304'], 'unchanged');
});

test('who may: nodes.manage to change, nodes.read to read, only within the network', async () => {
  assertError(await put('SZ-FT01', ['440304'], agent), 403, 'auth.forbidden');
  assertError(await api(base, 'GET', '/api/v1/nodes/SZ-FT01/areas'), 401, 'auth.required');
  // The supervisor of GD reads GD's subtree but not Shanghai's.
  assert.equal((await get('SZ-FT01', supervisor)).status, 200);
  assertError(await get('SH-PD01', supervisor), 404, 'node.not_found');
  assertError(await get('NO-SUCH', admin), 404, 'node.not_found');
});
