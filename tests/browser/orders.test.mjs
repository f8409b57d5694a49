// Browser tests of the order screens of 订单受理 — 新建订单 (order entry),
// 审核队列 (review queue) and 订单查询 (search and detail): a real Chromium
// (Debian's, driven by playwright-core) against a real `parceldesk serve` on a
// fresh demo-seeded database. What the screens show is checked against what
// the API itself answers (prices, messages, states), not against copies of the
// rate card or the message catalogue. Each test gets its own browser; any
// script error or CSP violation in the page fails it.
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
let supervisorToken;

before(async () => {
  server = await startServer();
  agentToken = await login(server.url, 'agent');
  supervisorToken = await login(server.url, 'supervisor');
}, { timeout: 60_000 });

after(async () => {
  if (server) await server.stop();
});

const SHOTS = join(ROOT, 'tests/browser/screenshots');

/**
 * Log in and wait for the dashboard's health line, which appears only after
 * the page's effects ran — so the shell's Alt+key listener is in place
 * before a test presses a shortcut.
 */
async function uiLogin(page, username, password = DEMO_PASSWORD) {
  await shared.uiLogin(page, server.url, username, password);
  await page.locator('header.topbar .user-name').waitFor();
  await page.locator('.health[data-status="ok"]').waitFor();
}

/** An order body as the API takes it; the tests vary phones, goods and refs. */
function orderBody({ ref, senderPhone = '13800138000', recipientPhone = '13900139000',
  goods = '衣服', weight = 1200 } = {}) {
  return {
    channel: 'phone', service: 'standard', payment: 'sender', customer_ref: ref,
    sender: { name: '张三', phone: senderPhone, province: '广东省', city: '深圳市',
      district: '南山区', address: '科技园南路 1 号' },
    recipient: { name: '李四', phone: recipientPhone, province: '上海市', city: '上海市',
      district: '浦东新区', address: '世纪大道 100 号' },
    goods: { name: goods, weight_g: weight },
  };
}

async function createViaApi(body, token = agentToken) {
  const r = await api(server.url, 'POST', '/api/v1/waybills', { token, body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

async function listByRef(ref) {
  const r = await api(server.url, 'GET', '/api/v1/waybills?customer_ref=' + encodeURIComponent(ref),
    { token: agentToken });
  assert.equal(r.status, 200);
  return r.body.items;
}

const focusedId = (page) => page.evaluate(() => document.activeElement && document.activeElement.id);

async function waitFocus(page, id) {
  await page.waitForFunction((want) => document.activeElement && document.activeElement.id === want,
    id, { timeout: STEP_TIMEOUT });
}

/**
 * Type a province, city and district into an end's search box, Enter after
 * each, as an agent does; the last Enter moves focus to the street address.
 */
async function typeAddress(page, end, [province, city, district], codes) {
  const kb = page.keyboard;
  await waitFocus(page, `o-${end}-filter`);
  const levels = [[province, 'province'], [city, 'city'], [district, 'district']];
  for (let i = 0; i < 3; i++) {
    await kb.type(levels[i][0]);
    await kb.press('Enter');
    await page.waitForFunction(([id, code]) => document.getElementById(id).value === code,
      [`o-${end}-${levels[i][1]}`, codes[i]], { timeout: STEP_TIMEOUT });
  }
  await waitFocus(page, `o-${end}-address`);
}

/**
 * Fill the whole form with the keyboard only, from the first field (which
 * must have the focus), ending in the weight field. Tab order is the
 * form's reading order: channel, service, payment, customer code, customer
 * ref, then per end name, phone, company, address search (the selects are
 * skipped by the search box's Enter), street address, then goods name,
 * category, quantity, weight.
 */
async function typeOrder(page, { ref, senderPhone = '13800138000', recipientPhone = '13900139000',
  goods = '衣服', weight = '1.2' }) {
  const kb = page.keyboard;
  await waitFocus(page, 'o-channel');
  for (let i = 0; i < 4; i++) await kb.press('Tab'); // channel, service, payment, customer code
  assert.equal(await focusedId(page), 'o-customer_ref');
  await kb.type(ref);
  await kb.press('Tab');
  for (const [end, name, phone, addr, codes, street] of [
    ['sender', '张三', senderPhone, ['广东', '深圳', '南山'], ['44', '4403', '440305'], '科技园南路 1 号'],
    ['recipient', '李四', recipientPhone, ['上海', '上海', '浦东'], ['31', '3101', '310115'], '世纪大道 100 号'],
  ]) {
    assert.equal(await focusedId(page), `o-${end}-name`);
    await kb.type(name);
    await kb.press('Tab');
    await kb.type(phone);
    await kb.press('Tab'); // company: none
    await kb.press('Tab');
    await typeAddress(page, end, addr, codes);
    await kb.type(street);
    await kb.press('Tab');
  }
  assert.equal(await focusedId(page), 'o-goods-name');
  await kb.type(goods);
  await kb.press('Tab'); // category
  await kb.press('Tab'); // quantity
  await kb.press('Tab');
  assert.equal(await focusedId(page), 'o-weight');
  await kb.type(weight);
}

const total = (page) => page.locator('.entry-side .quote-total td');

async function serverTotal(weightG) {
  const r = await api(server.url, 'POST', '/api/v1/quotes', {
    token: agentToken,
    body: { service: 'standard', sender: { district_code: '440305' },
      recipient: { district_code: '310115' }, goods: { weight_g: weightG } },
  });
  assert.equal(r.status, 200);
  const f = r.body.total_fen;
  return `¥${Math.floor(f / 100)}.${String(f % 100).padStart(2, '0')}`;
}

test('an agent takes a whole order with the keyboard and gets a waybill number',
  { timeout: TEST_TIMEOUT }, async () => {
    const at12 = await serverTotal(1200);
    const at3 = await serverTotal(3000);
    assert.notEqual(at12, at3, 'the two weights are priced differently');
    await withBrowser(async ({ page }) => {
      await page.clock.setFixedTime(new Date('2026-11-23T10:00:00+08:00'));
      await uiLogin(page, 'agent');
      await page.keyboard.press('Alt+N');
      await page.getByRole('heading', { name: '新建订单' }).waitFor();
      assert.match(page.url(), /#\/orders\/new$/);
      await typeOrder(page, { ref: 'KB-1' });

      // The live quote follows the weight as it is typed.
      await total(page).filter({ hasText: at12 }).waitFor();
      await page.keyboard.press('Control+A');
      await page.keyboard.type('3');
      await total(page).filter({ hasText: at3 }).waitFor();

      mkdirSync(SHOTS, { recursive: true });
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: join(SHOTS, 'order-entry.png'), fullPage: true });

      await page.keyboard.press('Enter');
      const no = page.locator('#o-done-no');
      await no.waitFor();
      const number = (await no.innerText()).trim();
      assert.match(number, /^PD\d{13}$/);
      await page.locator('.order-done .state-badge', { hasText: '已受理' }).waitFor();
      await waitFocus(page, 'o-done-title');

      const got = await api(server.url, 'GET', '/api/v1/waybills/' + number, { token: agentToken });
      assert.equal(got.status, 200);
      assert.equal(got.body.state, 'accepted');
      assert.equal(got.body.channel, 'phone');
      assert.equal(got.body.customer_ref, 'KB-1');
      assert.equal(got.body.goods.weight_g, 3000);
      assert.equal(got.body.sender.district_code, '440305');
      assert.equal(got.body.recipient.district_code, '310115');
      assert.equal(got.body.recipient.address, '世纪大道 100 号');
      // The promise on screen is the server's.
      const promised = got.body.promise.promised_delivery_at.replace('T', ' ').slice(0, 19);
      assert.match(await page.locator('.o-promised').innerText(), new RegExp(promised));
      assert.equal(await page.locator('#o-print').isDisabled(), false);

      // 新建订单 starts a clean form with the focus on its first field.
      await page.locator('#o-new').click();
      await waitFocus(page, 'o-channel');
      assert.equal(await page.locator('#o-customer_ref').inputValue(), '');
      assert.equal(await page.locator('#o-sender-province').inputValue(), '');
    });
  });

test('prohibited goods: warned while typing, refused by the server at goods.name',
  { timeout: TEST_TIMEOUT }, async () => {
    const refusal = await api(server.url, 'POST', '/api/v1/waybills', {
      token: agentToken, headers: { 'accept-language': 'zh-CN' },
      body: orderBody({ ref: 'FW-API', goods: '烟花', weight: 1000 }),
    });
    assert.equal(refusal.status, 422);
    assert.equal(refusal.body.error.field, 'goods.name');
    await withBrowser(async ({ page }) => {
      await uiLogin(page, 'agent');
      await page.goto(server.url + '/#/orders/new');
      await typeOrder(page, { ref: 'FW-1', goods: '烟花', weight: '1' });
      await page.locator('.entry-form .screen-prohibited', { hasText: '禁寄物品：烟花' }).waitFor();
      await page.keyboard.press('Enter');
      await page.locator('[data-field="goods.name"] .field-error',
        { hasText: refusal.body.error.message }).waitFor();
      await waitFocus(page, 'o-goods-name');
      assert.equal(await page.locator('#o-goods-name').getAttribute('aria-invalid'), 'true');
      assert.equal(await page.locator('#o-done-no').count(), 0);
      assert.equal((await listByRef('FW-1')).length, 0, 'nothing was written');
    });
  });

test('a repeated order is flagged as a duplicate; a double Enter creates one order',
  { timeout: TEST_TIMEOUT }, async () => {
    const first = await createViaApi(orderBody({ ref: 'DUP-1', senderPhone: '13700137001',
      recipientPhone: '13600136001' }));
    await withBrowser(async ({ page }) => {
      await uiLogin(page, 'agent');
      await page.goto(server.url + '/#/orders/new');
      await typeOrder(page, { ref: 'DUP-2', senderPhone: '13700137001', recipientPhone: '13600136001' });
      const warn = page.locator('.dup-warning');
      await warn.filter({ hasText: first.waybill_no }).waitFor();
      assert.match(await warn.innerText(), /可能是重复订单/);

      // Two Enters while the first submission is still on its way: the real
      // request is held back for a moment (a slow line), never answered here.
      const keys = [];
      page.on('request', (r) => {
        if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/waybills') {
          keys.push(r.headers()['idempotency-key']);
        }
      });
      await page.route((u) => u.pathname === '/api/v1/waybills', async (route) => {
        if (route.request().method() === 'POST') await new Promise((ok) => setTimeout(ok, 700));
        await route.continue();
      });
      await page.keyboard.press('Enter');
      await page.keyboard.press('Enter');
      await page.locator('#o-done-no').waitFor();
      const made = await listByRef('DUP-2');
      assert.equal(made.length, 1, 'one order for one form');
      assert.ok(keys.length >= 1);
      for (const k of keys) assert.match(k, /^[0-9a-f-]{36}$/, 'each submission carries the form\'s key');
      assert.equal(new Set(keys).size, 1, 'one key per form');
      assert.equal((await page.locator('#o-done-no').innerText()).trim(), made[0].waybill_no);
      // The server's own duplicate check sent it to review; the screen says why.
      assert.equal(made[0].state, 'in_review');
      await page.locator('.order-done .state-badge', { hasText: '待审核' }).waitFor();
      await page.locator('.order-done .review-reasons li[data-code="order.duplicate"]',
        { hasText: '疑似重复订单' }).filter({ hasText: first.waybill_no }).waitFor();
      assert.equal(await page.locator('#o-print').isDisabled(), true, 'no label before review');
    });
    // A different sender to the same recipient is no duplicate.
    await withBrowser(async ({ page }) => {
      await uiLogin(page, 'agent');
      await page.goto(server.url + '/#/orders/new');
      await typeOrder(page, { ref: 'DUP-3', senderPhone: '13700137002', recipientPhone: '13600136001' });
      await total(page).filter({ hasText: /¥\d+\.\d\d/ }).waitFor();
      await page.waitForTimeout(800); // longer than the duplicate look-up's pause
      assert.equal(await page.locator('.dup-warning').count(), 0);
    });
  });

test('按此报价下单 carries the quick quote into a new order', { timeout: TEST_TIMEOUT }, async () => {
  const expected = await serverTotal(1200);
  await withBrowser(async ({ page }) => {
    await uiLogin(page, 'agent');
    await page.goto(server.url + '/#/orders');
    for (const [id, label] of [['q-sender-province', '广东省'], ['q-sender-city', '深圳市'],
      ['q-sender-district', '南山区'], ['q-recipient-province', '上海市'],
      ['q-recipient-city', '上海市'], ['q-recipient-district', '浦东新区']]) {
      const sel = page.locator('#' + id);
      await sel.locator('option', { hasText: label }).first().waitFor({ state: 'attached' });
      await sel.selectOption({ label });
    }
    await page.locator('#q-weight').fill('1.2');
    await page.locator('.quote-result .quote-total', { hasText: expected }).waitFor();
    await page.getByRole('button', { name: '按此报价下单' }).click();
    await page.getByRole('heading', { name: '新建订单' }).waitFor();
    assert.match(page.url(), /#\/orders\/new$/);
    assert.equal(await page.locator('#o-sender-district').inputValue(), '440305');
    assert.equal(await page.locator('#o-recipient-district').inputValue(), '310115');
    assert.equal(await page.locator('#o-weight').inputValue(), '1.2');
    await total(page).filter({ hasText: expected }).waitFor();
    await waitFocus(page, 'o-channel');
  });
});

test('server field errors land beside the field and take the focus', { timeout: TEST_TIMEOUT }, async () => {
  await withBrowser(async ({ page }) => {
    await uiLogin(page, 'agent');
    await page.goto(server.url + '/#/orders/new');
    await typeOrder(page, { ref: 'PH-1', senderPhone: '12345' });
    await page.keyboard.press('Enter');
    const err = page.locator('[data-field="sender.phone"] .field-error');
    await err.waitFor();
    const api400 = await api(server.url, 'POST', '/api/v1/waybills', {
      token: agentToken, headers: { 'accept-language': 'zh-CN' },
      body: orderBody({ ref: 'PH-API', senderPhone: '12345' }),
    });
    assert.equal(api400.body.error.field, 'sender.phone');
    assert.equal((await err.innerText()).replace(/^⚠\s*/, ''), api400.body.error.message);
    await waitFocus(page, 'o-sender-phone');

    // Esc twice clears the form.
    await page.keyboard.press('Escape');
    await page.locator('.entry-form .notice-info', { hasText: '再按一次 Esc' }).waitFor();
    await page.keyboard.press('Escape');
    await waitFocus(page, 'o-channel');
    assert.equal(await page.locator('#o-sender-phone').inputValue(), '');
  });
});

test('the supervisor approves a restricted-goods order from the queue with the keyboard',
  { timeout: TEST_TIMEOUT }, async () => {
    const lithium = await createViaApi(orderBody({ ref: 'RV-1', goods: '锂电池', weight: 800,
      senderPhone: '13500135001' }));
    assert.equal(lithium.state, 'in_review');
    assert.ok(lithium.review.some((r) => r.code === 'goods.restricted'));
    const other = await createViaApi(orderBody({ ref: 'RV-2', goods: '充电宝', weight: 500,
      senderPhone: '13500135002' }));
    assert.equal(other.state, 'in_review');

    await withBrowser(async ({ page }) => {
      await page.clock.setFixedTime(new Date('2026-11-23T10:00:00+08:00'));
      await uiLogin(page, 'supervisor');
      await page.keyboard.press('Alt+R');
      await page.getByRole('heading', { name: /待审核订单/ }).waitFor();
      const row = page.locator(`.review-table tr[data-no="${lithium.waybill_no}"]`);
      await row.locator('li[data-code="goods.restricted"]', { hasText: '限寄物品' }).waitFor();
      await row.getByText('锂电池').first().waitFor();

      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, 'review-queue.png'), fullPage: true });

      // Move the cursor to the order with j/k, then approve with a.
      const focusedNo = () => page.evaluate(() => document.activeElement.dataset.no);
      await page.waitForFunction(() => document.activeElement.tagName === 'TR', null,
        { timeout: STEP_TIMEOUT });
      for (let i = 0; i < 20 && (await focusedNo()) !== lithium.waybill_no; i++) {
        await page.keyboard.press('j');
      }
      for (let i = 0; i < 20 && (await focusedNo()) !== lithium.waybill_no; i++) {
        await page.keyboard.press('k');
      }
      assert.equal(await focusedNo(), lithium.waybill_no);
      await page.keyboard.press('a');
      await page.locator('.review-queue .notice-ok', { hasText: lithium.waybill_no }).waitFor();
      await row.waitFor({ state: 'detached' });
      const after = await api(server.url, 'GET', '/api/v1/waybills/' + lithium.waybill_no,
        { token: supervisorToken });
      assert.equal(after.body.state, 'accepted');

      // c asks for a reason in a dialog; Enter with one cancels the order.
      const row2 = page.locator(`.review-table tr[data-no="${other.waybill_no}"]`);
      await page.waitForFunction(() => document.activeElement.tagName === 'TR', null,
        { timeout: STEP_TIMEOUT });
      for (let i = 0; i < 20 && (await focusedNo()) !== other.waybill_no; i++) {
        await page.keyboard.press('ArrowDown');
      }
      for (let i = 0; i < 20 && (await focusedNo()) !== other.waybill_no; i++) {
        await page.keyboard.press('ArrowUp');
      }
      await page.keyboard.press('c');
      const dlg = page.locator('dialog.reason-dialog');
      await dlg.waitFor();
      await waitFocus(page, 'dlg-reason');
      await page.keyboard.press('Enter');
      await dlg.locator('.field-error', { hasText: '请填写原因' }).waitFor();
      await page.keyboard.type('客户来电取消');
      await page.keyboard.press('Enter');
      await dlg.waitFor({ state: 'detached' });
      await row2.waitFor({ state: 'detached' });
      const cancelled = await api(server.url, 'GET', '/api/v1/waybills/' + other.waybill_no,
        { token: supervisorToken });
      assert.equal(cancelled.body.state, 'cancelled');
    });
  });

test('an agent has no review queue', { timeout: TEST_TIMEOUT }, async () => {
  await withBrowser(async ({ page }) => {
    await uiLogin(page, 'agent');
    await page.goto(server.url + '/#/orders');
    await page.locator('.orders-tabs a', { hasText: '新建订单' }).waitFor();
    assert.equal(await page.locator('.orders-tabs a', { hasText: '审核队列' }).count(), 0);
    await page.goto(server.url + '/#/orders/review');
    await page.locator('.orders .forbidden').waitFor();
    assert.equal(await page.locator('.review-table').count(), 0);
  });
});

test('search by phone, open the detail, print labels; a mistyped number is refused',
  { timeout: TEST_TIMEOUT }, async () => {
    const wb = await createViaApi(orderBody({ ref: 'SR-1', senderPhone: '13300133001',
      recipientPhone: '13912345678' }));
    assert.equal(wb.state, 'accepted');
    const last = Number(wb.waybill_no.at(-1));
    const typo = wb.waybill_no.slice(0, -1) + String((last + 1) % 10);
    const refused = await api(server.url, 'GET', '/api/v1/waybills/' + typo,
      { token: agentToken, headers: { 'accept-language': 'zh-CN' } });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.code, 'waybill.no_invalid');

    await withBrowser(async ({ ctx, page }) => {
      await uiLogin(page, 'agent');
      await page.keyboard.press('Alt+S');
      await waitFocus(page, 's-no');
      await page.keyboard.press('Tab');
      await page.keyboard.type('13912345678');
      await page.keyboard.press('Enter');
      const row = page.locator(`.results-table tr[data-no="${wb.waybill_no}"]`);
      await row.waitFor();
      assert.equal(await page.locator('.results-table tbody tr[data-no]').count(), 1);
      await row.focus();
      await page.keyboard.press('Enter');
      const detail = page.locator(`.waybill-detail[data-waybill="${wb.waybill_no}"]`);
      await detail.locator('.quote-lines tr[data-code="freight"]').waitFor();
      assert.match(await detail.innerText(), /世纪大道 100 号/);
      assert.match(await detail.innerText(), /承诺送达/);

      // One label: the new tab's address answers with a PDF.
      const [tab] = await Promise.all([
        ctx.waitForEvent('page'),
        detail.locator('button.print-100x180').click(),
      ]);
      const labelUrl = tab.url();
      assert.match(labelUrl, new RegExp(`/api/v1/waybills/${wb.waybill_no}/label\\.pdf\\?size=100x180$`));
      const pdf = await ctx.request.get(labelUrl);
      assert.equal(pdf.status(), 200);
      assert.match(pdf.headers()['content-type'], /^application\/pdf/);
      assert.equal((await pdf.body()).subarray(0, 5).toString(), '%PDF-');
      await tab.close();

      // Batch: Space on the row selects it; the batch button posts the list.
      await row.focus();
      await page.keyboard.press(' ');
      await page.locator('#s-batch-print', { hasText: '1 单' }).waitFor();
      const [res] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/v1/labels') && r.request().method() === 'POST'),
        page.locator('#s-batch-print').click(),
      ]);
      assert.equal(res.status(), 200);
      assert.match(res.headers()['content-type'], /^application\/pdf/);
      assert.deepEqual(JSON.parse(res.request().postData()), { waybills: [wb.waybill_no], size: '100x180' });

      // A number failing its check digit: the server's message under the input.
      await page.locator('#s-no').fill(typo);
      await page.locator('#s-no').press('Enter');
      await page.locator('[data-field="no"] .field-error', { hasText: refused.body.error.message }).waitFor();
      await waitFocus(page, 's-no');
      assert.equal(await page.locator('.waybill-detail').count(), 0);
    });
  });

test('a waybill opened by address shows its detail; cancel from the detail', { timeout: TEST_TIMEOUT },
  async () => {
    const wb = await createViaApi(orderBody({ ref: 'DT-1', senderPhone: '13300133002',
      recipientPhone: '13912340000' }));
    await withBrowser(async ({ page }) => {
      await uiLogin(page, 'agent');
      await page.goto(server.url + '/#/orders/search/' + wb.waybill_no);
      const detail = page.locator(`.waybill-detail[data-waybill="${wb.waybill_no}"]`);
      await detail.waitFor();
      await detail.locator('.state-badge', { hasText: '已受理' }).waitFor();
      // An agent may cancel but not flag for review.
      assert.equal(await detail.getByRole('button', { name: '转人工审核' }).count(), 0);
      await detail.getByRole('button', { name: '取消订单' }).click();
      await page.locator('#dlg-reason').fill('重复下单');
      await page.keyboard.press('Enter');
      await detail.locator('.state-badge', { hasText: '已取消' }).waitFor();
      const got = await api(server.url, 'GET', '/api/v1/waybills/' + wb.waybill_no, { token: agentToken });
      assert.equal(got.body.state, 'cancelled');
      assert.equal(await detail.locator('button.print-label').count(), 0, 'no label once cancelled');
    });
  });
