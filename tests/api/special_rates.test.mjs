// /api/v1/special-rates: special rates (特殊费率申请, DOMAIN.md §3). An
// account manager applies for one service × zone cell of a customer's
// freight; a supervisor or manager approves or rejects it, never the
// applicant; an approved rate can be revoked. Orders name it with
// special_rate_no and are priced "special" (docs/fees.md example 11) only
// while it is the customer's own, approved and in effect; otherwise the
// order is refused naming special_rate_no. Every step is audited.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, login } from '../lib/harness.mjs';
import { assertError, audit, sleep, RFC3339_CN } from './lib/http.mjs';
import { orderBody, createOrder, getOrder, patchOrder } from './lib/orders.mjs';

let srv, base, am, sup, mgr, agent, admin;
before(async () => {
  srv = await startServer();
  base = srv.url;
  [am, sup, mgr, agent, admin] = await Promise.all(
    ['account_manager', 'supervisor', 'manager', 'agent', 'admin'].map((u) => login(base, u)));
});
after(async () => { await srv?.stop(); });

const HOUR = 3600 * 1000;
/** RFC 3339 in China time, as the API writes it. */
function cst(ms) {
  return new Date(ms + 8 * HOUR).toISOString().replace(/\.\d{3}Z$/, '+08:00');
}
/** The application of docs/fees.md example 11: standard × national, 1 kg ¥10, each further kg ¥3. */
function application(over = {}) {
  return {
    customer_code: 'SZ-SHOP01', service: 'standard', zone: 'national',
    first_weight_g: 1000, first_fee_fen: 1000, additional_step_g: 1000, additional_fee_fen: 300,
    valid_from: cst(Date.now() - HOUR), reason: '年度大客户，华东线路竞价', ...over,
  };
}
const apply = (body, token = am) => api(base, 'POST', '/api/v1/special-rates', { token, body });
const act = (no, action, token, body) => api(base, 'POST', `/api/v1/special-rates/${no}/${action}`, { token, body });
const getRate = (no, token = sup) => api(base, 'GET', `/api/v1/special-rates/${no}`, { token });
const postOrder = (body) => api(base, 'POST', '/api/v1/waybills', { token: agent, body });
const parts = (q) => Object.fromEntries(q.components.map((c) => [c.code, c.amount_fen]));

/** Apply (as the account manager unless told) and return the SPECIAL_RATE; asserts 201. */
async function applied(over = {}, token = am) {
  const r = await apply(application(over), token);
  assert.equal(r.status, 201, `apply: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
/** Apply and approve as the supervisor; returns the approved SPECIAL_RATE. */
async function approved(over = {}) {
  const rate = await applied(over);
  const r = await act(rate.approval_no, 'approve', sup);
  assert.equal(r.status, 200, `approve: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

test('an account manager applies, a supervisor approves, and the order is priced on the special rate (docs/fees.md example 11)', async () => {
  const today = new Date(Date.now() + 8 * HOUR).toISOString().slice(0, 10).replaceAll('-', '');
  const validFrom = cst(Date.now() - HOUR);
  const r = await apply(application({ valid_from: validFrom }));
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const rate = r.body;
  assert.match(rate.approval_no, new RegExp(`^SR${today}\\d{4,}$`));
  assert.equal(rate.state, 'pending');
  assert.equal(rate.state_zh, '待审批');
  assert.equal(rate.customer_code, 'SZ-SHOP01');
  assert.equal(rate.node, 'GD-SZ');
  assert.equal(rate.service, 'standard');
  assert.equal(rate.zone, 'national');
  assert.deepEqual([rate.first_weight_g, rate.first_fee_fen, rate.additional_step_g, rate.additional_fee_fen], [1000, 1000, 1000, 300]);
  assert.equal(rate.valid_from, validFrom);
  assert.equal(rate.valid_to, null);
  assert.equal(rate.reason, '年度大客户，华东线路竞价');
  assert.equal(rate.in_effect, false);
  assert.equal(rate.applied.by, 'account_manager');
  assert.match(rate.applied.at, RFC3339_CN);
  assert.equal(rate.decision, null);
  assert.equal(rate.revocation, null);
  const second = await applied();
  assert.notEqual(second.approval_no, rate.approval_no, 'numbers are unique');

  // Readable by the applicant's side and the deciders, listed as pending.
  const got = await getRate(rate.approval_no, am);
  assert.equal(got.status, 200, JSON.stringify(got.body));
  assert.deepEqual(got.body, { ...rate, in_effect: false });
  const pending = await api(base, 'GET', '/api/v1/special-rates?state=pending&customer=SZ-SHOP01', { token: sup });
  assert.equal(pending.status, 200, JSON.stringify(pending.body));
  assert.ok(pending.body.items.some((x) => x.approval_no === rate.approval_no));
  assert.ok(pending.body.items.every((x) => x.state === 'pending' && x.customer_code === 'SZ-SHOP01'));

  // Pending: no order may use it yet.
  assertError(await postOrder(orderBody({ customer_code: 'SZ-SHOP01', special_rate_no: rate.approval_no })),
    422, 'special_rate.not_applicable', 'special_rate_no');

  const ok = await act(rate.approval_no, 'approve', sup, { note: '同意，按季复核' });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.state, 'approved');
  assert.equal(ok.body.in_effect, true);
  assert.equal(ok.body.decision.by, 'supervisor');
  assert.equal(ok.body.decision.note, '同意，按季复核');
  assert.match(ok.body.decision.at, RFC3339_CN);
  const approvedList = await api(base, 'GET', '/api/v1/special-rates?state=approved', { token: am });
  assert.equal(approvedList.status, 200);
  assert.ok(approvedList.body.items.some((x) => x.approval_no === rate.approval_no));

  // SZ-SHOP01's contract gives 15 % off (contract_discount); the special rate beats it.
  const plain = await createOrder(base, agent, orderBody({ customer_code: 'SZ-SHOP01' }));
  assert.equal(plain.quote.pricing, 'contract_discount');
  const w = await createOrder(base, agent, orderBody({ customer_code: 'SZ-SHOP01', special_rate_no: rate.approval_no }));
  assert.equal(w.quote.pricing, 'special');
  assert.equal(w.quote.pricing_ref, rate.approval_no);
  assert.deepEqual(parts(w.quote), { freight: 1300, fuel_surcharge: 39 });
  assert.equal(w.total_fen, 1339);
  assert.equal(w.special_rate_no, rate.approval_no, 'the order keeps its special rate');
  assert.equal((await getOrder(base, agent, w.waybill_no)).special_rate_no, rate.approval_no);

  // Another zone: the rate's cell does not apply and the order prices as without it.
  const sameCity = await createOrder(base, agent, orderBody({
    customer_code: 'SZ-SHOP01', special_rate_no: rate.approval_no,
    recipient: { province: '广东省', city: '深圳市', district: '福田区' },
  }));
  assert.equal(sameCity.quote.zone, 'same_city');
  assert.equal(sameCity.quote.pricing, 'contract_discount');
  assert.equal(sameCity.quote.pricing_ref, 'HT-2026-001');

  const applyLog = await audit(base, admin, { action: 'special_rate.apply', object_id: rate.approval_no });
  assert.equal(applyLog.length, 1);
  assert.equal(applyLog[0].actor.name, 'account_manager');
  const approveLog = await audit(base, admin, { action: 'special_rate.approve', object_id: rate.approval_no });
  assert.equal(approveLog.length, 1);
  assert.equal(approveLog[0].actor.name, 'supervisor');
});

test('the applicant may not decide their own application: 403 special_rate.self_approval', async () => {
  const rate = await applied({}, sup); // a supervisor may apply (customers) and decide (orders.review)
  assert.equal(rate.applied.by, 'supervisor');
  assertError(await act(rate.approval_no, 'approve', sup), 403, 'special_rate.self_approval');
  assertError(await act(rate.approval_no, 'reject', sup, { note: '撤回' }), 403, 'special_rate.self_approval');
  assert.equal((await getRate(rate.approval_no)).body.state, 'pending', 'nothing changed');
  assert.equal((await audit(base, admin, { action: 'special_rate.approve', object_id: rate.approval_no })).length, 0);
  const ok = await act(rate.approval_no, 'approve', mgr);
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.decision.by, 'manager');
  // Deciding needs orders.review: the account manager has only customers.
  const other = await applied();
  assertError(await act(other.approval_no, 'approve', am), 403, 'auth.forbidden');
});

test('a rejection needs a note; a rejected rate cannot be approved or used', async () => {
  const rate = await applied();
  assertError(await act(rate.approval_no, 'reject', sup, {}), 400, 'json.missing', 'note');
  assertError(await act(rate.approval_no, 'reject', sup, { note: '   ' }), 400, 'json.too_short', 'note');
  assertError(await act(rate.approval_no, 'reject', sup, { note: '价'.repeat(201) }), 400, 'json.too_long', 'note');
  const r = await act(rate.approval_no, 'reject', sup, { note: '低于成本价' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.state, 'rejected');
  assert.equal(r.body.decision.note, '低于成本价');
  assert.equal(r.body.in_effect, false);
  assertError(await act(rate.approval_no, 'approve', mgr), 409, 'special_rate.state_invalid');
  assertError(await act(rate.approval_no, 'revoke', mgr), 409, 'special_rate.state_invalid');
  assertError(await postOrder(orderBody({ customer_code: 'SZ-SHOP01', special_rate_no: rate.approval_no })),
    422, 'special_rate.not_applicable', 'special_rate_no');
  const log = await audit(base, admin, { action: 'special_rate.reject', object_id: rate.approval_no });
  assert.equal(log.length, 1);
  assert.equal(log[0].actor.name, 'supervisor');
});

test('orders refuse a rate of another customer, without a customer, unknown, expired or not yet valid', async () => {
  const rate = await approved();
  assertError(await postOrder(orderBody({ customer_code: 'SH-TRADE01', special_rate_no: rate.approval_no })),
    422, 'special_rate.customer_mismatch', 'special_rate_no');
  assertError(await postOrder(orderBody({ special_rate_no: rate.approval_no })),
    422, 'special_rate.customer_mismatch', 'special_rate_no');
  assertError(await postOrder(orderBody({ customer_code: 'SZ-SHOP01', special_rate_no: 'SR000000000000' })),
    422, 'special_rate.unknown', 'special_rate_no');
  assertError(await postOrder(orderBody({ customer_code: 'SZ-SHOP01', special_rate_no: '' })),
    400, 'json.too_short', 'special_rate_no');
  // The public form takes no customer accounts, so no special rates either.
  assertError(await api(base, 'POST', '/api/v1/public/waybills', { body: orderBody({ channel: undefined, payment: undefined, special_rate_no: rate.approval_no }) }),
    422, 'special_rate.customer_mismatch', 'special_rate_no');

  const later = await approved({ valid_from: cst(Date.now() + 24 * HOUR) });
  assert.equal(later.in_effect, false);
  assertError(await postOrder(orderBody({ customer_code: 'SZ-SHOP01', special_rate_no: later.approval_no })),
    422, 'special_rate.not_applicable', 'special_rate_no');

  const shortLived = await approved({ valid_to: cst(Date.now() + 2500) });
  const inTime = await createOrder(base, agent, orderBody({ customer_code: 'SZ-SHOP01', special_rate_no: shortLived.approval_no }));
  assert.equal(inTime.quote.pricing, 'special');
  await sleep(3000);
  assertError(await postOrder(orderBody({ customer_code: 'SZ-SHOP01', special_rate_no: shortLived.approval_no })),
    422, 'special_rate.not_applicable', 'special_rate_no');
  assert.equal((await getRate(shortLived.approval_no)).body.in_effect, false);
});

test('a revoked rate prices no more orders; edits of an order using it are refused until it is removed', async () => {
  const rate = await approved();
  const w = await createOrder(base, agent, orderBody({ customer_code: 'SZ-SHOP01', special_rate_no: rate.approval_no }));
  assert.equal(w.quote.pricing, 'special');
  assertError(await act(rate.approval_no, 'approve', sup), 409, 'special_rate.state_invalid');

  const r = await act(rate.approval_no, 'revoke', mgr, { note: '客户合同终止' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.state, 'revoked');
  assert.equal(r.body.in_effect, false);
  assert.equal(r.body.revocation.by, 'manager');
  assert.equal(r.body.revocation.note, '客户合同终止');
  assert.equal(r.body.decision.by, 'supervisor', 'the approval stays on record');
  assertError(await act(rate.approval_no, 'revoke', mgr), 409, 'special_rate.state_invalid');
  const log = await audit(base, admin, { action: 'special_rate.revoke', object_id: rate.approval_no });
  assert.equal(log.length, 1);
  assert.equal(log[0].actor.name, 'manager');

  assertError(await postOrder(orderBody({ customer_code: 'SZ-SHOP01', special_rate_no: rate.approval_no })),
    422, 'special_rate.not_applicable', 'special_rate_no');
  // The stored order re-prices with its special rate on every edit.
  assertError(await patchOrder(base, agent, w.waybill_no, { remarks: '请电话联系' }),
    422, 'special_rate.not_applicable', 'special_rate_no');
  const fixed = await patchOrder(base, agent, w.waybill_no, { special_rate_no: null });
  assert.equal(fixed.status, 200, JSON.stringify(fixed.body));
  assert.equal(fixed.body.special_rate_no, undefined);
  assert.equal(fixed.body.quote.pricing, 'contract_discount');
  assert.equal(fixed.body.total_fen, 2101);
});

test('every bad input of an application is refused naming its field', async () => {
  const cases = [
    [{ customer_code: undefined }, 400, 'json.missing', 'customer_code'],
    [{ customer_code: '' }, 400, 'json.too_short', 'customer_code'],
    [{ service: 'air' }, 400, 'json.enum', 'service'],
    [{ service: undefined }, 400, 'json.missing', 'service'],
    [{ zone: 'moon' }, 400, 'json.enum', 'zone'],
    [{ first_weight_g: 99 }, 400, 'json.range', 'first_weight_g'],
    [{ first_weight_g: 1.5 }, 400, 'json.type', 'first_weight_g'],
    [{ first_fee_fen: -1 }, 400, 'json.range', 'first_fee_fen'],
    [{ first_fee_fen: '1000' }, 400, 'json.type', 'first_fee_fen'],
    [{ additional_step_g: 0 }, 400, 'json.range', 'additional_step_g'],
    [{ additional_fee_fen: 1000001 }, 400, 'json.range', 'additional_fee_fen'],
    [{ additional_fee_fen: undefined }, 400, 'json.missing', 'additional_fee_fen'],
    [{ valid_from: undefined }, 400, 'json.missing', 'valid_from'],
    [{ valid_from: '2026-12-01' }, 400, 'json.format', 'valid_from'],
    [{ valid_to: 'tomorrow' }, 400, 'json.format', 'valid_to'],
    [{ valid_to: cst(Date.now() - 2 * HOUR) }, 400, 'special_rate.validity_invalid', 'valid_to'],
    [{ valid_from: cst(Date.now() + 48 * HOUR), valid_to: cst(Date.now() + 24 * HOUR) }, 400, 'special_rate.validity_invalid', 'valid_to'],
    [{ reason: undefined }, 400, 'json.missing', 'reason'],
    [{ reason: ' \t ' }, 400, 'json.too_short', 'reason'],
    [{ reason: '由'.repeat(201) }, 400, 'json.too_long', 'reason'],
    [{ discount: 5 }, 400, 'json.unknown_field', 'discount'],
    [{ customer_code: 'NO-SUCH' }, 422, 'customer.unknown', 'customer_code'],
    // Another branch's customer is as good as unknown to the GD account manager.
    [{ customer_code: 'SH-TRADE01' }, 422, 'customer.unknown', 'customer_code'],
  ];
  for (const [over, status, code, field] of cases) {
    const body = application();
    for (const [k, v] of Object.entries(over)) if (v === undefined) delete body[k]; else body[k] = v;
    assertError(await apply(body), status, code, field);
  }
  const c = await api(base, 'POST', '/api/v1/customers', { token: am, body: { code: 'SR-GONE', name: '已停用客户', node: 'GD-SZ' } });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  assert.equal((await api(base, 'PATCH', '/api/v1/customers/SR-GONE', { token: am, body: { active: false } })).status, 200);
  assertError(await apply(application({ customer_code: 'SR-GONE' })), 422, 'customer.inactive', 'customer_code');
  // A reason of exactly 200 characters is kept whole.
  const long = await applied({ reason: '由'.repeat(200) });
  assert.equal(long.reason, '由'.repeat(200));
});

test('who may see and do what: permissions, scope and unknown numbers', async () => {
  const rate = await applied();
  assertError(await apply(application(), agent), 403, 'auth.forbidden');
  assertError(await api(base, 'GET', '/api/v1/special-rates', { token: agent }), 403, 'auth.forbidden');
  assertError(await getRate(rate.approval_no, agent), 403, 'auth.forbidden');
  assertError(await getRate('SR000000000000'), 404, 'special_rate.not_found');
  assertError(await act('SR000000000000', 'approve', sup), 404, 'special_rate.not_found');
  assertError(await api(base, 'GET', '/api/v1/special-rates?state=done', { token: sup }), 400, 'query.invalid', 'state');
  assertError(await api(base, 'GET', '/api/v1/special-rates?colour=red', { token: sup }), 400, 'query.unknown_parameter', 'colour');

  // The head office applies for a Shanghai customer: invisible to Guangdong.
  const sh = await applied({ customer_code: 'SH-TRADE01' }, admin);
  assert.equal(sh.node, 'SH');
  assertError(await getRate(sh.approval_no, sup), 404, 'special_rate.not_found');
  assertError(await act(sh.approval_no, 'approve', sup), 404, 'special_rate.not_found');
  const gdList = await api(base, 'GET', '/api/v1/special-rates?limit=200', { token: sup });
  assert.equal(gdList.status, 200);
  assert.ok(!gdList.body.items.some((x) => x.approval_no === sh.approval_no));
  assert.ok(gdList.body.items.some((x) => x.approval_no === rate.approval_no));
  const noSh = await api(base, 'GET', '/api/v1/special-rates?customer=SH-TRADE01', { token: sup });
  assert.deepEqual(noSh.body.items, []);
  const hqList = await api(base, 'GET', '/api/v1/special-rates?customer=SH-TRADE01', { token: admin });
  assert.deepEqual(hqList.body.items.map((x) => x.approval_no), [sh.approval_no]);

  // Pages: newest first, next_before continues.
  const p1 = await api(base, 'GET', '/api/v1/special-rates?limit=2', { token: admin });
  assert.equal(p1.body.items.length, 2);
  assert.equal(typeof p1.body.next_before, 'number');
  const p2 = await api(base, 'GET', `/api/v1/special-rates?limit=2&before=${p1.body.next_before}`, { token: admin });
  assert.equal(p2.status, 200);
  const seen = new Set(p1.body.items.map((x) => x.approval_no));
  assert.ok(p2.body.items.length > 0 && p2.body.items.every((x) => !seen.has(x.approval_no)));
  assert.ok(p1.body.items[1].applied.at >= p2.body.items[0].applied.at);
});

test('the pickup re-weighing keeps the special rate an order was accepted on, even once revoked', async () => {
  const rate = await approved();
  const dispatcher = await login(base, 'dispatcher');
  const courier = await login(base, 'courier');
  const w = await createOrder(base, agent, orderBody({ customer_code: 'SZ-SHOP01', special_rate_no: rate.approval_no, goods: { weight_g: 1200 } }));
  assert.equal(w.quote.pricing, 'special');
  const a = await api(base, 'POST', `/api/v1/waybills/${w.waybill_no}/pickup`, { token: dispatcher, body: { courier: 'courier' } });
  assert.equal(a.status, 200, JSON.stringify(a.body));
  const rv = await act(rate.approval_no, 'revoke', sup, { note: '线路调价' });
  assert.equal(rv.status, 200, JSON.stringify(rv.body));
  // Re-weighed to 3.2 kg: the special cell prices it (1 kg ¥10 + 3 × ¥3 = ¥19 freight).
  const r = await api(base, 'POST', `/api/v1/waybills/${w.waybill_no}/inspection`, {
    token: courier, body: { goods_ok: true, prohibited_found: false, weight_g: 3200 },
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.state, 'picked_up');
  assert.equal(r.body.quote.pricing, 'special');
  assert.equal(r.body.quote.pricing_ref, rate.approval_no);
  assert.equal(parts(r.body.quote).freight, 1900);
  // A new order may not use the revoked rate.
  assertError(await postOrder(orderBody({ customer_code: 'SZ-SHOP01', special_rate_no: rate.approval_no })), 422, 'special_rate.not_applicable', 'special_rate_no');
});
