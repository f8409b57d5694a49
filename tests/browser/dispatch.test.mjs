// Browser tests of 揽收调度 (web/console/dispatch.js, #/orders/dispatch): the
// demo dispatcher (黄调度, node GD-SZ) dispatches accepted orders taken by the
// demo agent (also GD-SZ) from the keyboard and through the courier select,
// sees a pickup whose window has passed marked late and put first, filters
// the late ones, takes one back, and sees a refusal with the server's own
// message. What the screen shows is checked against what the API answers. A
// real Chromium (Debian's, driven by playwright-core) against a real
// `parceldesk serve` on a fresh demo-seeded database; any script error or
// CSP violation in the page fails the test.
//
// The demo network: the sender district 南山区 (440305) is served by the
// outlet SZ-NS01, whose only courier is the demo user "courier" (林快递), so
// automatic dispatch of the orders below goes to them. The test adds a
// courier at the neighbouring outlet SZ-FT01 (福田) to name instead.
//
// Run from the repository root: PD_BIN=build/parceldesk node --test tests/browser/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, api, login, DEMO_PASSWORD, ROOT } from '../lib/harness.mjs';
import * as shared from './lib/browser.mjs';
import { withBrowser, TEST_TIMEOUT, STEP_TIMEOUT } from './lib/browser.mjs';

let server;
let agentToken;
let adminToken;
let dispatcherToken;
let ftCourier;
let offCourier;

async function createCourier(username, display_name) {
  const r = await api(server.url, 'POST', '/api/v1/users', {
    token: adminToken,
    body: { username, display_name, role: 'courier', node_code: 'SZ-FT01', password: DEMO_PASSWORD },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

before(async () => {
  server = await startServer();
  [agentToken, adminToken, dispatcherToken] = await Promise.all(
    ['agent', 'admin', 'dispatcher'].map((u) => login(server.url, u)));
  ftCourier = await createCourier('ft.courier', '福田快递员');
  offCourier = await createCourier('leaving.courier', '离职快递员');
}, { timeout: 60_000 });

after(async () => {
  if (server) await server.stop();
});

const SHOTS = join(ROOT, 'tests/browser/screenshots');
const HOUR = 3600 * 1000;

/** An order from 南山区 as the agent takes it; `window` is [fromMs, toMs]. */
async function createOrder(ref, { window, phone = '13800138000' } = {}) {
  const body = {
    channel: 'phone', service: 'standard', payment: 'sender', customer_ref: ref,
    sender: { name: '张三', phone, province: '广东省', city: '深圳市', district: '南山区',
      address: '科技园南路 1 号' },
    recipient: { name: '李四', phone: '13900139000', province: '上海市', city: '上海市',
      district: '浦东新区', address: '世纪大道 100 号' },
    goods: { name: '衣服', weight_g: 1200 },
  };
  if (window) {
    body.pickup_window = { from: new Date(window[0]).toISOString(), to: new Date(window[1]).toISOString() };
  }
  const r = await api(server.url, 'POST', '/api/v1/waybills', { token: agentToken, body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.state, 'accepted', `${ref} is accepted at once`);
  return r.body.waybill_no;
}

const waybill = async (no) => {
  const r = await api(server.url, 'GET', '/api/v1/waybills/' + no, { token: dispatcherToken });
  assert.equal(r.status, 200);
  return r.body;
};

const dispatcherGet = async (path) => {
  const r = await api(server.url, 'GET', path, { token: dispatcherToken });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
};

/** Log in as the dispatcher and open the screen with its shortcut. */
async function openDispatch(page) {
  await shared.uiLogin(page, server.url, 'dispatcher');
  await page.locator('header.topbar .user-name').waitFor();
  // The dashboard's health line appears after the page's effects ran, so
  // the shell's Alt+key listener is in place.
  await page.locator('.health[data-status="ok"]').waitFor();
  await page.keyboard.press('Alt+D');
  await page.getByRole('heading', { name: /待派揽收订单/ }).waitFor();
  assert.match(page.url(), /#\/orders\/dispatch$/);
  await page.locator('.orders-tabs a[aria-current="page"]', { hasText: '揽收调度' }).waitFor();
}

const waitingRow = (page, no) => page.locator(`.waiting-table tbody tr[data-no="${no}"]`);
const taskRow = (page, no) => page.locator(`.task-table tbody tr[data-no="${no}"]`);
const focusedNo = (page) => page.evaluate(() => document.activeElement && document.activeElement.dataset.no);

/** Move the keyboard cursor of the focused table onto waybill @p no with j, then k. */
async function cursorTo(page, no) {
  await page.waitForFunction(() => document.activeElement.tagName === 'TR', null, { timeout: STEP_TIMEOUT });
  for (let i = 0; i < 30 && (await focusedNo(page)) !== no; i++) await page.keyboard.press('j');
  for (let i = 0; i < 30 && (await focusedNo(page)) !== no; i++) await page.keyboard.press('k');
  assert.equal(await focusedNo(page), no);
}

test('the dispatcher dispatches one order with the keyboard and names a courier for another',
  { timeout: TEST_TIMEOUT }, async () => {
    const a = await createOrder('DSP-A');
    const b = await createOrder('DSP-B', { phone: '13800138001' });
    await withBrowser(async ({ page }) => {
      await openDispatch(page);
      await waitingRow(page, a).waitFor();
      await waitingRow(page, b).waitFor();
      // The row shows the sender's city and the planned pickup the server computed.
      const wa = await waybill(a);
      assert.match(await waitingRow(page, a).innerText(), /深圳市/);
      assert.match(await waitingRow(page, a).innerText(),
        new RegExp(wa.promise.planned_pickup_at.replace('T', ' ').slice(0, 16)));

      // The courier select offers every courier with node and load.
      const load = await dispatcherGet('/api/v1/couriers');
      const demo = load.items.find((c) => c.username === 'courier');
      const opt = await waitingRow(page, b).locator('select.pick option[value="courier"]').innerText();
      assert.match(opt, /林快递/);
      assert.ok(opt.includes(`SZ-NS01 · ${demo.open_tasks}/${load.capacity}`), opt);

      // j/k onto A, then a: the server chooses the courier of 南山区.
      await cursorTo(page, a);
      await page.keyboard.press('a');
      await page.locator('.dispatch .notice-ok', { hasText: a }).waitFor();
      await waitingRow(page, a).waitFor({ state: 'detached' });
      await taskRow(page, a).filter({ hasText: '林快递' }).waitFor();
      const afterA = await waybill(a);
      assert.equal(afterA.state, 'pickup_assigned');
      assert.equal(afterA.courier.username, 'courier');
      assert.match(await page.locator('.dispatch .notice-ok').innerText(), /林快递/);
      // The keyboard stays in the waiting list, on the next order.
      await page.waitForFunction(() => !!document.activeElement.closest('.waiting-table'), null,
        { timeout: STEP_TIMEOUT });
      // The load table follows: the server's count, against the capacity.
      const now = (await dispatcherGet('/api/v1/couriers')).items.find((c) => c.username === 'courier');
      assert.equal(now.open_tasks, demo.open_tasks + 1);
      await page.locator('.courier-table tr[data-username="courier"] .load-num',
        { hasText: `${now.open_tasks}/${load.capacity}` }).waitFor();

      // B goes to the 福田 courier, named through the select.
      const assign = waitingRow(page, b).locator('button.assign');
      assert.equal(await assign.isDisabled(), true, 'nothing to assign before a courier is chosen');
      await waitingRow(page, b).locator('select.pick').selectOption('ft.courier');
      await assign.click();
      await taskRow(page, b).filter({ hasText: '福田快递员' }).waitFor();
      await waitingRow(page, b).waitFor({ state: 'detached' });
      const afterB = await waybill(b);
      assert.equal(afterB.state, 'pickup_assigned');
      assert.equal(afterB.courier.username, 'ft.courier');
      assert.equal(afterB.courier.id, ftCourier.id);
      await page.locator('.courier-table tr[data-username="ft.courier"] .load-num',
        { hasText: `1/${load.capacity}` }).waitFor();
      // Neither task is late: both are due in the future.
      assert.equal(await taskRow(page, a).getAttribute('data-late'), 'false');
      assert.equal(await taskRow(page, b).getAttribute('data-late'), 'false');
    });
  });

test('a pickup past its window is late, highlighted and first; 只看超时 filters; 撤回 returns it',
  { timeout: TEST_TIMEOUT }, async () => {
    const early = await createOrder('DSP-ON-TIME', { phone: '13800138002' });
    const late = await createOrder('DSP-LATE', {
      phone: '13800138003', window: [Date.now() - 26 * HOUR, Date.now() - 24 * HOUR],
    });
    // The on-time one is assigned first, so the late one is the newer task.
    for (const no of [early, late]) {
      const r = await api(server.url, 'POST', `/api/v1/waybills/${no}/pickup`, { token: dispatcherToken });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    const open = (await dispatcherGet('/api/v1/pickup-tasks?state=open')).items;
    assert.equal(open.find((k) => k.waybill_no === late).late, true);
    assert.equal(open.find((k) => k.waybill_no === early).late, false);
    const lateNos = open.filter((k) => k.late).map((k) => k.waybill_no);
    // One more waiting for a courier, picked up tomorrow morning, for the screenshot.
    const tomorrow = new Date(Date.now() + 32 * HOUR).toISOString().slice(0, 10);
    const waiting = await createOrder('DSP-WAITING', {
      phone: '13800138005',
      window: [Date.parse(`${tomorrow}T09:00:00+08:00`), Date.parse(`${tomorrow}T11:00:00+08:00`)],
    });

    await withBrowser(async ({ page }) => {
      await openDispatch(page);
      await taskRow(page, early).waitFor();
      const rows = page.locator('.task-table tbody tr');
      assert.equal(await rows.count(), open.length);
      // Late first, marked in words as well as in colour.
      assert.equal(await rows.first().getAttribute('data-no'), late);
      const lateRow = taskRow(page, late);
      assert.equal(await lateRow.getAttribute('data-late'), 'true');
      await lateRow.locator('.late-badge', { hasText: '超时' }).waitFor();
      assert.equal(await taskRow(page, early).locator('.late-badge').count(), 0);
      // Highlighted: a rule down its edge and its due time in another colour
      // (not the cursor's tint, which the first row has anyway).
      const style = (loc, prop) => loc.evaluate((el, p) => getComputedStyle(el)[p], prop);
      assert.match(await style(lateRow, 'boxShadow'), /inset/);
      assert.equal(await style(taskRow(page, early), 'boxShadow'), 'none');
      assert.notEqual(await style(lateRow.locator('.due'), 'color'),
        await style(taskRow(page, early).locator('.due'), 'color'));
      await page.locator('#dp-tasks .count', { hasText: `超时 ${lateNos.length} 个` }).waitFor();
      // The due time is the end of the window.
      const due = open.find((k) => k.waybill_no === late).due_at;
      assert.match(await lateRow.locator('.due').innerText(), new RegExp(due.replace('T', ' ').slice(0, 16)));

      // The waiting order's planned pickup is the start of its window.
      await waitingRow(page, waiting).filter({ hasText: `${tomorrow} 09:00` }).waitFor();

      mkdirSync(SHOTS, { recursive: true });
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: join(SHOTS, 'dispatch.png'), fullPage: true });

      // 只看超时: only the late ones, as the server lists them with late=true.
      await page.locator('#dp-late').check();
      await taskRow(page, early).waitFor({ state: 'detached' });
      assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.no)), lateNos);
      assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.late)),
        lateNos.map(() => 'true'));

      // 撤回: the order waits for a courier again, without one.
      await lateRow.getByRole('button', { name: `撤回 ${late} 的揽收任务` }).click();
      await page.locator('.dispatch .notice-ok', { hasText: late }).waitFor();
      await waitingRow(page, late).waitFor();
      await lateRow.waitFor({ state: 'detached' });
      const back = await waybill(late);
      assert.equal(back.state, 'accepted');
      assert.equal(back.courier, null);
      if (lateNos.length === 1) await page.getByText('没有超时的任务。').waitFor();
      // Turning the filter off brings the on-time task back.
      await page.locator('#dp-late').uncheck();
      await taskRow(page, early).waitFor();
    });
  });

test('a refusal is shown with the server\'s message; Enter opens the order',
  { timeout: TEST_TIMEOUT }, async () => {
    const no = await createOrder('DSP-REFUSED', { phone: '13800138004' });
    await withBrowser(async ({ page }) => {
      await openDispatch(page);
      const row = waitingRow(page, no);
      await row.waitFor();
      const opt = row.locator('select.pick option[value="leaving.courier"]');
      assert.equal(await opt.isDisabled(), false);

      // The courier leaves while the screen is open; naming them is refused.
      const off = await api(server.url, 'PATCH', `/api/v1/users/${offCourier.id}`,
        { token: adminToken, body: { active: false } });
      assert.equal(off.status, 200, JSON.stringify(off.body));
      const refused = await api(server.url, 'POST', `/api/v1/waybills/${no}/pickup`, {
        token: dispatcherToken, headers: { 'accept-language': 'zh-CN' }, body: { courier: 'leaving.courier' },
      });
      assert.equal(refused.status, 422);
      assert.equal(refused.body.error.code, 'pickup.courier_invalid');

      await row.locator('select.pick').selectOption('leaving.courier');
      await row.locator('button.assign').click();
      const err = page.locator('.dispatch .notice-error');
      await err.waitFor();
      assert.equal((await err.innerText()).trim(), `${no}：${refused.body.error.message}`);
      // The order still waits; the refreshed select no longer offers the courier.
      await page.waitForFunction((n) => {
        const o = document.querySelector(`.waiting-table tr[data-no="${n}"] option[value="leaving.courier"]`);
        return o && o.disabled;
      }, no, { timeout: STEP_TIMEOUT });
      assert.equal((await waybill(no)).state, 'accepted');
      await page.locator('.courier-table tr[data-username="leaving.courier"] .badge.off').waitFor();

      // Enter on the row opens the order in 订单查询.
      await row.focus();
      await page.keyboard.press('Enter');
      await page.waitForURL(new RegExp(`#/orders/search/${no}$`));
      await page.locator(`.waybill-detail[data-waybill="${no}"]`).waitFor();
    });
  });
