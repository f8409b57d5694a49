// Test harness shared by the API and browser suites: starts a real
// `parceldesk serve` on a loopback port against a fresh database (SQLite file
// or a fresh PostgreSQL database on the throwaway cluster), migrated and
// seeded with the demo network, and stops it afterwards.
//
// Environment:
//   PD_BIN          the binary (default build/parceldesk)
//   PD_TEST_BACKEND sqlite (default) | pg
//   PD_TEST_PG_URL  the cluster URL from scripts/pg-cluster.sh (pg only)
//
// A server built with -DPD_SANITIZE=ON reports memory errors, leaks and
// undefined behaviour on its stderr, often only at exit; stop() therefore
// throws when it finds such a report, so a test file cannot pass over a
// sanitizer finding.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

export const ROOT = resolve(new URL('../..', import.meta.url).pathname);
export const BIN = resolve(ROOT, process.env.PD_BIN || 'build/parceldesk');
export const BACKEND = process.env.PD_TEST_BACKEND || 'sqlite';
export const DEMO_PASSWORD = 'Demo2026pass';

const baseEnv = { ...process.env, PD_FAST_PWHASH: '1' };

function run(args, opts = {}) {
  return execFileSync(BIN, args, { cwd: ROOT, env: { ...baseEnv, ...(opts.env || {}) }, input: opts.input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Create an empty database and return its URL and a cleanup function. */
export function freshDatabase() {
  if (BACKEND === 'pg') {
    const admin = process.env.PD_TEST_PG_URL;
    if (!admin) throw new Error('PD_TEST_PG_URL is not set (start scripts/pg-cluster.sh)');
    const name = 'pdt_' + randomBytes(6).toString('hex');
    execFileSync('psql', [admin, '-qc', `CREATE DATABASE ${name}`], { stdio: 'pipe' });
    const u = new URL(admin);
    u.pathname = '/' + name;
    const url = u.toString();
    return {
      url,
      drop() {
        try { execFileSync('psql', [admin, '-qc', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`], { stdio: 'pipe' }); } catch { /* best effort */ }
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'pdt-'));
  return { url: `sqlite:${join(dir, 'test.db')}`, drop() { rmSync(dir, { recursive: true, force: true }); } };
}

/**
 * Start a server on a fresh, migrated, demo-seeded database.
 * @returns {Promise<{url:string, db:string, proc:import('node:child_process').ChildProcess, cli:(args:string[], opts?)=>string, stop:()=>Promise<number>, logs:()=>string, exited:Promise<number|string>}>}
 */
export async function startServer({ seed = true, env = {}, args = [], database } = {}) {
  const db = database || freshDatabase();
  const cli = (a, o) => run(a, o);
  run(['migrate', '--db', db.url]);
  if (seed) run(['seed-demo', '--db', db.url, '--password', DEMO_PASSWORD]);
  const proc = spawn(BIN, ['serve', '--db', db.url, '--listen', '127.0.0.1:0', ...args], {
    cwd: ROOT, env: { ...baseEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '', err = '';
  proc.stderr.on('data', (d) => { err += d; });
  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('server did not start in 15 s:\n' + err)), 15000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) { clearTimeout(timer); ok(m[1]); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); fail(new Error(`server exited with ${code}:\n${err}`)); });
  });
  proc.removeAllListeners('exit');
  // 'close' rather than 'exit': it fires once stderr is drained, so a
  // sanitizer report written at exit is in `err` before stop() looks.
  const exited = new Promise((ok) => proc.on('close', (code, sig) => ok(code ?? sig)));
  return {
    url, db: db.url, proc, cli, logs: () => err,
    /** Resolves with the exit code (or signal name) once the process is gone. */
    exited,
    /**
     * SIGTERM (unless the test already signalled the process), wait up to 10 s,
     * drop the database. Resolves with the exit code; throws when the server's
     * stderr holds a sanitizer report.
     */
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null && !proc.killed) proc.kill('SIGTERM');
      let timer;
      const code = await Promise.race([exited, new Promise((ok) => { timer = setTimeout(() => { proc.kill('SIGKILL'); ok('killed'); }, 10000); })]);
      clearTimeout(timer);
      if (!database) db.drop();
      const report = sanitizerReport(err);
      if (report) throw new Error(`sanitizer report in the server's stderr (exit ${code}):\n${report}`);
      return code;
    },
  };
}

/** Markers that AddressSanitizer, LeakSanitizer and UBSan print on a finding. */
const SANITIZER_MARKERS = ['ERROR: AddressSanitizer', 'ERROR: LeakSanitizer', 'runtime error:'];

/**
 * The sanitizer report in a process's stderr, from the first marker on
 * (at most 8000 characters), or null when there is none.
 */
export function sanitizerReport(stderr) {
  const at = Math.min(...SANITIZER_MARKERS.map((m) => { const i = stderr.indexOf(m); return i < 0 ? Infinity : i; }));
  if (at === Infinity) return null;
  const from = Math.max(0, stderr.lastIndexOf('\n', at) + 1);
  return stderr.slice(from, from + 8000);
}

/** Small fetch wrapper: returns {status, headers, body (parsed JSON or text)}. */
export async function api(base, method, path, { token, body, headers = {}, raw } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  let payload = raw;
  if (body !== undefined) { payload = JSON.stringify(body); h['content-type'] = 'application/json'; }
  const res = await fetch(base + path, { method, headers: h, body: payload });
  const text = await res.text();
  let parsed = text;
  if ((res.headers.get('content-type') || '').includes('json') && text) parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: parsed };
}

/** Log in and return the token. */
export async function login(base, username, password = DEMO_PASSWORD) {
  const r = await api(base, 'POST', '/api/v1/auth/login', { body: { username, password } });
  if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.token;
}
