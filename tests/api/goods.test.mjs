// The prohibited/restricted goods list (禁寄/限寄物品) as a maintained list:
// seeded from data/prohibited_goods.tsv on a fresh database, read by any
// staff member with filters, edited by holders of goods.manage (audited,
// before and after), effective for the very next order and screening, seen
// by a second server on the same database through the list stamp, and bad
// input refused naming the field.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, api, login, ROOT } from '../lib/harness.mjs';
import { assertError, audit, pollUntil, RFC3339_CN } from './lib/http.mjs';
import { orderBody } from './lib/orders.mjs';

let srv, base, admin, supervisor, agent, courier;
before(async () => {
  srv = await startServer();
  base = srv.url;
  [admin, supervisor, agent, courier] = await Promise.all(
    ['admin', 'supervisor', 'agent', 'courier'].map((u) => login(base, u)));
});
after(async () => { await srv?.stop(); });

const enc = encodeURIComponent;
const rules = (query = '', token = agent) => api(base, 'GET', `/api/v1/goods/rules${query}`, { token });
const put = (term, body, token = admin) => api(base, 'PUT', `/api/v1/goods/rules/${enc(term)}`, { token, body });
const screen = (name, b = base) => api(b, 'GET', `/api/v1/goods/screen?name=${enc(name)}`, { token: agent });
const order = (goodsName) => api(base, 'POST', '/api/v1/waybills', { token: agent, body: orderBody({ goods: { name: goodsName } }) });

/** The data rows of the seed file: what a fresh database must hold. */
function seedRows() {
  const lines = readFileSync(join(ROOT, 'data/prohibited_goods.tsv'), 'utf8').split('\n');
  const rows = lines.filter((l) => l && !l.startsWith('#')).slice(1).map((l) => l.split('\t'));
  return rows.map(([term, category, level, condition, note]) => ({ term, category, level, condition, note }));
}

test('a fresh database holds the seed file, read by any staff member', async () => {
  const seed = seedRows();
  const all = await rules('', courier);
  assert.equal(all.status, 200, JSON.stringify(all.body));
  assert.equal(all.body.total, seed.length, 'every row of the seed file');
  assert.equal(all.body.count, all.body.items.length);
  assert.ok(Number.isInteger(all.body.version) && all.body.version > 0);
  for (const s of seed) {
    const r = all.body.items.find((x) => x.term === s.term);
    assert.ok(r, `seeded: ${s.term}`);
    assert.deepEqual({ term: r.term, category: r.category, level: r.level, condition: r.condition, note: r.note }, s);
    assert.equal(r.active, true);
    assert.equal(r.updated_by, null, 'the seed is the system\'s');
    assert.match(r.updated_at, RFC3339_CN);
    assert.ok(Number.isInteger(r.id));
  }
  assertError(await api(base, 'GET', '/api/v1/goods/rules'), 401, 'auth.required');
});

test('list filters: q on term or category (ASCII case ignored), level, active', async () => {
  const q = await rules(`?q=${enc('酒')}`);
  assert.equal(q.status, 200);
  assert.ok(q.body.items.length >= 2);
  assert.ok(q.body.items.every((r) => r.term.includes('酒') || r.category.includes('酒')));
  assert.ok(q.body.items.some((r) => r.term === '酒精' && r.category === '易燃易爆物品'));
  // A category matches even where the term does not contain the text.
  const byCategory = await rules(`?q=${enc('易燃易爆')}`);
  assert.ok(byCategory.body.items.some((r) => r.term === '汽油'));
  assert.ok(byCategory.body.items.every((r) => r.category.includes('易燃易爆') || r.term.includes('易燃易爆')));
  const ascii = await rules('?q=GASOLINE');
  assert.deepEqual(ascii.body.items.map((r) => r.term), ['gasoline']);
  const restricted = await rules('?level=restricted');
  assert.ok(restricted.body.items.length > 0);
  assert.ok(restricted.body.items.every((r) => r.level === 'restricted' && r.condition.length > 0));
  assert.equal(restricted.body.count, restricted.body.items.length);
  assert.ok(restricted.body.count < restricted.body.total);
  const both = await rules(`?level=prohibited&q=${enc('烟花')}&active=true`);
  assert.ok(both.body.items.length >= 1 && both.body.items.every((r) => r.level === 'prohibited' && r.active));
  const none = await rules(`?q=${enc('火星来的东西')}`);
  assert.deepEqual(none.body.items, []);

  assertError(await rules('?level=forbidden'), 400, 'query.invalid', 'level');
  assertError(await rules('?active=yes'), 400, 'query.invalid', 'active');
  assertError(await rules(`?q=${'长'.repeat(51)}`), 400, 'query.invalid', 'q');
  assertError(await rules('?page=2'), 400, 'query.unknown_parameter', 'page');
});

test('editing needs goods.manage: an agent is refused, a supervisor may', async () => {
  const me = await api(base, 'GET', '/api/v1/me', { token: supervisor });
  assert.ok(me.body.permissions.includes('goods.manage'), 'supervisors hold goods.manage');
  const ag = await api(base, 'GET', '/api/v1/me', { token: agent });
  assert.ok(!ag.body.permissions.includes('goods.manage'));
  assertError(await put('代理不能加的词', { category: '测试', level: 'prohibited' }, agent), 403, 'auth.forbidden');
  assert.deepEqual((await rules(`?q=${enc('代理不能加的词')}`)).body.items, [], 'nothing stored');
  const r = await put('主管加的词', { category: '测试', level: 'prohibited', note: '主管维护' }, supervisor);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.updated_by, 'supervisor');
  assertError(await api(base, 'PUT', `/api/v1/goods/rules/${enc('x1')}`, { body: { category: 'a', level: 'prohibited' } }), 401, 'auth.required');
});

test('upsert: 201 then 200 on the same rule (ASCII case ignored), audited before and after', async () => {
  const created = await put('Test-Goods-Abc', { category: '测试类', level: 'restricted', condition: '需开箱验视', note: '第一版' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.deepEqual({ ...created.body, id: 0, updated_at: '' }, {
    id: 0, term: 'Test-Goods-Abc', category: '测试类', level: 'restricted', condition: '需开箱验视',
    note: '第一版', active: true, updated_at: '', updated_by: 'admin',
  });
  assert.match(created.body.updated_at, RFC3339_CN);

  const updated = await put('TEST-goods-abc', { category: '测试类二', level: 'prohibited', active: false });
  assert.equal(updated.status, 200, JSON.stringify(updated.body));
  assert.equal(updated.body.id, created.body.id, 'the same rule');
  assert.equal(updated.body.term, 'TEST-goods-abc', 'the latest spelling');
  assert.equal(updated.body.level, 'prohibited');
  assert.equal(updated.body.condition, '', 'PUT replaces: omitted fields take their defaults');
  assert.equal(updated.body.note, '');
  assert.equal(updated.body.active, false);
  const listed = await rules('?q=test-goods-ABC&active=false');
  assert.deepEqual(listed.body.items.map((r) => r.id), [created.body.id]);

  const entries = (await audit(base, admin, { action: 'goods_rule.upsert', object_id: String(created.body.id) }));
  assert.equal(entries.length, 2);
  const [second, first] = entries; // newest first
  assert.equal(first.object_type, 'goods_rule');
  assert.equal(first.actor.name, 'admin');
  assert.equal(first.detail.created, true);
  assert.equal(first.detail.before, null);
  assert.deepEqual(first.detail.after, { term: 'Test-Goods-Abc', category: '测试类', level: 'restricted', condition: '需开箱验视', note: '第一版', active: true });
  assert.equal(second.detail.created, false);
  assert.deepEqual(second.detail.before, first.detail.after);
  assert.deepEqual(second.detail.after, { term: 'TEST-goods-abc', category: '测试类二', level: 'prohibited', condition: '', note: '', active: false });
});

test('a change takes effect for the next order and screening at once', async () => {
  const term = '测试违禁品X';
  assert.equal((await screen(`一箱${term}`)).body.verdict, 'ok');
  const before = await order(`一箱${term}`);
  assert.equal(before.status, 201, JSON.stringify(before.body));

  assert.equal((await put(term, { category: '测试违禁', level: 'prohibited' })).status, 201);
  assertError(await order(`一箱${term}`), 422, 'goods.prohibited', 'goods.name');
  const s = await screen(`一箱${term}`);
  assert.equal(s.body.verdict, 'prohibited');
  assert.deepEqual(s.body.matches, [{ term, category: '测试违禁', level: 'prohibited', condition: '' }]);

  assert.equal((await put(term, { category: '测试违禁', level: 'prohibited', active: false })).status, 200);
  const after = await order(`一箱${term}`);
  assert.equal(after.status, 201, JSON.stringify(after.body));
  assert.equal((await screen(`一箱${term}`)).body.verdict, 'ok');

  // Restricted: the order is taken and waits in review with the condition.
  assert.equal((await put('测试限寄品Y', { category: '测试限寄', level: 'restricted', condition: '每件不超过 1 kg' })).status, 201);
  const held = await order('测试限寄品Y 两盒');
  assert.equal(held.status, 201, JSON.stringify(held.body));
  assert.equal(held.body.state, 'in_review');
  assert.deepEqual(held.body.review.map((r) => [r.code, r.field]), [['goods.restricted', 'goods.name']]);
  const rs = await screen('测试限寄品Y');
  assert.equal(rs.body.verdict, 'restricted');
  assert.equal(rs.body.matches[0].condition, '每件不超过 1 kg');

  // An edited seed rule counts as much as a new one: 鞭炮 made restricted.
  assertError(await order('鞭炮'), 422, 'goods.prohibited', 'goods.name');
  assert.equal((await put('鞭炮', { category: '爆炸物品', level: 'restricted', condition: '仅限测试' })).status, 200);
  assert.equal((await screen('鞭炮')).body.verdict, 'restricted');
  assert.equal((await put('鞭炮', { category: '爆炸物品', level: 'prohibited', note: '含各类烟花爆竹、民用爆炸物品' })).status, 200);
  assert.equal((await screen('鞭炮')).body.verdict, 'prohibited');
});

test('terms are UTF-8 path segments, slashes and spaces included', async () => {
  const r = await put('AC/DC 电源 模块', { category: '测试', level: 'prohibited' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.term, 'AC/DC 电源 模块');
  assert.equal((await screen('一个 ac/dc 电源 模块')).body.verdict, 'prohibited');
});

test('bad input is refused naming the field, and nothing is stored', async () => {
  const total = (await rules()).body.total;
  const ok = { category: '测试', level: 'prohibited' };
  assertError(await put('坏输入一', { ...ok, category: '' }), 400, 'json.too_short', 'category');
  assertError(await put('坏输入一', { level: 'prohibited' }), 400, 'json.missing', 'category');
  assertError(await put('坏输入一', { ...ok, category: '类'.repeat(33) }), 400, 'json.too_long', 'category');
  assertError(await put('坏输入一', { ...ok, level: 'forbidden' }), 400, 'json.enum', 'level');
  assertError(await put('坏输入一', { category: '测试' }), 400, 'json.missing', 'level');
  assertError(await put('坏输入一', { ...ok, level: 'restricted' }), 400, 'json.missing', 'condition');
  assertError(await put('坏输入一', { ...ok, level: 'restricted', condition: '   ' }), 400, 'json.missing', 'condition');
  assertError(await put('坏输入一', { ...ok, condition: '条'.repeat(201) }), 400, 'json.too_long', 'condition');
  assertError(await put('坏输入一', { ...ok, note: '注'.repeat(201) }), 400, 'json.too_long', 'note');
  assertError(await put('坏输入一', { ...ok, active: 'yes' }), 400, 'json.type', 'active');
  assertError(await put('坏输入一', { ...ok, colour: 'red' }), 400, 'json.unknown_field', 'colour');
  assertError(await put('长'.repeat(51), ok), 400, 'json.too_long', 'term');
  assertError(await put('x', ok), 400, 'json.too_short', 'term');
  assertError(await put(' 前有空格', ok), 400, 'json.format', 'term');
  assertError(await put('带\t制表符', ok), 400, 'json.format', 'term');
  const badUtf8 = await api(base, 'PUT', '/api/v1/goods/rules/%E6%B5', { token: admin, body: ok });
  assertError(badUtf8, 400, 'json.utf8_invalid', 'term');
  assertError(await api(base, 'PUT', `/api/v1/goods/rules/${enc('坏输入一')}`, { token: admin, raw: '[1]', headers: { 'content-type': 'application/json' } }), 400, 'json.not_object');
  assert.equal((await rules()).body.total, total, 'nothing was stored');
  assert.deepEqual((await rules(`?q=${enc('坏输入')}`)).body.items, []);
});

test('a second server on the same database picks the change up through the list stamp', async () => {
  // No migration or demo data again: the same database, another process.
  const other = await startServer({ seed: false, database: { url: srv.db, drop() {} } });
  try {
    const term = '第二台服务器测试品';
    assert.equal((await screen(term, other.url)).body.verdict, 'ok');
    assert.equal((await put(term, { category: '测试', level: 'prohibited' })).status, 201);
    assert.equal((await screen(term)).body.verdict, 'prohibited', 'at once on the editing server');
    const started = Date.now();
    const seen = await pollUntil(async () => (await screen(term, other.url)).body.verdict === 'prohibited', { timeoutMs: 15000, everyMs: 250 });
    assert.ok(seen, 'the other server noticed within 15 s');
    assert.ok(Date.now() - started < 12000, 'within the 10 s check interval (and some slack)');
  } finally {
    await other.stop();
  }
});
