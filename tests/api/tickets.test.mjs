// The service desk, part A (issue 5 "Done means"; docs/service-desk.md): a
// complaint walked from the public form through investigation, the apology
// letter, a wait for the customer, resolution and the callback's
// satisfaction, with every clock checked at each step under a pinned clock
// (PD_FAKE_NOW). Each step runs on a new server over the same database, so
// the clocks visibly survive restarts; the clock job escalates at the
// warning point and at the deadline, once per level, to the responsible
// person, the node's supervisor and (for a major incident) head office.
// Then reopening, corrective actions, statistics and their exports, bad
// input (nothing half-written), and the public pages' guessing limits.
//
// The week: Mon 9 Mar 2026 is an ordinary working week in China (no
// holiday until Qingming, 4–6 Apr). Hand-worked deadlines (docs/calendar.md):
//   investigation, 1 working day from Mon 10:00 → Tue 10 Mar 23:59:59,
//     warned at 75 % of Tue's 24 h → Tue 18:00;
//   regulatory reply, 7 calendar days → Mon 16 Mar 23:59:59, warned Sun 15 06:00;
//   apology letter, 1 working day from Tue 19:00 → Wed 11 Mar 23:59:59;
//   major report, 24 hours from Mon 10:00 → Tue 10:00, warned Mon 22:00.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, freshDatabase, api, login, BIN, ROOT } from '../lib/harness.mjs';
import { assertError, pollUntil } from './lib/http.mjs';
import { orderBody, createOrder } from './lib/orders.mjs';

const T1 = '2026-03-09T10:00:00+08:00'; // Mon: the complaints arrive
const T2 = '2026-03-10T19:00:00+08:00'; // Tue evening: investigation due soon, written claim
const T3 = '2026-03-11T10:00:00+08:00'; // Wed: investigation overdue, apology sent, wait
const T4 = '2026-03-13T10:00:00+08:00'; // Fri: the customer answered; resolved, closed, callback
const T5 = '2026-04-20T10:00:00+08:00'; // weeks later: past the 30-day reopen window

let db;
let srv = null;
const tokens = {};
let base;
let complaintNo; // from the public form
let majorNo; // taken by phone, a major incident
let callbackNo;
let waybillNo;
const PHONE = '13712345678';

/** A server over the test database whose clock reads @p now. */
async function at(now, { worker = false } = {}) {
  if (srv) await srv.stop();
  const args = ['--monitor-worker', 'false'];
  if (!worker) args.push('--tickets-clock-worker', 'false');
  srv = await startServer({ database: db, env: { PD_FAKE_NOW: now }, args });
  base = srv.url;
  // Sessions expire 8 idle hours after the (pinned) clock last saw them: log in afresh.
  for (const k of Object.keys(tokens)) delete tokens[k];
  return srv;
}

/** One round of the clock job at @p now (`parceldesk clocks run`). */
function clocksRun(now) {
  const out = execFileSync(BIN, ['clocks', 'run', '--db', db.url, '--now', now], {
    cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(out.trim().split('\n').pop());
}

/** A deadline by `parceldesk calendar due` (an independent caller of the same calendar). */
function calendarDue(args) {
  return execFileSync(BIN, ['calendar', 'due', ...args], { cwd: ROOT, encoding: 'utf8' }).trim();
}

async function tok(user) {
  if (!tokens[user]) tokens[user] = await login(base, user);
  return tokens[user];
}

async function call(user, method, path, body) {
  return api(base, method, path, { token: user ? await tok(user) : undefined, body });
}

async function ok(user, method, path, body, status = 200) {
  const r = await call(user, method, path, body);
  assert.equal(r.status, status, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

const view = (no, user = 'complaint_handler') => ok(user, 'GET', `/api/v1/tickets/${no}`);
const clockOf = (t, rule) => t.clocks.find((c) => c.rule === rule);
const inbox = async (user, q = '') => (await ok(user, 'GET', `/api/v1/me/notifications${q}`)).items;

before(async () => {
  db = freshDatabase();
});

after(async () => {
  if (srv) await srv.stop();
  db.drop();
});

test('T1: a complaint from the public form starts the regulatory and investigation clocks', async () => {
  await at(T1);
  const w = await createOrder(base, await tok('agent'), orderBody());
  waybillNo = w.waybill_no;
  const r = await api(base, 'POST', '/api/v1/public/complaints', {
    body: { name: '王五', phone: PHONE, waybill_no: waybillNo, category: 'delay', text: '三天没有更新，急用' },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.match(r.body.ticket_no, /^TS20260309\d{4}$/);
  assert.equal(r.body.status, 'new');
  complaintNo = r.body.ticket_no;

  const t = await view(complaintNo);
  assert.equal(t.kind, 'complaint');
  assert.equal(t.channel, 'public_form');
  assert.equal(t.node.code, 'GD-SZ', 'the waybill\'s node handles it');
  assert.equal(t.waybill_no, waybillNo);
  assert.equal(t.owner, null, 'nobody has taken it yet');
  assert.equal(t.contact.phone, PHONE);
  const inv = clockOf(t, 'investigation');
  assert.equal(inv.state, 'running');
  assert.equal(inv.started_at, T1);
  assert.equal(inv.due_at, '2026-03-10T23:59:59+08:00');
  assert.equal(inv.warn_at, '2026-03-10T18:00:00+08:00');
  assert.equal(inv.pausable, true);
  const reg = clockOf(t, 'regulatory_reply');
  assert.equal(reg.due_at, '2026-03-16T23:59:59+08:00');
  assert.equal(reg.warn_at, '2026-03-15T06:00:00+08:00');
  assert.equal(reg.pausable, false);
  assert.equal(t.clocks.length, 2);

  // The customer's status page: the right four digits only.
  const pub = await api(base, 'GET', `/api/v1/public/complaints/${complaintNo}?phone_last4=5678`);
  assert.equal(pub.status, 200, JSON.stringify(pub.body));
  assert.equal(pub.body.status, 'new');
  assert.deepEqual(pub.body.replies, []);
  assertError(await api(base, 'GET', `/api/v1/public/complaints/${complaintNo}?phone_last4=1111`), 403, 'ticket.phone_mismatch', 'phone_last4');
  assertError(await api(base, 'GET', `/api/v1/public/complaints/${complaintNo}`), 400, 'query.invalid', 'phone_last4');

  // The complaint handler takes it: first contact for a public-form complaint.
  const p = await ok('complaint_handler', 'PATCH', `/api/v1/tickets/${complaintNo}`, { responsible: 'complaint_handler', department: 'delivery' });
  assert.equal(p.owner.username, 'complaint_handler');
  assert.equal(p.responsible.username, 'complaint_handler');
  assert.equal(p.department, 'delivery');

  // A second complaint by phone; the agent takes it (and owns it).
  const m = await ok('agent', 'POST', '/api/v1/tickets', {
    kind: 'complaint', channel: 'phone', category: 'loss', description: '整票丢失，价值较高',
    contact: { name: '赵六', phone: '13911112222' }, responsible: 'agent',
  }, 201);
  majorNo = m.ticket_no;
  assert.equal(m.owner.username, 'agent');
  const mj = await ok('agent', 'POST', `/api/v1/tickets/${majorNo}/actions`, { kind: 'major_incident' });
  assert.equal(mj.major, true);
  const rep = clockOf(mj, 'major_report');
  assert.equal(rep.started_at, T1, 'counted from the incident; none recorded: the complaint');
  assert.equal(rep.due_at, '2026-03-10T10:00:00+08:00');
  assert.equal(rep.warn_at, '2026-03-09T22:00:00+08:00');
});

test('T2 (restart): the clock job warns the responsible person once; a written claim starts the apology letter', async () => {
  await at(T2);
  let t = await view(complaintNo);
  assert.equal(clockOf(t, 'investigation').state, 'due_soon');
  assert.equal(clockOf(t, 'regulatory_reply').state, 'running');

  const r = clocksRun(T2);
  // complaint: investigation warned; major: investigation warned, major_report overdue (head office)
  assert.deepEqual({ warned: r.warned, due: r.due, head_office: r.head_office }, { warned: 2, due: 1, head_office: 0 });
  const again = clocksRun(T2);
  assert.deepEqual({ warned: again.warned, due: again.due }, { warned: 0, due: 0 }, 'once per clock and level');

  const mine = await inbox('complaint_handler');
  assert.equal(mine.length, 1);
  assert.equal(mine[0].ticket_no, complaintNo);
  assert.equal(mine[0].rule, 'investigation');
  assert.equal(mine[0].level, 'warn');
  assert.equal(mine[0].audience, 'responsible');
  assert.equal(mine[0].due_at, '2026-03-10T23:59:59+08:00');
  const agents = await inbox('agent');
  assert.deepEqual(agents.map((n) => [n.ticket_no, n.rule, n.level]), [[majorNo, 'investigation', 'warn']]);
  const hq = await inbox('admin');
  assert.deepEqual(hq.map((n) => [n.ticket_no, n.rule, n.level, n.audience]), [[majorNo, 'major_report', 'due', 'head_office']]);
  assert.equal((await inbox('supervisor')).length, 0, 'nothing is overdue at a supervisor\'s node yet');

  t = await view(complaintNo);
  assert.equal(clockOf(t, 'investigation').escalated, 'warned');
  assert.ok(t.events.some((e) => e.kind === 'escalation' && e.detail.level === 'warn'), 'the history shows it');

  await ok('complaint_handler', 'POST', `/api/v1/tickets/${complaintNo}/status`, { status: 'investigating' });
  await ok('complaint_handler', 'POST', `/api/v1/tickets/${complaintNo}/notes`, { text: '内部：已联系南山营业部查件' }, 201);
  t = await ok('complaint_handler', 'POST', `/api/v1/tickets/${complaintNo}/actions`, { kind: 'written_claim' });
  const ap = clockOf(t, 'apology_letter');
  assert.ok(ap, 'not yet investigated: the apology letter (not the negotiation letter)');
  assert.equal(clockOf(t, 'negotiation_letter'), undefined);
  assert.equal(ap.started_at, T2);
  assert.equal(ap.due_at, '2026-03-11T23:59:59+08:00');
  assertError(await call('complaint_handler', 'POST', `/api/v1/tickets/${complaintNo}/actions`, { kind: 'written_claim' }), 409, 'ticket.clock_started', 'kind');
});

test('T3 (restart, worker on): overdue goes to the supervisor; the apology is in time; waiting pauses the pausable clocks', async () => {
  await at(T3, { worker: true });
  // The server's own round at start escalates what ran out while it was down.
  const sup = await pollUntil(async () => {
    const items = await inbox('supervisor');
    return items.some((n) => n.ticket_no === complaintNo) ? items : null;
  });
  assert.ok(sup, 'the worker escalated the overdue investigation');
  const due = sup.find((n) => n.ticket_no === complaintNo);
  assert.deepEqual([due.rule, due.level, due.audience, due.node], ['investigation', 'due', 'supervisor', 'GD']);
  // The major ticket's overdue investigation also goes to head office.
  const hq = await pollUntil(async () => {
    const items = await inbox('admin');
    return items.some((n) => n.level === 'head_office') ? items : null;
  });
  assert.ok(hq.some((n) => n.ticket_no === majorNo && n.rule === 'investigation' && n.level === 'head_office'));
  // A CLI round now finds nothing left to say.
  const r = clocksRun(T3);
  assert.deepEqual({ warned: r.warned, due: r.due, head_office: r.head_office }, { warned: 0, due: 0, head_office: 0 });
  // Reading a notification marks it read for its audience.
  const read = await ok('supervisor', 'POST', `/api/v1/me/notifications/${due.id}/read`);
  assert.equal(read.read, true);
  assert.equal((await inbox('supervisor', '?unread=1')).filter((n) => n.id === due.id).length, 0);
  assertError(await call('agent', 'POST', `/api/v1/me/notifications/${due.id}/read`), 404, 'notification.not_found', null);

  let t = await view(complaintNo);
  assert.equal(clockOf(t, 'investigation').state, 'overdue');
  assert.equal(clockOf(t, 'investigation').escalated, 'due');
  t = await ok('complaint_handler', 'POST', `/api/v1/tickets/${complaintNo}/actions`, { kind: 'investigation_done', note: '派件延误，网点积压' });
  assert.equal(t.investigated, true);
  assert.equal(clockOf(t, 'investigation').state, 'met');
  assert.equal(clockOf(t, 'investigation').late, true);
  t = await ok('complaint_handler', 'POST', `/api/v1/tickets/${complaintNo}/actions`, { kind: 'apology_letter_sent' });
  assert.equal(clockOf(t, 'apology_letter').state, 'met');
  assert.equal(clockOf(t, 'apology_letter').late, false);
  assert.equal(clockOf(t, 'apology_letter').met_at, T3);

  // Compensation is due (60 working days from the incident = the complaint), then we wait for the customer's bank details.
  t = await ok('complaint_handler', 'POST', `/api/v1/tickets/${complaintNo}/actions`, { kind: 'compensation_due' });
  const plain = calendarDue(['--from', T1, '--working-days', '60']);
  assert.equal(clockOf(t, 'compensation').due_at, plain);
  t = await ok('complaint_handler', 'POST', `/api/v1/tickets/${complaintNo}/status`, { status: 'waiting_customer' });
  assert.equal(t.status, 'waiting_customer');
  assert.equal(t.waiting_since, T3);
  await at(T4.replace('13T', '12T')); // Thu, still waiting (a restart in between)
  t = await view(complaintNo);
  assert.equal(clockOf(t, 'compensation').state, 'paused', 'pausable: held while the customer is asked');
  assert.equal(clockOf(t, 'compensation').paused, true);
  assert.equal(clockOf(t, 'regulatory_reply').state, 'running', 'the regulation\'s 7 days run on');
});

test('T4 (restart): the answer ends the wait and moves the deadline; resolved, closed, callback, satisfaction', async () => {
  await at(T4);
  let t = await ok('complaint_handler', 'POST', `/api/v1/tickets/${complaintNo}/status`, { status: 'investigating' });
  assert.equal(t.waiting_since, null);
  assert.deepEqual(t.waiting_periods, [{ from: T3, to: T4 }]);
  const moved = calendarDue(['--from', T1, '--working-days', '60', '--pause', `${T3}/${T4}`]);
  assert.equal(clockOf(t, 'compensation').due_at, moved);
  assert.equal(moved, calendarDue(['--from', T1, '--working-days', '62']), 'two working days of waiting: two days later');
  assert.notEqual(moved, calendarDue(['--from', T1, '--working-days', '60']));
  t = await ok('complaint_handler', 'POST', `/api/v1/tickets/${complaintNo}/actions`, { kind: 'compensation_paid' });
  assert.equal(clockOf(t, 'compensation').state, 'met');

  // Resolving tells the customer (a reply) and meets the regulatory clock, in time.
  assertError(await call('complaint_handler', 'POST', `/api/v1/tickets/${complaintNo}/status`, { status: 'resolved' }), 400, 'ticket.resolution_required', 'resolution');
  await ok('complaint_handler', 'POST', `/api/v1/tickets/${complaintNo}/replies`, { text: '您好，快件已找到，今日派送。' }, 201);
  t = await ok('complaint_handler', 'POST', `/api/v1/tickets/${complaintNo}/status`, { status: 'resolved', resolution: '已赔付运费并派送到件。' });
  const reg = clockOf(t, 'regulatory_reply');
  assert.deepEqual([reg.state, reg.late, reg.met_at], ['met', false, T4]);
  const pub = await api(base, 'GET', `/api/v1/public/complaints/${complaintNo}?phone_last4=5678`);
  assert.equal(pub.body.status, 'resolved');
  assert.deepEqual(pub.body.replies.map((r) => r.text), ['您好，快件已找到，今日派送。', '已赔付运费并派送到件。']);
  assert.ok(!JSON.stringify(pub.body).includes('内部'), 'internal notes never reach the customer');
  assert.ok(!JSON.stringify(pub.body).includes('complaint_handler'), 'nor staff names');

  // Closing needs a reason, and opens the callback task linked to it.
  const before = (await view(complaintNo)).events.length;
  assertError(await call('complaint_handler', 'POST', `/api/v1/tickets/${complaintNo}/status`, { status: 'closed' }), 400, 'ticket.reason_required', 'reason');
  assertError(await call('complaint_handler', 'POST', `/api/v1/tickets/${complaintNo}/status`, { status: 'closed', reason: '   ' }), 400, 'ticket.reason_required', 'reason');
  assert.equal((await view(complaintNo)).events.length, before, 'nothing half-written');
  const c = await ok('complaint_handler', 'POST', `/api/v1/tickets/${complaintNo}/status`, { status: 'closed', reason: '客户接受处理结果' });
  assert.equal(c.ticket.status, 'closed');
  assert.equal(c.ticket.close_reason, '客户接受处理结果');
  assert.match(c.callback_no, /^TS20260313\d{4}$/);
  callbackNo = c.callback_no;
  assertError(await call('complaint_handler', 'POST', `/api/v1/tickets/${complaintNo}/replies`, { text: '还有一事' }), 409, 'ticket.closed', null);
  assertError(await call('complaint_handler', 'POST', `/api/v1/tickets/${complaintNo}/actions`, { kind: 'customer_informed' }), 409, 'ticket.closed', null);

  const cb = await view(callbackNo);
  assert.equal(cb.kind, 'callback');
  assert.equal(cb.parent_no, complaintNo);
  assert.equal(cb.owner.username, 'complaint_handler', 'the first-contact owner keeps the customer');
  assert.equal(cb.clocks.length, 0);
  assert.ok((await view(complaintNo)).linked.some((l) => l.ticket_no === callbackNo));
  assertError(await call('complaint_handler', 'POST', `/api/v1/tickets/${complaintNo}/satisfaction`, { score: 5 }), 409, 'ticket.closed', null);
  assertError(await call('complaint_handler', 'POST', `/api/v1/tickets/${callbackNo}/satisfaction`, { score: 6 }), 400, 'json.range', 'score');
  const s = await ok('complaint_handler', 'POST', `/api/v1/tickets/${callbackNo}/satisfaction`, { score: 5, comment: '处理及时' });
  assert.equal(s.status, 'closed');
  assert.deepEqual([s.satisfaction.score, s.satisfaction.comment], [5, '处理及时']);

  // Every change is in the audit log too.
  const audit = await ok('admin', 'GET', `/api/v1/audit?object_type=ticket&object_id=${complaintNo}&limit=100`);
  const actions = new Set(audit.items.map((a) => a.action));
  for (const a of ['ticket.public_create', 'ticket.update', 'ticket.status', 'ticket.action', 'ticket.note', 'ticket.reply'])
    assert.ok(actions.has(a), `audit has ${a}`);
});

test('corrective actions: owner, due date, overdue per node, a supervisor evaluates once', async () => {
  const a = await ok('complaint_handler', 'POST', `/api/v1/tickets/${complaintNo}/corrective-actions`,
    { measure: '南山营业部晚班增派一名派件员', owner: 'dispatcher', due: '2026-03-12' }, 201);
  assert.equal(a.due_at, '2026-03-12T23:59:59+08:00');
  assert.equal(a.overdue, true, 'due yesterday, not done');
  const list = await ok('supervisor', 'GET', '/api/v1/corrective-actions?overdue=1&node=GD-SZ');
  assert.ok(list.items.some((x) => x.id === a.id));
  assertError(await call('complaint_handler', 'PATCH', `/api/v1/corrective-actions/${a.id}`, { evaluation: 'partly', evaluation_note: '有改善' }), 403, 'auth.forbidden', 'evaluation');
  assertError(await call('supervisor', 'PATCH', `/api/v1/corrective-actions/${a.id}`, { evaluation: 'partly' }), 400, 'json.missing', 'evaluation_note');
  assertError(await call('complaint_handler', 'POST', `/api/v1/tickets/${complaintNo}/corrective-actions`, { measure: '培训', owner: 'nobody_here', due: '2026-03-20' }), 422, 'ticket.user_unknown', 'owner');
  assertError(await call('complaint_handler', 'POST', `/api/v1/tickets/${complaintNo}/corrective-actions`, { measure: '培训', owner: 'dispatcher', due: '20.3.2026' }), 400, 'json.format', 'due');
  const e = await ok('supervisor', 'PATCH', `/api/v1/corrective-actions/${a.id}`, { evaluation: 'partly', evaluation_note: '积压减少，仍有延误' });
  assert.equal(e.evaluation.result, 'partly');
  assert.equal(e.overdue, false, 'evaluated means done');
  assertError(await call('supervisor', 'PATCH', `/api/v1/corrective-actions/${a.id}`, { evaluation: 'effective', evaluation_note: '再评' }), 409, 'corrective.already_evaluated', 'evaluation');
  const t = await view(complaintNo);
  assert.equal(t.corrective_actions.length, 1);
  assert.equal(t.corrective_actions[0].evaluation.result, 'partly');
});

test('statistics: complaints per 10,000 waybills, clocks met in time, CSAT; CSV and Excel', async () => {
  const q = 'from=2026-03-01&to=2026-04-01';
  const s = await ok('supervisor', 'GET', `/api/v1/stats/complaints?${q}`);
  assert.match(s.parameters.denominator, /waybills created/);
  assert.equal(s.parameters.node, 'GD');
  assert.equal(s.complaints, 2, 'the public one (GD-SZ) and the phoned one (GD-SZ)');
  assert.equal(s.waybills, 1);
  assert.equal(s.per_10k, 20000);
  assert.deepEqual(s.by_category.map((c) => [c.category, c.complaints]), [['delay', 1], ['loss', 1]]);
  assert.deepEqual(s.by_department.map((d) => [d.department, d.complaints]), [['delivery', 1], ['unassigned', 1]]);
  const byRule = Object.fromEntries(s.clocks.map((c) => [c.rule, c]));
  assert.equal(byRule.investigation.started, 2);
  assert.equal(byRule.investigation.met_late, 1);
  assert.equal(byRule.investigation.overdue, 1, 'the major complaint\'s is still running, late');
  assert.equal(byRule.investigation.share_in_time, 0);
  assert.equal(byRule.apology_letter.share_in_time, 1);
  assert.equal(byRule.regulatory_reply.met_in_time, 1);
  // a narrower scope, and one outside the caller's network
  const sh = await ok('admin', 'GET', `/api/v1/stats/complaints?${q}&node=SH`);
  assert.equal(sh.complaints, 0);
  assertError(await call('supervisor', 'GET', `/api/v1/stats/complaints?${q}&node=SH`), 422, 'ticket.node_unknown', 'node');
  assertError(await call('supervisor', 'GET', '/api/v1/stats/complaints?from=2026-03-10&to=2026-03-01'), 400, 'stats.period_invalid', 'to');
  assertError(await call('supervisor', 'GET', '/api/v1/stats/complaints?from=March&to=2026-04-01'), 400, 'query.invalid', 'from');
  assertError(await call('agent', 'GET', `/api/v1/stats/complaints?${q}`), 403, 'auth.forbidden');

  const csv = await api(base, 'GET', `/api/v1/stats/complaints?${q}&format=csv`, { token: await tok('supervisor') });
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-type'), /text\/csv/);
  assert.match(csv.body, /total,GD,,2,1,20000\.00/);
  assert.match(csv.body, /category,delay,延误,1,,10000\.00/);
  const x = await fetch(`${base}/api/v1/stats/complaints?${q}&format=xlsx`, { headers: { authorization: `Bearer ${await tok('supervisor')}` } });
  assert.equal(x.status, 200);
  assert.match(x.headers.get('content-type'), /spreadsheetml/);
  const bytes = Buffer.from(await x.arrayBuffer());
  assert.equal(bytes.subarray(0, 2).toString(), 'PK', 'an Office Open XML (zip) workbook');
  assert.ok(bytes.length > 1000);

  const c = await ok('supervisor', 'GET', `/api/v1/stats/csat?${q}`);
  assert.deepEqual([c.overall.responses, c.overall.average, c.overall.csat], [1, 5, 1]);
  assert.deepEqual(c.by_category.map((b) => [b.category, b.responses]), [['delay', 1]], 'the complaint\'s category');
  assert.deepEqual(c.by_period.map((b) => b.period), ['2026-03-13']);
  assert.deepEqual(c.by_node.map((b) => b.node), ['GD-SZ']);
  const m = await ok('supervisor', 'GET', `/api/v1/stats/csat?${q}&period=month`);
  assert.deepEqual(m.by_period.map((b) => b.period), ['2026-03']);
});

test('bad input is refused with the field named, and nothing is written', async () => {
  const before = (await ok('agent', 'GET', '/api/v1/tickets?limit=200')).items.length;
  const body = { kind: 'complaint', channel: 'phone', category: 'delay', description: '测试' };
  assertError(await call('agent', 'POST', '/api/v1/tickets', { ...body, category: 'teleport' }), 400, 'ticket.category_unknown', 'category');
  assertError(await call('agent', 'POST', '/api/v1/tickets', { ...body, kind: 'rant' }), 400, 'json.enum', 'kind');
  assertError(await call('agent', 'POST', '/api/v1/tickets', { ...body, incident_at: '2026-03-09 10:00' }), 400, 'json.format', 'incident_at');
  assertError(await call('agent', 'POST', '/api/v1/tickets', { ...body, contact: { phone: '12345' } }), 400, 'phone.invalid', 'contact.phone');
  assertError(await call('agent', 'POST', '/api/v1/tickets', { ...body, waybill_no: 'PD0000000000001' }), 400, 'waybill.no_invalid', 'waybill_no');
  assertError(await call('agent', 'POST', '/api/v1/tickets', { ...body, responsible: 'nobody_here' }), 422, 'ticket.user_unknown', 'responsible');
  assertError(await call('agent', 'POST', '/api/v1/tickets', { ...body, node: 'SH' }), 422, 'ticket.node_unknown', 'node');
  assertError(await call('agent', 'POST', '/api/v1/tickets', { ...body, description: ' ' }), 400, 'json.too_short', 'description');
  assertError(await call('agent', 'POST', '/api/v1/tickets', { ...body, mood: 'angry' }), 400, 'json.unknown_field', 'mood');
  assert.equal((await ok('agent', 'GET', '/api/v1/tickets?limit=200')).items.length, before);

  // Times in the wrong format or the future; steps of the wrong kind of ticket.
  assertError(await call('agent', 'POST', `/api/v1/tickets/${majorNo}/actions`, { kind: 'written_claim', at: '2026-03-12' }), 400, 'json.format', 'at');
  assertError(await call('agent', 'POST', `/api/v1/tickets/${majorNo}/actions`, { kind: 'written_claim', at: '2027-01-01T00:00:00+08:00' }), 422, 'ticket.time_invalid', 'at');
  assertError(await call('agent', 'POST', `/api/v1/tickets/${majorNo}/actions`, { kind: 'head_office_reported', at: '2026-03-01T00:00:00+08:00' }), 422, 'ticket.time_invalid', 'at');
  const inquiry = await ok('agent', 'POST', '/api/v1/tickets', { kind: 'inquiry', channel: 'im', category: 'tracking', description: '请问到哪了' }, 201);
  assert.equal(inquiry.clocks.length, 0, 'only complaints carry clocks');
  assertError(await call('agent', 'POST', `/api/v1/tickets/${inquiry.ticket_no}/actions`, { kind: 'written_claim' }), 422, 'ticket.not_complaint', 'kind');
  assertError(await call('agent', 'POST', `/api/v1/tickets/${inquiry.ticket_no}/satisfaction`, { score: 4 }), 422, 'ticket.not_callback', null);
  assertError(await call('agent', 'POST', `/api/v1/tickets/${inquiry.ticket_no}/status`, { status: 'new' }), 409, 'ticket.status_move_invalid', 'status');
  assertError(await call('agent', 'GET', '/api/v1/tickets?category=teleport'), 400, 'ticket.category_unknown', 'category');
  assertError(await call('agent', 'GET', '/api/v1/tickets/TS209901010001'), 404, 'ticket.not_found', null);
  // Another network's ticket does not exist for the caller.
  const sh = await ok('admin', 'POST', '/api/v1/tickets', { kind: 'inquiry', channel: 'phone', category: 'fees', description: '运费多少', node: 'SH' }, 201);
  assertError(await call('agent', 'GET', `/api/v1/tickets/${sh.ticket_no}`), 404, 'ticket.not_found', null);
  assert.equal((await ok('admin', 'GET', `/api/v1/tickets/${sh.ticket_no}`)).node.code, 'SH');
});

test('the queue: mine, status, clock filters', async () => {
  const mine = await ok('agent', 'GET', '/api/v1/tickets?mine=1');
  assert.ok(mine.items.every((t) => t.owner?.username === 'agent' || t.responsible?.username === 'agent'));
  assert.ok(mine.items.some((t) => t.ticket_no === majorNo));
  const overdue = await ok('supervisor', 'GET', '/api/v1/tickets?overdue=1');
  assert.deepEqual(overdue.items.map((t) => t.ticket_no), [majorNo]);
  const byClock = await ok('supervisor', 'GET', '/api/v1/tickets?clock=regulatory_reply&status=open');
  assert.ok(byClock.items.some((t) => t.ticket_no === majorNo));
  assert.ok(!byClock.items.some((t) => t.ticket_no === complaintNo), 'its regulatory clock is met');
  const linked = await ok('supervisor', 'GET', `/api/v1/tickets?parent=${complaintNo}`);
  assert.deepEqual(linked.items.map((t) => t.ticket_no), [callbackNo]);
  assertError(await call('supervisor', 'GET', '/api/v1/tickets?clock=coffee_break'), 400, 'query.invalid', 'clock');
});

test('reopen: within 30 days the same ticket, by the customer or a supervisor; later a linked follow-up', async () => {
  await ok('agent', 'POST', `/api/v1/tickets/${majorNo}/status`, { status: 'closed', reason: '已赔付' });
  assertError(await call('agent', 'POST', `/api/v1/tickets/${majorNo}/reopen`, { by: 'supervisor', reason: '复查' }), 403, 'auth.forbidden', 'by');
  assertError(await call('agent', 'POST', `/api/v1/tickets/${majorNo}/reopen`, { by: 'customer' }), 400, 'json.missing', 'reason');
  const r = await ok('agent', 'POST', `/api/v1/tickets/${majorNo}/reopen`, { by: 'customer', reason: '客户称赔付金额不对' });
  assert.equal(r.reopened, true);
  assert.equal(r.ticket.status, 'investigating');
  assert.equal(r.ticket.reopened, 1);
  assertError(await call('agent', 'POST', `/api/v1/tickets/${majorNo}/reopen`, { by: 'customer', reason: '再开' }), 409, 'ticket.not_closed', null);
  await ok('agent', 'POST', `/api/v1/tickets/${majorNo}/status`, { status: 'closed', reason: '已补足差额' });

  // The public complaint, closed on 13 Mar: the customer comes back in April.
  await at(T5);
  const late = await api(base, 'POST', `/api/v1/public/complaints/${complaintNo}/reopen`, { body: { phone_last4: '5678', text: '同样的问题又发生了' } });
  assert.equal(late.status, 200, JSON.stringify(late.body));
  assert.notEqual(late.body.ticket_no, complaintNo, 'past the window: a new ticket');
  assert.match(late.body.ticket_no, /^TS20260420\d{4}$/);
  const fu = await view(late.body.ticket_no);
  assert.equal(fu.parent_no, complaintNo);
  assert.equal(fu.kind, 'complaint');
  assert.equal(fu.owner.username, 'complaint_handler', 'the customer relationship stays with its owner');
  assert.equal(clockOf(fu, 'regulatory_reply').due_at, '2026-04-27T23:59:59+08:00');
  const staff = await ok('supervisor', 'POST', `/api/v1/tickets/${majorNo}/reopen`, { by: 'supervisor', reason: '抽查复核' }, 201);
  assert.equal(staff.reopened, false);
  assert.equal(staff.follow_up_of, majorNo);
  assert.equal(staff.ticket.parent_no, majorNo);
});

test('public pages: refdata, bad input, and guessing ends in 429', async () => {
  const ref = await api(base, 'GET', '/api/v1/public/ticket-refdata');
  assert.equal(ref.status, 200);
  assert.ok(ref.body.categories.some((c) => c.name === 'damage' && c.zh === '破损'));
  const bad = (body) => api(base, 'POST', '/api/v1/public/complaints', { body: { name: '王五', phone: PHONE, category: 'delay', text: '坏了', ...body } });
  assertError(await bad({ category: 'teleport' }), 400, 'ticket.category_unknown', 'category');
  assertError(await bad({ phone: '110' }), 400, 'phone.invalid', 'phone');
  // Looking up numbers that do not exist: 404 until the address is over its limit, then 429.
  let last;
  for (let i = 0; i < 25; i++) {
    last = await api(base, 'GET', `/api/v1/public/complaints/TS2026042099${String(i).padStart(2, '0')}?phone_last4=0000`);
    if (last.status === 429) break;
    assertError(last, 404, 'ticket.not_found', null);
  }
  assertError(last, 429, 'request.rate_limited');
  // Blocked, the right digits for a real ticket are refused too: nothing is learnt.
  assertError(await api(base, 'GET', `/api/v1/public/complaints/${complaintNo}?phone_last4=5678`), 429, 'request.rate_limited');
});
