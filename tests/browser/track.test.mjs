// Browser tests of the public tracking page (/p/track): a real Chromium on a
// phone-sized viewport (390×844) against a real `parceldesk serve` on a fresh
// demo-seeded database, no login. Orders are taken through the API by the
// demo agent and their timelines are built with POST /api/v1/scans by a
// scanner's API key, as devices send them. What the page shows is compared
// with what GET /api/v1/public/tracking answers: the timeline newest first,
// the masked public view (no phone digits, signers as 李*), the phone check
// (wrong digits refused with the server's message, the right ones open the
// full view), an unknown number, a wrong check digit, English, and the
// per-address limit (429). Any script error or CSP violation fails the test.
//
// Run from the repository root: PD_BIN=build/parceldesk node --test tests/browser/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, api, login, ROOT } from '../lib/harness.mjs';
import { orderBody, createOrder, waybillNo } from '../api/lib/orders.mjs';
import { withBrowser, TEST_TIMEOUT, STEP_TIMEOUT } from './lib/browser.mjs';

const PHONE = { width: 390, height: 844 };
const SHOTS = join(ROOT, 'tests/browser/screenshots');
const HOUR = 3600e3;
// Phones whose digits cannot turn up by chance in a number or a time on the page.
const SENDER_PHONE = '13757468231';
const RECIPIENT_PHONE = '13986429753';
const PHOTO = 'https://pod.example.cn/2026/11/pod-7731.jpg';

let server, agentToken, scanKey;
let seq = 0;

before(async () => {
  server = await startServer();
  const admin = await login(server.url, 'admin');
  agentToken = await login(server.url, 'agent');
  const k = await api(server.url, 'POST', '/api/v1/apikeys', {
    token: admin, body: { name: '测试扫描枪', role: 'scanner', node_code: 'HQ' },
  });
  assert.equal(k.status, 201, JSON.stringify(k.body));
  scanKey = k.body.key;
  mkdirSync(SHOTS, { recursive: true });
}, { timeout: 60_000 });

after(async () => {
  if (server) await server.stop();
});

/** RFC 3339 in China time, as devices send it. */
const cn = (ms) => new Date(ms + 8 * HOUR).toISOString().replace(/\.\d{3}Z$/, '+08:00');

async function scan(no, events) {
  const body = events.map((e) => ({
    waybill_no: no, device_id: 'PDA-TRACK-UI', device_seq: ++seq, operator: '王分拣', ...e,
  }));
  const r = await api(server.url, 'POST', '/api/v1/scans', { token: scanKey, body });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.rejected, []);
  assert.equal(r.body.accepted, events.length);
}

/** A one-parcel order from 深圳南山 to 上海浦东, picked up 30 hours ago and delivered. */
async function deliveredWaybill() {
  const w = await createOrder(server.url, agentToken, orderBody({
    sender: { phone: SENDER_PHONE }, recipient: { phone: RECIPIENT_PHONE },
  }));
  const t0 = Date.now() - 30 * HOUR;
  await scan(w.waybill_no, [
    { type: 'pickup', node: 'SZ-NS01', operator: '林快递', at: cn(t0) },
    { type: 'departure', node: 'GZ-HUB', at: cn(t0 + 2 * HOUR) },
    { type: 'arrival', node: 'SH-PD01', at: cn(t0 + 20 * HOUR) },
    // Sent late by a device that was offline: still placed by its time.
    { type: 'delivered', node: 'SH-PD01', signer_type: 'recipient', signer: '李四', photo: PHOTO,
      operator: '赵派送', at: cn(t0 + 23 * HOUR) },
    { type: 'out_for_delivery', node: 'SH-PD01', operator: '赵派送', at: cn(t0 + 22 * HOUR) },
  ]);
  return w.waybill_no;
}

const publicView = async (no, query = '') => api(server.url, 'GET', `/api/v1/public/tracking/${no}${query}`);

/** "2026-11-23 18:00" of an RFC 3339 time, the way the page writes it. */
const shown = (s) => s.replace('T', ' ').slice(0, 16);

async function noSideScroll(page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `page scrolls sideways by ${overflow}px`);
}

test('a waybill\'s timeline, newest first and masked; wrong phone digits refused, the right ones show the details',
  { timeout: TEST_TIMEOUT }, async () => {
    const no = await deliveredWaybill();
    const pub = await publicView(no);
    assert.equal(pub.status, 200);
    assert.equal(pub.body.events.length, 5);

    await withBrowser(async ({ page }) => {
      const res = await page.goto(`${server.url}/p/track?no=${no}`);
      assert.equal(res.status(), 200);
      assert.match(res.headers()['content-security-policy'] || '', /script-src 'self'/);
      await page.getByRole('heading', { name: '快件查询' }).waitFor();
      assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
      assert.equal(await page.locator('#t-no').inputValue(), no, 'the deep link fills the box');

      const items = page.locator('#timeline > li');
      await items.first().waitFor();
      // Newest first: the reverse of the API's oldest-first list.
      assert.deepEqual(await items.evaluateAll((els) => els.map((e) => e.dataset.type)),
        pub.body.events.map((e) => e.type).reverse());
      assert.deepEqual(await page.locator('#timeline .ev-desc').allInnerTexts(),
        pub.body.events.map((e) => e.description).reverse());
      assert.match(await items.first().innerText(), /上海浦东营业部/);
      assert.ok((await items.first().getAttribute('class')).includes('latest'));
      assert.equal((await page.locator('.summary .badge.big').innerText()).trim(), '已签收');
      assert.equal(await page.locator('#r-promise').innerText(), shown(pub.body.promised_delivery_at));
      assert.equal(await page.locator('#r-delivered').innerText(), shown(pub.body.delivered_at));

      // Masked: the signer as 李*, and no digits of either phone anywhere.
      const text = await page.locator('body').innerText();
      assert.match(text, /签收人：李\*/);
      assert.ok(!text.includes('李四'), 'the signer\'s full name is not shown');
      for (const phone of [SENDER_PHONE, RECIPIENT_PHONE]) {
        for (const part of [phone, phone.slice(3, 7), phone.slice(-4)]) {
          assert.ok(!text.includes(part), `the public view shows ${part} of a phone`);
        }
      }
      assert.equal(await page.locator('.photo-link, .ev-details').count(), 0, 'no details before the check');
      await noSideScroll(page);
      await page.screenshot({ path: join(SHOTS, 'track-public.png'), fullPage: true });

      // Wrong digits: the server's message beside the box, focus back in it.
      const wrong = await publicView(no, '?phone_last4=1111');
      assert.equal(wrong.status, 403);
      await page.locator('#t-last4').fill('2222');
      await page.locator('#t-last4').press('Enter');
      await page.locator('#t-last4-error', { hasText: wrong.body.error.message }).waitFor();
      await page.waitForFunction(() => document.activeElement.id === 't-last4', null, { timeout: STEP_TIMEOUT });
      assert.equal(await page.locator('#verified').count(), 0);
      // Not four digits: said on the spot, nothing sent.
      await page.locator('#t-last4').fill('97');
      await page.locator('#t-verify').click();
      await page.locator('#t-last4-error', { hasText: '请输入 4 位数字' }).waitFor();

      // The recipient's last four: the full view.
      await page.locator('#t-last4').fill(RECIPIENT_PHONE.slice(-4));
      await page.locator('#t-verify').click();
      await page.locator('#verified').waitFor();
      assert.equal(await page.locator('[data-view="full"]').count(), 1);
      const delivered = page.locator('#timeline > li[data-type="delivered"]');
      assert.match(await delivered.locator('.ev-signer').innerText(), /李四[\s\S]*本人签收/);
      assert.match(await delivered.locator('.ev-operator').innerText(), /赵派送/);
      assert.equal(await delivered.locator('a.photo-link').getAttribute('href'), PHOTO);
      assert.equal(await delivered.locator('a.photo-link').getAttribute('rel'), 'noopener noreferrer');
      assert.match(await page.locator('#timeline > li[data-type="pickup"] .ev-operator').innerText(), /林快递/);
      assert.equal(await page.locator('#t-last4').count(), 0, 'the check is done');
      const full = await page.locator('body').innerText();
      for (const phone of [SENDER_PHONE, RECIPIENT_PHONE]) {
        assert.ok(!full.includes(phone), 'the full view never shows a phone number');
      }
      // The address bar keeps the number, never the digits.
      assert.equal(new URL(page.url()).search, `?no=${no}`);
      await noSideScroll(page);
      await page.screenshot({ path: join(SHOTS, 'track-full.png'), fullPage: true });
    }, { viewport: PHONE });
  });

test('an unknown number says 查无此单, a wrong check digit is named at the box; parcels; English',
  { timeout: TEST_TIMEOUT }, async () => {
    // Two parcels: one delivered, the other still out for delivery.
    const w = await createOrder(server.url, agentToken, orderBody({ parcels: 2 }));
    const [p1, p2] = w.parcels.map((p) => p.parcel_no);
    const t0 = Date.now() - 26 * HOUR;
    await scan(w.waybill_no, [
      { type: 'pickup', node: 'SZ-NS01', at: cn(t0) },
      { type: 'arrival', node: 'SH-PD01', at: cn(t0 + 20 * HOUR) },
      { type: 'out_for_delivery', node: 'SH-PD01', at: cn(t0 + 22 * HOUR) },
      { type: 'delivered', parcel_no: p1, node: 'SH-PD01', signer_type: 'recipient', signer: '李四',
        at: cn(t0 + 23 * HOUR) },
    ]);
    const pub = (await publicView(w.waybill_no)).body;
    assert.equal(pub.status, 'out_for_delivery', 'the least advanced parcel speaks for the waybill');

    const unknown = waybillNo(777777777);
    const nf = await publicView(unknown);
    assert.equal(nf.status, 404);
    const badNo = w.waybill_no.slice(0, -1) + String((Number(w.waybill_no.at(-1)) + 1) % 10);
    const bad = await publicView(badNo);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.field, 'no');

    await withBrowser(async ({ page }) => {
      await page.goto(server.url + '/p/track');
      await page.getByRole('heading', { name: '快件查询' }).waitFor();
      await page.waitForFunction(() => document.activeElement.id === 't-no', null, { timeout: STEP_TIMEOUT });
      // Empty: said on the spot.
      await page.locator('#t-no').press('Enter');
      await page.locator('#t-no-error', { hasText: '请输入运单号' }).waitFor();

      // A valid number nobody has: 查无此单 with a hint, and no timeline.
      await page.locator('#t-no').fill(unknown.toLowerCase().replace(/(\d{4})/, '$1 '));
      await page.locator('#t-no').press('Enter');
      await page.locator('#problem h2', { hasText: '查无此单' }).waitFor();
      assert.equal(nf.body.error.message, '查无此单');
      assert.match(await page.locator('#problem').innerText(), /请核对运单号/);
      assert.equal(await page.locator('#t-no').inputValue(), unknown, 'spaces dropped, PD in capitals');
      assert.equal(await page.locator('#timeline').count(), 0);
      await page.screenshot({ path: join(SHOTS, 'track-not-found.png'), fullPage: true });

      // A wrong check digit: the server's message beside the box.
      await page.locator('#t-no').fill(badNo);
      await page.locator('#t-submit').click();
      await page.locator('#t-no-error', { hasText: bad.body.error.message }).waitFor();
      assert.equal(await page.locator('#problem').count(), 0);

      // By a parcel number: the waybill, each parcel with its own status.
      await page.locator('#t-no').fill(p2);
      await page.locator('#t-no').press('Enter');
      await page.locator('#r-parcels').waitFor();
      assert.equal(await page.locator('#r-title').innerText(), w.waybill_no);
      assert.equal((await page.locator('.summary .badge.big').innerText()).trim(), '派送中');
      assert.equal(await page.locator(`#r-parcels li[data-parcel="${p1}"] .badge`).getAttribute('data-status'), 'delivered');
      assert.equal(await page.locator(`#r-parcels li[data-parcel="${p2}"] .badge`).getAttribute('data-status'), 'out_for_delivery');
      const p1Row = page.locator('#timeline > li[data-type="delivered"]');
      assert.match(await p1Row.innerText(), new RegExp(p1));
      assert.equal(new URL(page.url()).searchParams.get('no'), p2);
      await noSideScroll(page);

      // English: the page's words and the vocabularies; the Chinese line stays.
      await page.getByRole('button', { name: 'English' }).click();
      await page.getByRole('heading', { name: 'Track a parcel' }).waitFor();
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
      assert.equal((await page.locator('.summary .badge.big').innerText()).trim(), 'Out for delivery');
      assert.equal(await page.locator('#timeline > li').first().locator('.ev-title strong').innerText(), 'Delivered');
      assert.equal(await page.locator('#timeline > li').first().locator('.ev-desc').getAttribute('lang'), 'zh-CN');
      // Errors come in English too (the server is asked in English).
      await page.locator('#t-no').fill(unknown);
      await page.locator('#t-no').press('Enter');
      await page.locator('#problem', { hasText: /Check the number/ }).waitFor();
      assert.notEqual(await page.locator('#problem h2').innerText(), '查无此单');
      await page.screenshot({ path: join(SHOTS, 'track-en.png'), fullPage: true });
    }, { viewport: PHONE });
  });

// Last in this file: it uses up the look-up allowance of 127.0.0.1, where
// the browser comes from, for ten minutes.
test('too many look-ups of unknown numbers: 429, explained, for every number', { timeout: TEST_TIMEOUT }, async () => {
  const no = await deliveredWaybill();
  let last;
  for (let i = 0; i < 40; i++) {
    last = await publicView(waybillNo(500000000 + i));
    if (last.status === 429) break;
    assert.equal(last.status, 404);
  }
  assert.equal(last.status, 429, 'enumeration is stopped');
  assert.equal(last.body.error.code, 'request.rate_limited');

  await withBrowser(async ({ page }) => {
    await page.goto(`${server.url}/p/track?no=${no}`);
    const problem = page.locator('#problem.problem-429');
    await problem.waitFor();
    assert.equal(await problem.locator('h2').innerText(), last.body.error.message);
    assert.match(await problem.innerText(), /查询次数有限制/);
    assert.equal(await page.locator('#timeline').count(), 0, 'an existing number is refused as well');
    await page.screenshot({ path: join(SHOTS, 'track-429.png'), fullPage: true });
  }, { viewport: PHONE });
});
