// GET /api/v1/callcenter/live (issue 6): the call centre now, on a server
// whose clock is pinned (PD_FAKE_NOW 2026-11-23 15:00 China time) with a
// hand-made day of queue_log posted to the feed. Checked against the log
// worked by hand: calls waiting per queue and the longest wait now (a call
// entered 25 hours ago without an exit is not waiting), each agent's state
// and since when (talking, ringing from the start of the unanswered ring,
// paused with its reason, wrap-up, available, logged out), today's figures
// equal to GET /callcenter/stats for the day, the queue filter, the
// parameters refused naming the field, and the permission.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, login } from '../lib/harness.mjs';
import { assertError } from './lib/http.mjs';

const NOW = '2026-11-23T15:00:00+08:00';
const NOW_S = Date.parse(NOW) / 1000;
let srv, base, sup, analyst, agent;

/** Lines "seconds before now|callid|queue|agent|EVENT|data…". */
const LOG = [
  [90000, 'stale', 'sales', 'NONE', 'ENTERQUEUE', '', '13800000000', '1'], // 25 h ago, never left
  [7200, 'NONE', 'NONE', 'Agent/1001', 'AGENTLOGIN', 'SIP/1001'],
  [7200, 'NONE', 'NONE', 'Agent/1002', 'AGENTLOGIN', 'SIP/1002'],
  [7200, 'NONE', 'NONE', 'Agent/1003', 'AGENTLOGIN', 'SIP/1003'],
  [7200, 'NONE', 'NONE', 'Agent/1004', 'AGENTLOGIN', 'SIP/1004'],
  [7200, 'NONE', 'NONE', 'Agent/1005', 'AGENTLOGIN', 'SIP/1005'],
  [3600, 'c1', 'sales', 'NONE', 'ENTERQUEUE', '', '13800000001', '1'],
  [3590, 'c1', 'sales', 'Agent/1001', 'CONNECT', '10', 'c1b', '2'],
  [3350, 'c1', 'sales', 'Agent/1001', 'COMPLETECALLER', '10', '240', '1'],
  [3350, 'NONE', 'sales', 'Agent/1001', 'PAUSE', 'wrapup'],
  [1800, 'NONE', 'NONE', 'Agent/1004', 'AGENTLOGOFF', 'SIP/1004', '5400'],
  [1200, 'NONE', 'NONE', 'Agent/1003', 'PAUSEALL', '培训'],
  [900, 'c2', 'vip', 'NONE', 'ENTERQUEUE', '', '13800000002', '1'],
  [870, 'c2', 'vip', 'NONE', 'ABANDON', '1', '1', '30'],
  [300, 'c3', 'vip', 'NONE', 'ENTERQUEUE', '', '13800000003', '1'],
  [295, 'c3', 'vip', 'Agent/1002', 'CONNECT', '5', 'c3b', '2'],
  [120, 'c4', 'sales', 'NONE', 'ENTERQUEUE', '', '13800000004', '1'],
  [100, 'c4', 'sales', 'Agent/1005', 'RINGNOANSWER', '15000'],
  [45, 'c5', 'vip', 'NONE', 'ENTERQUEUE', '', '13800000005', '2'],
].map(([ago, ...rest]) => [NOW_S - ago, ...rest].join('|')).join('\n') + '\n';

before(async () => {
  srv = await startServer({ env: { PD_FAKE_NOW: NOW } });
  base = srv.url;
  [sup, analyst, agent] = await Promise.all(['supervisor', 'analyst', 'agent'].map((u) => login(base, u)));
  const r = await api(base, 'POST', '/api/v1/callcenter/queue-log',
    { token: sup, raw: LOG, headers: { 'content-type': 'text/plain' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.imported, 19);
});
after(async () => { await srv?.stop(); });

const live = (q = {}, token = analyst) =>
  api(base, 'GET', `/api/v1/callcenter/live?${new URLSearchParams(q)}`, { token });

test('calls waiting now, the longest wait, agents by state and since when', async () => {
  const r = await live();
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const b = r.body;
  assert.equal(b.now, NOW);
  assert.equal(b.waiting, 2); // c4 and c5; not c1–c3, not the stale entry of yesterday
  assert.equal(b.longest_wait_s, 120);
  assert.equal(b.oldest_enter, '2026-11-23T14:58:00+08:00');
  assert.deepEqual(Object.keys(b.queues), ['sales', 'vip']);
  assert.equal(b.queues.sales.waiting, 1);
  assert.equal(b.queues.sales.longest_wait_s, 120);
  assert.equal(b.queues.vip.waiting, 1);
  assert.equal(b.queues.vip.longest_wait_s, 45);
  const st = (name) => [b.agents[name].state, b.agents[name].since, b.agents[name].reason];
  assert.deepEqual(st('Agent/1001'), ['wrap_up', '2026-11-23T14:04:10+08:00', 'wrapup']);
  assert.deepEqual(st('Agent/1002'), ['talking', '2026-11-23T14:55:05+08:00', null]);
  assert.equal(b.agents['Agent/1002'].callid, 'c3');
  assert.equal(b.agents['Agent/1002'].queue, 'vip');
  assert.equal(b.agents['Agent/1002'].for_s, 295);
  assert.deepEqual(st('Agent/1003'), ['paused', '2026-11-23T14:40:00+08:00', '培训']);
  assert.deepEqual(st('Agent/1004'), ['logged_out', '2026-11-23T14:30:00+08:00', null]);
  // Rung 15 s without answer 100 s ago: ringing since the ring began, c4 still waits.
  assert.deepEqual(st('Agent/1005'), ['ringing', '2026-11-23T14:58:05+08:00', null]);
  assert.equal(b.agents['Agent/1005'].callid, 'c4');
  assert.deepEqual(b.states, { logged_out: 1, available: 0, ringing: 1, talking: 1, paused: 1, wrap_up: 1 });
  assert.equal(b.parameters.window_s, 86400);
  assert.equal(b.parameters.window_from, '2026-11-22T15:00:00+08:00');
  assert.equal(b.source.lines, 18); // the stale line is older than the window
});

test('today\'s figures are the statistics of the China day', async () => {
  const r = await live();
  const s = await api(base, 'GET', '/api/v1/callcenter/stats?from=2026-11-23&to=2026-11-24', { token: analyst });
  assert.equal(s.status, 200);
  const { from, to, ...today } = r.body.today;
  assert.equal(from, '2026-11-23T00:00:00+08:00');
  assert.equal(to, '2026-11-24T00:00:00+08:00');
  for (const [k, v] of Object.entries(today)) assert.deepEqual(v, s.body.centre[k], k);
  assert.equal(today.offered, 5);
  assert.equal(today.answered, 2);
  assert.equal(today.abandoned, 1);
  assert.equal(today.service_level, 0.6667); // c1 (10 s), c3 (5 s) of 3 finished
  for (const q of ['sales', 'vip']) {
    for (const [k, v] of Object.entries(r.body.queues[q].today)) assert.deepEqual(v, s.body.queues[q][k], `${q}.${k}`);
  }
  // Another threshold.
  const r5 = await live({ service_level_s: 5 });
  assert.equal(r5.body.today.service_level, 0.3333);
  assert.equal(r5.body.parameters.service_level_s, 5);
});

test('one queue: its calls and the agents seen in it', async () => {
  const r = await live({ queue: 'vip' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.waiting, 1);
  assert.equal(r.body.longest_wait_s, 45);
  assert.deepEqual(Object.keys(r.body.queues), ['vip']);
  assert.deepEqual(Object.keys(r.body.agents), ['Agent/1002']);
  assert.equal(r.body.today.offered, 3);
  assert.equal(r.body.parameters.queue, 'vip');
  // A queue without calls answers zeros, not an error.
  const e = await live({ queue: 'nobody' });
  assert.equal(e.status, 200);
  assert.equal(e.body.waiting, 0);
  assert.equal(e.body.longest_wait_s, null);
  assert.deepEqual(Object.keys(e.body.agents), []);
});

test('parameters are checked naming the field; the permission is callcenter', async () => {
  assertError(await live({ queue: '' }), 400, 'query.invalid', 'queue');
  assertError(await live({ service_level_s: '0' }), 400, 'query.invalid', 'service_level_s');
  assertError(await live({ from: '2026-11-23' }), 400, 'query.unknown_parameter');
  assertError(await live({}, agent), 403, 'auth.forbidden');
  assert.equal((await live({}, sup)).status, 200);
});
