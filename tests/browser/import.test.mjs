// Browser test of 批量导入 (web/console/import.js, #/orders/import): the demo
// agent uploads a small UTF-8 CSV — the header and rows of
// tests/data/orders-sample.csv, two good rows around one with a malformed
// sender phone — first keeping the good rows, then all or nothing. The
// report on screen is checked against the API: the stored orders are looked
// up by customer reference, and the refusal's message is the one the intake
// gives for the same phone. A real Chromium against a real `parceldesk
// serve` on a fresh demo-seeded database; any script error or CSP violation
// in the page fails the test.
//
// Run from the repository root: PD_BIN=build/parceldesk node --test tests/browser/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, api, login, ROOT } from '../lib/harness.mjs';
import * as shared from './lib/browser.mjs';
import { withBrowser, TEST_TIMEOUT } from './lib/browser.mjs';

let server;
let agentToken;
let dir;

before(async () => {
  server = await startServer();
  agentToken = await login(server.url, 'agent');
  dir = mkdtempSync(join(tmpdir(), 'pd-import-ui-'));
}, { timeout: 60_000 });

after(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (server) await server.stop();
});

/**
 * The file: the sample's header (Chinese column names, UTF-8 with its BOM)
 * and its first two order rows, with a copy of the first whose sender phone
 * is malformed between them, so the bad row is spreadsheet row 3.
 */
function writeCsv(prefix) {
  const lines = readFileSync(join(ROOT, 'tests/data/orders-sample.csv'), 'utf8').split(/\r?\n/);
  const [header, first, second] = lines;
  assert.ok(first.includes('IMP-001,张三,13800138000,') && second.includes('IMP-002,'),
    'the sample still starts with the rows this test copies');
  const rows = [
    first.replace('IMP-001', `${prefix}-1`),
    first.replace('IMP-001', `${prefix}-BAD`).replace('13800138000', '12345'),
    second.replace('IMP-002', `${prefix}-2`),
  ];
  const path = join(dir, `${prefix}.csv`);
  writeFileSync(path, [header, ...rows].join('\r\n') + '\r\n', 'utf8');
  return path;
}

async function byRef(ref) {
  const r = await api(server.url, 'GET', '/api/v1/waybills?customer_ref=' + encodeURIComponent(ref),
    { token: agentToken });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.items;
}

/** What the intake says of the malformed phone (refused, so nothing is written). */
async function phoneMessage() {
  const r = await api(server.url, 'POST', '/api/v1/waybills', {
    token: agentToken, headers: { 'accept-language': 'zh-CN' },
    body: {
      channel: 'phone', service: 'standard', payment: 'sender',
      sender: { name: '张三', phone: '12345', province: '广东省', city: '深圳市', district: '南山区',
        address: '科技园南路 1 号' },
      recipient: { name: '李四', phone: '13900139000', province: '上海市', city: '上海市',
        district: '浦东新区', address: '世纪大道 100 号' },
      goods: { name: '衣服', weight_g: 1200 },
    },
  });
  assert.equal(r.status, 400);
  assert.equal(r.body.error.field, 'sender.phone');
  return r.body.error.message;
}

/** The facts of the summary panel as {label: value}. */
const facts = (page) => page.locator('.import-summary dl.facts').evaluate((dl) => {
  const out = {};
  for (const dt of dl.querySelectorAll('dt')) {
    out[dt.textContent.trim()] = dt.nextElementSibling.textContent.trim();
  }
  return out;
});

test('an agent imports good rows, sees the bad row by number and field; all or nothing stores none',
  { timeout: TEST_TIMEOUT }, async () => {
    const P = 'UI-IMP';
    const path = writeCsv(P);
    const message = await phoneMessage();
    await withBrowser(async ({ page }) => {
      await shared.uiLogin(page, server.url, 'agent');
      await page.locator('.health[data-status="ok"]').waitFor();
      await page.keyboard.press('Alt+I');
      await page.getByRole('heading', { name: '批量导入订单' }).waitFor();
      assert.match(page.url(), /#\/orders\/import$/);

      // Good rows (the default): two stored, row 3 refused at sender.phone.
      assert.equal(await page.locator('input[name="mode"][value="good_rows"]').isChecked(), true);
      await page.locator('#imp-file').setInputFiles(path);
      await page.locator('#imp-submit').click();
      await page.locator('.import-summary .notice-info', { hasText: '已导入 2 单' }).waitFor();
      assert.deepEqual(await facts(page), {
        订单行数: '3', 已导入: '2', 有误的行: '1', 文件编码: 'UTF-8', 导入方式: '导入正确的行',
      });
      const bad = page.locator('.import-rejected tbody tr');
      assert.equal(await bad.count(), 1);
      const cells = await bad.locator('td').allInnerTexts();
      assert.equal(cells[0].trim(), '3');
      assert.equal(cells[1].trim(), 'sender.phone');
      assert.match(cells[2], /phone\.invalid/);
      assert.ok(cells[2].includes(message), `${cells[2]} gives the intake's message "${message}"`);

      const one = await byRef(`${P}-1`);
      const two = await byRef(`${P}-2`);
      assert.equal(one.length, 1);
      assert.equal(two.length, 1);
      assert.deepEqual(await byRef(`${P}-BAD`), []);
      // The waybills listed are the ones stored, in file order, each a link to it.
      const links = page.locator('.import-waybills a');
      assert.deepEqual(await links.allInnerTexts(), [one[0].waybill_no, two[0].waybill_no]);
      assert.equal(await links.first().getAttribute('href'), '#/orders/search/' + one[0].waybill_no);

      // The same file, all or nothing: the bad row is reported again and
      // nothing is stored (the good rows would have been second copies).
      await page.locator('input[name="mode"][value="all_or_nothing"]').check();
      await page.locator('#imp-submit').click();
      await page.locator('.import-summary .notice-error', { hasText: '一单也未保存' }).waitFor();
      const f = await facts(page);
      assert.equal(f['已导入'], '0');
      assert.equal(f['有误的行'], '1');
      assert.equal(f['导入方式'], '全部或全不');
      assert.deepEqual((await bad.locator('td').allInnerTexts()).slice(0, 2).map((s) => s.trim()),
        ['3', 'sender.phone']);
      assert.equal(await page.locator('.import-waybills').count(), 0);
      assert.equal((await byRef(`${P}-1`)).length, 1);
      assert.equal((await byRef(`${P}-2`)).length, 1);
      assert.deepEqual(await byRef(`${P}-BAD`), []);
    });
  });
