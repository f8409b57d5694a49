// Helpers for the orders suite (waybills, review, pickup, customers): the
// CONTRACT.md order, a factory of valid order bodies that never look like
// duplicates of each other (the server flags an order whose sender phone,
// recipient phone, destination, address, goods and weight repeat one of the
// last 24 hours), Damm check digits to build valid and broken waybill
// numbers, and thin wrappers that assert the status of the calls a test
// only uses to get somewhere.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { api } from '../../lib/harness.mjs';
import { audit } from './http.mjs';

export const NANSHAN = { province: '广东省', city: '深圳市', district: '南山区' };
export const PUDONG = { province: '上海市', city: '上海市', district: '浦东新区' };

export const WAYBILL_NO = /^PD\d{13}$/;
export const PARCEL_NO = /^PD\d{17}$/;
export const MASKED_PHONE = /^1\d\d\*{4}\d{4}$/;

/** The order of CONTRACT.md "Core shapes", verbatim (docs/fees.md example 2: 2472 fen). */
export function contractOrder() {
  return {
    channel: 'phone', service: 'standard', payment: 'sender', customer_ref: 'PO-1001',
    sender: { name: '张三', phone: '13800138000', ...NANSHAN, address: '科技园南路 1 号' },
    recipient: { name: '李四', phone: '13900139000', ...PUDONG, address: '世纪大道 100 号' },
    goods: { name: '衣服', quantity: 1, weight_g: 1200, length_mm: 300, width_mm: 200, height_mm: 100 },
    declared_value_fen: 0, cod_fen: 0, parcels: 1,
  };
}

let counter = 0;
const runTag = randomBytes(3).toString('hex');

/** A string unique in this test process, e.g. for customer_ref: `${prefix}-<run>-<n>`. */
export function uniqueRef(prefix = 'T') {
  counter += 1;
  return `${prefix}-${runTag}-${counter}`;
}

/** A mobile number (11 digits, 139…) not used before in this process. */
export function uniquePhone() {
  counter += 1;
  return '139' + String((parseInt(runTag, 16) * 7919 + counter) % 1e8).padStart(8, '0');
}

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Merge @p over into @p base one level into the nested objects (sender,
 * recipient, goods, pickup_window): `undefined` deletes a key, so a test can
 * say `{ sender: { phone: undefined } }` for "sender without a phone".
 */
export function merge(base, over) {
  const out = structuredClone(base);
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) delete out[k];
    else if (isPlainObject(v) && isPlainObject(out[k])) {
      for (const [k2, v2] of Object.entries(v)) {
        if (v2 === undefined) delete out[k][k2];
        else out[k][k2] = v2;
      }
    } else out[k] = v;
  }
  return out;
}

/**
 * A valid order like the CONTRACT.md one, with its own customer_ref, phones
 * and recipient address (so it is never a duplicate of another), and the
 * overrides applied with merge().
 */
export function orderBody(over = {}) {
  const base = contractOrder();
  base.customer_ref = uniqueRef('PO');
  base.sender.phone = uniquePhone();
  base.recipient.phone = uniquePhone();
  base.recipient.address = `世纪大道 100 号 ${counter} 室`;
  return merge(base, over);
}

/** Damm check digit of a string of decimal digits (core/waybill_no.c). */
export function damm(digits) {
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

/** The waybill number of @p serial (1 … 10^12 − 1). */
export function waybillNo(serial) {
  const d = String(serial).padStart(12, '0');
  return `PD${d}${damm(d)}`;
}

/** True when @p no (waybill or parcel number) passes its check digit. */
export function checkDigitOk(no) {
  return /^PD\d+$/.test(no) && damm(no.slice(2)) === 0;
}

/** POST /api/v1/waybills; asserts 201 and returns the WAYBILL. */
export async function createOrder(base, token, body, headers = {}) {
  const r = await api(base, 'POST', '/api/v1/waybills', { token, body, headers });
  assert.equal(r.status, 201, `create order: ${r.status} ${JSON.stringify(r.body)}`);
  assert.match(r.body.waybill_no, WAYBILL_NO);
  return r.body;
}

/** GET /api/v1/waybills/{no}; asserts 200 and returns the WAYBILL. */
export async function getOrder(base, token, no) {
  const r = await api(base, 'GET', `/api/v1/waybills/${encodeURIComponent(no)}`, { token });
  assert.equal(r.status, 200, `get ${no}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** POST /api/v1/waybills/{no}/{action} (submit, approve, flag, cancel, pickup, inspection): the raw answer. */
export function act(base, token, no, action, body) {
  return api(base, 'POST', `/api/v1/waybills/${no}/${action}`, { token, body });
}

/** PATCH /api/v1/waybills/{no}: the raw answer. */
export function patchOrder(base, token, no, body) {
  return api(base, 'PATCH', `/api/v1/waybills/${no}`, { token, body });
}

/** GET /api/v1/waybills?query; asserts 200 and returns the whole answer body. */
export async function listOrders(base, token, query = {}) {
  const q = new URLSearchParams(query);
  const r = await api(base, 'GET', `/api/v1/waybills?${q}`, { token });
  assert.equal(r.status, 200, `list waybills ?${q}: ${r.status} ${JSON.stringify(r.body)}`);
  assert.ok(Array.isArray(r.body.items), 'items is an array');
  return r.body;
}

/** The actions of GET /api/v1/waybills/{no}/history, oldest first. */
export async function historyActions(base, token, no) {
  const r = await api(base, 'GET', `/api/v1/waybills/${no}/history`, { token });
  assert.equal(r.status, 200, `history ${no}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.items.map((e) => e.action);
}

/** How many audit entries with this action the administrator token sees (≤ 1000). */
export async function auditCount(base, adminToken, action) {
  return (await audit(base, adminToken, { action, limit: '1000' })).length;
}
