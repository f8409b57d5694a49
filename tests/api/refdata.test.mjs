// Reference data for the order form: GB/T 2260 divisions level by level
// (with search) and the prohibited/restricted goods screening of a name.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, login } from '../lib/harness.mjs';
import { assertError } from './lib/http.mjs';

let srv, base, agent;
before(async () => {
  srv = await startServer();
  base = srv.url;
  agent = await login(base, 'courier'); // any authenticated caller may ask
});
after(async () => { await srv?.stop(); });

const get = (path, token = agent) => api(base, 'GET', path, { token });

test('divisions: provinces, then a province\'s cities, then a city\'s districts, with search', async () => {
  const provinces = await get('/api/v1/divisions');
  assert.equal(provinces.status, 200, JSON.stringify(provinces.body));
  assert.equal(provinces.body.parent, null);
  assert.equal(provinces.body.items.length, 31, 'the 31 mainland provincial divisions');
  assert.deepEqual(provinces.body.items.find((d) => d.code === '44'), { code: '44', name: '广东省', label: '广东省', level: 'province', leaf: false });
  const cities = await get('/api/v1/divisions?parent=44');
  assert.equal(cities.status, 200);
  assert.equal(cities.body.parent.name, '广东省');
  assert.ok(cities.body.items.some((d) => d.code === '4403' && d.name === '深圳市'));
  const districts = await get(`/api/v1/divisions?parent=4403&q=${encodeURIComponent('南山')}`);
  assert.equal(districts.status, 200);
  assert.deepEqual(districts.body.items, [{ code: '440305', name: '南山区', label: '南山区', level: 'district', leaf: true }]);
  // A municipality's city level reads as the municipality, as people write it.
  const shanghai = await get('/api/v1/divisions?parent=31');
  assert.deepEqual(shanghai.body.items.map((d) => [d.code, d.name, d.label]), [['3101', '市辖区', '上海市']]);
  const chongqing = await get('/api/v1/divisions?parent=50');
  assert.deepEqual(chongqing.body.items.map((d) => d.label), ['重庆市', '重庆市（县）']);
  const hubei = await get(`/api/v1/divisions?parent=42&q=${encodeURIComponent('省直辖')}`);
  assert.deepEqual(hubei.body.items.map((d) => d.label), ['省直辖县级市']);
  const none = await get(`/api/v1/divisions?parent=4403&q=${encodeURIComponent('火星')}`);
  assert.deepEqual(none.body.items, []);
});

test('divisions: bad parameters name themselves', async () => {
  assertError(await get('/api/v1/divisions?parent=440305'), 400, 'query.invalid', 'parent');
  assertError(await get('/api/v1/divisions?parent=99'), 400, 'query.invalid', 'parent');
  assertError(await get('/api/v1/divisions?parent=4x'), 400, 'query.invalid', 'parent');
  assertError(await get('/api/v1/divisions?level=1'), 400, 'query.unknown_parameter', 'level');
  assertError(await get(`/api/v1/divisions?q=${'长'.repeat(33)}`), 400, 'query.invalid', 'q');
  assertError(await api(base, 'GET', '/api/v1/divisions'), 401, 'auth.required');
});

test('goods screening: prohibited, restricted with its condition, and clean names', async () => {
  const screen = (name) => get(`/api/v1/goods/screen?name=${encodeURIComponent(name)}`);
  const fireworks = await screen('春节鞭炮礼盒');
  assert.equal(fireworks.status, 200, JSON.stringify(fireworks.body));
  assert.equal(fireworks.body.verdict, 'prohibited');
  assert.ok(fireworks.body.matches.some((m) => m.term === '鞭炮' && m.level === 'prohibited'));
  const battery = await screen('充电宝 锂电池');
  assert.equal(battery.body.verdict, 'restricted');
  const li = battery.body.matches.find((m) => m.term === '锂电池');
  assert.ok(li && li.condition.length > 0, 'a restricted term carries its condition');
  const phone = await screen('手机壳');
  assert.equal(phone.body.verdict, 'ok');
  assert.deepEqual(phone.body.matches, []);
  assertError(await get('/api/v1/goods/screen'), 400, 'query.invalid', 'name');
  assertError(await get(`/api/v1/goods/screen?name=${'衣'.repeat(101)}`), 400, 'query.invalid', 'name');
  assertError(await api(base, 'GET', '/api/v1/goods/screen?name=x'), 401, 'auth.required');
});
