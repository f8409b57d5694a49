// Browser tests of the console's 呼叫中心 module (web/console/callcenter.js
// and cc_*.js). A hand-made Asterisk queue_log of one day (nine calls in two
// queues, five agents: at 15:00 one talking, one ringing for the call that
// waits, one available, one paused, one logged out) is imported with
// `parceldesk import queue-log` into a server whose clock is pinned at
// 2026-11-23 15:00 China time (PD_FAKE_NOW); the browser's clock starts
// there too (Playwright's clock), so "today" and the agents' states are the
// same on both sides. Checked: the wallboard's live numbers (GET
// /callcenter/live: one call waiting for 1:00, the states and how long each
// agent has been in it) and that it refreshes by itself (after 10 s of
// browser time the updated-at time changes and one more live request was
// made); the indicator table cell by cell against GET /callcenter/stats,
// the hour and agent charts as SVG with one bar per hour bucket and agent,
// all from one stats request (bucket=hour); the CSV download of the shown
// figures;
// a QA form whose weights do not sum to 100 is not saved, and a score is
// computed (86) and listed; a week of shifts added and attendance recorded
// with the week's rate shown as GET /callcenter/own computes it; the screen
// pop (Alt+P) finding a waybill created through the API by its phone, and
// opening its tracking view. A real Chromium (Debian's, driven by
// playwright-core) against a real `parceldesk serve`; any script error or CSP
// violation fails the test. Screenshots go to tests/browser/screenshots/.
//
// Run from the repository root: PD_BIN=build/parceldesk node --test tests/browser/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, api, login, ROOT } from '../lib/harness.mjs';
import { orderBody, createOrder, uniquePhone } from '../api/lib/orders.mjs';
import { withBrowser, uiLogin, TEST_TIMEOUT, STEP_TIMEOUT } from './lib/browser.mjs';

const SHOTS = join(ROOT, 'tests/browser/screenshots');
const NOW = '2026-11-23T15:00:00+08:00'; // a Monday
const NOW_MS = Date.parse(NOW);
const DAY0 = Date.parse('2026-11-23T00:00:00+08:00') / 1000;

let server, sup, agentIds;

/** The day's queue_log in Asterisk's native pipe form (times China time). */
function handLog() {
  const at = (hms) => {
    const [h, m, s] = hms.split(':').map(Number);
    return DAY0 + h * 3600 + m * 60 + s;
  };
  return [
    ['08:55:00', 'NONE', 'NONE', 'Agent/1001', 'AGENTLOGIN', 'SIP/1001'],
    ['08:55:00', 'NONE', 'NONE', 'Agent/1002', 'AGENTLOGIN', 'SIP/1002'],
    ['08:56:00', 'NONE', 'NONE', 'Agent/1003', 'AGENTLOGIN', 'SIP/1003'],
    ['08:57:00', 'NONE', 'NONE', 'Agent/1004', 'AGENTLOGIN', 'SIP/1004'],
    ['08:58:00', 'NONE', 'NONE', 'Agent/1005', 'AGENTLOGIN', 'SIP/1005'],
    ['09:10:00', 'c1', 'sales', 'NONE', 'ENTERQUEUE', '', '13800138001', '1'],
    ['09:10:10', 'c1', 'sales', 'Agent/1001', 'CONNECT', '10', 'c1b', '3'],
    ['09:14:10', 'c1', 'sales', 'Agent/1001', 'COMPLETECALLER', '10', '240', '1'],
    ['09:20:00', 'c2', 'sales', 'NONE', 'ENTERQUEUE', '', '13800138002', '1'],
    ['09:20:30', 'c2', 'sales', 'Agent/1002', 'CONNECT', '30', 'c2b', '4'],
    ['09:25:30', 'c2', 'sales', 'Agent/1002', 'COMPLETEAGENT', '30', '300', '1'],
    ['10:05:00', 'c3', 'vip', 'NONE', 'ENTERQUEUE', '', '13800138003', '1'],
    ['10:05:05', 'c3', 'vip', 'Agent/1003', 'CONNECT', '5', 'c3b', '2'],
    ['10:07:05', 'c3', 'vip', 'Agent/1003', 'COMPLETECALLER', '5', '120', '1'],
    ['10:30:00', 'c4', 'sales', 'NONE', 'ENTERQUEUE', '', '13800138004', '1'],
    ['10:30:45', 'c4', 'sales', 'NONE', 'ABANDON', '1', '1', '45'],
    ['11:00:00', 'c5', 'vip', 'NONE', 'ENTERQUEUE', '', '13800138005', '1'],
    ['11:00:15', 'c5', 'vip', 'Agent/1004', 'CONNECT', '15', 'c5b', '3'],
    ['11:03:15', 'c5', 'vip', 'Agent/1004', 'COMPLETEAGENT', '15', '180', '1'],
    ['12:00:00', 'NONE', 'NONE', 'Agent/1004', 'AGENTLOGOFF', 'SIP/1004', '10980'],
    ['13:00:00', 'c6', 'sales', 'NONE', 'ENTERQUEUE', '', '13800138006', '1'],
    ['13:05:00', 'c6', 'sales', 'NONE', 'EXITWITHTIMEOUT', '1', '1', '300'],
    ['14:00:00', 'c7', 'sales', 'NONE', 'ENTERQUEUE', '', '13800138007', '1'],
    ['14:00:08', 'c7', 'sales', 'Agent/1002', 'CONNECT', '8', 'c7b', '2'],
    ['14:04:08', 'c7', 'sales', 'Agent/1002', 'COMPLETECALLER', '8', '240', '1'],
    ['14:50:00', 'NONE', 'NONE', 'Agent/1003', 'PAUSEALL', 'lunch'],
    ['14:58:00', 'c8', 'vip', 'NONE', 'ENTERQUEUE', '', '13800138008', '1'],
    ['14:58:25', 'c8', 'vip', 'Agent/1001', 'CONNECT', '25', 'c8b', '3'],
    ['14:59:00', 'c9', 'sales', 'NONE', 'ENTERQUEUE', '', '13800138009', '1'],
    ['14:59:40', 'c9', 'sales', 'Agent/1005', 'RINGNOANSWER', '15000'],
  ].map(([t, ...rest]) => [at(t), ...rest].join('|')).join('\n') + '\n';
}

before(async () => {
  server = await startServer({ env: { PD_FAKE_NOW: NOW } });
  mkdirSync(SHOTS, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'pd-ql-'));
  try {
    const file = join(dir, 'queue_log');
    writeFileSync(file, handLog());
    const out = server.cli(['import', 'queue-log', '--db', server.db, file]);
    assert.match(out + '', /"imported":30/, out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  sup = await login(server.url, 'supervisor');
  agentIds = {};
  for (const [n, queues, username] of [['1001', ['sales', 'vip'], 'agent'], ['1002', ['sales']],
    ['1003', ['vip']], ['1004', ['vip']]]) {
    const r = await api(server.url, 'POST', '/api/v1/callcenter/agents', {
      token: sup, body: { agent: `Agent/${n}`, queues, start_date: '2026-01-05', ...(username ? { username } : {}) },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    agentIds[`Agent/${n}`] = r.body.id;
  }
}, { timeout: 60_000 });

after(async () => {
  if (server) await server.stop();
});

async function stats(query) {
  const r = await api(server.url, 'GET', `/api/v1/callcenter/stats?${new URLSearchParams(query)}`, { token: sup });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

/** The browser starts at the server's pinned time; then its time flows. */
async function openAs(page, user, hash) {
  await page.clock.install({ time: NOW_MS });
  await uiLogin(page, server.url, user);
  await page.locator('.topbar .user-name').waitFor();
  if (hash) {
    await page.evaluate((h) => { location.hash = h; }, hash);
    await page.getByRole('heading', { level: 1, name: '呼叫中心' }).waitFor();
  }
}

const text = async (loc) => (await loc.innerText()).replace(/\s+/g, ' ').trim();

// How the console writes a value (the spec the tables are checked against).
function shown(kind, v) {
  if (v === null || v === undefined) return '—';
  if (kind === 'rate') return `${(v * 100).toFixed(2)}%`;
  if (kind === 'secs') {
    if (v < 60) return `${v} 秒`;
    const s = Math.round(v), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    const p = (n) => String(n).padStart(2, '0');
    return h ? `${h}:${p(m)}:${p(s % 60)}` : `${m}:${p(s % 60)}`;
  }
  if (kind === 'bool') return v ? '达标' : '未达标';
  if (kind === 'fen') return `¥${(v / 100).toFixed(2)}`;
  return String(v);
}

test('the wallboard shows the live state and today\'s figures, and refreshes by itself every 10 s',
  { timeout: TEST_TIMEOUT }, async () => {
    const today = await stats({ from: '2026-11-23', to: '2026-11-24' });
    assert.equal(today.centre.offered, 9);
    assert.equal(today.centre.unfinished, 1);
    const liveNow = (await api(server.url, 'GET', '/api/v1/callcenter/live', { token: sup })).body;
    assert.equal(liveNow.waiting, 1);
    assert.equal(liveNow.longest_wait_s, 60);
    await withBrowser(async ({ page }) => {
      let liveCalls = 0, statsCalls = 0;
      page.on('request', (r) => {
        if (r.url().includes('/api/v1/callcenter/live')) liveCalls++;
        if (r.url().includes('/api/v1/callcenter/stats')) statsCalls++;
      });
      await openAs(page, 'supervisor', '#/callcenter');
      // Call-centre staff land on the wallboard.
      await page.locator('#cc-wall-updated').waitFor();
      assert.equal(await page.locator('.callcenter .tabs a[aria-current="page"]').innerText(), '大屏');
      assert.equal(await text(page.locator('#cc-wall-waiting')), '1');
      assert.equal(await text(page.locator('#cc-wall-service_level')), '50.00%'); // 4 of 8 finished within 20 s
      assert.equal(await text(page.locator('#cc-wall-answered')), String(today.centre.answered));
      assert.equal(await text(page.locator('#cc-wall-abandoned')), '1');
      assert.equal(await text(page.locator('#cc-wall-offered')), '9');
      // c9 has waited since 14:59:00: the longest wait now, not today's longest finished one.
      assert.equal(await text(page.locator('#cc-wall-longest_wait')), '1:00');
      for (const [s, n] of [['talking', 1], ['ringing', 1], ['available', 1], ['wrap_up', 0], ['paused', 1],
        ['logged_out', 1]]) {
        assert.equal(await text(page.locator(`#cc-wall-state-${s}`)), String(n), s);
        assert.equal(liveNow.states[s], n, s);
      }
      const tile = async (a) => [await page.locator(`[data-agent="${a}"]`).getAttribute('data-state'),
        await text(page.locator(`[data-agent="${a}"]`))];
      // The state and how long the agent has been in it (the server's now is 15:00:00).
      assert.deepEqual(await tile('Agent/1001'), ['talking', 'Agent/1001 通话中 1:35']); // CONNECT 14:58:25
      assert.deepEqual(await tile('Agent/1002'), ['available', 'Agent/1002 空闲 55:52']); // c7 done 14:04:08
      assert.deepEqual(await tile('Agent/1003'), ['paused', 'Agent/1003 暂停：lunch 10:00']);
      assert.deepEqual(await tile('Agent/1004'), ['logged_out', 'Agent/1004 未登录 3:00:00']);
      assert.deepEqual(await tile('Agent/1005'), ['ringing', 'Agent/1005 振铃中 0:35']); // rung from 14:59:25
      assert.equal(await text(page.locator('.cc-wall-queues tr[data-queue="sales"]')), 'sales 1 1:00 6 3 1 40.00%');
      assert.equal(await text(page.locator('.cc-wall-queues tr[data-queue="vip"]')), 'vip 0 — 3 3 0 66.67%');
      assert.equal(statsCalls, 0, 'the board reads the live state only');
      await page.screenshot({ path: join(SHOTS, 'callcenter-wall.png'), fullPage: true });

      // Ten seconds later (browser time) the board has asked again by itself.
      const first = await text(page.locator('#cc-wall-updated'));
      assert.match(first, /^15:00:\d\d$/);
      const calls = liveCalls;
      await page.clock.runFor(10_000);
      await page.waitForFunction((t) => document.getElementById('cc-wall-updated').textContent !== t,
        first, { timeout: STEP_TIMEOUT });
      assert.notEqual(await text(page.locator('#cc-wall-updated')), first);
      assert.equal(liveCalls, calls + 1, 'one live request per refresh');

      // The dark theme and wall mode, from the keyboard.
      await page.keyboard.press('d');
      await page.locator('#cc-wall.cc-dark').waitFor();
      await page.keyboard.press('f');
      await page.locator('.sidenav').waitFor({ state: 'hidden' }); // wall mode: the board alone
      await page.screenshot({ path: join(SHOTS, 'callcenter-wall-dark.png'), fullPage: true });
      await page.keyboard.press('Escape');
      await page.locator('.sidenav').waitFor();
    }, { viewport: { width: 1600, height: 900 } });
  });

test('the indicators page shows the API\'s figures, charts by hour and agent, and the parameters used',
  { timeout: TEST_TIMEOUT }, async () => {
    const QUEUE_ROWS = [
      ['offered', 'int'], ['answered', 'int'], ['abandoned', 'int'], ['timed_out', 'int'],
      ['finished', 'int'], ['unfinished', 'int'], ['withdrawn', 'int'], ['asa_s', 'secs'],
      ['avg_wait_s', 'secs'], ['longest_wait_s', 'secs'], ['avg_abandon_s', 'secs'],
      ['abandon_rate', 'rate'], ['service_level', 'rate'], ['service_level_answered', 'rate'],
      ['avg_talk_s', 'secs'], ['talk_s', 'secs'],
    ];
    const AGENT_COLS = [['answered', 'int'], ['asa_s', 'secs'], ['avg_talk_s', 'secs'],
      ['logged_in_s', 'secs'], ['paused_s', 'secs'], ['occupancy', 'rate'], ['calls_per_hour', 'num'],
      ['handling_time_pass', 'bool']];
    const s = await stats({ from: '2026-11-23', to: '2026-11-24' });
    await withBrowser(async ({ page }) => {
      const statsUrls = [];
      page.on('request', (r) => { if (r.url().includes('/api/v1/callcenter/stats')) statsUrls.push(r.url()); });
      await openAs(page, 'supervisor', '#/callcenter/stats');
      await page.locator('#cc-kpi-table').waitFor();
      // The hand-worked figures, and every cell as the API has it.
      const cell = (k, col) => text(page.locator(`#cc-kpi-table tr[data-key="${k}"] td[data-col="${col}"]`));
      assert.equal(await cell('asa_s', 'centre'), '15.5 秒');
      assert.equal(await cell('avg_wait_s', 'centre'), '54.75 秒');
      assert.equal(await cell('abandon_rate', 'centre'), '12.50%');
      assert.equal(await cell('service_level', 'sales'), '40.00%');
      assert.equal(await cell('avg_talk_s', 'centre'), '3:36');
      assert.equal(await cell('avg_abandon_s', 'vip'), '—', 'no abandoned call: no figure, not 0');
      for (const [col, f] of [['centre', s.centre], ...Object.entries(s.queues)]) {
        for (const [k, kind] of QUEUE_ROWS) assert.equal(await cell(k, col), shown(kind, f[k]), `${col}.${k}`);
      }
      assert.deepEqual(await page.locator('#cc-agent-table tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.agent)),
        Object.keys(s.agents));
      for (const [name, a] of Object.entries(s.agents)) {
        for (const [k, kind] of AGENT_COLS) {
          assert.equal(await text(page.locator(`#cc-agent-table tr[data-agent="${name}"] td[data-key="${k}"]`)),
            shown(kind, a[k]), `${name}.${k}`);
        }
      }
      // Names carry their definitions; the parameters used are shown.
      assert.equal(await page.locator('#cc-kpi-table tr[data-key="service_level"] abbr').getAttribute('title'),
        '排队时长不超过阈值（默认 20 秒）的接通数 ÷ 已结束。');
      assert.match(await text(page.locator('#cc-params')), /2026-11-23 00:00:00\+08:00 — 2026-11-24 00:00:00\+08:00/);
      assert.match(await text(page.locator('#cc-export')), /parceldesk report callcenter --db URL --from 2026-11-23T00:00:00\+08:00/);

      // Charts: ECharts' SVG, one occupancy bar per agent.
      const bars = (id, color) => page.locator(`#${id} svg path[fill="${color}"]`).count();
      await page.locator('#cc-chart-agents svg').waitFor();
      await page.locator('#cc-chart-time svg').waitFor();
      await page.locator('#cc-chart-queues svg').waitFor();
      assert.equal(await bars('cc-chart-agents', '#2c6cb0'), Object.keys(s.agents).length);
      assert.equal(await bars('cc-chart-queues', '#1e7b43'), 2 + 1, 'a bar per queue, and the legend');
      // Hours 00:00 to the current 15:00 each have a bar (of height 0 when
      // no call came), and the legend its swatch; five hours had calls.
      const offered = await page.locator('#cc-chart-time svg path[fill="#1d4e89"]')
        .evaluateAll((ps) => ps.map((p) => p.getAttribute('d')));
      assert.equal(offered.length, 16 + 1);
      assert.equal(offered.filter((d) => /^M[\d.]+ [\d.]+l[\d.]+ 0l0 -[\d.]+/.test(d)).length, 5);
      // Table and every chart came from one request, the hours as its buckets.
      assert.equal(statsUrls.length, 1, statsUrls.join('\n'));
      assert.equal(new URL(statsUrls[0]).searchParams.get('bucket'), 'hour');
      await page.screenshot({ path: join(SHOTS, 'callcenter-stats.png'), fullPage: true });

      // The export buttons download the figures shown.
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#cc-export-csv').click()]);
      assert.equal(download.suggestedFilename(), 'callcenter_2026-11-23_2026-11-24.csv');
      const csv = readFileSync(await download.path(), 'utf8').split('\r\n');
      const head = csv[0].split(',');
      const sales = csv.find((l) => l.startsWith('queue,sales,')).split(',');
      assert.equal(sales[head.indexOf('offered')], '6');
      assert.equal(sales[head.indexOf('service_level')], '0.4');
      assert.equal(csv.find((l) => l.startsWith('centre,')).split(',')[head.indexOf('answered')],
        String(s.centre.answered));
      assert.equal(new URL(await page.locator('#cc-export-xlsx').getAttribute('href'), server.url)
        .searchParams.get('format'), 'xlsx');

      // A 30 s threshold: the table asks again and shows the server's figure.
      const s30 = await stats({ from: '2026-11-23', to: '2026-11-24', service_level_s: 30 });
      assert.equal(s30.centre.service_level, 0.75);
      await page.locator('#cc-sl').fill('30');
      await page.waitForFunction(() => document.querySelector('#cc-kpi-table tr[data-key="service_level"] td[data-col="centre"]')
        .textContent.trim() === '75.00%', null, { timeout: STEP_TIMEOUT });
      // One queue: the columns follow.
      await page.locator('#cc-queue').selectOption('vip');
      await page.waitForFunction(() => !document.querySelector('#cc-kpi-table th[data-col="sales"]'),
        null, { timeout: STEP_TIMEOUT });
      assert.equal(await cell('offered', 'vip'), '3');
      assert.match(await text(page.locator('#cc-params')), /队列 vip/);
      // A custom range of two days (both included) is charted by day.
      await page.locator('#cc-period').selectOption('custom');
      await page.locator('#cc-from').fill('2026-11-22');
      await page.getByText('按日：呼入、接通、放弃与服务水平').waitFor();
      assert.match(await text(page.locator('#cc-params')), /2026-11-22 00:00:00\+08:00 — 2026-11-24 00:00:00\+08:00/);
      await page.locator('#cc-chart-time svg').waitFor();
      assert.equal(await page.locator('#cc-chart-time svg path[fill="#1d4e89"]').count(), 2 + 1);
      await page.locator('#cc-to').fill('2026-11-21');
      await page.getByText('结束日期不能早于开始日期').waitFor();
    }, { viewport: { width: 1600, height: 900 } });
  });

test('a QA form must weigh 100 to be saved; a filled score is weighted and listed', { timeout: TEST_TIMEOUT }, async () => {
  const forms = async () => (await api(server.url, 'GET', '/api/v1/callcenter/qa-forms?code=CALL-QA&all=1', { token: sup })).body.items;
  await withBrowser(async ({ page }) => {
    await openAs(page, 'supervisor', '#/callcenter/qa');
    const form = page.locator('#cc-qa-form');
    await form.waitFor();
    await page.locator('#cc-qa-code').fill('CALL-QA');
    await page.locator('#cc-qa-name').fill('通话质量评分表');
    const item = (i, k) => form.locator(`input[name="items[${i}].${k}"]`);
    await item(0, 'key').fill('greeting');
    await item(0, 'label').fill('问候语规范');
    await item(0, 'weight').fill('40');
    await item(0, 'max_score').fill('5');
    await form.getByRole('button', { name: '添加评分项' }).click();
    await item(1, 'key').fill('accuracy');
    await item(1, 'label').fill('开单准确');
    await item(1, 'weight').fill('50');
    await item(1, 'max_score').fill('10');
    assert.equal(await text(page.locator('#cc-qa-sum')), '权重合计：90 / 100');
    assert.match(await page.locator('#cc-qa-sum').getAttribute('class'), /bad/);
    await item(1, 'max_score').press('Enter');
    await page.locator('#cc-qa-items-error').waitFor();
    assert.equal(await text(page.locator('#cc-qa-items-error')), '权重之和必须为 100（当前为 90），未保存');
    assert.deepEqual(await forms(), [], 'nothing was saved');
    await page.screenshot({ path: join(SHOTS, 'callcenter-qa-weights.png'), fullPage: true });

    await item(1, 'weight').fill('60');
    assert.equal(await text(page.locator('#cc-qa-sum')), '权重合计：100 / 100');
    await form.getByRole('button', { name: '保存评分表' }).click();
    await form.getByText('已保存：CALL-QA 第 1 版').waitFor();
    const saved = await forms();
    assert.deepEqual(saved.map((f) => [f.version, f.items.map((i) => [i.key, i.weight, i.max_score])]),
      [[1, [['greeting', 40, 5], ['accuracy', 60, 10]]]]);

    // Score Agent/1001's call c1: 4 of 5 and 9 of 10 → 40 × 0.8 + 60 × 0.9 = 86.
    const sf = page.locator('#cc-score-form');
    await sf.locator('#cc-score-form-code').selectOption('CALL-QA');
    await sf.locator('#cc-score-agent').selectOption(String(agentIds['Agent/1001']));
    await sf.locator('#cc-score-call').fill('c1');
    await sf.locator('input[name="items[0].score"]').fill('6');
    await sf.locator('input[name="items[1].score"]').fill('9');
    await sf.getByRole('button', { name: '提交评分' }).click();
    await sf.getByText('不能超过该项满分 5').waitFor();
    await sf.locator('input[name="items[0].score"]').fill('4');
    assert.equal(await text(page.locator('#cc-score-preview')), '加权得分（预览）：86');
    await sf.getByRole('button', { name: '提交评分' }).click();
    await sf.getByText('已保存：Agent/1001 得分 86').waitFor();
    const scores = (await api(server.url, 'GET', `/api/v1/callcenter/qa-scores?agent_id=${agentIds['Agent/1001']}`, { token: sup })).body.items;
    assert.deepEqual(scores.map((x) => [x.score, x.call_id, x.form.version]), [[86, 'c1', 1]]);
    await page.locator('#cc-scores-agent').selectOption(String(agentIds['Agent/1001']));
    await page.locator(`#cc-scores-table tr[data-id="${scores[0].id}"] .cc-score`).waitFor();
    assert.equal(await text(page.locator(`#cc-scores-table tr[data-id="${scores[0].id}"] .cc-score`)), '86');
    assert.equal(await text(page.locator('#cc-scores-avg')), '共 1 次，平均 86 分');

    // Changing the weights makes version 2; saving it again makes none.
    await page.locator('#cc-qa-pick').selectOption('CALL-QA');
    await item(0, 'weight').fill('30');
    await item(1, 'weight').fill('70');
    await form.getByRole('button', { name: '保存为新版本' }).click();
    await form.getByText('已保存：CALL-QA 第 2 版').waitFor();
    await form.getByRole('button', { name: '保存为新版本' }).click();
    await form.getByText('与最新版本（第 2 版）相同，未产生新版本').waitFor();
    assert.deepEqual((await forms()).map((f) => f.version), [1, 2]);
    await page.screenshot({ path: join(SHOTS, 'callcenter-qa.png'), fullPage: true });
  }, { viewport: { width: 1600, height: 900 } });
});

test('a week of shifts is scheduled, attendance recorded, and the week\'s rate shown', { timeout: TEST_TIMEOUT }, async () => {
  await withBrowser(async ({ page }) => {
    await openAs(page, 'supervisor', '#/callcenter/shifts');
    await page.locator('#cc-week-grid').waitFor();
    assert.equal(await text(page.locator('#cc-week')), '2026-11-23 — 2026-11-29');
    await page.locator('#cc-week').click(); // keys act outside fields
    await page.keyboard.press('[');
    await page.getByText('2026-11-16 — 2026-11-22').waitFor();

    // Agent/1002, Monday to Friday (the default days), 09:00–18:00.
    const add = page.locator('#cc-add-shifts');
    await add.getByLabel('Agent/1002').check();
    await add.getByRole('button', { name: '添加班次' }).click();
    await add.getByText('已添加 5 个班次').waitFor();
    const row = page.locator('#cc-week-grid tr[data-agent="Agent/1002"]');
    await row.locator('.cc-shift').nth(4).waitFor();
    assert.equal(await row.locator('.cc-shift').count(), 5);
    assert.deepEqual(await row.locator('.cc-shift button').allInnerTexts(), Array(5).fill('09:00–18:00'));
    // The same again overlaps and is refused as a whole, naming agent and day.
    await add.getByRole('button', { name: '添加班次' }).click();
    await add.locator('.notice-error').waitFor();
    assert.match(await text(add.locator('.notice-error')), /^Agent\/1002 · 周一：/);
    assert.equal(await row.locator('.cc-shift').count(), 5);

    const record = async (day, fill) => {
      await row.locator(`td[data-day="${day}"] .cc-shift button`).click();
      const f = page.locator('#cc-att-form');
      await f.waitFor();
      await fill(f);
      await f.getByRole('button', { name: '记录考勤' }).click();
      await f.waitFor({ state: 'detached' });
    };
    await record(0, async () => {}); // present at the shift's start
    await record(1, async (f) => { await f.locator('#cc-att-in').fill('09:07'); });
    await record(2, async (f) => {
      await f.locator('#cc-att-status-absent').check();
      await f.locator('#cc-att-reason').fill('病假');
    });
    await row.locator('td[data-day="2"] .cc-att.absent').waitFor();
    assert.deepEqual(await row.locator('.cc-att').allInnerTexts(), ['出勤', '迟到 7 分钟', '缺勤：病假', '未记录', '未记录']);

    const own = await api(server.url, 'GET', '/api/v1/callcenter/own?from=2026-11-16&to=2026-11-23&agent=Agent%2F1002', { token: sup });
    assert.equal(own.status, 200, JSON.stringify(own.body));
    assert.equal(own.body.agents['Agent/1002'].attendance, 0.4);
    assert.equal(await text(row.locator('td[data-key="attendance"]')), '40.00% (2/5)');
    await page.screenshot({ path: join(SHOTS, 'callcenter-shifts.png'), fullPage: true });
  }, { viewport: { width: 1600, height: 900 } });
});

test('the screen pop (Alt+P) finds a waybill by the caller\'s phone and opens its tracking view',
  { timeout: TEST_TIMEOUT }, async () => {
    const agent = await login(server.url, 'agent');
    const phone = uniquePhone();
    const w = await createOrder(server.url, agent, orderBody({ sender: { phone } }));
    await withBrowser(async ({ page }) => {
      await openAs(page, 'agent');
      // From any page: the dialog opens over it with the box focused.
      await page.keyboard.press('Alt+KeyP');
      await page.locator('#cc-pop-dialog').waitFor();
      await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'cc-pop-dialog-phone',
        null, { timeout: STEP_TIMEOUT });
      await page.keyboard.type(`+86 ${phone.slice(0, 3)} ${phone.slice(3, 7)} ${phone.slice(7)}`);
      await page.keyboard.press('Enter');
      const tr = page.locator(`#cc-pop-dialog tr[data-no="${w.waybill_no}"]`);
      await tr.waitFor();
      assert.equal(await page.locator('#cc-pop-dialog .cc-pop-waybills tbody tr').count(), 1);
      assert.match(await text(tr), new RegExp(`^${w.waybill_no} 寄件人 `));
      assert.match(await text(tr), new RegExp(phone));
      await page.screenshot({ path: join(SHOTS, 'callcenter-pop.png'), fullPage: true });
      // From the keyboard: ↓ from the number box to the row, Enter opens
      // the tracking view.
      await page.keyboard.press('ArrowDown');
      assert.equal(await page.evaluate(() => document.activeElement.dataset.no), w.waybill_no);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { level: 1, name: '运单查询/跟踪' }).waitFor();
      assert.equal(new URL(page.url()).hash, `#/tracking/${w.waybill_no}`);
      assert.equal(await page.locator('#cc-pop-dialog').count(), 0, 'the dialog is gone');

      // Agents land on the screen pop tab of the module; a bad number is named.
      await page.evaluate(() => { location.hash = '#/callcenter'; });
      await page.locator('#cc-pop-phone').waitFor();
      assert.deepEqual(await page.locator('.callcenter .tabs a').allInnerTexts(), ['排班考勤', '来电弹屏\nAlt+P']);
      await page.locator('#cc-pop-phone').fill('12345');
      await page.keyboard.press('Enter');
      await page.locator('#cc-pop-phone-error').waitFor();
      assert.equal(await page.locator('#cc-pop-phone').getAttribute('aria-invalid'), 'true');
    });
  });
