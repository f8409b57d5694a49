// kill -9 during a sustained scan ingest (issue 4, "Bad input and failure"):
// several device loops send NDJSON batches of 200 scans for waybills made by
// `parceldesk generate --events-per-waybill 0`, each remembering which
// batches were acknowledged (200 with accepted + duplicates = 200). The
// server is killed with SIGKILL mid-stream, restarted on the same database,
// and every device re-sends each batch it got no answer for, plus a few
// acknowledged ones. Then, read straight from the database: every
// acknowledged event is stored, no event is stored twice, the re-sent
// acknowledged batches answer as duplicates only, and the stored events are
// exactly those of the batches that got an answer before or after the
// restart. Runs on SQLite and on PostgreSQL (PD_TEST_BACKEND).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, freshDatabase, api, login, BACKEND } from '../lib/harness.mjs';

const DEVICES = 4;
const BATCH = 200;
const MAX_BATCHES = 120; // per device: a bound on the work, whatever the machine's speed
const KILL_AFTER_MS = 3000;
const KILL_AFTER_BATCHES = 60; // or as soon as one device got this far, if sooner
const RESEND_ACKED = 2; // acknowledged batches each device sends again after the restart
const HOUR = 3600e3;
const cn = (ms) => new Date(ms + 8 * HOUR).toISOString().replace(/Z$/, '+08:00');
const TYPES = ['arrival', 'sort', 'departure'];
const NODES = ['GZ-HUB', 'SH-HUB', 'SZ-NS01'];

/** Rows of SQL run against the test database, read-only, as arrays of text. */
function query(url, sql) {
  const out = BACKEND === 'pg'
    ? execFileSync('psql', [url, '-At', '-F', '|', '-c', sql], { encoding: 'utf8', maxBuffer: 64 << 20 })
    : execFileSync('sqlite3', ['-readonly', url.replace(/^sqlite:/, ''), sql], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return out.split('\n').filter(Boolean).map((l) => l.split('|'));
}

/** The NDJSON body of batch @p b of device @p d: sequences b*BATCH … b*BATCH+199. */
function batchBody(d, b, numbers, t0) {
  const lines = [];
  for (let i = 0; i < BATCH; i++) {
    const seq = b * BATCH + i;
    const k = (d * 7919 + seq * 104729) % numbers.length;
    lines.push(JSON.stringify({
      waybill_no: numbers[k], type: TYPES[seq % TYPES.length], at: cn(t0 + seq * 10 + d),
      node: NODES[(seq + d) % NODES.length], device_id: `CRASH-D${d}`, device_seq: seq,
    }));
  }
  return lines.join('\n') + '\n';
}

/** POST one batch; resolves to {status, body} or null when no answer came (connection died). */
async function send(url, key, body) {
  try {
    const res = await fetch(url + '/api/v1/scans', {
      method: 'POST', body,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' },
      signal: AbortSignal.timeout(20000),
    });
    const text = await res.text();
    let parsed = null;
    try { parsed = JSON.parse(text); } catch { /* no JSON: treated as no answer */ }
    return { status: res.status, body: parsed };
  } catch {
    return null;
  }
}

const acknowledged = (r) => r && r.status === 200 && r.body && r.body.accepted + r.body.duplicates === BATCH && r.body.rejected.length === 0;

test('kill -9 mid-ingest: no acknowledged event lost, none stored twice after the re-send', { timeout: 60000 }, async () => {
  const db = freshDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'pd-crash-'));
  let s1, s2;
  try {
    s1 = await startServer({ database: db, args: ['--monitor-worker', 'false'] });
    const list = join(dir, 'numbers.txt');
    s1.cli(['generate', '--db', db.url, '--waybills', '300', '--events-per-waybill', '0', '--seed', '11', '--list', list]);
    const numbers = readFileSync(list, 'utf8').split('\n').filter(Boolean);
    assert.equal(numbers.length, 300);
    const admin = await login(s1.url, 'admin');
    const k = await api(s1.url, 'POST', '/api/v1/apikeys', { token: admin, body: { name: '崩溃测试扫描枪', role: 'scanner', node_code: 'HQ' } });
    assert.equal(k.status, 201, JSON.stringify(k.body));
    const key = k.body.key;
    const t0 = Date.now() - 2 * HOUR;

    // Phase 1: the device loops, until the server dies under them.
    const dev = Array.from({ length: DEVICES }, () => ({ acked: [], unanswered: [], sent: 0 }));
    let killed = false;
    const kill = () => { if (!killed) { killed = true; s1.proc.kill('SIGKILL'); } };
    const timer = setTimeout(kill, KILL_AFTER_MS);
    await Promise.all(dev.map(async (d, i) => {
      for (let b = 0; b < MAX_BATCHES && !killed; b++) {
        d.sent = b + 1;
        if (b + 1 >= KILL_AFTER_BATCHES) setImmediate(kill); // mid-stream: this request is in flight
        const r = await send(s1.url, key, batchBody(i, b, numbers, t0));
        if (acknowledged(r)) d.acked.push(b);
        else d.unanswered.push(b);
        if (!r) break; // the server is gone
      }
    }));
    clearTimeout(timer);
    kill();
    await s1.exited;
    assert.equal(s1.proc.signalCode, 'SIGKILL');
    const ackedTotal = dev.reduce((n, d) => n + d.acked.length, 0);
    assert.ok(ackedTotal > 0, 'some batches were acknowledged before the kill');
    assert.ok(dev.some((d) => d.unanswered.length > 0), 'some batch was in flight when the server died');

    // Phase 2: restart on the same database; every device re-sends what got
    // no answer, and a few acknowledged batches.
    s2 = await startServer({ database: db, args: ['--monitor-worker', 'false'] });
    for (const [i, d] of dev.entries()) {
      for (const b of d.unanswered) {
        const r = await send(s2.url, key, batchBody(i, b, numbers, t0));
        assert.ok(acknowledged(r), `re-sent batch ${b} of device ${i}: ${JSON.stringify(r)}`);
        d.acked.push(b);
      }
      for (const b of d.acked.slice(0, RESEND_ACKED)) {
        const r = await send(s2.url, key, batchBody(i, b, numbers, t0));
        assert.equal(r?.status, 200);
        assert.deepEqual(r.body, { accepted: 0, duplicates: BATCH, rejected: [] }, `acknowledged batch ${b} of device ${i} again`);
      }
    }

    // What the database holds: an acknowledged event is in scans, or (SQLite)
    // still in the scan log waiting for the projector; in one of them, once.
    const rows = query(db.url, "SELECT device_id, device_seq FROM scans WHERE device_id LIKE 'CRASH-D%'" +
      " UNION ALL SELECT device_id, device_seq FROM scan_log WHERE device_id LIKE 'CRASH-D%'");
    const stored = new Map();
    for (const [id, seq] of rows) {
      const key2 = `${id}/${seq}`;
      assert.ok(!stored.has(key2), `${key2} stored twice`);
      stored.set(key2, true);
    }
    let expected = 0;
    for (const [i, d] of dev.entries()) {
      for (const b of new Set(d.acked)) {
        expected += BATCH;
        for (let j = 0; j < BATCH; j++)
          assert.ok(stored.has(`CRASH-D${i}/${b * BATCH + j}`), `acknowledged event CRASH-D${i}/${b * BATCH + j} is stored`);
      }
    }
    assert.equal(stored.size, expected, 'stored = the distinct events of every batch that got an answer');
    assert.equal(rows.length, expected);
    // A graceful stop projects the log: then every event is in scans and the
    // waybills' tracking rows agree with their events (each touched one was
    // rebuilt, or merged by the projector after the restart).
    await s2.stop();
    s2 = null;
    assert.equal(Number(query(db.url, 'SELECT count(*) FROM scan_log')[0][0]), 0, 'the scan log is projected at stop');
    const events = Number(query(db.url, "SELECT count(*) FROM scans WHERE device_id LIKE 'CRASH-D%'")[0][0]);
    assert.equal(events, expected, 'every acknowledged event is in scans after the stop');
    const tracked = Number(query(db.url, 'SELECT coalesce(sum(events), 0) FROM tracking')[0][0]);
    assert.equal(tracked, events, 'tracking rows count every stored event');
  } finally {
    if (s1 && s1.proc.exitCode === null && s1.proc.signalCode === null) s1.proc.kill('SIGKILL');
    await s2?.stop();
    db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});
