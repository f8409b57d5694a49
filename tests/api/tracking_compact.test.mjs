// The tracking row's compact timeline (migration 014, docs/tracking.md "How
// ingestion is made fast"): the public answer is written from the row on
// each read, new scans are merged into the row without reading the order or
// the other events, and a row without a timeline (written before 014) or with
// an unreadable one is built again from the order and the events — on the
// next read and on the next scan — rather than failing. Runs on SQLite and on
// PostgreSQL (PD_TEST_BACKEND); the rows are damaged with the sqlite3 / psql
// command-line tools, as an operator's mistake or an old database would.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, api, login, BACKEND } from '../lib/harness.mjs';
import { orderBody, createOrder } from './lib/orders.mjs';

let srv, base, admin, agent, key;
const HOUR = 3600e3;
const cn = (ms) => new Date(ms + 8 * HOUR).toISOString().replace(/Z$/, '+08:00');
let seq = 0;

before(async () => {
  srv = await startServer({ args: ['--monitor-worker', 'false'] });
  base = srv.url;
  admin = await login(base, 'admin');
  agent = await login(base, 'agent');
  const r = await api(base, 'POST', '/api/v1/apikeys', { token: admin, body: { name: '压缩轨迹测试', role: 'scanner', node_code: 'HQ' } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  key = r.body.key;
});
after(async () => { await srv.stop(); });

/** Run SQL that changes the test database (the server keeps running and may
 *  hold the write lock a moment: its projector, its checkpoints). */
function sql(statement) {
  if (BACKEND === 'pg') execFileSync('psql', [srv.db, '-qAtc', statement], { stdio: 'pipe' });
  else execFileSync('sqlite3', ['-cmd', '.timeout 10000', srv.db.replace(/^sqlite:/, ''), statement], { stdio: 'pipe' });
}

async function scan(events) {
  const r = await api(base, 'POST', '/api/v1/scans', { token: key, body: events });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.rejected.length, 0, JSON.stringify(r.body.rejected));
  return r.body;
}

const ev = (no, type, at, over = {}) => ({
  waybill_no: no, type, at: cn(at), node: type === 'pickup' ? 'SZ-NS01' : 'GZ-HUB',
  device_id: 'COMPACT-1', device_seq: ++seq, ...over,
});

async function publicView(no) {
  const r = await api(base, 'GET', `/api/v1/public/tracking/${no}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

test('scans merged into the row give the answer a full rebuild gives, out-of-order events placed by time', async () => {
  const w = await createOrder(base, agent, orderBody());
  const t0 = Date.now() - 5 * HOUR;
  await scan([ev(w.waybill_no, 'pickup', t0)]);
  // Two batches, the later event first, then one in between.
  await scan([ev(w.waybill_no, 'departure', t0 + 3 * HOUR)]);
  await scan([ev(w.waybill_no, 'arrival', t0 + 2 * HOUR), ev(w.waybill_no, 'sort', t0 + 2 * HOUR + 60e3)]);
  const merged = await publicView(w.waybill_no);
  assert.deepEqual(merged.events.map((e) => e.type), ['pickup', 'arrival', 'sort', 'departure']);
  assert.equal(merged.status, 'departed');
  // Throw the row's timeline away: the next read builds it from the order
  // and the events, and must say exactly the same.
  sql(`UPDATE tracking SET timeline = NULL WHERE waybill_no = '${w.waybill_no}'`);
  const rebuilt = await publicView(w.waybill_no);
  assert.deepEqual(rebuilt, merged);
});

test('a row without a timeline (from before migration 014) is rebuilt by the next scan', async () => {
  const w = await createOrder(base, agent, orderBody());
  const t0 = Date.now() - 4 * HOUR;
  await scan([ev(w.waybill_no, 'pickup', t0)]);
  sql(`UPDATE tracking SET timeline = NULL WHERE waybill_no = '${w.waybill_no}'`);
  await scan([ev(w.waybill_no, 'arrival', t0 + HOUR)]);
  const v = await publicView(w.waybill_no);
  assert.deepEqual(v.events.map((e) => e.type), ['pickup', 'arrival']);
});

test('an unreadable timeline mends itself: the read answers from the events, the scan is accepted', async () => {
  const w = await createOrder(base, agent, orderBody());
  const t0 = Date.now() - 3 * HOUR;
  await scan([ev(w.waybill_no, 'pickup', t0), ev(w.waybill_no, 'arrival', t0 + HOUR)]);
  const before = await publicView(w.waybill_no);
  // Version 9 of a format that has only version 1; then a truncated one.
  const bad = BACKEND === 'pg' ? `'\\x0901'::bytea` : `x'0901'`;
  sql(`UPDATE tracking SET timeline = ${bad} WHERE waybill_no = '${w.waybill_no}'`);
  assert.deepEqual(await publicView(w.waybill_no), before);
  const cut = BACKEND === 'pg' ? `'\\x0102000000'::bytea` : `x'0102000000'`;
  sql(`UPDATE tracking SET timeline = ${cut} WHERE waybill_no = '${w.waybill_no}'`);
  const r = await scan([ev(w.waybill_no, 'departure', t0 + 2 * HOUR)]);
  assert.equal(r.accepted, 1);
  const after = await publicView(w.waybill_no);
  assert.deepEqual(after.events.map((e) => e.type), ['pickup', 'arrival', 'departure']);
  assert.equal(after.status, 'departed');
});

test('delivered signer kept masked in the row’s answer; free-text reasons shown only as their code', async () => {
  const w = await createOrder(base, agent, orderBody());
  const t0 = Date.now() - 2 * HOUR;
  await scan([
    ev(w.waybill_no, 'failed_attempt', t0, { node: 'SZ-NS01', reason: '门卫说张三不在家' }),
    ev(w.waybill_no, 'delivered', t0 + HOUR, { node: 'SZ-NS01', signer: '李四光', signer_type: 'recipient' }),
  ]);
  const v = await publicView(w.waybill_no);
  const text = JSON.stringify(v);
  assert.ok(!text.includes('李四光') && !text.includes('张三'), text);
  assert.match(v.events[1].description, /签收人：李\*/);
  assert.match(v.events[0].description, /派送未成功：其他原因/);
  assert.equal(v.status, 'delivered');
});
