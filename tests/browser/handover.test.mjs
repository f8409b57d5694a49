// Browser tests of the console's 交接班 screens (web/console/sd_handover.js)
// against a real `parceldesk serve`: an agent writes the shift's handover
// with open items (a link to nothing is refused naming the item's input,
// then the problem, waybill and ticket links are accepted); the entry heads
// the list, unacknowledged; the author's own acknowledgement is refused with
// the server's message; the supervisor board (#/tickets/board) lists it and
// links to it; an inquiry clerk of the same node acknowledges it; the board
// no longer lists it. Any script error or CSP violation fails the test.
// Screenshots go to tests/browser/screenshots/.
//
// Run from the repository root: PD_BIN=build/parceldesk node --test tests/browser/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, api, login, ROOT } from '../lib/harness.mjs';
import { orderBody, createOrder } from '../api/lib/orders.mjs';
import { withBrowser, uiLogin, TEST_TIMEOUT } from './lib/browser.mjs';

const SHOTS = join(ROOT, 'tests/browser/screenshots');
const WIDE = { width: 1440, height: 900 };
let server, waybillNo, problemId;

before(async () => {
  server = await startServer({ args: ['--monitor-worker', 'false', '--tickets-clock-worker', 'false'] });
  mkdirSync(SHOTS, { recursive: true });
  const agent = await login(server.url, 'agent');
  waybillNo = (await createOrder(server.url, agent, orderBody())).waybill_no;
  const p = await api(server.url, 'POST', '/api/v1/problems', { token: agent, body: { waybill_no: waybillNo, type: 'address', reason: '收件地址不详' } });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  problemId = p.body.id;
}, { timeout: 60_000 });

after(async () => {
  if (server) await server.stop();
});

async function openAs(page, user, hash) {
  await uiLogin(page, server.url, user);
  await page.locator('.topbar .user-name').waitFor();
  await page.evaluate((h) => { location.hash = h; }, hash);
}

test('written by one user, refused to its author, acknowledged by another; the board follows',
  { timeout: TEST_TIMEOUT * 2 }, async () => {
    let id;
    await withBrowser(async ({ page }) => {
      await openAs(page, 'agent', '#/tickets');
      await page.locator('h1').waitFor();
      await page.keyboard.press('Alt+h'); // the module's shortcut
      await page.locator('#ho-form').waitFor();
      await page.locator('h1').click();
      await page.keyboard.press('/');
      await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'ho-text');
      await page.keyboard.type('夜班受理查询 35 件；地址不详问题件待联系收件人。');
      await page.locator('#ho-shift').selectOption('night');
      // Three open items; the first points at a problem that does not exist.
      for (let i = 0; i < 3; i++) await page.locator('#ho-add-item').click();
      await page.locator('#ho-item-0-kind').selectOption('problem');
      await page.locator('#ho-item-0-ref').fill('999999');
      await page.locator('#ho-item-1-kind').selectOption('waybill');
      await page.locator('#ho-item-1-ref').fill(waybillNo.toLowerCase());
      await page.locator('#ho-item-2-kind').selectOption('ticket');
      await page.locator('#ho-item-2-ref').fill('TS20261122-0007');
      await page.locator('#ho-item-2-note').fill('客户等待回电');
      await page.locator('#ho-submit').click();
      const itemErr = page.locator('[data-field="items[0].ref"] .field-error');
      await itemErr.waitFor();
      assert.equal(await page.evaluate(() => document.activeElement.id), 'ho-item-0-ref');
      await page.locator('#ho-item-0-ref').fill(String(problemId));
      await page.locator('#ho-submit').click();
      await page.locator('.notice-ok', { hasText: /交接 #\d+ 已提交/ }).waitFor();
      id = Number(/#(\d+)/.exec(await page.locator('.notice-ok').textContent())[1]);
      // Unacknowledged first in the list.
      const first = page.locator('#ho-table tbody tr').first();
      await page.locator(`#ho-table tr[data-id="${id}"]`).waitFor();
      assert.equal(await first.getAttribute('data-id'), String(id));
      assert.equal(await first.getAttribute('data-acked'), 'false');
      assert.match(await first.textContent(), /夜班/);
      await page.screenshot({ path: join(SHOTS, 'handover-write.png'), fullPage: true });

      // Its author cannot acknowledge it.
      await first.focus();
      await page.keyboard.press('Enter');
      await page.locator('#he-ack-form').waitFor();
      const links = await page.locator('.ho-items a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      assert.deepEqual(links, [`#/problems/${problemId}`, `#/tracking/${waybillNo}`, '#/tickets/TS20261122-0007']);
      await page.locator('#he-ack-go').click();
      const refused = page.locator('[data-field="note"] .field-error');
      await refused.waitFor();
      assert.ok((await refused.textContent()).trim().length > 3);
      assert.equal(await page.locator('#he').getAttribute('data-acked'), 'false');
      await page.screenshot({ path: join(SHOTS, 'handover-own-ack.png'), fullPage: true });
    }, { viewport: WIDE });

    const boardEntry = (page) => page.locator(`#sb-handovers a[href="#/handover/${id}"]`);
    await withBrowser(async ({ page }) => {
      await openAs(page, 'supervisor', '#/tickets/board');
      await boardEntry(page).waitFor();
      await boardEntry(page).click();
      await page.locator('#he-title').waitFor();
      assert.match(await page.locator('#he-text').textContent(), /夜班受理查询/);
    }, { viewport: WIDE });

    await withBrowser(async ({ page }) => {
      await openAs(page, 'inquiry_clerk', `#/handover/${id}`);
      await page.locator('#ho-ack-note').fill('已接班，上午跟进');
      await page.locator('#he-ack-go').click();
      await page.locator('#he-ack').waitFor();
      assert.match(await page.locator('#he-ack').textContent(), /inquiry_clerk.*已接班，上午跟进/);
      assert.equal(await page.locator('#he').getAttribute('data-acked'), 'true');
      assert.equal(await page.locator('#he-ack-form').count(), 0);
    }, { viewport: WIDE });

    await withBrowser(async ({ page }) => {
      await openAs(page, 'supervisor', '#/tickets/board');
      await page.locator('#sb-updated').waitFor();
      await page.waitForFunction(() => document.getElementById('sb-updated').textContent.trim() !== '');
      assert.equal(await boardEntry(page).count(), 0, 'acknowledged: off the board');
      await page.screenshot({ path: join(SHOTS, 'handover-board.png'), fullPage: true });
    }, { viewport: WIDE });
  });
