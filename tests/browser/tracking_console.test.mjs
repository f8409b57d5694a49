// Browser tests of the console's 运单查询/跟踪 (web/console/tracking.js,
// #/tracking and #/tracking/PD…): the demo agent (张晓明, node GD-SZ) opens
// waybills taken at GD-SZ whose timelines a scanner's API key built with
// POST /api/v1/scans. Checked against GET /api/v1/tracking/{no} for the same
// waybill: the timeline newest first with node, operator, signer and signer
// type; each parcel's status; the risk with its colour; proof of delivery; a
// cold-chain waybill's temperature chart with one point per reading; an
// unknown number; a wrong check digit. At risk and late are shown by a second
// server on the same database whose clock is pinned past the promises
// (PD_FAKE_NOW), since events cannot be sent from the future. A real
// Chromium (Debian's, driven by playwright-core) against a real
// `parceldesk serve`; any script error or CSP violation fails the test.
//
// Run from the repository root: PD_BIN=build/parceldesk node --test tests/browser/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, freshDatabase, api, login, ROOT } from '../lib/harness.mjs';
import { orderBody, createOrder, waybillNo } from '../api/lib/orders.mjs';
import { withBrowser, uiLogin, TEST_TIMEOUT, STEP_TIMEOUT } from './lib/browser.mjs';

const SHOTS = join(ROOT, 'tests/browser/screenshots');
const HOUR = 3600e3;
const PHOTO = 'https://pod.example.cn/2026/11/pod-5521.jpg';

let server;
let seq = 0;

/** The agent's token and a scanner's API key (at the root: any node) on @p base. */
async function actors(base) {
  const admin = await login(base, 'admin');
  const agent = await login(base, 'agent');
  const k = await api(base, 'POST', '/api/v1/apikeys', {
    token: admin, body: { name: '测试扫描枪', role: 'scanner', node_code: 'HQ' },
  });
  assert.equal(k.status, 201, JSON.stringify(k.body));
  return { agent, key: k.body.key };
}
let who;

before(async () => {
  server = await startServer();
  who = await actors(server.url);
  mkdirSync(SHOTS, { recursive: true });
}, { timeout: 60_000 });

after(async () => {
  if (server) await server.stop();
});

/** RFC 3339 in China time, as devices send it. */
const cn = (ms) => new Date(ms + 8 * HOUR).toISOString().replace(/\.\d{3}Z$/, '+08:00');

async function scan(base, key, no, events) {
  const body = events.map((e) => ({
    waybill_no: no, device_id: 'PDA-CONSOLE-UI', device_seq: ++seq, operator: '王分拣', ...e,
  }));
  const r = await api(base, 'POST', '/api/v1/scans', { token: key, body });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.rejected, []);
  assert.equal(r.body.accepted, events.length);
}

async function staffView(base, token, no) {
  const r = await api(base, 'GET', `/api/v1/tracking/${no}`, { token });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

/** "2026-11-23 18:00:00" of an RFC 3339 China time, the way the console writes it. */
const shown = (s) => s.replace('T', ' ').slice(0, 19);

/** Log in as the agent and open #/tracking/<no> (or #/tracking). */
async function openTracking(page, base, no = '') {
  await uiLogin(page, base, 'agent');
  await page.locator('.topbar .user-name').waitFor();
  await page.evaluate((h) => { location.hash = h; }, no ? `#/tracking/${no}` : '#/tracking');
  await page.getByRole('heading', { level: 1, name: '运单查询/跟踪' }).waitFor();
}

test('an agent opens a waybill from the keyboard: timeline, parcels, risk, proof of delivery',
  { timeout: TEST_TIMEOUT }, async () => {
    const w = await createOrder(server.url, who.agent, orderBody({ parcels: 2 }));
    const no = w.waybill_no;
    const [p1, p2] = w.parcels.map((p) => p.parcel_no);
    const t0 = Date.now() - 26 * HOUR;
    await scan(server.url, who.key, no, [
      { type: 'pickup', node: 'SZ-NS01', operator: '林快递', at: cn(t0) },
      { type: 'departure', node: 'GZ-HUB', at: cn(t0 + 2 * HOUR) },
      { type: 'arrival', node: 'SH-PD01', at: cn(t0 + 20 * HOUR) },
      { type: 'out_for_delivery', node: 'SH-PD01', operator: '赵派送', at: cn(t0 + 22 * HOUR) },
      { type: 'delivered', parcel_no: p1, node: 'SH-PD01', operator: '赵派送', signer_type: 'proxy',
        signer: '门卫王五', consent: true, photo: PHOTO, at: cn(t0 + 23 * HOUR) },
      { type: 'failed_attempt', parcel_no: p2, node: 'SH-PD01', operator: '赵派送', reason: '门卫不让进',
        at: cn(t0 + 23.5 * HOUR) },
    ]);
    const v = await staffView(server.url, who.agent, no);
    assert.equal(v.status, 'attempt_failed', 'a failed attempt on one parcel wins the summary');
    assert.equal(v.risk, 'on_time');

    await withBrowser(async ({ page }) => {
      await uiLogin(page, server.url, 'agent');
      await page.locator('.topbar .user-name').waitFor();
      // Alt+3 opens the module with the number box focused; Enter searches.
      await page.keyboard.press('Alt+Digit3');
      await page.getByRole('heading', { level: 1, name: '运单查询/跟踪' }).waitFor();
      await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'trk-no',
        null, { timeout: STEP_TIMEOUT });
      await page.keyboard.type(no.toLowerCase());
      await page.keyboard.press('Enter');
      await page.locator('#trk-events').waitFor();
      assert.equal(new URL(page.url()).hash, `#/tracking/${no}`);
      assert.equal(await page.locator('#trk-title').innerText(), no);
      assert.equal(await page.locator('.trk-head .trk-badge').getAttribute('data-status'), v.status);
      assert.equal((await page.locator('.trk-head .trk-badge').innerText()).trim(), v.status_zh);
      assert.equal(await page.locator('.trk-codes').innerText(),
        `Kuaidi100 ${v.kuaidi100.state}/${v.kuaidi100.advanced} · AfterShip ${v.aftership.subtag}`);

      // The timeline: newest first, one row per event, with what the API says.
      const rows = page.locator('#trk-events tbody tr');
      const evs = v.events.slice().reverse();
      assert.equal(await rows.count(), evs.length);
      assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.type)), evs.map((e) => e.type));
      for (let i = 0; i < evs.length; i++) {
        const row = rows.nth(i);
        assert.equal(await row.locator('.trk-at').innerText(), shown(evs[i].at));
        assert.match(await row.locator('.trk-node').innerText(), new RegExp(evs[i].node_name));
        assert.equal((await row.locator('.trk-operator').innerText()).trim(), evs[i].operator);
        assert.equal(await row.locator('.trk-desc').innerText(), evs[i].description);
      }
      const delivered = page.locator('#trk-events tr[data-type="delivered"]');
      assert.match(await delivered.locator('.trk-signer').innerText(), /门卫王五\s*他人代签/);
      assert.match(await delivered.innerText(), new RegExp(p1));
      assert.match(await page.locator('#trk-events tr[data-type="failed_attempt"] .trk-details').innerText(), /门卫不让进/);

      // Each parcel's status.
      for (const p of v.parcels) {
        assert.equal(await page.locator(`#trk-parcels tr[data-parcel="${p.parcel_no}"] .trk-badge`).getAttribute('data-status'), p.status);
      }
      assert.deepEqual(v.parcels.map((p) => p.status), ['delivered_proxy', 'attempt_failed']);
      assert.ok(v.parcels.some((p) => p.parcel_no === p2));

      // The promise and its risk, in words and colour.
      assert.equal(await page.locator('#trk-promise').getAttribute('data-risk'), 'on_time');
      assert.equal(await page.locator('#trk-risk').innerText(), '按时');
      assert.ok((await page.locator('#trk-risk').getAttribute('class')).includes('risk-on_time'));
      assert.equal(await page.locator('#trk-promised').innerText(), shown(v.promised_delivery_at));
      assert.equal(await page.locator('#trk-eta').innerText(), v.eta ? shown(v.eta) : '—');

      // Proof of delivery: signer, kind, consent, time and the photo as a link.
      const pod = page.locator('#trk-pod');
      assert.match(await pod.locator('.trk-pod-signer').innerText(), /门卫王五\s*他人代签\s*收件人同意/);
      assert.match(await pod.innerText(), new RegExp(shown(v.events.find((e) => e.type === 'delivered').at)));
      assert.equal(await pod.locator('a.trk-photo').getAttribute('href'), PHOTO);
      assert.equal(await pod.locator('a.trk-photo').getAttribute('rel'), 'noopener noreferrer');
      assert.equal(await page.locator('#trk-temp-chart').count(), 0, 'no chart for a standard waybill without readings');
      await page.screenshot({ path: join(SHOTS, 'tracking-console.png'), fullPage: true });

      // English: the vocabularies are translated, the data stays as stored.
      await page.locator('.lang-switch').click();
      await page.getByRole('heading', { level: 1, name: 'Waybills & tracking' }).waitFor();
      assert.equal(await page.locator('#trk-risk').innerText(), 'On time');
      assert.equal((await page.locator('.trk-head .trk-badge').innerText()).trim(), 'Delivery attempt failed');
      assert.match(await delivered.locator('.trk-signer').innerText(), /门卫王五\s*proxy/);
    });
  });

test('a cold-chain waybill: a temperature chart with one point per reading; unknown and malformed numbers',
  { timeout: TEST_TIMEOUT }, async () => {
    const w = await createOrder(server.url, who.agent, orderBody({ service: 'cold_chain', goods: { name: '冷冻海鲜' } }));
    const no = w.waybill_no;
    const t0 = Date.now() - 20 * HOUR;
    const readings = [3.5, 4.25, 2.125, 5, -1.5];
    await scan(server.url, who.key, no, [
      { type: 'pickup', node: 'SZ-NS01', at: cn(t0), temperature_c: readings[0] },
      { type: 'sort', node: 'GZ-HUB', at: cn(t0 + 2 * HOUR) },
      { type: 'load', node: 'GZ-HUB', trip_no: 'T-COLD-9', at: cn(t0 + 3 * HOUR), temperature_c: readings[1] },
      { type: 'departure', node: 'GZ-HUB', at: cn(t0 + 4 * HOUR), temperature_c: readings[2] },
      { type: 'arrival', node: 'SH-PD01', at: cn(t0 + 15 * HOUR), temperature_c: readings[3] },
      { type: 'unload', node: 'SH-PD01', trip_no: 'T-COLD-9', at: cn(t0 + 15.5 * HOUR) },
      { type: 'out_for_delivery', node: 'SH-PD01', at: cn(t0 + 17 * HOUR), temperature_c: readings[4] },
    ]);
    const v = await staffView(server.url, who.agent, no);
    const withTemp = v.events.filter((e) => e.temperature_c !== null);
    assert.equal(withTemp.length, readings.length);

    // A cold-chain order with no reading yet says so instead of drawing nothing.
    const bare = await createOrder(server.url, who.agent, orderBody({ service: 'cold_chain', goods: { name: '冰淇淋' } }));

    await withBrowser(async ({ page }) => {
      await openTracking(page, server.url, no);
      const chart = page.locator('#trk-temp-chart');
      await chart.waitFor();
      const points = chart.locator('circle.temp-point');
      assert.equal(await points.count(), withTemp.length, 'one point per event with a temperature');
      assert.deepEqual(await points.evaluateAll((cs) => cs.map((c) => Number(c.dataset.temp))),
        withTemp.map((e) => e.temperature_c));
      assert.deepEqual(await points.evaluateAll((cs) => cs.map((c) => c.dataset.at)), withTemp.map((e) => e.at));
      // Later readings lie further right; a warmer reading lies higher.
      const xy = await points.evaluateAll((cs) => cs.map((c) => [Number(c.getAttribute('cx')), Number(c.getAttribute('cy'))]));
      for (let i = 1; i < xy.length; i++) assert.ok(xy[i][0] > xy[i - 1][0], 'time runs left to right');
      const warmest = readings.indexOf(Math.max(...readings));
      const coldest = readings.indexOf(Math.min(...readings));
      assert.ok(xy[warmest][1] < xy[coldest][1], 'warmer is higher');
      const line = await chart.locator('polyline.temp-line').getAttribute('points');
      assert.equal(line.trim().split(/\s+/).length, withTemp.length);
      // Axes with labels: the units, the time, ticks on both.
      assert.equal(await chart.locator('.y-axis .axis-label').textContent(), '温度 (°C)');
      assert.match(await chart.locator('.x-axis .axis-label').textContent(), /时间/);
      assert.ok(await chart.locator('.y-axis .tick-label').count() >= 3);
      assert.ok(await chart.locator('.x-axis .tick-label').count() >= 2);
      assert.match(await chart.locator('.x-axis .tick-label').first().textContent(), /^\d\d-\d\d\d\d:\d\d$/);
      assert.match(await chart.locator('desc').textContent(), /5 次测温，最低 -1.5 °C，最高 5 °C/);
      // Each temperature is also in the timeline's details.
      assert.match(await page.locator('#trk-events tr[data-type="load"] .trk-details').innerText(), /4.25 °C[\s\S]*T-COLD-9/);
      await page.screenshot({ path: join(SHOTS, 'tracking-cold-chain.png'), fullPage: true });

      // From the box: a cold-chain waybill without readings.
      await page.locator('#trk-no').fill(bare.waybill_no);
      await page.locator('#trk-no').press('Enter');
      await page.locator(`.trk-result[data-waybill="${bare.waybill_no}"] #trk-temp-none`).waitFor();
      assert.equal(await page.locator('#trk-temp-chart').count(), 0);
      assert.equal(await page.locator('#trk-no-events').count(), 1);

      // A valid number nobody has: the server's 查无此单.
      await page.locator('#trk-no').fill(waybillNo(666666666));
      await page.locator('#trk-no').press('Enter');
      await page.locator('.notice-error', { hasText: '查无此单' }).waitFor();
      assert.equal(await page.locator('.trk-result').count(), 0);

      // A wrong check digit: the server's message beside the box, focus in it.
      const badNo = no.slice(0, -1) + String((Number(no.at(-1)) + 1) % 10);
      const bad = await api(server.url, 'GET', `/api/v1/tracking/${badNo}`, { token: who.agent });
      assert.equal(bad.status, 400);
      await page.locator('#trk-no').fill(badNo);
      await page.locator('#trk-no').press('Enter');
      await page.locator('[data-field="no"] .field-error', { hasText: bad.body.error.message }).waitFor();
      await page.waitForFunction(() => document.activeElement.id === 'trk-no', null, { timeout: STEP_TIMEOUT });
    });
  });

test('at risk and late, judged at the server\'s clock, in their colours', { timeout: 90_000 }, async () => {
  // Orders and scans with today's clock …
  const db = freshDatabase();
  let s1, s2;
  try {
    s1 = await startServer({ database: db });
    const a = await actors(s1.url);
    const express = await createOrder(s1.url, a.agent, orderBody({ service: 'express' }));
    const standard = await createOrder(s1.url, a.agent, orderBody({ service: 'standard' }));
    const t0 = Date.now() - HOUR;
    for (const w of [express, standard]) {
      await scan(s1.url, a.key, w.waybill_no, [{ type: 'pickup', node: 'SZ-NS01', at: cn(t0) }]);
    }
    await s1.stop();
    s1 = null;
    // … and read two hours before the standard promise, after the express one.
    const stdPromise = Date.parse(standard.promise.promised_delivery_at);
    assert.ok(Date.parse(express.promise.promised_delivery_at) < stdPromise - 2 * HOUR,
      'express is promised earlier than standard on this route');
    const now = new Date(stdPromise - 2 * HOUR).toISOString();
    s2 = await startServer({ database: db, env: { PD_FAKE_NOW: now } });
    const agent = await login(s2.url, 'agent');
    const late = await staffView(s2.url, agent, express.waybill_no);
    const atRisk = await staffView(s2.url, agent, standard.waybill_no);
    assert.equal(late.risk, 'late');
    assert.equal(late.eta, null, 'no ETA once late');
    assert.equal(atRisk.risk, 'at_risk');

    await withBrowser(async ({ page }) => {
      await openTracking(page, s2.url, express.waybill_no);
      await page.locator('#trk-promise[data-risk="late"]').waitFor();
      assert.equal(await page.locator('#trk-risk').innerText(), '已超时');
      assert.ok((await page.locator('#trk-risk').getAttribute('class')).includes('risk-late'));
      assert.equal(await page.locator('#trk-eta').innerText(), '—');
      const lateColour = await page.locator('#trk-risk').evaluate((el) => getComputedStyle(el).backgroundColor);
      await page.screenshot({ path: join(SHOTS, 'tracking-late.png'), fullPage: true });

      await page.locator('#trk-no').fill(standard.waybill_no);
      await page.locator('#trk-no').press('Enter');
      await page.locator('#trk-promise[data-risk="at_risk"]').waitFor();
      assert.equal(await page.locator('#trk-risk').innerText(), '有延误风险');
      assert.equal(await page.locator('#trk-eta').innerText(), shown(atRisk.eta));
      const riskColour = await page.locator('#trk-risk').evaluate((el) => getComputedStyle(el).backgroundColor);
      assert.notEqual(riskColour, lateColour, 'at risk and late look different');
    });
  } finally {
    if (s1) await s1.stop();
    if (s2) await s2.stop();
    db.drop();
  }
});
