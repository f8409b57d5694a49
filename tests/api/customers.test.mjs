// /api/v1/customers: contract customers (协议客户) created by an account
// manager, their contract rates checked when saved (a bad one is 400
// naming its path), and what they do to orders: contract prices
// (docs/fees.md examples 9 and 10), monthly payment only on a monthly
// account, no orders on an inactive one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, login } from '../lib/harness.mjs';
import { assertError, audit, RFC3339_CN } from './lib/http.mjs';
import { orderBody, createOrder, NANSHAN } from './lib/orders.mjs';

let srv, base, am, agent, admin;
before(async () => {
  srv = await startServer();
  base = srv.url;
  [am, agent, admin] = await Promise.all(['account_manager', 'agent', 'admin'].map((u) => login(base, u)));
});
after(async () => { await srv?.stop(); });

const createCustomer = (body, token = am) => api(base, 'POST', '/api/v1/customers', { token, body });
const postOrder = (body) => api(base, 'POST', '/api/v1/waybills', { token: agent, body });
const parts = (q) => Object.fromEntries(q.components.map((c) => [c.code, c.amount_fen]));
const DISCOUNT = { contract_no: 'HT-2026-0042', freight_discount_bp: 1500 };

test('an account manager creates a contract customer; its orders get the contract discount (docs/fees.md example 9)', async () => {
  const r = await createCustomer({ code: 'C-HT42', name: '深圳某电商有限公司', phone: '(0755) 8600 1234', monthly: true, contract: DISCOUNT });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.code, 'C-HT42');
  assert.equal(r.body.name, '深圳某电商有限公司');
  assert.equal(r.body.phone, '0755-86001234', 'phone normalised');
  assert.equal(r.body.node, 'GD', 'the account manager’s node by default');
  assert.equal(r.body.monthly, true);
  assert.equal(r.body.active, true);
  assert.deepEqual(r.body.contract, DISCOUNT);
  assert.match(r.body.created_at, RFC3339_CN);
  const got = await api(base, 'GET', '/api/v1/customers/C-HT42', { token: am });
  assert.equal(got.status, 200, JSON.stringify(got.body));
  assert.deepEqual(got.body.contract, DISCOUNT);
  assert.equal(got.body.monthly, true);
  const list = await api(base, 'GET', `/api/v1/customers?q=${encodeURIComponent('电商')}`, { token: am });
  assert.equal(list.status, 200);
  assert.ok(list.body.items.some((c) => c.code === 'C-HT42'));
  const created = await audit(base, admin, { action: 'customer.create', object_id: 'C-HT42' });
  assert.equal(created.length, 1);
  assert.equal(created[0].actor.name, 'account_manager');

  const plain = await createOrder(base, agent, orderBody());
  assert.equal(plain.total_fen, 2472);
  assert.equal(plain.quote.pricing, 'ratecard');
  const w = await createOrder(base, agent, orderBody({ customer_code: 'C-HT42' }));
  assert.equal(w.customer_code, 'C-HT42');
  assert.equal(w.quote.pricing, 'contract_discount');
  assert.equal(w.quote.pricing_ref, 'HT-2026-0042');
  assert.deepEqual(parts(w.quote), { freight: 2040, fuel_surcharge: 61 });
  assert.equal(w.total_fen, 2101);
  assert.ok(w.total_fen < plain.total_fen);
  assert.equal(w.state, 'accepted');
});

test('a contract override beats the discount on its cell; other zones keep the discount (docs/fees.md example 10)', async () => {
  const contract = {
    ...DISCOUNT,
    overrides: [{ service: 'standard', zone: 'national', first_weight_g: 1000, first_fee_fen: 1500, additional_step_g: 1000, additional_fee_fen: 400 }],
  };
  const r = await createCustomer({ code: 'C-HT42O', name: '覆盖价客户', contract });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const national = await createOrder(base, agent, orderBody({ customer_code: 'C-HT42O' }));
  assert.equal(national.quote.pricing, 'contract_override');
  assert.deepEqual(parts(national.quote), { freight: 1900, fuel_surcharge: 57 });
  assert.equal(national.total_fen, 1957);
  const sameCity = await createOrder(base, agent, orderBody({
    customer_code: 'C-HT42O',
    recipient: { province: '广东省', city: '深圳市', district: '福田区' },
    goods: { length_mm: undefined, width_mm: undefined, height_mm: undefined },
  }));
  assert.equal(sameCity.quote.zone, 'same_city');
  assert.equal(sameCity.quote.pricing, 'contract_discount');
  assert.equal(parts(sameCity.quote).freight, 1190);
});

test('monthly payment needs a monthly account', async () => {
  const monthly = await createOrder(base, agent, orderBody({ customer_code: 'C-HT42', payment: 'monthly' }));
  assert.equal(monthly.payment, 'monthly');
  assert.equal(monthly.state, 'accepted');
  const r = await createCustomer({ code: 'C-CASH', name: '现结客户', monthly: false });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assertError(await postOrder(orderBody({ customer_code: 'C-CASH', payment: 'monthly' })), 422, 'payment.account_required', 'payment');
  assertError(await postOrder(orderBody({ payment: 'monthly' })), 422, 'payment.account_required', 'payment');
  const cash = await createOrder(base, agent, orderBody({ customer_code: 'C-CASH' }));
  assert.equal(cash.quote.pricing, 'ratecard', 'no contract: the card');
  assert.equal(cash.total_fen, 2472);
});

test('bad customers are refused naming the field; a bad contract names its path; nothing is created', async () => {
  const cases = [
    [{ code: 'C-BAD1', name: 'x', contract: { ...DISCOUNT, colour: 'red' } }, 400, 'contract.invalid', 'contract.colour'],
    [{ code: 'C-BAD2', name: 'x', contract: { ...DISCOUNT, freight_discount_bp: 20000 } }, 400, 'contract.invalid', 'contract.freight_discount_bp'],
    [{ code: 'C-BAD3', name: 'x', contract: { freight_discount_bp: 1500 } }, 400, 'contract.invalid', 'contract.contract_no'],
    [{ code: 'C-BAD4', name: 'x', contract: 'HT-2026-0042' }, 400, 'contract.invalid', 'contract'],
    [{ name: 'x' }, 400, 'json.missing', 'code'],
    [{ code: 'C-BAD5' }, 400, 'json.missing', 'name'],
    [{ code: 'c bad', name: 'x' }, 400, 'json.format', 'code'],
    [{ code: 'C-BAD6', name: 'x', phone: 'abc' }, 400, 'phone.invalid', 'phone'],
    [{ code: 'C-BAD7', name: 'x', monthly: 'yes' }, 400, 'json.type', 'monthly'],
    [{ code: 'C-BAD8', name: 'x', colour: 'red' }, 400, 'json.unknown_field', 'colour'],
    [{ code: 'C-BAD9', name: 'x', node: 'SH-PD01' }, 404, 'node.not_found', 'node'],
  ];
  for (const [body, status, code, field] of cases) assertError(await createCustomer(body), status, code, field);
  for (let i = 1; i <= 9; i++) assertError(await api(base, 'GET', `/api/v1/customers/C-BAD${i}`, { token: am }), 404, 'customer.not_found');
  assertError(await createCustomer({ code: 'C-HT42', name: '重名' }), 409, 'customer.exists', 'code');
  assert.equal((await api(base, 'GET', '/api/v1/customers/C-HT42', { token: am })).body.name, '深圳某电商有限公司', 'the first one stays');
  assertError(await createCustomer({ code: 'C-AGENT', name: 'x' }, agent), 403, 'auth.forbidden');
  assertError(await api(base, 'PATCH', '/api/v1/customers/C-HT42', { token: am, body: { contract: { ...DISCOUNT, freight_discount_bp: -1 } } }), 400, 'contract.invalid', 'contract.freight_discount_bp');
});

test('an inactive customer takes no orders; reactivated it does; dropping the contract goes back to the card', async () => {
  const r = await createCustomer({ code: 'C-SLEEP', name: '停用客户', monthly: true, contract: { contract_no: 'HT-2026-0099', freight_discount_bp: 1000 } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const off = await api(base, 'PATCH', '/api/v1/customers/C-SLEEP', { token: am, body: { active: false } });
  assert.equal(off.status, 200, JSON.stringify(off.body));
  assert.equal(off.body.active, false);
  assert.equal(off.body.monthly, true, 'untouched fields stay');
  const ref = orderBody({ customer_code: 'C-SLEEP' }).customer_ref;
  assertError(await postOrder(orderBody({ customer_code: 'C-SLEEP', customer_ref: ref })), 422, 'customer.inactive', 'customer_code');
  const none = await api(base, 'GET', `/api/v1/waybills?customer_ref=${ref}`, { token: agent });
  assert.deepEqual(none.body.items, [], 'nothing written');

  const on = await api(base, 'PATCH', '/api/v1/customers/C-SLEEP', { token: am, body: { active: true } });
  assert.equal(on.body.active, true);
  const w = await createOrder(base, agent, orderBody({ customer_code: 'C-SLEEP', payment: 'monthly' }));
  assert.equal(w.quote.pricing, 'contract_discount');
  assert.equal(w.quote.pricing_ref, 'HT-2026-0099');

  const dropped = await api(base, 'PATCH', '/api/v1/customers/C-SLEEP', { token: am, body: { contract: null } });
  assert.equal(dropped.status, 200, JSON.stringify(dropped.body));
  assert.equal(dropped.body.contract, null);
  const card = await createOrder(base, agent, orderBody({ customer_code: 'C-SLEEP', sender: { ...NANSHAN } }));
  assert.equal(card.quote.pricing, 'ratecard');
  assert.equal(card.total_fen, 2472);
  assertError(await api(base, 'PATCH', '/api/v1/customers/C-NOBODY', { token: am, body: { active: false } }), 404, 'customer.not_found');
});
