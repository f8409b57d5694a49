// The knowledge base (issue 5 item 5; docs/service-desk-problems.md
// "Knowledge base"): Chinese full-text search over the seeded handbook
// articles and new ones — a three-character term through the trigram
// index, a two-character term by scan, both together — ranked by the
// documented score with a highlighted, HTML-escaped snippet; drafts never
// reach readers; editors (kb.edit) write under an optimistic version; every
// write is audited. Run on both databases by scripts/test.sh.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, login } from '../lib/harness.mjs';
import { assertError } from './lib/http.mjs';

let srv, base, admin, agent, supervisor, manager, courier, systemKey;

const search = async (q, token = agent, extra = '') => {
  const r = await api(base, 'GET', `/api/v1/kb/search?q=${encodeURIComponent(q)}${extra}`, { token });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
};
const create = async (body, token = supervisor) => {
  const r = await api(base, 'POST', '/api/v1/kb/articles', { token, body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
};

before(async () => {
  srv = await startServer({ args: ['--monitor-worker', 'false'] });
  base = srv.url;
  admin = await login(base, 'admin');
  agent = await login(base, 'agent');
  supervisor = await login(base, 'supervisor');
  manager = await login(base, 'manager');
  courier = await login(base, 'courier');
  const k = await api(base, 'POST', '/api/v1/apikeys', { token: admin, body: { name: '电商系统', role: 'customer_system', node_code: 'GD-SZ' } });
  assert.equal(k.status, 201, JSON.stringify(k.body));
  systemKey = k.body.key;
});

after(async () => {
  await srv?.stop();
});

test('the handbook articles are seeded and searchable in Chinese', async () => {
  const list = await api(base, 'GET', '/api/v1/kb/articles?limit=200', { token: courier });
  assert.equal(list.status, 200);
  assert.ok(list.body.items.length >= 12, `${list.body.items.length} seeded articles`);
  const cats = new Set(list.body.items.map((a) => a.category));
  for (const c of ['rates', 'time_limits', 'prohibited_goods', 'claims_policy']) assert.ok(cats.has(c), c);
  // Three characters: through the index.
  const r = await search('锂电池');
  assert.deepEqual(r.indexed_terms, ['锂电池']);
  assert.deepEqual(r.scanned_terms, []);
  assert.ok(r.items.length >= 1);
  assert.match(r.items[0].title, /限寄物品/);
  assert.match(r.items[0].snippet, /<mark>锂电池<\/mark>/);
  assert.equal(r.items[0].category_zh, '禁寄限寄物品');
  // The time-limit table of the handbook.
  const t = await search('商洽函');
  assert.ok(t.items.some((a) => a.category === 'time_limits' && /2 个工作日/.test(a.snippet)), JSON.stringify(t.items.map((a) => a.snippet)));
  // The body is not in search results; the article has it.
  assert.equal(r.items[0].body, undefined);
  const one = await api(base, 'GET', `/api/v1/kb/articles/${r.items[0].id}`, { token: agent });
  assert.equal(one.status, 200);
  assert.match(one.body.body, /100Wh/);
});

test('a two-character query works (scanned, not indexed) and ranks like the others', async () => {
  const r = await search('鼓包');
  assert.deepEqual(r.scanned_terms, ['鼓包']);
  assert.equal(r.items.length, 1);
  assert.match(r.items[0].snippet, /<mark>鼓包<\/mark>/);
  // One character too.
  const one = await search('禁');
  assert.ok(one.items.length >= 2);
  // Mixed: every term must occur.
  const mixed = await search('理赔 保价');
  assert.ok(mixed.items.length >= 1);
  for (const a of mixed.items) {
    const full = (await api(base, 'GET', `/api/v1/kb/articles/${a.id}`, { token: agent })).body;
    const text = `${full.title} ${full.tags.join(' ')} ${full.body}`;
    assert.ok(text.includes('理赔') && text.includes('保价'), a.title);
  }
});

test('ranking: title, then tags, then occurrences in the body', async () => {
  const w = `钶钽${Date.now() % 1000}`; // a made-up word no seed contains
  const inTitle = await create({ title: `${w}的包装`, body: '正文不提。', category: 'operations', status: 'published' });
  const inTags = await create({ title: '标签文章', body: '正文不提。', category: 'operations', tags: [w], status: 'published' });
  const thrice = await create({ title: '正文文章', body: `${w}一，${w}二，${w}三。`, category: 'other', status: 'published' });
  const once = await create({ title: '偶尔提到', body: `附带说一句${w}。`, category: 'other', status: 'published' });
  const r = await search(w);
  assert.deepEqual(r.items.map((a) => a.id), [inTitle.id, inTags.id, thrice.id, once.id]);
  assert.deepEqual(r.items.map((a) => a.score), [10, 5, 3, 1]);
  // The snippet escapes HTML around the marks.
  const html = await create({ title: '转义', body: `<b>${w}</b> & "引号"`, category: 'other', status: 'published' });
  const h = (await search(w)).items.find((a) => a.id === html.id);
  assert.equal(h.snippet, `&lt;b&gt;<mark>${w}</mark>&lt;/b&gt; &amp; &quot;引号&quot;`);
  // Category filter and limit.
  assert.deepEqual((await search(w, agent, '&category=operations')).items.map((a) => a.id), [inTitle.id, inTags.id]);
  assert.equal((await search(w, agent, '&limit=2')).items.length, 2);
});

test('drafts are not visible to readers', async () => {
  const w = `铌钒${Date.now() % 1000}`;
  const draft = await create({ title: `${w}草稿`, body: `尚未发布的${w}说明。`, category: 'rates' });
  assert.equal(draft.status, 'draft');
  assert.equal(draft.version, 1);
  assert.equal(draft.author, 'supervisor');
  assert.equal((await search(w)).items.length, 0);
  assertError(await api(base, 'GET', `/api/v1/kb/articles/${draft.id}`, { token: agent }), 404, 'kb.not_found');
  assertError(await api(base, 'GET', `/api/v1/kb/search?q=${encodeURIComponent(w)}&drafts=1`, { token: agent }), 403, 'auth.forbidden', 'drafts');
  assertError(await api(base, 'GET', '/api/v1/kb/articles?status=draft', { token: agent }), 403, 'auth.forbidden', 'status');
  const list = await api(base, 'GET', '/api/v1/kb/articles?limit=200', { token: agent });
  assert.ok(!list.body.items.some((a) => a.id === draft.id));
  // Editors see it.
  assert.equal((await search(w, supervisor, '&drafts=1')).items.length, 1);
  assert.equal((await api(base, 'GET', `/api/v1/kb/articles/${draft.id}`, { token: manager })).status, 200);
  const drafts = await api(base, 'GET', '/api/v1/kb/articles?status=draft', { token: supervisor });
  assert.ok(drafts.body.items.some((a) => a.id === draft.id));
  // Published: readers find it.
  const pub = await api(base, 'PATCH', `/api/v1/kb/articles/${draft.id}`, { token: manager, body: { version: 1, status: 'published' } });
  assert.equal(pub.status, 200, JSON.stringify(pub.body));
  assert.equal(pub.body.version, 2);
  assert.equal(pub.body.updated_by, 'manager');
  assert.equal(pub.body.title, `${w}草稿`, 'fields not given are kept');
  assert.equal((await search(w)).items.length, 1);
});

test('editing: a stale version is refused; the index follows edits and deletes', async () => {
  const w1 = `钌铑${Date.now() % 1000}`, w2 = `锇铱${Date.now() % 1000}`;
  const a = await create({ title: `关于${w1}`, body: `${w1}须防潮。`, category: 'operations', tags: ['防潮'], status: 'published' });
  const e = await api(base, 'PATCH', `/api/v1/kb/articles/${a.id}`, { token: supervisor, body: { version: 1, title: `关于${w2}`, body: `${w2}须防潮。` } });
  assert.equal(e.status, 200, JSON.stringify(e.body));
  assertError(await api(base, 'PATCH', `/api/v1/kb/articles/${a.id}`, { token: supervisor, body: { version: 1, title: '旧版本' } }), 409, 'kb.version_conflict', 'version');
  assert.equal((await search(w1)).items.length, 0);
  assert.equal((await search(w2)).items.length, 1);
  assert.deepEqual(e.body.tags, ['防潮']);
  const d = await api(base, 'DELETE', `/api/v1/kb/articles/${a.id}`, { token: admin });
  assert.equal(d.status, 204);
  assert.equal((await search(w2)).items.length, 0);
  assertError(await api(base, 'DELETE', `/api/v1/kb/articles/${a.id}`, { token: admin }), 404, 'kb.not_found');
  assertError(await api(base, 'PATCH', `/api/v1/kb/articles/${a.id}`, { token: admin, body: { version: 2 } }), 404, 'kb.not_found');
  const log = await api(base, 'GET', '/api/v1/audit?object_type=kb_article&limit=200', { token: admin });
  const mine = log.body.items.filter((x) => x.object_id === String(a.id)).map((x) => x.action).sort();
  assert.deepEqual(mine, ['kb.create', 'kb.delete', 'kb.update']);
});

test('bad input is refused naming the field; only editors write', async () => {
  const bad = (body) => api(base, 'POST', '/api/v1/kb/articles', { token: supervisor, body });
  const ok = { title: '标题', body: '正文', category: 'rates' };
  assertError(await bad({ ...ok, category: 'gossip' }), 400, 'json.enum', 'category');
  assertError(await bad({ ...ok, title: '   ' }), 400, 'json.too_short', 'title');
  assertError(await bad({ ...ok, title: '长'.repeat(101) }), 400, 'json.too_long', 'title');
  assertError(await bad({ body: '正文', category: 'rates' }), 400, 'json.missing', 'title');
  assertError(await bad({ ...ok, tags: '资费' }), 400, 'json.type', 'tags');
  assertError(await bad({ ...ok, tags: ['资费', 'two words'] }), 400, 'json.format', 'tags[1]');
  assertError(await bad({ ...ok, tags: ['资费', 7] }), 400, 'json.type', 'tags[1]');
  assertError(await bad({ ...ok, tags: Array.from({ length: 11 }, (_, i) => `t${i}`) }), 400, 'json.too_long', 'tags');
  assertError(await bad({ ...ok, status: 'archived' }), 400, 'json.enum', 'status');
  assertError(await bad({ ...ok, version: 3 }), 400, 'json.unknown_field', 'version');
  assertError(await api(base, 'PATCH', '/api/v1/kb/articles/1', { token: supervisor, body: { title: '无版本' } }), 400, 'json.missing', 'version');
  assertError(await api(base, 'POST', '/api/v1/kb/articles', { token: agent, body: ok }), 403, 'auth.forbidden');
  assertError(await api(base, 'DELETE', '/api/v1/kb/articles/1', { token: courier }), 403, 'auth.forbidden');
  // Search input.
  const q = (s, token = agent) => api(base, 'GET', `/api/v1/kb/search${s}`, { token });
  assertError(await q(''), 400, 'kb.query_invalid', 'q');
  assertError(await q('?q=%20%20'), 400, 'kb.query_invalid', 'q');
  assertError(await q(`?q=${'字'.repeat(101)}`), 400, 'kb.query_invalid', 'q');
  assertError(await q('?q=a+b+c+d+e+f+g+h+i'), 400, 'kb.query_invalid', 'q');
  assertError(await q('?q=%E9%94%82&category=gossip'), 400, 'query.invalid', 'category');
  assertError(await q('?q=%E9%94%82&limit=0'), 400, 'query.invalid', 'limit');
  assertError(await q('?q=%E9%94%82&sort=new'), 400, 'query.unknown_parameter', 'sort');
  // Staff only: customers' systems do not read the knowledge base.
  assertError(await q('?q=%E9%94%82', systemKey), 403, 'auth.forbidden');
  assertError(await api(base, 'GET', '/api/v1/kb/search?q=x'), 401, 'auth.required');
});
