// POST /api/v1/quotes: the worked examples of docs/fees.md priced through
// the API (so the handler, the address resolution and the shipped rate card
// agree with the hand arithmetic), addresses as people write them, every
// bad input naming its field, and who may ask.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, login } from '../lib/harness.mjs';
import { assertError } from './lib/http.mjs';

let srv, base, agent;
before(async () => {
  srv = await startServer();
  base = srv.url;
  agent = await login(base, 'agent');
});
after(async () => { await srv?.stop(); });

const NANSHAN = { province: '广东省', city: '深圳市', district: '南山区' };
const quote = (body, token = agent) => api(base, 'POST', '/api/v1/quotes', { token, body });
const parts = (r) => Object.fromEntries(r.body.components.map((c) => [c.code, c.amount_fen]));

test('the CONTRACT.md order prices as docs/fees.md example 2', async () => {
  const r = await quote({
    channel: 'phone', service: 'standard', payment: 'sender', customer_ref: 'PO-1001',
    sender: { name: '张三', phone: '13800138000', ...NANSHAN, address: '科技园南路 1 号' },
    recipient: { name: '李四', phone: '13900139000', province: '上海市', city: '上海市', district: '浦东新区', address: '世纪大道 100 号' },
    goods: { name: '衣服', quantity: 1, weight_g: 1200, length_mm: 300, width_mm: 200, height_mm: 100 },
    declared_value_fen: 0, cod_fen: 0, parcels: 1,
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.zone, 'national');
  assert.equal(r.body.volumetric_weight_g, 1000);
  assert.equal(r.body.chargeable_weight_g, 1500);
  assert.deepEqual(parts(r), { freight: 2400, fuel_surcharge: 72 });
  assert.equal(r.body.total_fen, 2472);
  assert.deepEqual(r.body.ratecard, { code: 'standard', version: 1 });
  assert.equal(r.body.pricing, 'ratecard');
  assert.equal(r.body.destination.district_code, '310115');
  assert.equal(r.body.destination.city, '上海市', 'the municipality, not 市辖区');
});

test('worked examples 1, 3, 4, 6, 7 and 8 of docs/fees.md', async () => {
  const cases = [
    [{ service: 'standard', sender: NANSHAN, recipient: { district_code: '440304' }, goods: { weight_g: 1200 } }, 1442, { freight: 1400, fuel_surcharge: 42 }],
    [{ service: 'standard', sender: NANSHAN, recipient: { district_code: '450102' }, goods: { weight_g: 800, length_mm: 400, width_mm: 300, height_mm: 250 } }, 3708, { freight: 3600, fuel_surcharge: 108 }],
    [{ service: 'express', sender: NANSHAN, recipient: { district_code: '650102' }, goods: { weight_g: 2300 } }, 9075, { freight: 7840, fuel_surcharge: 235, remote_surcharge: 1000 }],
    [{ service: 'standard', sender: NANSHAN, recipient: { district_code: '440304' }, goods: { weight_g: 1000 }, declared_value_fen: 10000, cod_fen: 20000 }, 1636, { freight: 1200, fuel_surcharge: 36, insurance: 100, cod_fee: 300 }],
    [{ service: 'cold_chain', sender: { district_code: '440106' }, recipient: NANSHAN, goods: { weight_g: 3200 }, special_packaging: true }, 7862, { freight: 5400, fuel_surcharge: 162, cold_chain_surcharge: 1800, packaging_surcharge: 500 }],
    [{ service: 'freight', sender: NANSHAN, recipient: { district_code: '310115' }, goods: { weight_g: 45200 }, agency_fees: ['customs_declaration', 'inspection'] }, 32692, { freight: 9410, fuel_surcharge: 282, agency_customs_declaration: 15000, agency_inspection: 8000 }],
  ];
  for (const [body, total, expected] of cases) {
    const r = await quote(body);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(parts(r), expected, JSON.stringify(body));
    assert.equal(r.body.total_fen, total);
    assert.equal(r.body.components.reduce((s, c) => s + c.amount_fen, 0), total, 'components add up to the total');
  }
});

test('divisions as people write them: short forms, municipalities, autonomous regions', async () => {
  const forms = [
    [{ province: '广东', city: '深圳', district: '南山区' }, '440305'],
    [{ province: '北京市', city: '北京市', district: '东城区' }, '110101'],
    [{ province: '北京', district: '东城区' }, '110101'],
    [{ province: '新疆', city: '乌鲁木齐', district: '天山区' }, '650102'],
    [{ province: '  上海市 ', city: '上海市', district: '浦东新区\u3000' }, '310115'],
  ];
  for (const [recipient, code] of forms) {
    const r = await quote({ service: 'standard', sender: NANSHAN, recipient, goods: { weight_g: 1000 } });
    assert.equal(r.status, 200, `${JSON.stringify(recipient)}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.destination.district_code, code);
  }
});

test('bad input names the field and the reason', async () => {
  const ok = { service: 'standard', sender: NANSHAN, recipient: { district_code: '310115' }, goods: { weight_g: 1000 } };
  const bad = (over) => ({ ...ok, ...over });
  assertError(await quote({ ...ok, service: undefined }), 400, 'json.missing', 'service');
  assertError(await quote(bad({ service: 'teleport' })), 400, 'json.enum', 'service');
  assertError(await quote(bad({ goods: {} })), 400, 'json.missing', 'goods.weight_g');
  assertError(await quote(bad({ goods: { weight_g: 0 } })), 400, 'json.range', 'goods.weight_g');
  assertError(await quote(bad({ goods: { weight_g: '1000' } })), 400, 'json.type', 'goods.weight_g');
  assertError(await quote(bad({ goods: { weight_g: 1000, length_mm: 300 } })), 400, 'json.missing', 'goods.width_mm');
  assertError(await quote(bad({ goods: { weight_g: 1000, colour: 'red' } })), 400, 'json.unknown_field', 'goods.colour');
  assertError(await quote(bad({ declared_value_fen: -1 })), 400, 'json.range', 'declared_value_fen');
  assertError(await quote(bad({ agency_fees: 'inspection' })), 400, 'json.type', 'agency_fees');
  assertError(await quote(bad({ agency_fees: [7] })), 400, 'json.type', 'agency_fees[0]');
  assertError(await quote(bad({ agency_fees: ['bribes'] })), 400, 'quote.agency_fee_unknown');
  assertError(await quote(bad({ recipient: { province: '湖南省', city: '深圳市', district: '南山区' } })), 422, 'address.mismatch', 'recipient.city');
  assertError(await quote(bad({ recipient: { province: '广东省', city: '深圳市', district: '火星区' } })), 422, 'address.unknown', 'recipient.district');
  assertError(await quote(bad({ recipient: { district_code: '999999' } })), 400, 'address.code_invalid', 'recipient.district_code');
  assertError(await quote(bad({ sender: {} })), 400, 'address.incomplete');
  assertError(await quote(bad({ ratecard: 'gold' })), 422, 'ratecard.none_effective', 'ratecard');
});

test('who may ask: agents and customer systems yes, couriers no, strangers 401', async () => {
  const body = { service: 'standard', sender: NANSHAN, recipient: { district_code: '310115' }, goods: { weight_g: 1000 } };
  assertError(await api(base, 'POST', '/api/v1/quotes', { body }), 401, 'auth.required');
  assertError(await quote(body, await login(base, 'courier')), 403, 'auth.forbidden');
  const admin = await login(base, 'admin');
  const key = await api(base, 'POST', '/api/v1/apikeys', { token: admin, body: { name: '淘宝店铺对接', role: 'customer_system', node_code: 'GD-SZ' } });
  assert.equal(key.status, 201, JSON.stringify(key.body));
  const r = await quote(body, key.body.key);
  assert.equal(r.status, 200, JSON.stringify(r.body));
});

test('a quote for a customer account prices with its contract, as the order would', async () => {
  const body = {
    service: 'standard', sender: NANSHAN, recipient: { district_code: '310115' }, goods: { weight_g: 1200 },
  };
  const card = await quote(body);
  const contract = await quote({ ...body, customer_code: 'SZ-SHOP01' });
  assert.equal(card.status, 200);
  assert.equal(contract.status, 200, JSON.stringify(contract.body));
  assert.equal(contract.body.pricing, 'contract_discount');
  assert.equal(contract.body.pricing_ref, 'HT-2026-001');
  assert.ok(contract.body.total_fen < card.body.total_fen, 'the seeded 15 % discount applies');
  assert.equal(card.body.pricing_ref, null);
  // The order of the same body is priced the same.
  const order = await api(base, 'POST', '/api/v1/waybills', { token: agent, body: {
    channel: 'phone', service: 'standard', payment: 'monthly', customer_code: 'SZ-SHOP01',
    sender: { name: '张三', phone: '13800138000', ...NANSHAN, address: '科技园南路 1 号' },
    recipient: { name: '李四', phone: '13900139001', district_code: '310115', address: '世纪大道 101 号' },
    goods: { name: '衣服', weight_g: 1200 },
  } });
  assert.equal(order.status, 201, JSON.stringify(order.body));
  assert.equal(order.body.total_fen, contract.body.total_fen);
  assertError(await quote({ ...body, customer_code: 'NO-SUCH' }), 422, 'customer.unknown', 'customer_code');
  assertError(await quote({ ...body, special_rate_no: 'SR000' }), 422, 'special_rate.customer_mismatch', 'special_rate_no');
});
