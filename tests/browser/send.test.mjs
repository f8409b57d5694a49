// Browser tests of the public "send a parcel" page (/p/send): a real Chromium
// on a phone-sized viewport against a real `parceldesk serve` on a fresh
// demo-seeded database, no login. The order it creates is read back through
// the staff API; refusals are compared with what the API answers for the same
// body. Any script error or CSP violation in the page fails the test.
//
// Run from the repository root: PD_BIN=build/parceldesk node --test tests/browser/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, api, login, ROOT } from '../lib/harness.mjs';
import { withBrowser, TEST_TIMEOUT, STEP_TIMEOUT } from './lib/browser.mjs';

const PHONE = { width: 390, height: 844 };
let server;
let adminToken; // public orders belong to the root of the network (head office)

before(async () => {
  server = await startServer();
  adminToken = await login(server.url, 'admin');
}, { timeout: 60_000 });

after(async () => {
  if (server) await server.stop();
});

/** Pick an option by its visible name once the cascade has loaded it. */
async function pick(page, id, label) {
  const sel = page.locator('#' + id);
  await sel.locator('option', { hasText: label }).first().waitFor({ state: 'attached' });
  await sel.selectOption({ label });
}

async function fillParties(page) {
  await page.locator('#p-sender-name').fill('王小二');
  await page.locator('#p-sender-phone').fill('13711112222');
  await pick(page, 'p-sender-province', '广东省');
  await pick(page, 'p-sender-city', '深圳市');
  await pick(page, 'p-sender-district', '福田区');
  await page.locator('#p-sender-address').fill('深南大道 6008 号');
  await page.locator('#p-recipient-name').fill('赵六');
  await page.locator('#p-recipient-phone').fill('13833334444');
  await pick(page, 'p-recipient-province', '上海市');
  await pick(page, 'p-recipient-city', '上海市');
  await pick(page, 'p-recipient-district', '浦东新区');
  await page.locator('#p-recipient-address').fill('世纪大道 100 号');
}

test('a customer books a pickup on a phone and gets a waybill number', { timeout: TEST_TIMEOUT },
  async () => {
    await withBrowser(async ({ page }) => {
      const res = await page.goto(server.url + '/p/send');
      assert.equal(res.status(), 200);
      assert.match(res.headers()['content-security-policy'] || '', /script-src 'self'/);
      await page.getByRole('heading', { name: '寄快递' }).waitFor();
      assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');

      // Submitting empty names every required field, focus on the first.
      await page.locator('#p-submit').click();
      await page.locator('[data-field="sender.name"] .field-error', { hasText: '此项必填' }).waitFor();
      await page.waitForFunction(() => document.activeElement.id === 'p-sender-name', null,
        { timeout: STEP_TIMEOUT });
      assert.ok(await page.locator('.field-error').count() >= 9);

      await fillParties(page);
      await page.locator('#p-goods').fill('书');
      await page.locator('#p-weight').fill('0.8');
      await page.locator('#p-service').selectOption('express');
      const tomorrow = await page.locator('#p-day option').nth(2).getAttribute('value');
      await page.locator('#p-day').selectOption(tomorrow);
      await page.locator('#p-slot').selectOption('09:00-12:00');

      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `page scrolls sideways by ${overflow}px`);
      mkdirSync(join(ROOT, 'tests/browser/screenshots'), { recursive: true });
      await page.screenshot({ path: join(ROOT, 'tests/browser/screenshots/send.png'), fullPage: true });

      await page.locator('#p-submit').click();
      const no = page.locator('#done-no');
      await no.waitFor();
      const number = (await no.innerText()).trim();
      assert.match(number, /^PD\d{13}$/);

      const got = await api(server.url, 'GET', '/api/v1/waybills/' + number, { token: adminToken });
      assert.equal(got.status, 200);
      assert.equal(got.body.channel, 'web', 'the public page forces channel web');
      assert.equal(got.body.service, 'express');
      assert.equal(got.body.goods.weight_g, 800);
      assert.equal(got.body.sender.district_code, '440304');
      assert.equal(got.body.recipient.district_code, '310115');
      assert.equal(got.body.pickup_window.from, `${tomorrow}T09:00:00+08:00`);
      assert.equal(got.body.pickup_window.to, `${tomorrow}T12:00:00+08:00`);
      // The promise and price shown are the order's.
      const promised = got.body.promise.promised_delivery_at.replace('T', ' ').slice(0, 16);
      assert.match(await page.locator('#done-promise').innerText(), new RegExp(promised));
      const f = got.body.total_fen;
      assert.equal(await page.locator('#done-price').innerText(),
        `¥${Math.floor(f / 100)}.${String(f % 100).padStart(2, '0')}`);

      // 再寄一件: a clean form again.
      await page.getByRole('button', { name: '再寄一件' }).click();
      await page.locator('#p-sender-name').waitFor();
      assert.equal(await page.locator('#p-sender-name').inputValue(), '');
    }, { viewport: PHONE });
  });

test('prohibited goods are refused beside the goods field; English on request',
  { timeout: TEST_TIMEOUT }, async () => {
    const refused = await api(server.url, 'POST', '/api/v1/public/waybills', {
      headers: { 'accept-language': 'zh-CN' },
      body: {
        service: 'standard', payment: 'sender',
        sender: { name: '王小二', phone: '13711112222', district_code: '440304', address: '深南大道 6008 号' },
        recipient: { name: '赵六', phone: '13833334444', district_code: '310115', address: '世纪大道 100 号' },
        goods: { name: '鞭炮', weight_g: 1000 },
      },
    });
    assert.equal(refused.status, 422);
    assert.equal(refused.body.error.field, 'goods.name');
    await withBrowser(async ({ page }) => {
      await page.goto(server.url + '/p/send');
      await fillParties(page);
      await page.locator('#p-goods').fill('鞭炮');
      await page.locator('#p-weight').fill('1');
      await page.locator('#p-submit').click();
      await page.locator('[data-field="goods"] .field-error', { hasText: refused.body.error.message }).waitFor();
      await page.waitForFunction(() => document.activeElement.id === 'p-goods', null,
        { timeout: STEP_TIMEOUT });
      assert.equal(await page.locator('#done-no').count(), 0);

      await page.getByRole('button', { name: 'English' }).click();
      await page.getByRole('heading', { name: 'Send a parcel' }).waitFor();
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
      assert.equal(await page.locator('label[for="p-weight"]').innerText(), 'Approximate weight (kg)');
      assert.equal(await page.locator('#p-sender-name').inputValue(), '王小二', 'the form is kept');
    }, { viewport: PHONE });
  });
