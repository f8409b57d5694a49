// The command line: `user add` and `node add` write what the server then
// serves, bad arguments exit 2 naming the argument, failures exit 1 with the
// reason on stderr, `migrate` is idempotent, and no command prints usage.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, api, login, freshDatabase, BIN, ROOT, BACKEND } from '../lib/harness.mjs';
import { GOOD_PASSWORD } from './lib/http.mjs';

let srv, base, admin;
before(async () => {
  srv = await startServer();
  base = srv.url;
  admin = await login(base, 'admin');
});
after(async () => { await srv?.stop(); });

/** Run the binary; returns {status, stdout, stderr}. Bounded to 60 s. */
function pd(args, input = '') {
  const r = spawnSync(BIN, args, { cwd: ROOT, input, encoding: 'utf8', timeout: 60000, env: { ...process.env, PD_FAST_PWHASH: '1' } });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const show = (r) => `exit ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

test('user add (password on stdin) creates a user who can log in', async () => {
  const r = pd(['user', 'add', '--db', srv.db, '--username', 'cli.agent', '--role', 'agent', '--node', 'GD-SZ'], `${GOOD_PASSWORD}\n`);
  assert.equal(r.status, 0, show(r));
  assert.ok(!r.stdout.includes(GOOD_PASSWORD) && !r.stderr.includes(GOOD_PASSWORD), 'the password is never echoed');
  const l = await api(base, 'POST', '/api/v1/auth/login', { body: { username: 'cli.agent', password: GOOD_PASSWORD } });
  assert.equal(l.status, 200, JSON.stringify(l.body));
  assert.equal(l.body.user.role, 'agent');
  assert.equal(l.body.user.node.code, 'GD-SZ');
  assert.equal(l.body.user.active, true);
  // The trailing newline is not part of the password.
  const nl = await api(base, 'POST', '/api/v1/auth/login', { body: { username: 'cli.agent', password: `${GOOD_PASSWORD}\n` } });
  assert.equal(nl.status, 401);
});

test('user add: bad arguments exit 2 naming the argument; nothing is written', async () => {
  const badRole = pd(['user', 'add', '--db', srv.db, '--username', 'cli.bad', '--role', 'king', '--node', 'GD-SZ'], `${GOOD_PASSWORD}\n`);
  assert.equal(badRole.status, 2, show(badRole));
  assert.match(badRole.stderr, /role/, `stderr names --role: ${badRole.stderr}`);
  const noUser = pd(['user', 'add', '--db', srv.db, '--role', 'agent', '--node', 'GD-SZ'], `${GOOD_PASSWORD}\n`);
  assert.equal(noUser.status, 2, show(noUser));
  assert.match(noUser.stderr, /username/, `stderr names --username: ${noUser.stderr}`);
  const unknownFlag = pd(['user', 'add', '--db', srv.db, '--username', 'cli.bad', '--role', 'agent', '--node', 'GD-SZ', '--colour', 'blue'], `${GOOD_PASSWORD}\n`);
  assert.equal(unknownFlag.status, 2, show(unknownFlag));
  assert.match(unknownFlag.stderr, /colour/, `stderr names --colour: ${unknownFlag.stderr}`);
  const l = await api(base, 'POST', '/api/v1/auth/login', { body: { username: 'cli.bad', password: GOOD_PASSWORD } });
  assert.equal(l.status, 401, 'cli.bad was not created');
});

test('user add: failures exit 1 with the reason on stderr', async () => {
  const noNode = pd(['user', 'add', '--db', srv.db, '--username', 'cli.nonode', '--role', 'agent', '--node', 'NOPE-9'], `${GOOD_PASSWORD}\n`);
  assert.equal(noNode.status, 1, show(noNode));
  assert.match(noNode.stderr, /NOPE-9|node/i, `stderr says which node: ${noNode.stderr}`);
  const dup = pd(['user', 'add', '--db', srv.db, '--username', 'agent', '--role', 'agent', '--node', 'GD-SZ'], `${GOOD_PASSWORD}\n`);
  assert.equal(dup.status, 1, show(dup));
  assert.ok(dup.stderr.trim().length > 0, 'a reason on stderr');
  const weak = pd(['user', 'add', '--db', srv.db, '--username', 'cli.weak', '--role', 'agent', '--node', 'GD-SZ'], 'short\n');
  assert.notEqual(weak.status, 0, show(weak));
  assert.match(weak.stderr, /password|密码/i, `stderr explains the password rule: ${weak.stderr}`);
  for (const u of ['cli.nonode', 'cli.weak']) {
    const l = await api(base, 'POST', '/api/v1/auth/login', { body: { username: u, password: GOOD_PASSWORD } });
    assert.equal(l.status, 401, `${u} was not created`);
  }
  // The demo agent's password was not touched by the duplicate attempt.
  assert.equal((await api(base, 'POST', '/api/v1/auth/login', { body: { username: 'agent', password: 'Demo2026pass' } })).status, 200);
});

test('node add creates a node the API then serves', async () => {
  const r = pd(['node', 'add', '--db', srv.db, '--code', 'SZ-CLI1', '--name', '深圳命令行网点', '--type', 'outlet', '--parent', 'GD-SZ']);
  assert.equal(r.status, 0, show(r));
  const n = await api(base, 'GET', '/api/v1/nodes/SZ-CLI1', { token: admin });
  assert.equal(n.status, 200, JSON.stringify(n.body));
  assert.equal(n.body.name, '深圳命令行网点');
  assert.equal(n.body.parent_code, 'GD-SZ');
  const bad = pd(['node', 'add', '--db', srv.db, '--code', 'SZ-CLI2', '--name', 'x', '--type', 'village', '--parent', 'GD-SZ']);
  assert.equal(bad.status, 2, show(bad));
  assert.match(bad.stderr, /type/);
  const dup = pd(['node', 'add', '--db', srv.db, '--code', 'SZ-CLI1', '--name', 'x', '--type', 'outlet', '--parent', 'GD-SZ']);
  assert.equal(dup.status, 1, show(dup));
});

/** The database schema as text (sqlite3 .schema, or pg_dump --schema-only). */
function schemaOf(url) {
  if (url.startsWith('sqlite:')) return execFileSync('sqlite3', [url.slice('sqlite:'.length), '.schema'], { encoding: 'utf8' });
  // Recent pg_dump wraps its output in \restrict KEY / \unrestrict KEY with a random KEY.
  return execFileSync('pg_dump', ['--schema-only', '--no-owner', url], { encoding: 'utf8' })
    .split('\n').filter((l) => !/^\\(un)?restrict /.test(l)).join('\n');
}

/** The lines of @p b that differ from @p a (for a short failure message). */
function lineDiff(a, b) {
  const la = new Set(a.split('\n')), lb = new Set(b.split('\n'));
  return [...[...la].filter((l) => !lb.has(l)).map((l) => `- ${l}`), ...[...lb].filter((l) => !la.has(l)).map((l) => `+ ${l}`)].slice(0, 20).join('\n');
}

test('migrate twice: the second run is a no-op', async () => {
  const db = freshDatabase();
  try {
    const first = pd(['migrate', '--db', db.url]);
    assert.equal(first.status, 0, show(first));
    const seeded = pd(['seed-demo', '--db', db.url, '--password', 'Seed2026pass']);
    assert.equal(seeded.status, 0, show(seeded));
    const schema1 = schemaOf(db.url);
    assert.match(schema1, /users/, 'the schema has a users table');
    const second = pd(['migrate', '--db', db.url]);
    assert.equal(second.status, 0, show(second));
    const schema2 = schemaOf(db.url);
    assert.ok(schema2 === schema1, `schema unchanged by the second migrate:\n${lineDiff(schema1, schema2)}`);
    // The data survived: a demo user still logs in (through the same binary's CLI).
    const add = pd(['user', 'add', '--db', db.url, '--username', 'after.migrate', '--role', 'agent', '--node', 'GD-SZ'], `${GOOD_PASSWORD}\n`);
    assert.equal(add.status, 0, `the seeded node GD-SZ still exists: ${show(add)}`);
  } finally {
    db.drop();
  }
});

test('seed-demo twice (a second `make run`): exit 0, nothing added the second time', async () => {
  const db = freshDatabase();
  try {
    assert.equal(pd(['migrate', '--db', db.url]).status, 0);
    const first = pd(['seed-demo', '--db', db.url, '--password', 'Seed2026pass']);
    assert.equal(first.status, 0, show(first));
    assert.match(first.stdout, /demo network: 10 nodes added/);
    assert.match(first.stdout, /demo customers: 2 added/);
    const again = pd(['seed-demo', '--db', db.url, '--password', 'Seed2026pass']);
    assert.equal(again.status, 0, show(again));
    assert.match(again.stdout, /demo network: 0 nodes added/);
    assert.match(again.stdout, /demo customers: 0 added/);
    // A second head office is still refused when it is one.
    const hq = pd(['node', 'add', '--db', db.url, '--code', 'HQ2', '--name', '第二总部', '--type', 'head_office']);
    assert.equal(hq.status, 2, show(hq)); // refused as an argument, like every rule of node add
    assert.match(hq.stderr, /already has a head office/);
  } finally {
    db.drop();
  }
});

test('migrate against a database that cannot be opened exits 1', async () => {
  const url = BACKEND === 'pg' ? 'postgresql://nobody@127.0.0.1:1/none' : 'sqlite:/nonexistent-dir/x/y.db';
  const r = pd(['migrate', '--db', url]);
  assert.equal(r.status, 1, show(r));
  assert.ok(r.stderr.trim().length > 0, 'a reason on stderr');
});

test('no command → exit 2 and usage; unknown command → exit 2', async () => {
  const r = pd([]);
  assert.equal(r.status, 2, show(r));
  assert.match(r.stderr + r.stdout, /usage/i);
  assert.match(r.stderr + r.stdout, /serve/);
  assert.match(r.stderr + r.stdout, /migrate/);
  const u = pd(['frobnicate']);
  assert.equal(u.status, 2, show(u));
  assert.match(u.stderr, /frobnicate/);
  const db = freshDatabase();
  try {
    assert.equal(pd(['migrate', '--db', db.url]).status, 0);
    const badListen = pd(['serve', '--db', db.url, '--listen', 'not-an-address']);
    assert.equal(badListen.status, 2, show(badListen));
    assert.match(badListen.stderr, /listen/);
  } finally {
    db.drop();
  }
});

test('backup: a consistent copy of the running SQLite database, usable on its own', async (t) => {
  if (BACKEND !== 'sqlite') {
    const r = pd(['backup', '--db', srv.db, '--out', '/tmp/pd-never-written.db']);
    assert.equal(r.status, 1, show(r));
    assert.match(r.stderr, /pg_dump/, 'PostgreSQL is pointed to pg_dump');
    return;
  }
  const created = await api(base, 'POST', '/api/v1/users', {
    token: admin,
    body: { username: 'backup.check', display_name: '备份检查', role: 'agent', node_code: 'GD-SZ', password: GOOD_PASSWORD },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const dir = mkdtempSync(join(tmpdir(), 'pd-backup-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'copy.db');
  const r = pd(['backup', '--db', srv.db, '--out', out]); // the server keeps running
  assert.equal(r.status, 0, show(r));
  assert.ok(!existsSync(`${out}.partial`), 'no partial file is left behind');
  // The copy serves the same data: start a server on it and log in as the new user.
  const copy = await startServer({ database: { url: `sqlite:${out}`, drop() {} }, seed: false });
  try {
    const l = await api(copy.url, 'POST', '/api/v1/auth/login', { body: { username: 'backup.check', password: GOOD_PASSWORD } });
    assert.equal(l.status, 200, JSON.stringify(l.body));
    assert.equal(l.body.user.display_name, '备份检查');
  } finally {
    await copy.stop();
  }
  const missing = pd(['backup', '--db', srv.db]);
  assert.equal(missing.status, 2, show(missing));
  assert.match(missing.stderr, /--out/);
  const badDest = pd(['backup', '--db', srv.db, '--out', join(dir, 'no/such/dir/x.db')]);
  assert.equal(badDest.status, 1, show(badDest));
});
