// Browser tests of the console's 问题件 screens (web/console/sd_problems.js)
// against a real `parceldesk serve`: an agent opens a problem parcel from
// the queue's form (N), uploads a tiny valid PNG as evidence (made here, with
// real chunks and CRCs) and sees it in the evidence list with a link the
// API serves to staff only; a .txt is refused with the server's message by
// the file input; a hold and a compensation are recorded (the compensation
// shows the case it opened), a contact is logged; closing without a reason
// is refused naming the field, then accepted with one. The queue's filters
// find it afterwards. Any script error or CSP violation fails the test.
// Screenshots go to tests/browser/screenshots/.
//
// Run from the repository root: PD_BIN=build/parceldesk node --test tests/browser/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { startServer, api, login, ROOT } from '../lib/harness.mjs';
import { orderBody, createOrder } from '../api/lib/orders.mjs';
import { withBrowser, uiLogin, TEST_TIMEOUT } from './lib/browser.mjs';

const SHOTS = join(ROOT, 'tests/browser/screenshots');
const WIDE = { width: 1440, height: 1000 };
let server, dir, waybillNo;

function crc32(buf) {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** A 2×2 red RGB PNG, valid to any decoder. */
function tinyPng() {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(2, 0);
  ihdr.writeUInt32BE(2, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit, truecolour, deflate, no filter, no interlace
  const row = Buffer.from([0, 255, 0, 0, 255, 0, 0]); // filter byte + two red pixels
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.concat([row, row]))), chunk('IEND', Buffer.alloc(0)),
  ]);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pd-evidence-'));
  server = await startServer({ env: { PD_SERVICE_EVIDENCE_DIR: dir }, args: ['--monitor-worker', 'false', '--tickets-clock-worker', 'false'] });
  mkdirSync(SHOTS, { recursive: true });
  waybillNo = (await createOrder(server.url, await login(server.url, 'agent'), orderBody())).waybill_no;
}, { timeout: 60_000 });

after(async () => {
  if (server) await server.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a problem parcel from opening to closing: evidence, an action, a contact, the close',
  { timeout: TEST_TIMEOUT * 2 }, async () => {
    await withBrowser(async ({ page }) => {
      await uiLogin(page, server.url, 'agent');
      await page.locator('.topbar .user-name').waitFor();
      // Alt+4 reaches the module; N opens the form with the type focused.
      await page.keyboard.press('Alt+4');
      await page.locator('#pq-table').waitFor();
      assert.equal(await page.locator('nav.sidenav a[aria-current="page"]').getAttribute('href'), '#/problems');
      await page.locator('h1').click();
      await page.keyboard.press('n');
      await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'pn-type');
      // The server's refusal names the field: no reason.
      await page.locator('#pn-type').selectOption('damage');
      await page.locator('#pn-waybill_no').fill(waybillNo);
      await page.locator('#pn-submit').click();
      const reasonErr = page.locator('[data-field="reason"] .field-error');
      await reasonErr.waitFor();
      assert.equal(await page.evaluate(() => document.activeElement.id), 'pn-reason');
      await page.locator('#pn-reason').fill('外包装破损，内物受潮');
      await page.locator('#pn-submit').click();
      await page.locator('#pv-state[data-state="open"]').waitFor();
      const id = Number(/#\/problems\/(\d+)/.exec(page.url())[1]);
      assert.ok(id > 0);
      assert.match(await page.locator('#pv-title').textContent(), /破损/);

      // Evidence: a real PNG is accepted and listed with the API's link.
      await page.locator('#pv-file').setInputFiles({ name: '破损外箱.png', mimeType: 'image/png', buffer: tinyPng() });
      await page.locator('#pv-upload').click();
      const item = page.locator('#pv-evidence li[data-type="image/png"]');
      await item.waitFor();
      const href = await item.locator('a').getAttribute('href');
      assert.match(href, new RegExp(`^/api/v1/problems/${id}/evidence/\\d+$`));
      // The thumbnail decoded (a valid PNG, served to this session).
      await page.waitForFunction(() => { const i = document.querySelector('.pb-thumb'); return i && i.complete && i.naturalWidth === 2; });
      const served = await page.evaluate(async (u) => { const r = await fetch(u); return [r.status, r.headers.get('content-type')]; }, href);
      assert.deepEqual(served, [200, 'image/png']);
      assert.equal((await api(server.url, 'GET', href)).status, 401, 'no session, no file');
      assert.equal(readdirSync(dir).filter((f) => /^[0-9a-f]{32}\.png$/.test(f)).length, 1, 'stored under a random name');

      // A text file is refused: the server's message by the file input.
      await page.locator('#pv-file').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a photo') });
      await page.locator('#pv-upload').click();
      const fileErr = page.locator('[data-field="file"] .field-error');
      await fileErr.waitFor();
      assert.ok((await fileErr.textContent()).trim().length > 3);
      assert.equal(await page.locator('#pv-evidence li').count(), 1, 'nothing added');
      await page.screenshot({ path: join(SHOTS, 'problems-evidence.png'), fullPage: true });

      // Actions: a hold, then compensation, which opens a case.
      await page.locator('#pv-action').selectOption('hold');
      await page.locator('#pv-act-note').fill('等待收件人回复');
      await page.locator('#pv-act-go').click();
      await page.locator('#pv-actions li[data-action="hold"]').waitFor();
      await page.locator('#pv-action').selectOption('compensate');
      await page.locator('#pv-amount').fill('120.50');
      await page.locator('#pv-act-go').click();
      const caseNote = page.locator('.notice-ok', { hasText: /已开立赔偿案件 #\d+/ });
      await caseNote.waitFor();
      assert.match(await caseNote.textContent(), /120\.50/);
      await page.locator('#pv-cases li', { hasText: '待理赔' }).waitFor();

      // A contact.
      await page.locator('#pv-party').selectOption('recipient');
      await page.locator('#pv-channel').selectOption('phone');
      await page.locator('#pv-outcome').selectOption('no_answer');
      await page.locator('#pv-ct-note').fill('上午 10 点拨打两次');
      await page.locator('#pv-contact-go').click();
      await page.locator('#pv-contacts li', { hasText: '无人接听' }).waitFor();

      // Closing without a reason is refused, naming the field; then accepted.
      await page.locator('#pv-root_cause').selectOption('packaging');
      await page.locator('#pv-close-go').click();
      const closeErr = page.locator('#pv-close-form [data-field="reason"] .field-error');
      await closeErr.waitFor();
      assert.equal(await page.locator('#pv-state').getAttribute('data-state'), 'open');
      await page.locator('#pv-reason').fill('已赔付，收件人同意');
      await page.locator('#pv-close-go').click();
      await page.locator('#pv-state[data-state="closed"]').waitFor();
      assert.equal(await page.locator('#pv-note').textContent(), '已赔付，收件人同意');
      assert.equal(await page.locator('#pv-close-form, #pv-upload, #pv-act-go').count(), 0, 'read-only once closed');
      await page.screenshot({ path: join(SHOTS, 'problems-closed.png'), fullPage: true });

      // The queue: not among the open ones, found among the closed damage ones.
      await page.evaluate(() => { location.hash = '#/problems'; });
      await page.locator('#pq-table').waitFor();
      assert.equal(await page.locator(`#pq-table tr[data-id="${id}"]`).count(), 0);
      await page.locator('#pq-state').selectOption('closed');
      await page.locator('#pq-type').selectOption('damage');
      const row = page.locator(`#pq-table tr[data-id="${id}"]`);
      await row.waitFor();
      await row.focus();
      await page.keyboard.press('Enter');
      await page.locator('#pv-state[data-state="closed"]').waitFor();
    }, { viewport: WIDE });
  });
