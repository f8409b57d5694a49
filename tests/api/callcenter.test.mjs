// The call centre's telephone log (issue 6 part A): the live feed POST
// /api/v1/callcenter/queue-log (pipe and CSV forms, duplicates, malformed
// lines by number, unknown verbs kept), GET /api/v1/callcenter/stats on the
// real 2018 log of a production queue (figures worked out with awk over the
// file, see tests/unit/core_ccstats_test.c), parameters echoed and checked
// naming the field, the two permissions, and `parceldesk report callcenter`
// printing the same object (json), a CSV and an Excel workbook; then the
// day and hour buckets of the real log in one answer (per-day figures worked
// out with awk) and their limits, and the CSV and Excel downloads
// (format=csv|xlsx) being the command line's files. The streamed feed and
// the live state have their own files (callcenter_feed, callcenter_live).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, api, login, ROOT, BIN } from '../lib/harness.mjs';
import { assertError } from './lib/http.mjs';

const LOG = readFileSync(join(ROOT, '../shared/data/asterisk/queue_log-2018-it-queue'), 'utf8');
const FROM = '2018-11-30T05:34:49+08:00'; // the first line, 1543527289
const TO = '2018-12-05T01:00:52+08:00';   // one second after the last, 1543942852
let srv, base, sup, analyst, agent;

before(async () => {
  srv = await startServer();
  base = srv.url;
  [sup, analyst, agent] = await Promise.all(['supervisor', 'analyst', 'agent'].map((u) => login(base, u)));
});
after(async () => { await srv?.stop(); });

const feed = (raw, type = 'text/plain', token = sup) =>
  api(base, 'POST', '/api/v1/callcenter/queue-log', { token, raw, headers: { 'content-type': type } });
const stats = (q, token = analyst) =>
  api(base, 'GET', `/api/v1/callcenter/stats?${new URLSearchParams(q)}`, { token });

test('the real log is imported once; a second feed finds every line a duplicate', async () => {
  const r = await feed(LOG);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.lines, 1000);
  assert.equal(r.body.imported, 1000);
  assert.equal(r.body.duplicates, 0);
  assert.equal(r.body.unknown_verbs, 257); // OUTDIAL, OUTANSWER, … of the callback dialplan
  assert.deepEqual(r.body.malformed, []);
  const again = await feed(LOG);
  assert.equal(again.body.imported, 0);
  assert.equal(again.body.duplicates, 1000);
});

test('stats of the real log: the issue indicators, parameters echoed', async () => {
  const r = await stats({ from: FROM, to: TO });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const q = r.body.queues.IT;
  assert.equal(q.offered, 108);
  assert.equal(q.answered, 93);
  assert.equal(q.abandoned, 12);
  assert.equal(q.timed_out, 1);
  assert.equal(q.unfinished, 2);
  assert.equal(q.asa_s, 38.7);
  assert.equal(q.avg_wait_s, 47.55);
  assert.equal(q.longest_wait_s, 300);
  assert.equal(q.avg_abandon_s, 95.08);
  assert.equal(q.abandon_rate, 0.1132);
  assert.equal(q.service_level, 0.3679);
  assert.equal(q.service_level_answered, 0.4194);
  assert.equal(q.avg_talk_s, 262.78);
  assert.deepEqual(Object.keys(r.body.agents).sort(),
    ['Agent/1109', 'Agent/1126', 'Agent/1127', 'Agent/1128', 'Agent/1141', 'Agent/1144']);
  assert.equal(r.body.agents['Agent/1141'].logged_in_s, 58369);
  assert.equal(r.body.agents['Agent/1141'].answered, 22);
  const p = r.body.parameters;
  assert.equal(p.from, FROM);
  assert.equal(p.to, TO);
  assert.equal(p.service_level_s, 20);
  assert.equal(p.queue, null);
  // A 60 s threshold, one queue and one agent.
  const r2 = await stats({ from: FROM, to: TO, queue: 'IT', agent: 'Agent/1141', service_level_s: 60 });
  assert.equal(r2.status, 200);
  assert.equal(r2.body.parameters.service_level_s, 60);
  assert.equal(r2.body.parameters.queue, 'IT');
  assert.equal(r2.body.parameters.agent, 'Agent/1141');
  assert.deepEqual(Object.keys(r2.body.agents), ['Agent/1141']);
  assert.ok(r2.body.queues.IT.service_level > q.service_level);
});

test('bad parameters are refused naming the field', async () => {
  assertError(await stats({ to: TO }), 400, 'query.invalid', 'from');
  assertError(await stats({ from: FROM }), 400, 'query.invalid', 'to');
  assertError(await stats({ from: TO, to: FROM }), 400, 'query.invalid', 'to');
  assertError(await stats({ from: 'yesterday', to: TO }), 400, 'query.invalid', 'from');
  assertError(await stats({ from: FROM, to: TO, service_level_s: '0' }), 400, 'query.invalid', 'service_level_s');
  assertError(await stats({ from: FROM, to: TO, queue: '' }), 400, 'query.invalid', 'queue');
  assertError(await stats({ from: FROM, to: TO, period: 'day' }), 400, 'query.unknown_parameter');
});

test('permissions: callcenter for stats, callcenter.import for the feed', async () => {
  assertError(await stats({ from: FROM, to: TO }, agent), 403, 'auth.forbidden');
  assertError(await feed('1|c|q|a|X\n', 'text/plain', analyst), 403, 'auth.forbidden');
  assert.equal((await stats({ from: FROM, to: TO }, sup)).status, 200);
});

test('CSV feed: the same lines as the pipe form, a malformed line by number, an unknown verb kept', async () => {
  assertError(await feed('x', 'application/json'), 415, 'request.content_type', 'Content-Type');
  const csv = 'time,callid,queuename,agent,event,data1,data2,data3,data4,data5\r\n' +
    '2018-12-01 02:31:17,1543602660.197,IT,NONE,ENTERQUEUE,,1703822xxxx,1,,\r\n' + // already stored
    '2026-11-20 10:00:00,csv-1,CSVQ,NONE,ENTERQUEUE,,138,1,,\r\n' +
    '2026-11-20 10:00:05,csv-1,CSVQ,NONE,ABANDON,1,1,5,,\r\n' +
    '2026-11-20 10:00:06,csv-1,CSVQ,Agent/9,"MY,EVENT",x,,,,\r\n' +
    'yesterday,csv-2,CSVQ,NONE,ENTERQUEUE,,,,,\r\n';
  const r = await feed(csv, 'text/csv; charset=utf-8');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.lines, 5);
  assert.equal(r.body.duplicates, 1);
  assert.equal(r.body.imported, 3);
  assert.equal(r.body.unknown_verbs, 1);
  assert.equal(r.body.malformed.length, 1);
  assert.equal(r.body.malformed[0].line, 6);
  assert.match(r.body.malformed[0].error, /^time:/);
  const s = await stats({ from: '2026-11-20', to: '2026-11-21', queue: 'CSVQ' });
  assert.equal(s.body.queues.CSVQ.offered, 1);
  assert.equal(s.body.queues.CSVQ.abandoned, 1);
  assert.equal(s.body.queues.CSVQ.avg_abandon_s, 5);
});

test('report callcenter: json is the API object, csv has a row per queue and agent, xlsx holds the cells', async () => {
  const api1 = await api(base, 'GET', `/api/v1/callcenter/stats?${new URLSearchParams({ from: FROM, to: TO })}`,
    { token: analyst });
  const out = execFileSync(BIN, ['report', 'callcenter', '--db', srv.db, '--from', FROM, '--to', TO],
    { encoding: 'utf8' });
  assert.deepEqual(JSON.parse(out), api1.body);
  const csv = execFileSync(BIN, ['report', 'callcenter', '--db', srv.db, '--from', FROM, '--to', TO,
    '--format', 'csv'], { encoding: 'utf8' }).trim().split('\r\n');
  const head = csv[0].split(',');
  assert.deepEqual(head.slice(0, 4), ['table', 'name', 'offered', 'answered']);
  const it = csv.find((l) => l.startsWith('queue,IT,')).split(',');
  assert.equal(it[head.indexOf('offered')], '108');
  assert.equal(it[head.indexOf('abandon_rate')], '0.1132');
  assert.equal(csv.filter((l) => l.startsWith('agent,')).length, 6);
  const dir = mkdtempSync(join(tmpdir(), 'pd-cc-'));
  try {
    const file = join(dir, 'r.xlsx');
    execFileSync(BIN, ['report', 'callcenter', '--db', srv.db, '--from', FROM, '--to', TO,
      '--format', 'xlsx', '--output', file]);
    // Sheet 1 is "queues": row 2 is IT, its B column "offered" a number 108;
    // the abandon rate cell carries the percent style.
    const py = `
import zipfile, re, json
z = zipfile.ZipFile(${JSON.stringify(file)})
wb = z.read('xl/workbook.xml').decode()
s1 = z.read('xl/worksheets/sheet1.xml').decode()
strings = re.findall(r'<t[^>]*>([^<]*)</t>', z.read('xl/sharedStrings.xml').decode())
b2 = re.search(r'<c r="B2"[^>]*><v>([^<]*)</v>', s1).group(1)
a2 = strings[int(re.search(r'<c r="A2"[^>]*t="s"[^>]*><v>(\\d+)</v>', s1).group(1))]
print(json.dumps({'sheets': re.findall(r'<sheet name="([^"]+)"', wb), 'b2': b2, 'a2': a2}))`;
    const x = JSON.parse(execFileSync('python3', ['-c', py], { encoding: 'utf8' }));
    assert.deepEqual(x.sheets, ['queues', 'agents', 'centre', 'parameters']);
    assert.equal(x.a2, 'IT');
    assert.equal(Number(x.b2), 108);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---- buckets and downloads (one request for a chart; the CLI's files from the API) ----

const statsRaw = (q, token = analyst) =>
  fetch(`${base}/api/v1/callcenter/stats?${new URLSearchParams(q)}`, { headers: { authorization: `Bearer ${token}` } });

test('bucket=day: the figures per China day in one answer, adding up to the period', async () => {
  const plain = await stats({ from: FROM, to: TO });
  const r = await stats({ from: FROM, to: TO, bucket: 'day' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const { buckets, ...rest } = r.body;
  // Besides "buckets" and the parameter echoed, the usual object unchanged.
  assert.equal(rest.parameters.bucket, 'day');
  assert.equal(plain.body.parameters.bucket, null);
  assert.deepEqual({ ...rest, parameters: { ...rest.parameters, bucket: null } }, plain.body);
  assert.equal(plain.body.buckets, undefined);
  // Per China day of the ENTERQUEUE (awk over the file, core_ccstats_test.c).
  assert.deepEqual(buckets.map((b) => [b.from, b.to]), [
    [FROM, '2018-12-01T00:00:00+08:00'], ['2018-12-01T00:00:00+08:00', '2018-12-02T00:00:00+08:00'],
    ['2018-12-02T00:00:00+08:00', '2018-12-03T00:00:00+08:00'], ['2018-12-03T00:00:00+08:00', '2018-12-04T00:00:00+08:00'],
    ['2018-12-04T00:00:00+08:00', '2018-12-05T00:00:00+08:00'], ['2018-12-05T00:00:00+08:00', TO]]);
  assert.deepEqual(buckets.map((b) => b.offered), [0, 13, 0, 19, 64, 12]);
  assert.deepEqual(buckets.map((b) => b.answered), [0, 13, 0, 15, 59, 6]);
  assert.deepEqual(buckets.map((b) => b.service_level), [null, 0.5385, null, 0.3158, 0.3281, 0.5]);
  for (const k of ['offered', 'answered', 'abandoned', 'timed_out', 'talk_s']) {
    assert.equal(buckets.reduce((a, b) => a + b[k], 0), plain.body.queues.IT[k], k);
  }
  // Hours: a week at most; 117 hours here.
  const h = await stats({ from: FROM, to: TO, bucket: 'hour', queue: 'IT' });
  assert.equal(h.status, 200);
  assert.equal(h.body.buckets.length, 117);
  assert.equal(h.body.buckets[1].from, '2018-11-30T06:00:00+08:00');
  assert.equal(h.body.buckets.reduce((a, b) => a + b.offered, 0), 108);
});

test('bucket limits and unknown values are refused naming the parameter', async () => {
  assertError(await stats({ from: '2026-11-01', to: '2026-11-09', bucket: 'hour' }), 400, 'query.invalid', 'bucket');
  assert.equal((await stats({ from: '2026-11-01', to: '2026-11-08', bucket: 'hour' })).status, 200);
  assertError(await stats({ from: '2026-01-01', to: '2026-03-05', bucket: 'day' }), 400, 'query.invalid', 'bucket');
  assert.equal((await stats({ from: '2026-01-01', to: '2026-03-04', bucket: 'day' })).status, 200); // 62 days
  assertError(await stats({ from: FROM, to: TO, bucket: 'week' }), 400, 'query.invalid', 'bucket');
  assertError(await stats({ from: FROM, to: TO, format: 'pdf' }), 400, 'query.invalid', 'format');
});

test('format=csv and xlsx are downloads with the CLI\'s bytes and sheets', async () => {
  const res = await statsRaw({ from: FROM, to: TO, format: 'csv' });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/csv; charset=utf-8');
  assert.equal(res.headers.get('content-disposition'), 'attachment; filename="callcenter_2018-11-30_2018-12-05.csv"');
  const csv = await res.text();
  const cli = execFileSync(BIN, ['report', 'callcenter', '--db', srv.db, '--from', FROM, '--to', TO,
    '--format', 'csv'], { encoding: 'utf8' });
  assert.equal(csv, cli);
  assert.match(csv, /\r\nqueue,IT,108,93,12,1,/);
  // Bucketed: one row per bucket, the same from the command line.
  const bres = await statsRaw({ from: FROM, to: TO, format: 'csv', bucket: 'day' });
  const bcsv = await bres.text();
  const rows = bcsv.trim().split('\r\n');
  assert.equal(rows.length, 1 + 6);
  assert.equal(rows[0].split(',').slice(0, 4).join(','), 'from,to,offered,answered');
  assert.equal(rows[5].split(',').slice(0, 4).join(','), '2018-12-04T00:00:00+08:00,2018-12-05T00:00:00+08:00,64,59');
  assert.equal(bcsv, execFileSync(BIN, ['report', 'callcenter', '--db', srv.db, '--from', FROM, '--to', TO,
    '--format', 'csv', '--bucket', 'day'], { encoding: 'utf8' }));
  assert.throws(() => execFileSync(BIN, ['report', 'callcenter', '--db', srv.db, '--from', '2026-01-01',
    '--to', '2026-01-09', '--bucket', 'hour'], { stdio: 'pipe' }), (e) => e.status === 2 && /--bucket/.test(e.stderr));

  const x = await statsRaw({ from: FROM, to: TO, format: 'xlsx', bucket: 'day' });
  assert.equal(x.status, 200);
  assert.equal(x.headers.get('content-type'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  assert.equal(x.headers.get('content-disposition'), 'attachment; filename="callcenter_2018-11-30_2018-12-05.xlsx"');
  const dir = mkdtempSync(join(tmpdir(), 'pd-cc-x-'));
  try {
    const file = join(dir, 'api.xlsx');
    writeFileSync(file, Buffer.from(await x.arrayBuffer()));
    const py = `
import zipfile, re, json
z = zipfile.ZipFile(${JSON.stringify(file)})
wb = z.read('xl/workbook.xml').decode()
strings = re.findall(r'<t[^>]*>([^<]*)</t>', z.read('xl/sharedStrings.xml').decode())
s4 = z.read('xl/worksheets/sheet4.xml').decode()
c6 = re.search(r'<c r="C6"[^>]*><v>([^<]*)</v>', s4).group(1)
print(json.dumps({'sheets': re.findall(r'<sheet name="([^"]+)"', wb), 'c6': c6}))`;
    const out = JSON.parse(execFileSync('python3', ['-c', py], { encoding: 'utf8' }));
    assert.deepEqual(out.sheets, ['queues', 'agents', 'centre', 'buckets', 'parameters']);
    assert.equal(Number(out.c6), 64, 'buckets!C6: offered on 4 December');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // A caller without the permission gets no file.
  assertError(await stats({ from: FROM, to: TO, format: 'csv' }, agent), 403, 'auth.forbidden');
});
