// The call centre's own records (issue 6 part B, docs/callcenter.md): the
// agent roster, versioned QA forms and weighted scores, shifts (a week in
// one request) with attendance, cost entries, the figures merged into the
// statistics (GET /api/v1/callcenter/own) and the screen pop
// (GET /api/v1/callcenter/lookup). Every bad input is refused naming the
// field, and nothing of a refused batch is written. Supervisors manage and
// score, managers manage, agents read only their own scores and shifts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, login } from '../lib/harness.mjs';
import { assertError, audit } from './lib/http.mjs';
import { orderBody, createOrder, patchOrder, act, uniquePhone } from './lib/orders.mjs';

let srv, base, sup, mgr, agent, am, admin, courier;
before(async () => {
  srv = await startServer();
  base = srv.url;
  [sup, mgr, agent, am, admin, courier] = await Promise.all(
    ['supervisor', 'manager', 'agent', 'account_manager', 'admin', 'courier'].map((u) => login(base, u)));
});
after(async () => { await srv?.stop(); });

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;
/** RFC 3339 in China time, as the API writes it. */
const cst = (ms) => new Date(ms + 8 * HOUR).toISOString().replace(/\.\d{3}Z$/, '+08:00');
/** The China date (YYYY-MM-DD) of @p ms. */
const cstDate = (ms) => new Date(ms + 8 * HOUR).toISOString().slice(0, 10);
/** Start of today in China time, as epoch ms. */
const todayStart = () => Date.parse(cstDate(Date.now()) + 'T00:00:00+08:00');

const get = (path, token = sup) => api(base, 'GET', path, { token });
const post = (path, body, token = sup) => api(base, 'POST', path, { token, body });
const patch = (path, body, token = sup) => api(base, 'PATCH', path, { token, body });
let seq = 0;
const uniq = (p) => `${p}${process.pid % 1000}${++seq}`;

async function newAgent(over = {}, token = sup) {
  const r = await post('/api/v1/callcenter/agents', {
    agent: `Agent/${uniq('')}`, queues: ['sales'], start_date: cstDate(Date.now() - 30 * DAY), ...over,
  }, token);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

const FORM_ITEMS = [
  { key: 'greeting', label: '问候语规范', weight: 40, max_score: 5 },
  { key: 'accuracy', label: '开单准确', weight: 60, max_score: 10 },
];

test('the roster: agents as the queue log names them, mapped to users, refused with the field named', async () => {
  const name = `Agent/${uniq('')}`;
  const r = await post('/api/v1/callcenter/agents', {
    agent: name, username: 'agent', queues: ['sales', 'vip-2'], start_date: '2026-01-05',
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const a = r.body;
  assert.equal(a.agent, name);
  assert.equal(a.user.username, 'agent');
  assert.equal(a.user.display_name, '张晓明');
  assert.equal(a.node, 'GD'); /* the supervisor's node unless told */
  assert.deepEqual(a.queues, ['sales', 'vip-2']);
  assert.equal(a.start_date, '2026-01-05');
  assert.equal(a.leave_date, null);
  assert.equal(a.employed, true);

  assertError(await post('/api/v1/callcenter/agents', { agent: name, start_date: '2026-01-05' }),
    409, 'cc_agent.exists', 'agent');
  assertError(await post('/api/v1/callcenter/agents', { agent: 'SIP 201', start_date: '2026-01-05' }),
    400, 'json.format', 'agent');
  assertError(await post('/api/v1/callcenter/agents', { agent: uniq('SIP/'), start_date: '2026-02-30' }),
    400, 'json.format', 'start_date');
  assertError(await post('/api/v1/callcenter/agents', { agent: uniq('SIP/') }), 400, 'json.missing', 'start_date');
  assertError(await post('/api/v1/callcenter/agents', {
    agent: uniq('SIP/'), start_date: '2026-03-01', leave_date: '2026-02-28',
  }), 422, 'cc_agent.dates_invalid', 'leave_date');
  assertError(await post('/api/v1/callcenter/agents', {
    agent: uniq('SIP/'), start_date: '2026-03-01', username: 'nobody-here',
  }), 422, 'cc_agent.user_unknown', 'username');
  assertError(await post('/api/v1/callcenter/agents', {
    agent: uniq('SIP/'), start_date: '2026-03-01', queues: ['sales', 'a b'],
  }), 400, 'json.format', 'queues[1]');
  assertError(await post('/api/v1/callcenter/agents', {
    agent: uniq('SIP/'), start_date: '2026-03-01', queues: ['sales', 'sales'],
  }), 400, 'json.format', 'queues[1]');
  assertError(await post('/api/v1/callcenter/agents', {
    agent: uniq('SIP/'), start_date: '2026-03-01', node: 'SH',
  }), 404, 'node.not_found', 'node'); /* outside the supervisor's network */
  assertError(await post('/api/v1/callcenter/agents', { agent: uniq('SIP/'), start_date: '2026-03-01' }, agent),
    403, 'auth.forbidden');

  /* Leaving, and undoing it; the name itself never changes. */
  let p = await patch(`/api/v1/callcenter/agents/${a.id}`, { leave_date: '2026-01-04' });
  assertError(p, 422, 'cc_agent.dates_invalid', 'leave_date');
  p = await patch(`/api/v1/callcenter/agents/${a.id}`, { leave_date: '2026-06-30', queues: ['vip-2'] });
  assert.equal(p.status, 200, JSON.stringify(p.body));
  assert.equal(p.body.leave_date, '2026-06-30');
  assert.deepEqual(p.body.queues, ['vip-2']);
  assert.equal(p.body.user.username, 'agent', 'what the patch leaves out stays');
  p = await patch(`/api/v1/callcenter/agents/${a.id}`, { leave_date: null, queues: ['sales'] }, mgr);
  assert.equal(p.status, 200, JSON.stringify(p.body));
  assert.equal(p.body.leave_date, null);
  assertError(await patch(`/api/v1/callcenter/agents/${a.id}`, { agent: 'Agent/9' }), 400, 'json.unknown_field', 'agent');
  assertError(await patch('/api/v1/callcenter/agents/99999999', { queues: [] }), 404, 'cc_agent.not_found');

  const list = await get('/api/v1/callcenter/agents?queue=sales');
  assert.equal(list.status, 200);
  assert.ok(list.body.items.some((x) => x.id === a.id));
  assert.ok(list.body.items.every((x) => x.queues.includes('sales')), 'the queue filter is exact');
  const audits = await audit(base, admin, { action: 'cc_agent.update' });
  assert.ok(audits.some((e) => e.object_id === String(a.id)), 'changes are audited');
});

test('QA forms are versioned: weights sum to 100, a change is a new version, old scores keep theirs', async () => {
  const code = uniq('CALLQA');
  const bad = (items) => post('/api/v1/callcenter/qa-forms', { code, name: '通话质量', items });
  assertError(await bad([{ ...FORM_ITEMS[0] }, { ...FORM_ITEMS[1], weight: 50 }]), 422, 'qa_form.weights_invalid', 'items');
  assertError(await bad([FORM_ITEMS[0], { ...FORM_ITEMS[1], key: 'greeting' }]), 400, 'qa_form.items_invalid', 'items[1].key');
  assertError(await bad([FORM_ITEMS[0], { key: 'accuracy', label: '开单准确', weight: 60 }]), 400, 'json.missing', 'items[1].max_score');
  assertError(await bad([FORM_ITEMS[0], { ...FORM_ITEMS[1], max_score: 0 }]), 400, 'json.range', 'items[1].max_score');
  assertError(await bad([]), 400, 'json.type', 'items');
  assertError(await post('/api/v1/callcenter/qa-forms', { code, name: '通话质量', items: FORM_ITEMS }, mgr), 403, 'auth.forbidden');

  const v1 = await post('/api/v1/callcenter/qa-forms', { code, name: '通话质量', items: FORM_ITEMS });
  assert.equal(v1.status, 201, JSON.stringify(v1.body));
  assert.equal(v1.body.version, 1);
  assert.deepEqual(v1.body.items, FORM_ITEMS);
  const same = await post('/api/v1/callcenter/qa-forms', { code, name: '通话质量', items: FORM_ITEMS });
  assert.equal(same.status, 200, 'saving the same form again makes no version');
  assert.equal(same.body.id, v1.body.id);
  const items2 = [{ ...FORM_ITEMS[0], weight: 30 }, { ...FORM_ITEMS[1], weight: 70 }];
  const v2 = await post('/api/v1/callcenter/qa-forms', { code, name: '通话质量', items: items2 });
  assert.equal(v2.status, 201);
  assert.equal(v2.body.version, 2);

  const latest = await get(`/api/v1/callcenter/qa-forms?code=${code}`);
  assert.deepEqual(latest.body.items.map((f) => f.version), [2]);
  const all = await get(`/api/v1/callcenter/qa-forms?code=${code}&all=1`);
  assert.deepEqual(all.body.items.map((f) => f.version), [1, 2]);
  assertError(await get('/api/v1/callcenter/qa-forms', agent), 403, 'auth.forbidden');

  /* A score filled on version 1 stays on version 1. */
  const ag = await newAgent({ username: 'agent' });
  const s = await post('/api/v1/callcenter/qa-scores', {
    form_id: v1.body.id, agent_id: ag.id, call_id: '1520932412.101',
    items: [{ key: 'greeting', score: 4 }, { key: 'accuracy', score: 9 }], comment: '开单核对地址',
  });
  assert.equal(s.status, 201, JSON.stringify(s.body));
  assert.equal(s.body.form.version, 1);
  assert.equal(s.body.score, 86); /* 40 × 4/5 + 60 × 9/10 */
  assert.equal(s.body.supervisor, 'supervisor');
  assert.deepEqual(s.body.items.map((i) => [i.key, i.label, i.weight, i.max_score, i.score]),
    [['greeting', '问候语规范', 40, 5, 4], ['accuracy', '开单准确', 60, 10, 9]]);
  const byCode = await post('/api/v1/callcenter/qa-scores', {
    form_code: code, agent_id: ag.id, call_id: '1520932412.102',
    items: [{ key: 'greeting', score: 5 }, { key: 'accuracy', score: 5 }],
  });
  assert.equal(byCode.status, 201);
  assert.equal(byCode.body.form.version, 2, 'by code: the latest version');
  assert.equal(byCode.body.score, 65); /* 30 × 5/5 + 70 × 5/10 */
});

test('QA scores: every item once, never above its maximum, a call or waybill named; agents read only their own', async () => {
  const code = uniq('SCOREQA');
  const f = (await post('/api/v1/callcenter/qa-forms', { code, name: '监听', items: FORM_ITEMS })).body;
  const mine = await newAgent({ username: 'agent' });
  const other = await newAgent();
  const score = (over, token = sup) => post('/api/v1/callcenter/qa-scores', {
    form_id: f.id, agent_id: mine.id, call_id: '1520932412.7',
    items: [{ key: 'greeting', score: 5 }, { key: 'accuracy', score: 10 }], ...over,
  }, token);
  assertError(await score({ items: [{ key: 'greeting', score: 6 }, { key: 'accuracy', score: 10 }] }),
    422, 'qa_score.above_max', 'items[0].score');
  assertError(await score({ items: [{ key: 'greeting', score: 5 }] }), 422, 'qa_score.items_mismatch', 'items');
  assertError(await score({ items: [{ key: 'greeting', score: 5 }, { key: 'tone', score: 1 }] }),
    422, 'qa_score.items_mismatch', 'items[1].key');
  assertError(await score({ items: [{ key: 'greeting', score: 5 }, { key: 'greeting', score: 5 }] }),
    422, 'qa_score.items_mismatch', 'items[1].key');
  assertError(await score({ items: [{ key: 'greeting', score: -1 }, { key: 'accuracy', score: 1 }] }),
    400, 'json.range', 'items[0].score');
  assertError(await score({ call_id: undefined }), 400, 'qa_score.target_missing', 'call_id');
  assertError(await score({ call_id: undefined, waybill_no: 'PD123' }), 400, 'waybill.no_invalid', 'waybill_no');
  assertError(await score({ agent_id: 99999999 }), 422, 'cc_agent.unknown', 'agent_id');
  assertError(await score({ form_id: 99999999 }), 422, 'qa_form.unknown', 'form_id');
  assertError(await score({}, mgr), 403, 'auth.forbidden');
  assertError(await score({}, agent), 403, 'auth.forbidden');

  const s1 = await score({});
  assert.equal(s1.status, 201);
  assert.equal(s1.body.score, 100);
  const s2 = await score({ agent_id: other.id, items: [{ key: 'greeting', score: 0 }, { key: 'accuracy', score: 0 }] });
  assert.equal(s2.body.score, 0);
  /* The agent sees its own scores and no one else's; a supervisor sees both. */
  const own = await get('/api/v1/callcenter/qa-scores?limit=200', agent);
  assert.equal(own.status, 200);
  assert.ok(own.body.items.some((x) => x.id === s1.body.id));
  assert.ok(!own.body.items.some((x) => x.id === s2.body.id), 'not another agent\'s score');
  const all = await get(`/api/v1/callcenter/qa-scores?agent_id=${other.id}`);
  assert.deepEqual(all.body.items.map((x) => x.id), [s2.body.id]);
  assert.equal(all.body.items[0].items[0].label, '问候语规范');
  assertError(await get('/api/v1/callcenter/qa-scores?from=yesterday'), 400, 'query.invalid', 'from');
  /* Couriers hold no call-centre permission and map to no agent: nothing to see. */
  const none = await get('/api/v1/callcenter/qa-scores', courier);
  assert.deepEqual(none.body.items, []);
});

test('shifts come a week at a time, never overlap, and a refused batch writes nothing', async () => {
  const a = await newAgent({ username: 'agent' });
  const b = await newAgent();
  const monday = todayStart() + 14 * DAY;
  const week = [0, 1, 2, 3, 4].map((d) => ({
    agent_id: a.id, start: cst(monday + d * DAY + 9 * HOUR), end: cst(monday + d * DAY + 18 * HOUR),
  }));
  const listWeek = async (token = sup) => (await get(`/api/v1/callcenter/shifts?from=${encodeURIComponent(cst(monday))}&to=${encodeURIComponent(cst(monday + 7 * DAY))}&agent_id=${a.id}`, token)).body.items;

  const bad = async (shifts, status, code, field) => {
    assertError(await post('/api/v1/callcenter/shifts', { shifts }), status, code, field);
    assert.equal((await listWeek()).length, 0, `nothing written after ${code}`);
  };
  await bad([...week, { ...week[2], start: cst(monday + 2 * DAY + 17 * HOUR), end: cst(monday + 2 * DAY + 20 * HOUR) }],
    409, 'shift.overlap', 'shifts[5].start');
  await bad([week[0], { ...week[1], end: week[1].start }], 422, 'shift.end_before_start', 'shifts[1].end');
  await bad([{ ...week[0], end: cst(monday + 34 * HOUR) }], 422, 'shift.too_long', 'shifts[0].end');
  await bad([week[0], { ...week[1], agent_id: 99999999 }], 422, 'cc_agent.unknown', 'shifts[1].agent_id');
  await bad([{ ...week[0], start: 'monday 9am' }], 400, 'json.format', 'shifts[0].start');
  await bad([week[0], { ...week[1], node: 'SH-PD01' }], 404, 'node.not_found', 'shifts[1].node');
  await bad([{ agent_id: a.id, start: cst(Date.parse('2025-01-06T09:00:00+08:00')), end: cst(Date.parse('2025-01-06T18:00:00+08:00')) }],
    422, 'cc_agent.not_employed', 'shifts[0].start');
  assertError(await post('/api/v1/callcenter/shifts', { shifts: week }, agent), 403, 'auth.forbidden');

  const r = await post('/api/v1/callcenter/shifts', { shifts: [...week, { agent_id: b.id, start: week[0].start, end: week[0].end, node: 'GD-SZ' }] });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.shifts.length, 6);
  assert.equal(r.body.shifts[0].duration_s, 9 * 3600);
  assert.equal(r.body.shifts[0].attendance, null);
  assert.equal(r.body.shifts[5].node, 'GD-SZ');
  assert.equal(r.body.shifts[0].node, 'GD', 'the agent\'s node unless told');
  assert.equal((await listWeek()).length, 5);
  /* Touching is fine; overlapping what is stored is not. */
  const evening = { agent_id: a.id, start: week[0].end, end: cst(monday + 22 * HOUR) };
  assert.equal((await post('/api/v1/callcenter/shifts', { shifts: [evening] })).status, 201);
  assertError(await post('/api/v1/callcenter/shifts', { shifts: [{ ...evening, start: cst(monday + 21 * HOUR), end: cst(monday + 23 * HOUR) }] }),
    409, 'shift.overlap', 'shifts[0].start');

  /* The agent reads its own shifts, not its colleague's. */
  const mine = await get(`/api/v1/callcenter/shifts?from=${cstDate(monday)}&to=${cstDate(monday + 7 * DAY)}`, agent);
  assert.equal(mine.status, 200);
  assert.ok(mine.body.items.length >= 6);
  assert.ok(mine.body.items.every((s) => s.agent.id !== b.id));
  assertError(await get('/api/v1/callcenter/shifts?from=2026-01-01'), 400, 'query.invalid', 'to');
  assertError(await get('/api/v1/callcenter/shifts?from=2026-01-01&to=2026-06-01'), 400, 'query.invalid', 'to');
});

test('attendance: clock-in and lateness, absences with a reason, refused with the field named', async () => {
  const a = await newAgent({ username: 'agent' });
  const start = todayStart() - 2 * DAY + 9 * HOUR;
  const r = await post('/api/v1/callcenter/shifts', { shifts: [
    { agent_id: a.id, start: cst(start), end: cst(start + 8 * HOUR) },
    { agent_id: a.id, start: cst(start + DAY), end: cst(start + DAY + 8 * HOUR) },
  ] });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const [s1, s2] = r.body.shifts;
  const rec = (body, token = sup) => post('/api/v1/callcenter/attendance', body, token);
  assertError(await rec({ shift_id: s1.id, status: 'present' }), 422, 'attendance.invalid', 'clock_in');
  assertError(await rec({ shift_id: s1.id, status: 'present', clock_in: cst(start), clock_out: cst(start - 60000) }),
    422, 'attendance.invalid', 'clock_out');
  assertError(await rec({ shift_id: s1.id, status: 'present', clock_in: cst(Date.now() + DAY) }), 422, 'attendance.invalid', 'clock_in');
  assertError(await rec({ shift_id: s1.id, status: 'present', clock_in: cst(start + 9 * HOUR) }), 422, 'attendance.invalid', 'clock_in');
  assertError(await rec({ shift_id: s2.id, status: 'absent' }), 422, 'attendance.invalid', 'reason');
  assertError(await rec({ shift_id: s2.id, status: 'absent', reason: '病假', clock_in: cst(start) }), 422, 'attendance.invalid', 'clock_in');
  assertError(await rec({ shift_id: s2.id, status: 'late' }), 400, 'json.enum', 'status');
  assertError(await rec({ shift_id: 99999999, status: 'absent', reason: '病假' }), 422, 'shift.unknown', 'shift_id');
  assertError(await rec({ shift_id: s1.id, status: 'absent', reason: '病假' }, agent), 403, 'auth.forbidden');

  let ok = await rec({ shift_id: s1.id, status: 'present', clock_in: cst(start + 7 * 60000 + 30000) });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.attendance.status, 'present');
  assert.equal(ok.body.attendance.late_min, 7);
  assert.equal(ok.body.attendance.clock_out, null);
  ok = await rec({ shift_id: s1.id, status: 'present', clock_in: cst(start - 5 * 60000), clock_out: cst(start + 8 * HOUR) });
  assert.equal(ok.body.attendance.late_min, 0, 'replaced: early is not late');
  assert.equal(ok.body.attendance.clock_out, cst(start + 8 * HOUR));
  ok = await rec({ shift_id: s2.id, status: 'absent', reason: '病假' }, mgr);
  assert.equal(ok.status, 200);
  assert.equal(ok.body.attendance.reason, '病假');
  const listed = (await get(`/api/v1/callcenter/shifts?from=${cstDate(start)}&to=${cstDate(start + 3 * DAY)}&agent_id=${a.id}`)).body.items;
  assert.deepEqual(listed.map((s) => s.attendance?.status), ['present', 'absent']);
});

test('cost entries: a period of whole days, an amount in fen, a category', async () => {
  const c = await post('/api/v1/callcenter/costs', {
    period_from: '2026-10-01', period_to: '2026-10-31', amount_fen: 31000000, category: 'staff', note: '十月座席工资',
  }, mgr);
  assert.equal(c.status, 201, JSON.stringify(c.body));
  assert.equal(c.body.period_from, '2026-10-01');
  assert.equal(c.body.period_to, '2026-10-31');
  assert.equal(c.body.queue, null);
  assert.equal(c.body.node, 'GD');
  assertError(await post('/api/v1/callcenter/costs', { period_from: '2026-10-31', period_to: '2026-10-01', amount_fen: 1, category: 'staff' }),
    422, 'cost.period_invalid', 'period_to');
  assertError(await post('/api/v1/callcenter/costs', { period_from: '2026-10-01', period_to: '2026-10-31', amount_fen: -1, category: 'staff' }),
    400, 'json.range', 'amount_fen');
  assertError(await post('/api/v1/callcenter/costs', { period_from: '2026-10-01', period_to: '2026-10-31', amount_fen: 1, category: 'coffee' }),
    400, 'json.enum', 'category');
  assertError(await post('/api/v1/callcenter/costs', { period_from: '2026-10-01', period_to: '2026-10-31', amount_fen: 1, category: 'staff' }, agent),
    403, 'auth.forbidden');
  const list = await get('/api/v1/callcenter/costs?from=2026-10-15&to=2026-10-16');
  assert.ok(list.body.items.some((x) => x.id === c.body.id));
  const before = await get('/api/v1/callcenter/costs?from=2026-11-01&to=2026-11-02');
  assert.ok(!before.body.items.some((x) => x.id === c.body.id), 'periods that do not overlap are not listed');
});

test('GET /own: QA score, attendance, scheduled time, waybill accuracy, turnover and prorated cost', async () => {
  const queue = uniq('ownq');
  const from = todayStart() - 10 * DAY, to = todayStart() + DAY;
  const mine = await newAgent({ username: 'agent', queues: [queue], start_date: cstDate(from - 30 * DAY) });
  const left = await newAgent({ queues: [queue], start_date: cstDate(from - 30 * DAY), leave_date: cstDate(from + 5 * DAY) });
  await newAgent({ queues: [queue], start_date: cstDate(from + 2 * DAY) });

  /* Two shifts in the past (one attended, one missed), one in the future. */
  const s = (d, h) => ({ agent_id: mine.id, start: cst(todayStart() + d * DAY + 9 * HOUR), end: cst(todayStart() + d * DAY + (9 + h) * HOUR) });
  const sh = await post('/api/v1/callcenter/shifts', { shifts: [s(-3, 8), s(-2, 6), s(5, 8)] });
  assert.equal(sh.status, 201, JSON.stringify(sh.body));
  await post('/api/v1/callcenter/attendance', { shift_id: sh.body.shifts[0].id, status: 'present', clock_in: sh.body.shifts[0].start });
  await post('/api/v1/callcenter/attendance', { shift_id: sh.body.shifts[1].id, status: 'absent', reason: '事假' });

  const code = uniq('OWNQA');
  const form = (await post('/api/v1/callcenter/qa-forms', { code, name: '监听', items: FORM_ITEMS })).body;
  for (const [g, acc] of [[5, 10], [4, 9]])
    assert.equal((await post('/api/v1/callcenter/qa-scores', { form_id: form.id, agent_id: mine.id, call_id: '1.1', items: [{ key: 'greeting', score: g }, { key: 'accuracy', score: acc }] })).status, 201);

  /* Two orders entered by the agent's user; one corrected afterwards. */
  const w1 = await createOrder(base, agent, orderBody({ channel: 'phone' }));
  await createOrder(base, agent, orderBody({ channel: 'phone' }));
  const fix = await patchOrder(base, agent, w1.waybill_no, { recipient: { name: '李四改' } });
  assert.equal(fix.status, 200, JSON.stringify(fix.body));

  /* One cost entry exactly the period, one twice as long of which half falls in it. */
  const c = (pf, pt, fen) => post('/api/v1/callcenter/costs', { period_from: pf, period_to: pt, amount_fen: fen, category: 'telecom', queue }, mgr);
  assert.equal((await c(cstDate(from), cstDate(to - DAY), 110000)).status, 201);
  assert.equal((await c(cstDate(from - 11 * DAY), cstDate(to - DAY), 50001)).status, 201);

  const r = await get(`/api/v1/callcenter/own?from=${cstDate(from)}&to=${cstDate(to)}&queue=${queue}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.parameters.queue, queue);
  assert.equal(r.body.parameters.from, cst(from));
  const me = r.body.agents[mine.agent];
  assert.ok(me, JSON.stringify(r.body.agents));
  assert.equal(me.username, 'agent');
  assert.equal(me.qa_forms, 2);
  assert.equal(me.qa_score, (100 + 86) / 2);
  assert.equal(me.shifts_scheduled, 2, 'a shift not begun yet is not counted');
  assert.equal(me.shifts_attended, 1);
  assert.equal(me.attendance, 0.5);
  assert.equal(me.scheduled_s, 14 * 3600);
  assert.ok(me.waybills_entered >= 2, JSON.stringify(me));
  assert.ok(me.waybills_corrected >= 1);
  assert.equal(me.waybill_accuracy_pass, false);
  assert.equal(r.body.agents[left.agent].waybills_entered, 0);
  assert.equal(r.body.agents[left.agent].waybill_accuracy, null);
  assert.equal(Object.keys(r.body.agents).length, 3);
  assert.deepEqual(r.body.turnover, { headcount_start: 2, headcount_end: 2, leavers: 1, rate: 0.5 });
  assert.deepEqual(r.body.cost, { has_cost: true, cost_fen: 110000 + 25001 }); /* 50001 × 11/22, half up */

  /* Narrowed to one agent; accuracy exact for an agent with a fresh user. */
  const one = await get(`/api/v1/callcenter/own?from=${cstDate(from)}&to=${cstDate(to)}&agent=${encodeURIComponent(left.agent)}`);
  assert.deepEqual(Object.keys(one.body.agents), [left.agent]);
  assertError(await get('/api/v1/callcenter/own?from=2026-01-02&to=2026-01-01'), 400, 'query.invalid', 'to');
  assertError(await get('/api/v1/callcenter/own?to=2026-01-01'), 400, 'query.invalid', 'from');
  assertError(await get(`/api/v1/callcenter/own?from=${cstDate(from)}&to=${cstDate(to)}`, agent), 403, 'auth.forbidden');
});

test('the screen pop: the caller\'s customer and open waybills, found by phone as typed', async () => {
  const phone = uniquePhone();
  const w1 = await createOrder(base, agent, orderBody({ sender: { phone } }));
  const w2 = await createOrder(base, agent, orderBody({ recipient: { phone } }));
  const gone = await createOrder(base, agent, orderBody({ sender: { phone } }));
  const cancel = await act(base, agent, gone.waybill_no, 'cancel', { reason: '客户取消' });
  assert.equal(cancel.status, 200, JSON.stringify(cancel.body));

  const typed = `+86 ${phone.slice(0, 3)} ${phone.slice(3, 7)} ${phone.slice(7)}`;
  const r = await get(`/api/v1/callcenter/lookup?phone=${encodeURIComponent(typed)}`, agent);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.phone, phone);
  assert.deepEqual(r.body.waybills.map((w) => w.waybill_no), [w2.waybill_no, w1.waybill_no], 'open ones, newest first');
  assert.equal(r.body.waybills[0].role, 'recipient');
  assert.equal(r.body.waybills[1].role, 'sender');
  assert.equal(r.body.waybills[1].sender.phone, phone);
  assert.equal(r.body.waybills[1].sender.name, '张三');
  assert.equal(r.body.waybills[1].state, w1.state);
  assert.deepEqual(r.body.tickets, []);
  assert.deepEqual(r.body.problem_parcels, []);
  assert.equal(typeof r.body.modules.tickets, 'string');
  const entries = await audit(base, admin, { action: 'callcenter.lookup' });
  assert.ok(entries.some((e) => e.object_id === phone && e.actor.name === 'agent'), 'a personal read is audited');

  /* The customer by its contact phone, written another way. */
  const shop = await get('/api/v1/callcenter/lookup?phone=' + encodeURIComponent('(0755) 8600 1234'), agent);
  assert.deepEqual(shop.body.customers.map((c) => c.code), ['SZ-SHOP01']);
  assert.equal(shop.body.customers[0].phone, '0755-86001234');

  /* Without personal_data.read the names and phones are masked. */
  const masked = await get(`/api/v1/callcenter/lookup?phone=${phone}`, am);
  assert.equal(masked.status, 200);
  assert.match(masked.body.waybills[1].sender.phone, /^139\*{4}\d{4}$/);
  assert.equal(masked.body.waybills[1].sender.name, '张*');
  /* The network scope holds: a courier's outlet sees none of GD-SZ's orders. */
  assert.deepEqual((await get(`/api/v1/callcenter/lookup?phone=${phone}`, courier)).body.waybills, []);
  assertError(await get('/api/v1/callcenter/lookup?phone=12345', agent), 400, 'phone.invalid', 'phone');
  assertError(await get('/api/v1/callcenter/lookup', agent), 400, 'query.invalid', 'phone');
  assertError(await get(`/api/v1/callcenter/lookup?phone=${phone}&name=x`, agent), 400, 'query.unknown_parameter');
});
