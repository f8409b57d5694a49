// Browser tests of the public complaint pages (web/public/complaint.*): a real
// Chromium on a phone-sized viewport (390 px) against a real `parceldesk
// serve` on a fresh demo-seeded database, no login. The form's refusals name
// the fields; the complaint it sends is read back through the staff API (the
// waybill's node, GD-SZ, handles it); the status page shows the status and
// the replies to the customer after the right last four digits, never an
// internal note, and says so when the digits are wrong, when the number is
// unknown and when the server's guessing limit answers 429. Any script error
// or CSP violation fails the test. Screenshots go to tests/browser/screenshots/.
//
// Run from the repository root: PD_BIN=build/parceldesk node --test tests/browser/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, api, login, ROOT } from '../lib/harness.mjs';
import { orderBody, createOrder } from '../api/lib/orders.mjs';
import { withBrowser, TEST_TIMEOUT } from './lib/browser.mjs';

const PHONE = { width: 390, height: 844 };
const SHOTS = join(ROOT, 'tests/browser/screenshots');
let server, handler, waybillNo, ticketNo;

before(async () => {
  server = await startServer({ args: ['--tickets-clock-worker', 'false'] });
  mkdirSync(SHOTS, { recursive: true });
  const w = await createOrder(server.url, await login(server.url, 'agent'), orderBody());
  waybillNo = w.waybill_no;
  handler = await login(server.url, 'complaint_handler');
}, { timeout: 60_000 });

after(async () => {
  if (server) await server.stop();
});

test('the public form refuses missing fields, then files a complaint and shows its number',
  { timeout: TEST_TIMEOUT }, async () => {
    await withBrowser(async ({ page }) => {
      const res = await page.goto(server.url + '/p/complaint');
      assert.equal(res.status(), 200);
      assert.match(res.headers()['content-security-policy'] || '', /script-src 'self'/);
      await page.getByRole('heading', { name: '投诉与建议' }).waitFor();

      await page.locator('#c-submit').click();
      for (const f of ['name', 'phone', 'category', 'text']) {
        await page.locator(`[data-field="${f}"] .field-error`).waitFor();
      }
      assert.equal(await page.locator('.field-error').count(), 4, 'the optional waybill is not required');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'c-name');

      await page.locator('#c-name').fill('钱七');
      await page.locator('#c-phone').fill('13912348765');
      await page.locator('#c-waybill').fill(waybillNo.toLowerCase());
      await page.locator('#c-category').selectOption({ label: '破损' });
      await page.locator('#c-text').fill('外箱压扁，里面的杯子碎了');
      // The server's own refusal lands beside its field: a malformed waybill number.
      await page.locator('#c-waybill').fill('PD123');
      await page.locator('#c-submit').click();
      await page.locator('[data-field="waybill_no"] .field-error').waitFor();
      assert.equal(await page.evaluate(() => document.activeElement.id), 'c-waybill');

      await page.locator('#c-waybill').fill(waybillNo.toLowerCase());
      await page.locator('#c-submit').click();
      const noEl = page.locator('#c-ticket-no');
      await noEl.waitFor();
      ticketNo = (await noEl.textContent()).trim();
      assert.match(ticketNo, /^TS\d{12}$/);
      await page.screenshot({ path: join(SHOTS, 'complaint-form-done.png'), fullPage: true });

      const r = await api(server.url, 'GET', `/api/v1/tickets/${ticketNo}`, { token: handler });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.kind, 'complaint');
      assert.equal(r.body.channel, 'public_form');
      assert.equal(r.body.category, 'damage');
      assert.equal(r.body.waybill_no, waybillNo, 'sent upper-cased');
      assert.equal(r.body.node.code, 'GD-SZ');
      assert.equal(r.body.description, '外箱压扁，里面的杯子碎了');

      // The answer links to the status page with the number filled in.
      await page.getByRole('link', { name: '查询处理进度' }).click();
      await page.getByRole('heading', { name: '投诉进度查询' }).waitFor();
      assert.equal(await page.locator('#s-no').inputValue(), ticketNo);
    }, { viewport: PHONE });
  });

test('the status page: replies yes, internal notes never; wrong digits, unknown number, 429',
  { timeout: TEST_TIMEOUT }, async () => {
    assert.ok(ticketNo, 'the first test filed the complaint');
    const note = await api(server.url, 'POST', `/api/v1/tickets/${ticketNo}/notes`,
      { token: handler, body: { text: '内部：快递员承认摔过件' } });
    assert.equal(note.status, 201, JSON.stringify(note.body));
    const reply = await api(server.url, 'POST', `/api/v1/tickets/${ticketNo}/replies`,
      { token: handler, body: { text: '您好，我们已联系网点核实，将在两日内给您答复。' } });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));

    await withBrowser(async ({ page }) => {
      await page.goto(server.url + '/p/complaint/status?no=' + ticketNo);
      await page.getByRole('heading', { name: '投诉进度查询' }).waitFor();
      assert.equal(await page.evaluate(() => document.activeElement.id), 's-last4');

      await page.locator('#s-last4').fill('12');
      await page.locator('#s-submit').click();
      await page.locator('[data-field="phone_last4"] .field-error').waitFor();

      await page.locator('#s-last4').fill('8765');
      await page.locator('#s-submit').click();
      await page.locator('#s-result').waitFor();
      assert.equal((await page.locator('#s-status').textContent()).trim(), '新建');
      const body = await page.locator('#s-result').textContent();
      assert.match(body, /我们已联系网点核实/);
      assert.doesNotMatch(body, /快递员承认/, 'an internal note is never shown to the customer');
      assert.doesNotMatch(body, /陈投诉/, 'nor a staff name');
      await page.screenshot({ path: join(SHOTS, 'complaint-status.png'), fullPage: true });

      // Wrong digits: the result goes, a message says why.
      await page.locator('#s-last4').fill('0000');
      await page.locator('#s-submit').click();
      await page.locator('#s-message', { hasText: '手机号或后四位不正确' }).waitFor();
      assert.equal(await page.locator('#s-result').count(), 0);

      // An unknown number.
      await page.locator('#s-no').fill('TS209901010001');
      await page.locator('#s-last4').fill('8765');
      await page.locator('#s-submit').click();
      await page.locator('#s-message', { hasText: '未找到该投诉单号' }).waitFor();

      // Four more wrong guesses for the ticket (five in all): the server answers
      // 429 even to the right digits, and the page says to wait.
      await page.locator('#s-no').fill(ticketNo);
      for (let i = 0; i < 4; i++) {
        await page.locator('#s-last4').fill(String(1000 + i));
        await page.locator('#s-submit').click();
        await page.locator('#s-submit:not([disabled])').waitFor();
      }
      await page.locator('#s-last4').fill('8765');
      await page.locator('#s-submit').click();
      await page.locator('#s-message', { hasText: '查询过于频繁' }).waitFor();
      assert.equal(await page.locator('#s-result').count(), 0);
      await page.screenshot({ path: join(SHOTS, 'complaint-status-limit.png'), fullPage: true });
    }, { viewport: PHONE });
  });

test('the form in English', { timeout: TEST_TIMEOUT }, async () => {
  await withBrowser(async ({ page }) => {
    await page.goto(server.url + '/p/complaint');
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Complaints and suggestions' }).waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await page.locator('#c-category option', { hasText: 'Damage' }).waitFor({ state: 'attached' });
  }, { viewport: PHONE });
});
