// Browser tests of the 快速报价 (quick quote) screen in 订单受理: a real
// Chromium (Debian's, driven by playwright-core) against a real `parceldesk
// serve` on a fresh demo-seeded database. The expected prices are asked of the
// API itself as well as written out, so the screen is checked against what the
// server computes, not against a copy of the rate card. Each test gets its own
// browser and profile; servers, browsers and directories are removed even when
// a test fails, and any script error or CSP violation in the page fails it.
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

before(async () => {
  server = await startServer();
  agentToken = await login(server.url, 'agent');
}, { timeout: 60_000 });

after(async () => {
  if (server) await server.stop();
});


/** Log in through the form and wait for the signed-in layout. */
async function uiLogin(page, username, password = DEMO_PASSWORD) {
  await shared.uiLogin(page, server.url, username, password);
  await page.locator('header.topbar .user-name').waitFor();
}

/** Pick an option by its visible name once the cascade has loaded it. */
async function pick(page, id, label) {
  const sel = page.locator('#' + id);
  await sel.locator('option', { hasText: label }).first().waitFor({ state: 'attached' });
  await sel.selectOption({ label });
}

async function fillShenzhenToShanghai(page) {
  await pick(page, 'q-sender-province', '广东省');
  await pick(page, 'q-sender-city', '深圳市');
  await pick(page, 'q-sender-district', '南山区');
  await pick(page, 'q-recipient-province', '上海市');
  await pick(page, 'q-recipient-city', '上海市');
  await pick(page, 'q-recipient-district', '浦东新区');
  await page.locator('#q-weight').fill('1.2');
  await page.locator('#q-length').fill('30');
  await page.locator('#q-width').fill('20');
  await page.locator('#q-height').fill('10');
}

const result = (page) => page.locator('.quote-result');
const line = (page, code) => page.locator(`.quote-lines tr[data-code="${code}"]`);

test('an agent quotes 深圳南山 → 上海浦东 and sees every component',
  { timeout: TEST_TIMEOUT }, async () => {
    // The server's own answer for the same request; the screen must agree.
    const expected = await api(server.url, 'POST', '/api/v1/quotes', {
      token: agentToken,
      body: {
        service: 'standard',
        sender: { province: '广东省', city: '深圳市', district: '南山区' },
        recipient: { province: '上海市', city: '上海市', district: '浦东新区' },
        goods: { weight_g: 1200, length_mm: 300, width_mm: 200, height_mm: 100 },
      },
    });
    assert.equal(expected.status, 200);
    assert.equal(expected.body.total_fen, 2472);

    await withBrowser(async ({ page }) => {
      await uiLogin(page, 'agent');
      await page.locator('nav.sidenav').getByRole('link', { name: /订单受理/ }).click();
      await page.getByRole('heading', { name: '快速报价' }).waitFor();
      assert.equal(await page.locator('#q-sender-province').inputValue(), '',
        'no sender province is preselected');
      assert.equal(await page.locator('#q-sender-city').isDisabled(), true);

      await fillShenzhenToShanghai(page);
      await result(page).locator('.quote-total', { hasText: '¥24.72' }).waitFor();
      assert.match(await line(page, 'freight').innerText(), /运费\s+¥24\.00/);
      assert.match(await line(page, 'fuel_surcharge').innerText(), /燃油附加费\s+¥0\.72/);
      assert.equal(await page.locator('.quote-lines tbody tr').count(),
        expected.body.components.length);
      assert.equal(await result(page).locator('.q-zone').innerText(), '全国');
      assert.equal(await result(page).locator('.q-chargeable').innerText(), '1.5 kg');
      assert.equal(await result(page).locator('.q-volumetric').innerText(), '1 kg');
      assert.match(await result(page).locator('.q-ratecard').innerText(), /standard\s+v1/);

      // Extras re-price live: declared value adds 保价费 and the total follows.
      await page.locator('#q-declared').fill('1000');
      await line(page, 'insurance').waitFor();
      assert.match(await line(page, 'insurance').innerText(), /保价费\s+¥\d+\.\d\d/);
      assert.doesNotMatch(await result(page).locator('.quote-total').innerText(), /¥24\.72/);

      // A malformed number is caught at its field; a value the API refuses
      // shows the API's message at the field it names.
      await page.locator('#q-declared').fill('');
      await page.locator('#q-weight').fill('1.2345');
      await page.locator('[data-field="goods.weight_g"] .field-error').waitFor();
      await page.locator('#q-weight').fill('0');
      const err = await api(server.url, 'POST', '/api/v1/quotes', {
        token: agentToken,
        headers: { 'accept-language': 'zh-CN' },
        body: { service: 'standard', sender: { district_code: '440305' },
          recipient: { district_code: '310115' }, goods: { weight_g: 0 } },
      });
      assert.equal(err.status, 400);
      assert.equal(err.body.error.field, 'goods.weight_g');
      await page.locator('[data-field="goods.weight_g"] .field-error',
        { hasText: err.body.error.message }).waitFor();
      assert.equal(await page.locator('#q-weight').getAttribute('aria-invalid'), 'true');
      assert.equal(await page.locator('.quote-form .field-error').count(), 1,
        'only the named field is marked');

      await page.locator('#q-weight').fill('1.2');
      await result(page).locator('.quote-total', { hasText: '¥24.72' }).waitFor();
      await page.locator('#q-weight').blur();
      await page.evaluate(() => window.scrollTo(0, 0));
      mkdirSync(join(ROOT, 'tests/browser/screenshots'), { recursive: true });
      await page.screenshot({ path: join(ROOT, 'tests/browser/screenshots/quote.png'),
        fullPage: true });
    });
  });

test('the address search narrows the open level through q', { timeout: TEST_TIMEOUT }, async () => {
  await withBrowser(async ({ page }) => {
    await uiLogin(page, 'agent');
    await page.goto(server.url + '/#/orders');
    await pick(page, 'q-sender-province', '广东省');
    await pick(page, 'q-sender-city', '深圳市');
    await page.locator('#q-sender-filter').fill('南山');
    await page.waitForFunction(() => {
      const opts = [...document.querySelectorAll('#q-sender-district option')].filter((o) => o.value);
      return opts.length === 1 && opts[0].textContent.trim() === '南山区';
    }, null, { timeout: STEP_TIMEOUT });
    await page.locator('#q-sender-district').selectOption({ label: '南山区' });
    assert.equal(await page.locator('#q-sender-district').inputValue(), '440305');
  });
});

test('typing 鞭炮 shows the prohibited warning; 锂电池 the restricted condition',
  { timeout: TEST_TIMEOUT }, async () => {
    await withBrowser(async ({ page }) => {
      await uiLogin(page, 'agent');
      await page.goto(server.url + '/#/orders');
      const name = page.locator('#q-name');
      await name.waitFor();
      await name.pressSequentially('鞭炮');
      const warn = page.locator('.screen-prohibited');
      await warn.filter({ hasText: '禁寄物品：鞭炮（爆炸物品）' }).waitFor();
      const color = await warn.evaluate((el) => getComputedStyle(el).color);
      assert.equal(color, 'rgb(179, 38, 30)', 'prohibited is shown in red');

      await name.fill('锂电池');
      const screened = await api(server.url, 'GET',
        '/api/v1/goods/screen?name=' + encodeURIComponent('锂电池'), { token: agentToken });
      assert.equal(screened.body.verdict, 'restricted');
      await page.locator('.screen-restricted',
        { hasText: screened.body.matches[0].condition }).waitFor();
      assert.equal(await page.locator('.screen-prohibited').count(), 0);

      await name.fill('衣服');
      await page.waitForFunction(() => !document.querySelector('.screen'), null,
        { timeout: STEP_TIMEOUT });
    });
  });

test('the English switch shows English labels on the quote screen',
  { timeout: TEST_TIMEOUT }, async () => {
    await withBrowser(async ({ page }) => {
      await uiLogin(page, 'agent');
      await page.goto(server.url + '/#/orders');
      await fillShenzhenToShanghai(page);
      await result(page).locator('.quote-total', { hasText: '¥24.72' }).waitFor();
      await page.getByRole('button', { name: 'English' }).click();
      await page.getByRole('heading', { name: 'Quick quote' }).waitFor();
      await page.getByRole('heading', { name: 'Order intake' }).waitFor();
      assert.match(await line(page, 'freight').innerText(), /Freight\s+¥24\.00/);
      assert.match(await line(page, 'fuel_surcharge').innerText(), /Fuel surcharge\s+¥0\.72/);
      assert.match(await result(page).locator('.quote-total').innerText(), /Total\s+¥24\.72/);
      assert.equal(await result(page).locator('.q-zone').innerText(), 'National');
      assert.equal(await page.locator('label[for="q-weight"]').innerText(), 'Weight (kg)');
      const text = await page.locator('main').innerText();
      assert.doesNotMatch(text, /运费|燃油附加费|快速报价|重量/, 'no Chinese labels left');
    });
  });

test('a courier (no quotes permission) does not see the form', { timeout: TEST_TIMEOUT }, async () => {
  const me = await api(server.url, 'GET', '/api/v1/me',
    { token: await login(server.url, 'courier') });
  assert.ok(!me.body.permissions.includes('quotes'));
  await withBrowser(async ({ page }) => {
    await uiLogin(page, 'courier');
    await page.goto(server.url + '/#/orders');
    await page.getByRole('heading', { name: '订单受理' }).waitFor();
    await page.locator('.quote-denied').waitFor();
    assert.equal(await page.locator('form.quote-form').count(), 0);
    assert.equal(await page.locator('#q-weight').count(), 0);
  });
});
