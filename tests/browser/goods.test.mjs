// Browser tests of the 禁寄/限寄物品 screen (web/console/goods.js): an
// administrator searches the list, adds a term and edits a seeded one through
// the form (a field error shown beside its input on the way), the rows show
// the change after a reload, and an agent — who may read the list but gets
// no form — sees the new term refused by the quick quote's live goods warning.
// A real Chromium against a real `parceldesk serve` on a fresh database.
//
// Run from the repository root: PD_BIN=build/parceldesk node --test tests/browser/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, login, DEMO_PASSWORD } from '../lib/harness.mjs';
import * as shared from './lib/browser.mjs';
import { withBrowser, TEST_TIMEOUT, STEP_TIMEOUT } from './lib/browser.mjs';

let server;
let adminToken;

before(async () => {
  server = await startServer();
  adminToken = await login(server.url, 'admin');
}, { timeout: 60_000 });

after(async () => {
  if (server) await server.stop();
});

async function uiLogin(page, username) {
  await shared.uiLogin(page, server.url, username, DEMO_PASSWORD);
  await page.locator('header.topbar .user-name').waitFor();
}

const row = (page, term) => page.locator(`.goods-table tbody tr[data-term="${term}"]`);

test('an administrator searches, adds a term and edits one; the list keeps them',
  { timeout: TEST_TIMEOUT }, async () => {
    await withBrowser(async ({ page }) => {
      await uiLogin(page, 'admin');
      await page.locator('nav.sidenav a[href="#/goods"]').click();
      await page.locator('h1', { hasText: '禁寄/限寄物品清单' }).waitFor();
      const all = await api(server.url, 'GET', '/api/v1/goods/rules', { token: adminToken });
      await page.locator('.goods-count', { hasText: `共 ${all.body.total} 条` }).waitFor();
      assert.equal(await page.locator('.goods-table tbody tr').count(), all.body.total);

      // Search narrows the rows as the server filters them.
      await page.locator('#goods-q').fill('烟花');
      const found = await api(server.url, 'GET', `/api/v1/goods/rules?q=${encodeURIComponent('烟花')}`, { token: adminToken });
      await page.waitForFunction((n) => document.querySelectorAll('.goods-table tbody tr').length === n,
        found.body.count, { timeout: STEP_TIMEOUT });
      await row(page, '烟花').waitFor();
      await page.locator('#goods-q').fill('');

      // A restricted term without its condition: the server's error, beside the field.
      await page.locator('details.goods-form summary').click();
      await page.locator('#gf-term').fill('测试违禁品Y');
      await page.locator('#gf-category').fill('测试类别');
      await page.locator('#gf-level').selectOption('restricted');
      await page.getByRole('button', { name: '保存' }).click();
      const condErr = page.locator('[data-field="condition"] .field-error');
      await condErr.waitFor();
      assert.equal(await page.evaluate(() => document.activeElement.id), 'gf-condition');
      assert.equal((await rowCount(page, '测试违禁品Y')), 0, 'nothing was saved');

      // Prohibited needs no condition: saved, and listed.
      await page.locator('#gf-level').selectOption('prohibited');
      await page.getByRole('button', { name: '保存' }).click();
      await page.locator('.goods-form .notice-ok', { hasText: '已保存：测试违禁品Y' }).waitFor();
      assert.equal(await condErr.count(), 0, 'the old error is gone');
      await row(page, '测试违禁品Y').waitFor();
      assert.equal(await row(page, '测试违禁品Y').locator('[data-level]').getAttribute('data-level'), 'prohibited');
      assert.match(await row(page, '测试违禁品Y').innerText(), /admin/);

      // Edit a seeded rule from its row: the form fills, the change shows.
      await row(page, '锂电池').getByRole('button', { name: '修改 锂电池' }).click();
      await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'gf-category'
        && document.getElementById('gf-term').value === '锂电池', null, { timeout: STEP_TIMEOUT });
      assert.equal(await page.locator('#gf-level').inputValue(), 'restricted');
      assert.equal(await page.locator('#gf-category').inputValue(), '电池');
      await page.locator('#gf-condition').fill('单块不超过 100Wh，测试修改');
      await page.getByRole('button', { name: '保存' }).click();
      await page.locator('.goods-form .notice-ok', { hasText: '已保存：锂电池' }).waitFor();
      await row(page, '锂电池').locator('.goods-condition', { hasText: '单块不超过 100Wh，测试修改' }).waitFor();

      // After a reload the list is the database's: both changes are there.
      await page.reload();
      await row(page, '测试违禁品Y').waitFor();
      await row(page, '锂电池').locator('.goods-condition', { hasText: '测试修改' }).waitFor();
      const stored = await api(server.url, 'GET', `/api/v1/goods/rules?q=${encodeURIComponent('测试违禁品Y')}`, { token: adminToken });
      assert.deepEqual(stored.body.items.map((r) => [r.term, r.category, r.level, r.active]),
        [['测试违禁品Y', '测试类别', 'prohibited', true]]);
    });

    // An agent reads the list without a form, and the quick quote refuses the new term.
    await withBrowser(async ({ page }) => {
      await uiLogin(page, 'agent');
      await page.goto(server.url + '/#/goods');
      await row(page, '测试违禁品Y').waitFor();
      assert.equal(await page.locator('details.goods-form').count(), 0, 'no form without goods.manage');
      assert.equal(await page.getByRole('button', { name: '修改 锂电池' }).count(), 0);

      await page.goto(server.url + '/#/orders');
      const name = page.locator('#q-name');
      await name.waitFor();
      await name.pressSequentially('测试违禁品Y');
      await page.locator('.screen-prohibited', { hasText: '禁寄物品：测试违禁品Y（测试类别）' }).waitFor();
    });
  });

async function rowCount(page, term) {
  return row(page, term).count();
}
