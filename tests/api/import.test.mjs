// Bulk import of orders (docs/import.md): `parceldesk import orders` and
// POST /api/v1/imports/orders on the sample file of tests/data (Chinese
// headers, 5 good rows, 3 bad ones, a record with a line break inside), the
// same file in GB18030 (made here with iconv), both modes, refused headers,
// who may upload, and a 20,000-row file whose peak memory is printed.
// Every run rewrites the sample's customer references (IMP-001 …) with its
// own prefix, so the imports of one server never see each other's rows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, api, login, BIN, ROOT, BACKEND } from '../lib/harness.mjs';
import { assertError, raw } from './lib/http.mjs';

const SAMPLE = readFileSync(join(ROOT, 'tests/data/orders-sample.csv'), 'utf8');
const EXPECTED_REJECTED = [
  { row: 7, field: 'goods.weight_g', code: 'json.format' },
  { row: 8, field: 'sender.phone', code: 'phone.invalid' },
  { row: 9, field: 'channel', code: 'json.enum' },
];

let srv, base, admin, agent, dir;
before(async () => {
  srv = await startServer();
  base = srv.url;
  admin = await login(base, 'admin');
  agent = await login(base, 'agent');
  dir = mkdtempSync(join(tmpdir(), 'pd-import-'));
});
after(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  await srv?.stop();
});

/** The sample with its customer references renamed PREFIX-001 …; as text (UTF-8, with its BOM). */
const sample = (prefix) => SAMPLE.replaceAll('IMP-', `${prefix}-`);

/** The sample as GB18030 bytes without a BOM, as Excel on a Chinese Windows saves "CSV". */
function gb18030(text) {
  return execFileSync('iconv', ['-f', 'UTF-8', '-t', 'GB18030'], { input: Buffer.from(text.replace(/^\uFEFF/, ''), 'utf8') });
}

function file(name, content) {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

/** Run `parceldesk import orders`; the report is parsed when the exit status says there is one. */
function importCli(path, extra = []) {
  const r = spawnSync(BIN, ['import', 'orders', '--db', srv.db, path, ...extra], { cwd: ROOT, encoding: 'utf8', timeout: 240000 });
  if (r.error) throw r.error;
  const out = { status: r.status, stdout: r.stdout, stderr: r.stderr, report: null };
  if (r.status === 0 || r.status === 3) out.report = JSON.parse(r.stdout);
  return out;
}
const show = (r) => `exit ${r.status}\nstdout: ${r.stdout.slice(0, 2000)}\nstderr: ${r.stderr}`;

/** The waybills whose customer reference is exactly `ref` (admin: the whole network). */
async function byRef(ref) {
  const r = await api(base, 'GET', `/api/v1/waybills?customer_ref=${encodeURIComponent(ref)}`, { token: admin });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.items;
}

/** The report of the sample with 5 good and 3 bad rows, and what it stored. */
async function assertSampleImported(report, prefix, encoding) {
  assert.equal(report.encoding, encoding);
  assert.equal(report.mode, 'good_rows');
  assert.equal(report.rows, 8);
  assert.equal(report.imported, 5);
  assert.equal(report.rejected_count, 3);
  assert.equal(report.rejected_truncated, false);
  assert.equal(report.committed, true);
  // spreadsheet rows: the header is row 1, and the record with a line break
  // inside (row 4) is one row, so the bad rows are 7, 8 and 9
  assert.deepEqual(report.rejected.map(({ row, field, code }) => ({ row, field, code })), EXPECTED_REJECTED);
  for (const rej of report.rejected) assert.ok(typeof rej.message === 'string' && rej.message.length > 0, JSON.stringify(rej));
  assert.match(report.rejected[0].message, /1\.2345/, 'the message quotes the cell');
  assert.equal(report.waybills.length, 5);
  for (let i = 1; i <= 5; i++) {
    const items = await byRef(`${prefix}-00${i}`);
    assert.equal(items.length, 1, `${prefix}-00${i} stored once`);
    assert.equal(items[0].waybill_no, report.waybills[i - 1], 'waybills in file order');
  }
  for (let i = 6; i <= 8; i++) assert.deepEqual(await byRef(`${prefix}-00${i}`), [], `${prefix}-00${i} not stored`);
}

test('CLI: the UTF-8 sample imports its 5 good rows and reports the 3 bad ones (exit 3)', async () => {
  const r = importCli(file('utf8.csv', sample('U')));
  assert.equal(r.status, 3, show(r));
  await assertSampleImported(r.report, 'U', 'utf-8');
  assert.match(r.stderr, /8 rows, 5 imported, 3 rejected/);

  // what the cells became: yuan, kilograms and centimetres by exact arithmetic,
  // Chinese enum words, short division names, a multi-line remark with quotes
  const get = async (ref) => {
    const [w] = await byRef(ref);
    const g = await api(base, 'GET', `/api/v1/waybills/${w.waybill_no}`, { token: admin });
    assert.equal(g.status, 200, JSON.stringify(g.body));
    return g.body;
  };
  const w1 = await get('U-001');
  assert.deepEqual([w1.channel, w1.service, w1.payment], ['phone', 'standard', 'sender']);
  assert.deepEqual(w1.goods, { ...w1.goods, weight_g: 1200, length_mm: 300, width_mm: 200, height_mm: 100 });
  assert.equal(w1.total_fen, 2472, 'priced like docs/fees.md example 2');
  assert.equal(w1.node, 'HQ', 'the CLI default node is the root');
  const w2 = await get('U-002');
  assert.deepEqual([w2.channel, w2.service, w2.payment], ['ecommerce', 'express', 'receiver']);
  assert.equal(w2.declared_value_fen, 100000, '"1,000.00" yuan');
  assert.equal(w2.goods.weight_g, 350);
  assert.equal(w2.goods.quantity, 3);
  assert.equal(w2.sender.address, '深南大道 6008 号,特区报业大厦 12 楼');
  const w3 = await get('U-003');
  assert.equal(w3.remarks, '请下午送达\n勿放门口，"易碎"请轻放');
  assert.equal(w3.sender.city, '广州市');
  assert.equal(w3.sender.district_code, '440106');
  assert.equal(w3.declared_value_fen, 20000);
  const w4 = await get('U-004');
  assert.equal(w4.service, 'freight');
  assert.equal(w4.goods.weight_g, 45200);
  const w5 = await get('U-005');
  assert.equal(w5.service, 'cold_chain');
  assert.equal(w5.cod_fen, 5000, '"¥50.00"');

  // each order has its waybill.create audit entry, by the system actor "import"
  const a = await api(base, 'GET', `/api/v1/audit?object_id=${w5.waybill_no}&action=waybill.create`, { token: admin });
  assert.equal(a.status, 200, JSON.stringify(a.body));
  assert.equal(a.body.items.length, 1);
  assert.equal(a.body.items[0].actor.kind, 'system');
  assert.equal(a.body.items[0].actor.name, 'import');
});

test('CLI: the same file in GB18030, named and detected, gives the same result', async () => {
  const named = importCli(file('gb-named.csv', gb18030(sample('G1'))), ['--encoding', 'gb18030']);
  assert.equal(named.status, 3, show(named));
  await assertSampleImported(named.report, 'G1', 'gb18030');
  const auto = importCli(file('gb-auto.csv', gb18030(sample('G2'))), ['--encoding', 'auto']);
  assert.equal(auto.status, 3, show(auto));
  await assertSampleImported(auto.report, 'G2', 'gb18030');
  // without --encoding, auto is the default
  const dflt = importCli(file('gb-default.csv', gb18030(sample('G3'))));
  assert.equal(dflt.status, 3, show(dflt));
  assert.equal(dflt.report.encoding, 'gb18030');
  // GB18030 said to be UTF-8: refused before any row, naming the line
  const wrong = importCli(file('gb-wrong.csv', gb18030(sample('G4'))), ['--encoding', 'utf-8']);
  assert.equal(wrong.status, 1, show(wrong));
  assert.match(wrong.stderr, /line 1/);
  assert.match(wrong.stderr, /UTF-8/);
  assert.deepEqual(await byRef('G4-001'), [], 'nothing stored');
});

test('CLI: all or nothing stores nothing when a row is refused, and reports every refused row', async () => {
  const r = importCli(file('aon.csv', sample('A')), ['--all-or-nothing']);
  assert.equal(r.status, 3, show(r));
  assert.equal(r.report.mode, 'all_or_nothing');
  assert.equal(r.report.committed, false);
  assert.equal(r.report.rows, 8);
  assert.equal(r.report.imported, 0);
  assert.deepEqual(r.report.waybills, []);
  assert.deepEqual(r.report.rejected.map(({ row, field, code }) => ({ row, field, code })), EXPECTED_REJECTED);
  for (let i = 1; i <= 8; i++) assert.deepEqual(await byRef(`A-00${i}`), [], `A-00${i} not stored`);
  assert.match(r.stderr, /nothing stored/);

  // the good rows alone (header + rows 2-6) go in, in one transaction
  const lines = sample('B').split('\n');
  const good = lines.slice(0, 7).join('\n') + '\n'; // the multi-line record takes two lines
  const ok = importCli(file('aon-good.csv', good), ['--all-or-nothing']);
  assert.equal(ok.status, 0, show(ok));
  assert.equal(ok.report.committed, true);
  assert.equal(ok.report.imported, 5);
  assert.equal(ok.report.rejected_count, 0);
  assert.equal((await byRef('B-005')).length, 1);
});

test('CLI: an unknown or repeated column refuses the whole file (exit 1), naming it', async () => {
  const unknown = importCli(file('unknown.csv', sample('X').replace('重量(kg)', '重量(磅)')));
  assert.equal(unknown.status, 1, show(unknown));
  assert.match(unknown.stderr, /重量\(磅\)/);
  assert.match(unknown.stderr, /column 20/);
  assert.equal(unknown.stdout, '');
  assert.deepEqual(await byRef('X-001'), [], 'no row was stored');

  const dup = importCli(file('dup.csv', sample('Y').replace('件数', 'goods.weight_g')));
  assert.equal(dup.status, 1, show(dup));
  assert.match(dup.stderr, /重量\(kg\)/);
  assert.match(dup.stderr, /goods\.weight_g/);
  assert.deepEqual(await byRef('Y-001'), []);

  // arguments: no file, a bad encoding, an unknown node
  assert.equal(spawnSync(BIN, ['import', 'orders', '--db', srv.db], { encoding: 'utf8' }).status, 2);
  const enc = spawnSync(BIN, ['import', 'orders', '--db', srv.db, file('e.csv', 'a\n'), '--encoding', 'latin1'], { encoding: 'utf8' });
  assert.equal(enc.status, 2);
  assert.match(enc.stderr, /--encoding/);
  const node = importCli(file('n.csv', sample('N')), ['--node', 'NOPE-9']);
  assert.equal(node.status, 2, show(node));
  assert.match(node.stderr, /NOPE-9/);
  // a database that cannot be used: exit 1 with the reason
  const down = spawnSync(BIN, ['import', 'orders', '--db', 'postgresql://pdtest@127.0.0.1:1/none', file('d.csv', sample('D'))],
    { cwd: ROOT, encoding: 'utf8', timeout: 60000 });
  assert.equal(down.status, 1, down.stderr);
  assert.match(down.stderr, /cannot open|connect/i);
  const unmigrated = spawnSync(BIN, ['import', 'orders', '--db', `sqlite:${join(dir, 'empty.db')}`, file('d2.csv', sample('D'))],
    { cwd: ROOT, encoding: 'utf8', timeout: 60000 });
  assert.equal(unmigrated.status, 1, unmigrated.stderr);
  assert.match(unmigrated.stderr, /migrate/);
  // --node puts the orders in that node's network
  const sz = importCli(file('sz.csv', sample('S')), ['--node', 'GD-SZ']);
  assert.equal(sz.status, 3, show(sz));
  const seen = await api(base, 'GET', '/api/v1/waybills?customer_ref=S-001', { token: agent });
  assert.equal(seen.body.items.length, 1, 'an agent of GD-SZ sees it');
  assert.equal(seen.body.items[0].node, 'GD-SZ');
});

const upload = (token, body, query = '') => api(base, 'POST', `/api/v1/imports/orders${query}`, {
  token, raw: body, headers: { 'content-type': 'text/csv' },
});

test('HTTP: an agent uploads the file and gets the report; the orders are the agent\'s', async () => {
  const r = await upload(agent, Buffer.from(sample('H'), 'utf8'));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  await assertSampleImported(r.body, 'H', 'utf-8');
  const [w] = await byRef('H-001');
  assert.equal(w.node, 'GD-SZ', "the caller's node");
  const a = await api(base, 'GET', `/api/v1/audit?object_id=${w.waybill_no}&action=waybill.create`, { token: admin });
  assert.equal(a.body.items[0].actor.name, 'agent');

  // GB18030 detected; all or nothing
  const gb = await upload(agent, gb18030(sample('HG')), '?mode=all_or_nothing&encoding=auto');
  assert.equal(gb.status, 200, JSON.stringify(gb.body));
  assert.equal(gb.body.encoding, 'gb18030');
  assert.equal(gb.body.mode, 'all_or_nothing');
  assert.equal(gb.body.committed, false);
  assert.equal(gb.body.imported, 0);
  assert.deepEqual(gb.body.rejected.map((x) => x.row), [7, 8, 9]);
  assert.deepEqual(await byRef('HG-001'), []);
});

test('HTTP: English headers; blank rows skipped but numbered; extra cells and bad yes/no refused', async () => {
  const head = 'channel,service,payment,customer_ref,sender.name,sender.phone,sender.district_code,sender.address,'
    + 'recipient.name,recipient.phone,recipient.district_code,recipient.address,goods.name,goods.weight_g,'
    + 'special_packaging,pickup_window.from,pickup_window.to';
  const order = (ref, rest) => `phone,standard,sender,${ref},张三,13800138000,440305,科技园南路 1 号,`
    + `李四,13900139000,310115,世纪大道 100 号,衣服,${rest}`;
  const csv = [
    head,
    order('E-1', '1200,否,2027-01-05 09:00,2027/1/5 12:00,,'), // row 2; trailing empty cells are fine
    '', // row 3: blank
    order('E-2', '1200,否,,,extra'), // row 4: a cell beyond the header
    ',,,,,,,,,,,,,,,,', // row 5: blank too
    order('E-3', '"1,300",是,,').replace('phone,standard,sender', 'PHONE,Standard,SENDER'), // row 6
    order('E-4', '1200,maybe,,'), // row 7
  ].join('\r\n');
  const r = await upload(agent, Buffer.from(csv));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.rows, 4);
  assert.equal(r.body.imported, 2);
  assert.deepEqual(r.body.rejected.map(({ row, field, code }) => ({ row, field, code })), [
    { row: 4, field: null, code: 'import.extra_cells' },
    { row: 7, field: 'special_packaging', code: 'json.type' },
  ]);
  const full = async (ref) => {
    const [w] = await byRef(ref);
    return (await api(base, 'GET', `/api/v1/waybills/${w.waybill_no}`, { token: admin })).body;
  };
  const e1 = await full('E-1');
  assert.deepEqual(e1.pickup_window, { from: '2027-01-05T09:00:00+08:00', to: '2027-01-05T12:00:00+08:00' },
    'spreadsheet times are China time');
  assert.equal(e1.special_packaging, false);
  const e3 = await full('E-3');
  assert.equal(e3.special_packaging, true);
  assert.equal(e3.goods.weight_g, 1300);
  assert.deepEqual([e3.channel, e3.service, e3.payment], ['phone', 'standard', 'sender']);
});

test('HTTP: refused files and bad parameters answer 400 naming the column or parameter', async () => {
  assertError(await upload(agent, Buffer.from(sample('HX').replace('重量(kg)', '重量(磅)'))), 400, 'import.column_unknown', '重量(磅)');
  assertError(await upload(agent, gb18030(sample('HY')), '?encoding=utf-8'), 400, 'import.encoding');
  assertError(await upload(agent, Buffer.alloc(0)), 400, 'import.no_header');
  assertError(await upload(agent, Buffer.from('渠道,备注\n电话,"open\n')), 400, 'import.csv_malformed');
  assertError(await upload(agent, Buffer.from(sample('HZ')), '?mode=some'), 400, 'query.invalid', 'mode');
  assertError(await upload(agent, Buffer.from(sample('HZ')), '?encoding=latin1'), 400, 'query.invalid', 'encoding');
  assertError(await upload(agent, Buffer.from(sample('HZ')), '?dry_run=1'), 400, 'query.unknown_parameter', 'dry_run');
  assert.deepEqual(await byRef('HX-001'), []);
  assert.deepEqual(await byRef('HZ-001'), []);
});

test('HTTP: a role without orders.create gets 403; no credentials 401; beyond the big-body limit 413', async () => {
  const clerk = await login(base, 'inquiry_clerk');
  const me = await api(base, 'GET', '/api/v1/me', { token: clerk });
  assert.ok(!me.body.permissions.includes('orders.create'), 'precondition: the clerk cannot take orders');
  assertError(await upload(clerk, Buffer.from(sample('Q'))), 403, 'auth.forbidden');
  assertError(await upload(undefined, Buffer.from(sample('Q'))), 401, 'auth.required');
  assert.deepEqual(await byRef('Q-001'), []);
  // Beyond 16 × the 1 MiB default body limit. Sent chunked (no Content-Length),
  // so the server reads and drops the rest and answers at the end; a declared
  // length would be refused at once, racing the upload with the close.
  const mib = Buffer.alloc(1024 * 1024, 0x61);
  const big = await raw(base, {
    method: 'POST', path: '/api/v1/imports/orders', timeoutMs: 60000,
    headers: { authorization: `Bearer ${agent}`, 'content-type': 'text/csv' },
    chunks: Array(17).fill(mib),
  });
  assertError(big, 413, 'request.too_large');
});

/** Run the CLI asynchronously, sampling its memory from /proc every 20 ms. */
function importMeasured(path) {
  return new Promise((resolve, reject) => {
    const p = spawn(BIN, ['import', 'orders', '--db', srv.db, path], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '', hwm = 0, anon = 0;
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    const t0 = Date.now();
    const timer = setInterval(() => {
      try {
        const s = readFileSync(`/proc/${p.pid}/status`, 'utf8');
        hwm = Math.max(hwm, Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] || 0));
        anon = Math.max(anon, Number(/RssAnon:\s+(\d+)/.exec(s)?.[1] || 0));
      } catch { /* gone */ }
    }, 20);
    p.on('error', reject);
    p.on('close', (status) => {
      clearInterval(timer);
      resolve({ status, stdout: out, stderr: err, ms: Date.now() - t0, hwmKiB: hwm, anonKiB: anon });
    });
  });
}

test('CLI: a 20,000-row file imports in good-rows mode (peak memory printed)', async () => {
  const path = join(dir, 'big.csv');
  execFileSync('node', [join(ROOT, 'bench/import_gen.mjs'), '20000', path, '--prefix', 'BIG'], { stdio: 'pipe' });
  const r = await importMeasured(path);
  assert.equal(r.status, 0, `exit ${r.status}\n${r.stderr}`);
  const report = JSON.parse(r.stdout);
  assert.equal(report.rows, 20000);
  assert.equal(report.imported, 20000);
  assert.equal(report.rejected_count, 0);
  assert.equal(report.waybills.length, 1000, 'the report lists the first 1000 numbers');
  const [first] = await byRef('BIG-1');
  const [last] = await byRef('BIG-20000');
  assert.equal(first.waybill_no, report.waybills[0]);
  assert.ok(last, 'the last row is stored');
  // Printed, not asserted (bench/import.sh compares sizes): RssAnon is the
  // process's own memory; VmHWM also counts the database pages SQLite maps.
  console.log(`import of 20,000 rows (${BACKEND}): ${r.ms} ms, ${Math.round(20000 / (r.ms / 1000))} rows/s, `
    + `peak RSS ${(r.hwmKiB / 1024).toFixed(1)} MiB (anonymous ${(r.anonKiB / 1024).toFixed(1)} MiB)`);
});
