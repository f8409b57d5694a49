// Problem parcels at the service desk (issue 5 item 2; docs/service-desk-
// problems.md): staff open one of every DOMAIN.md §6 type at a node, upload
// evidence (JPEG, PNG, PDF; raw or multipart; refused by magic bytes, by
// size, served only to staff who may read the problem), record resolution
// actions (compensate opens a compensation case) and contacts, close with a
// reason and a root cause, and read a month's statistics. The stale-parcel
// job's round opens a problem for each new exception scan. Run on both
// databases by scripts/test.sh.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, api, login, BIN, ROOT } from '../lib/harness.mjs';
import { assertError, raw } from './lib/http.mjs';
import { orderBody, createOrder, waybillNo } from './lib/orders.mjs';

const HOUR = 3600e3;
const cn = (ms) => new Date(ms + 8 * HOUR).toISOString().replace(/Z$/, '+08:00');
const MAX = 5 * 1024 * 1024; // service.evidence_max_bytes by default

const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0 photo of a torn carton')]);
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('IHDR fake png body')]);
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n');

let srv, base, dir, admin, agent, supervisor, courier, shClerk, scannerKey, systemKey;
let W1, W2, W3; // waybills
let damageId; // the problem the evidence, actions and contacts are on
let seq = 0;

const post = (path, body, token = agent) => api(base, 'POST', path, { token, body });
const get = (path, token = agent) => api(base, 'GET', path, { token });

async function open(body, token = agent) {
  const r = await post('/api/v1/problems', body, token);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

function upload(id, bytes, contentType, token = agent) {
  const headers = { authorization: `Bearer ${token}` };
  if (contentType) headers['content-type'] = contentType;
  return raw(base, { method: 'POST', path: `/api/v1/problems/${id}/evidence`, headers, body: bytes });
}

function monitor(nowMs) {
  const out = execFileSync(BIN, ['monitor', 'run', '--db', srv.db, '--now', cn(nowMs)], {
    cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(out.trim().split('\n').pop());
}

async function scan(no, reason, node = 'SZ-NS01') {
  seq += 1;
  const r = await post('/api/v1/scans', [{ waybill_no: no, type: 'exception', reason, at: cn(Date.now() - 60000), node, operator: '林快递', device_id: 'PDA-DESK', device_seq: seq }], admin);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.accepted, 1, JSON.stringify(r.body));
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pd-evidence-'));
  srv = await startServer({ env: { PD_SERVICE_EVIDENCE_DIR: dir }, args: ['--monitor-worker', 'false'] });
  base = srv.url;
  admin = await login(base, 'admin');
  agent = await login(base, 'agent'); // GD-SZ, holds tickets.write
  supervisor = await login(base, 'supervisor'); // GD, holds reports
  courier = await login(base, 'courier'); // SZ-NS01: below GD-SZ
  const sh = await post('/api/v1/users', { username: `sh-desk-${Date.now() % 100000}`, display_name: '上海客服', role: 'inquiry_clerk', node_code: 'SH', password: 'Parcel2026ok' }, admin);
  assert.equal(sh.status, 201, JSON.stringify(sh.body));
  shClerk = await login(base, sh.body.username, 'Parcel2026ok');
  for (const [role, name] of [['scanner', 'PDA 网关'], ['customer_system', '电商系统']]) {
    const k = await post('/api/v1/apikeys', { name, role, node_code: 'GD-SZ' }, admin);
    assert.equal(k.status, 201, JSON.stringify(k.body));
    if (role === 'scanner') scannerKey = k.body.key; else systemKey = k.body.key;
  }
  W1 = (await createOrder(base, agent, orderBody())).waybill_no;
  W2 = (await createOrder(base, agent, orderBody())).waybill_no;
  W3 = (await createOrder(base, agent, orderBody())).waybill_no;
});

after(async () => {
  await srv?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('staff open a problem of every DOMAIN.md §6 type at their node; one open per type', async () => {
  const types = { damage: '破损', loss: '丢失', shortage: '短少', missort: '错分/错发', delay: '延误', address: '地址不详', refused: '拒收', prohibited: '禁寄品', disaster: '自然灾害', other: '其他' };
  for (const [type, zh] of Object.entries(types)) {
    const p = await open({ waybill_no: W1, type, reason: `登记${zh}` });
    assert.equal(p.type, type);
    assert.equal(p.type_zh, zh);
    assert.equal(p.source, 'staff');
    assert.equal(p.state, 'open');
    assert.equal(p.node, 'GD-SZ', "the caller's node by default");
    assert.equal(p.reason, `登记${zh}`);
    assert.deepEqual([p.actions, p.contacts, p.evidence, p.compensation_cases], [[], [], [], []]);
    assert.equal(p.root_cause, null);
    if (type === 'damage') damageId = p.id;
  }
  // At a node below the caller's.
  const atOutlet = await open({ waybill_no: W2, type: 'damage', node: 'SZ-NS01', reason: '网点发现外包装破损' });
  assert.equal(atOutlet.node, 'SZ-NS01');
  const again = await post('/api/v1/problems', { waybill_no: W1, type: 'damage', reason: '重复登记' });
  assertError(again, 409, 'problem.exists', 'type');
  // All ten are in the queue.
  const q = await get(`/api/v1/problems?waybill_no=${W1}&state=open`);
  assert.equal(q.status, 200);
  assert.equal(q.body.items.length, 10);
});

test('opening: bad input is refused naming the field', async () => {
  assertError(await post('/api/v1/problems', { waybill_no: W1, type: 'no_update', reason: 'x' }), 400, 'problem.type_not_manual', 'type');
  assertError(await post('/api/v1/problems', { waybill_no: W1, type: 'delayed', reason: 'x' }), 400, 'problem.type_not_manual', 'type');
  assertError(await post('/api/v1/problems', { waybill_no: W1, type: 'teleported', reason: 'x' }), 400, 'json.enum', 'type');
  assertError(await post('/api/v1/problems', { waybill_no: W1, type: 'loss' }), 400, 'json.missing', 'reason');
  assertError(await post('/api/v1/problems', { waybill_no: W1, type: 'loss', reason: '   ' }), 400, 'json.too_short', 'reason');
  assertError(await post('/api/v1/problems', { waybill_no: 'PD123', type: 'loss', reason: 'x' }), 400, 'json.format', 'waybill_no');
  assertError(await post('/api/v1/problems', { waybill_no: waybillNo(999999999), type: 'loss', reason: 'x' }), 422, 'problem.waybill_unknown', 'waybill_no');
  assertError(await post('/api/v1/problems', { waybill_no: W3, type: 'loss', reason: 'x', node: 'SH' }), 422, 'problem.node_unknown', 'node');
  assertError(await post('/api/v1/problems', { waybill_no: W3, type: 'loss', reason: 'x', colour: 'red' }), 400, 'json.unknown_field', 'colour');
  // The courier may read problems but not handle them; API keys never write.
  assertError(await post('/api/v1/problems', { waybill_no: W3, type: 'loss', reason: 'x' }, courier), 403, 'auth.forbidden');
  assertError(await post('/api/v1/problems', { waybill_no: W3, type: 'loss', reason: 'x' }, systemKey), 403, 'auth.forbidden');
  // Nothing was half-written.
  assert.equal((await get(`/api/v1/problems?waybill_no=${W3}`)).body.items.length, 0);
});

test('evidence: JPEG, PNG (multipart) and PDF are stored under random names', async () => {
  let r = await upload(damageId, JPEG, 'image/jpeg');
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.content_type, 'image/jpeg');
  assert.equal(r.body.size_bytes, JPEG.length);
  assert.equal(r.body.sha256, createHash('sha256').update(JPEG).digest('hex'));
  assert.equal(r.body.uploaded_by, 'agent');
  assert.equal(r.body.url, `/api/v1/problems/${damageId}/evidence/${r.body.id}`);
  const form = new FormData();
  form.append('note', '外箱照片');
  form.append('file', new Blob([PNG], { type: 'image/png' }), '../../etc/破损.png');
  const m = await fetch(`${base}/api/v1/problems/${damageId}/evidence`, { method: 'POST', headers: { authorization: `Bearer ${agent}` }, body: form });
  const mb = await m.json();
  assert.equal(m.status, 201, JSON.stringify(mb));
  assert.equal(mb.content_type, 'image/png');
  assert.equal(mb.size_bytes, PNG.length);
  r = await upload(damageId, PDF, 'application/pdf');
  assert.equal(r.status, 201, r.text);
  // On disk: 32 hex digits and the real type's extension, never the client's name.
  const files = readdirSync(dir).sort();
  assert.equal(files.length, 3, files.join(','));
  for (const f of files) assert.match(f, /^[0-9a-f]{32}\.(jpg|png|pdf)$/);
  const rec = await get(`/api/v1/problems/${damageId}`);
  assert.deepEqual(rec.body.evidence.map((e) => e.content_type), ['image/jpeg', 'image/png', 'application/pdf']);
});

test('evidence: the wrong type (by magic bytes), too large, empty or malformed is refused', async () => {
  const html = Buffer.from('<html><script>alert(1)</script></html>');
  assertError(await upload(damageId, html, 'image/jpeg'), 415, 'evidence.type_not_allowed', 'file');
  assertError(await upload(damageId, PNG, 'image/jpeg'), 415, 'evidence.type_not_allowed', 'file');
  assertError(await upload(damageId, JPEG, 'image/gif'), 415, 'evidence.type_not_allowed', 'file');
  assertError(await upload(damageId, html, undefined), 415, 'evidence.type_not_allowed', 'file');
  const big = Buffer.alloc(MAX + 1, 0x41);
  JPEG.copy(big);
  assertError(await upload(damageId, big, 'image/jpeg'), 413, 'evidence.too_large', 'file');
  assertError(await upload(damageId, Buffer.alloc(0), 'image/jpeg'), 400, 'evidence.empty', 'file');
  assertError(await upload(damageId, Buffer.from('--x\r\nno headers'), 'multipart/form-data; boundary=x'), 400, 'evidence.multipart_invalid', 'file');
  // A file that is exactly the limit is fine.
  const edge = Buffer.alloc(MAX, 0x42);
  JPEG.copy(edge);
  const ok = await upload(damageId, edge, 'image/jpeg');
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.body.size_bytes, MAX);
  assertError(await upload(damageId, JPEG, 'image/jpeg', courier), 403, 'auth.forbidden');
  assertError(await upload(999999, JPEG, 'image/jpeg'), 404, 'problem.not_found');
  assert.equal(readdirSync(dir).filter((f) => !f.startsWith('.')).length, 4, 'refused uploads left no file');
});

test('evidence is served only to staff who may read the problem', async () => {
  const rec = await get(`/api/v1/problems/${damageId}`);
  const jpeg = rec.body.evidence[0];
  const r = await fetch(base + jpeg.url, { headers: { authorization: `Bearer ${agent}` } });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'image/jpeg');
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  assert.deepEqual(Buffer.from(await r.arrayBuffer()), JPEG);
  const pdf = await fetch(base + rec.body.evidence[2].url, { headers: { authorization: `Bearer ${supervisor}` } });
  assert.equal(pdf.status, 200, 'a supervisor above the node reads it');
  assert.match(pdf.headers.get('content-disposition'), /^attachment/);
  assertError(await get(jpeg.url, shClerk), 404, 'problem.not_found'); // another network
  assertError(await get(jpeg.url, courier), 404, 'problem.not_found'); // below the problem's node
  assertError(await get(jpeg.url, scannerKey), 403, 'auth.forbidden'); // no tracking.read
  assertError(await get(jpeg.url, systemKey), 403, 'auth.forbidden'); // customers' systems
  assertError(await api(base, 'GET', jpeg.url), 401, 'auth.required');
  assertError(await get(`/api/v1/problems/${damageId}/evidence/999999`), 404, 'evidence.not_found');
  // Evidence of another problem is not reachable through this one.
  const other = (await get(`/api/v1/problems?waybill_no=${W1}&type=loss`)).body.items[0];
  assertError(await get(`/api/v1/problems/${other.id}/evidence/${jpeg.id}`), 404, 'evidence.not_found');
  assertError(await get(`/api/v1/problems/${damageId}`, shClerk), 404, 'problem.not_found');
});

test('resolution actions: what each must carry; compensate opens one compensation case', async () => {
  const act = (body, token) => post(`/api/v1/problems/${damageId}/actions`, body, token);
  assertError(await act({ action: 'redirect' }), 400, 'json.missing', 'address');
  assertError(await act({ action: 'redeliver', amount_fen: 100 }), 400, 'json.unknown_field', 'amount_fen');
  assertError(await act({ action: 'hold', address: '上海' }), 400, 'json.unknown_field', 'address');
  assertError(await act({ action: 'destroy' }), 400, 'json.missing', 'note');
  assertError(await act({ action: 'compensate' }), 400, 'json.missing', 'amount_fen');
  assertError(await act({ action: 'compensate', amount_fen: 0 }), 400, 'json.range', 'amount_fen');
  assertError(await act({ action: 'teleport' }), 400, 'json.enum', 'action');
  let r = await act({ action: 'hold', note: '等待收件人回复' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.action, 'hold');
  assert.equal(r.body.action_zh, '暂扣留仓');
  assert.equal(r.body.compensation_case, null);
  r = await act({ action: 'redirect', address: '广东省深圳市南山区科技园南路 2 号' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.address, '广东省深圳市南山区科技园南路 2 号');
  r = await act({ action: 'compensate', amount_fen: 12000, note: '按保价赔付' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.compensation_case.amount_fen, 12000);
  assert.equal(r.body.compensation_case.state, 'open');
  assert.equal(r.body.compensation_case.waybill_no, W1);
  assert.equal(r.body.compensation_case_id, r.body.compensation_case.id);
  assertError(await act({ action: 'compensate', amount_fen: 5000 }), 409, 'problem.compensation_exists', 'action');
  const rec = (await get(`/api/v1/problems/${damageId}`)).body;
  assert.deepEqual(rec.actions.map((a) => a.action), ['hold', 'redirect', 'compensate']);
  assert.equal(rec.actions[0].by, 'agent');
  assert.equal(rec.resolution, 'compensate');
  assert.equal(rec.compensation_cases.length, 1);
});

test('every contact with the sender or recipient is logged', async () => {
  const contact = (body) => post(`/api/v1/problems/${damageId}/contacts`, body);
  let r = await contact({ party: 'recipient', channel: 'phone', outcome: 'no_answer' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.party_zh, '收件人');
  assert.equal(r.body.outcome_zh, '无人接听');
  const at = cn(Math.floor((Date.now() - 2 * HOUR) / 1000) * 1000).replace('.000', '');
  r = await contact({ party: 'sender', channel: 'im', outcome: 'agreed', at, note: '寄件人同意改派并接受赔付' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.at, at);
  assertError(await contact({ party: 'neighbour', channel: 'phone', outcome: 'reached' }), 400, 'json.enum', 'party');
  assertError(await contact({ party: 'sender', channel: 'pigeon', outcome: 'reached' }), 400, 'json.enum', 'channel');
  assertError(await contact({ party: 'sender', channel: 'phone' }), 400, 'json.missing', 'outcome');
  assertError(await contact({ party: 'sender', channel: 'phone', outcome: 'reached', at: 'yesterday' }), 400, 'json.format', 'at');
  assertError(await contact({ party: 'sender', channel: 'phone', outcome: 'reached', at: cn(Date.now() + 3 * HOUR) }), 400, 'json.range', 'at');
  const rec = (await get(`/api/v1/problems/${damageId}`)).body;
  assert.deepEqual(rec.contacts.map((c) => `${c.party}:${c.channel}:${c.outcome}`), ['recipient:phone:no_answer', 'sender:im:agreed']);
  assert.equal(rec.contacts[1].note, '寄件人同意改派并接受赔付');
});

test('closing needs a reason and a root cause; a closed problem is read-only', async () => {
  const close = (body) => post(`/api/v1/problems/${damageId}/close`, body);
  assertError(await close({ root_cause: 'packaging' }), 400, 'json.missing', 'reason');
  assertError(await close({ reason: ' \n ', root_cause: 'packaging' }), 400, 'json.too_short', 'reason');
  assertError(await close({ reason: '已赔付' }), 400, 'json.missing', 'root_cause');
  assertError(await close({ reason: '已赔付', root_cause: 'bad_luck' }), 400, 'json.enum', 'root_cause');
  assert.equal((await get(`/api/v1/problems/${damageId}`)).body.state, 'open', 'nothing half-written');
  const r = await close({ reason: '已改派签收并赔付', root_cause: 'packaging' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.state, 'closed');
  assert.equal(r.body.note, '已改派签收并赔付');
  assert.equal(r.body.root_cause, 'packaging');
  assert.equal(r.body.root_cause_zh, '包装不当');
  assert.ok(r.body.closed_at);
  assertError(await close({ reason: '再次结案', root_cause: 'unknown' }), 409, 'problem.closed');
  assertError(await post(`/api/v1/problems/${damageId}/actions`, { action: 'hold' }), 409, 'problem.closed');
  assertError(await post(`/api/v1/problems/${damageId}/contacts`, { party: 'sender', channel: 'phone', outcome: 'reached' }), 409, 'problem.closed');
  assertError(await upload(damageId, JPEG, 'image/jpeg'), 409, 'problem.closed');
  // The audit log has every step.
  const log = await get('/api/v1/audit?object_type=problem&limit=200', admin);
  const actions = new Set(log.body.items.filter((a) => a.object_id === String(damageId)).map((a) => a.action));
  for (const a of ['problem.open', 'problem.evidence', 'problem.action', 'problem.contact', 'problem.close']) assert.ok(actions.has(a), a);
});

test('an exception scan opens a problem in the job\'s next round, once', async () => {
  await scan(W2, 'damaged'); // a damage problem is open for W2 at SZ-NS01 already
  await scan(W3, 'lost');
  await scan(W3, '外包装湿透'); // free text: other
  const first = monitor(Date.now() + 2 * 60000);
  assert.equal(first.exceptions, 2, JSON.stringify(first));
  const q = (await get(`/api/v1/problems?waybill_no=${W3}`)).body.items;
  const byType = Object.fromEntries(q.map((p) => [p.type, p]));
  assert.deepEqual(Object.keys(byType).sort(), ['loss', 'other']);
  assert.equal(byType.loss.source, 'scan');
  assert.equal(byType.loss.node, 'SZ-NS01');
  assert.match(byType.loss.source_scan, /^PDA-DESK\/\d+$/);
  assert.match(byType.other.reason, /外包装湿透/);
  // W2 kept its one open damage problem.
  assert.equal((await get(`/api/v1/problems?waybill_no=${W2}&type=damage`)).body.items.length, 1);
  const second = monitor(Date.now() + 3 * 60000);
  assert.equal(second.exceptions, 0, JSON.stringify(second));
  // A scan still within the settle time waits for a later round.
  await scan(W2, 'refused');
  assert.equal(monitor(Date.now()).exceptions, 0);
  assert.equal(monitor(Date.now() + 2 * 60000).exceptions, 1);
});

test('monthly statistics by type, node and root cause', async () => {
  const now = new Date(Date.now() + 8 * HOUR);
  const month = now.toISOString().slice(0, 7);
  const r = await get(`/api/v1/stats/problems?month=${month}`, supervisor);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const s = r.body;
  assert.equal(s.month, month);
  assert.equal(s.total, s.open + s.closed);
  assert.equal(s.closed, 1);
  assert.ok(s.total >= 14, JSON.stringify(s)); // 10 + 1 at the outlet + 3 from scans
  const damage = s.by_type.find((t) => t.type === 'damage');
  assert.deepEqual([damage.count, damage.open, damage.closed, damage.zh], [2, 1, 1, '破损']);
  const nodes = Object.fromEntries(s.by_node.map((n) => [n.node, n.count]));
  assert.equal(nodes['GD-SZ'], 10);
  assert.ok(nodes['SZ-NS01'] >= 4);
  const causes = Object.fromEntries(s.by_root_cause.map((c) => [c.root_cause, c]));
  assert.equal(causes.packaging.count, 1);
  assert.equal(causes.packaging.zh, '包装不当');
  assert.equal(causes.null.count, s.open);
  assert.equal(typeof s.avg_close_hours, 'number');
  // Sorted by count, most first.
  for (let i = 1; i < s.by_type.length; i++) assert.ok(s.by_type[i - 1].count >= s.by_type[i].count);
  // Another month is empty; a node filter narrows.
  const empty = await get('/api/v1/stats/problems?month=2025-01', supervisor);
  assert.equal(empty.body.total, 0);
  const outlet = await get(`/api/v1/stats/problems?month=${month}&node=SZ-NS01`, supervisor);
  assert.equal(outlet.body.total, nodes['SZ-NS01']);
  assertError(await get('/api/v1/stats/problems', supervisor), 400, 'problem.month_invalid', 'month');
  assertError(await get('/api/v1/stats/problems?month=2026-13', supervisor), 400, 'problem.month_invalid', 'month');
  assertError(await get('/api/v1/stats/problems?month=2026/11', supervisor), 400, 'problem.month_invalid', 'month');
  assertError(await get(`/api/v1/stats/problems?month=${month}&node=SH`, supervisor), 400, 'query.invalid', 'node');
  assertError(await get(`/api/v1/stats/problems?month=${month}`, agent), 403, 'auth.forbidden');
});
