// Browser tests of the console's 客服工单 module (web/console/tickets.js,
// sd_board.js) against a real `parceldesk serve` whose clock is pinned with
// PD_FAKE_NOW (the browser's clock is pinned to the same instant). A
// complaint from the public form (through the API; the form itself is
// tests/browser/complaint.test.mjs) appears in the complaint handler's queue
// with its nearest clock; the new-ticket form offers knowledge-base articles
// while the text is typed; in the ticket view an internal note and a reply
// are visibly different, the public status page shows the reply and never
// the note; a written claim starts the apology-letter clock and "apology
// letter sent" meets it; a quick reply inserts an article into the reply
// box. Then the server restarts two days later (clocks are data, not
// timers): the queue's "overdue" filter shows the ticket with its
// investigation clock overdue, and the supervisor board lists the overdue
// clock under its rule and node, with an unacknowledged handover. Any
// script error or CSP violation fails the test. Screenshots go to
// tests/browser/screenshots/.
//
// Run from the repository root: PD_BIN=build/parceldesk node --test tests/browser/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, freshDatabase, api, login, ROOT } from '../lib/harness.mjs';
import { orderBody, createOrder } from '../api/lib/orders.mjs';
import { withBrowser, uiLogin, TEST_TIMEOUT } from './lib/browser.mjs';

const SHOTS = join(ROOT, 'tests/browser/screenshots');
const T1 = '2026-11-23T10:00:00+08:00'; // Monday: the complaint arrives
const T2 = '2026-11-25T10:00:00+08:00'; // Wednesday: investigation (due Tue 23:59:59) overdue
const WIDE = { width: 1440, height: 900 };
let db, server, ticketNo, waybillNo;

async function at(now) {
  if (server) await server.stop();
  server = await startServer({ database: db, env: { PD_FAKE_NOW: now }, args: ['--tickets-clock-worker', 'false'] });
}

before(async () => {
  db = freshDatabase();
  await at(T1);
  mkdirSync(SHOTS, { recursive: true });
  const w = await createOrder(server.url, await login(server.url, 'agent'), orderBody());
  waybillNo = w.waybill_no;
  const r = await api(server.url, 'POST', '/api/v1/public/complaints', {
    body: { name: '孙八', phone: '13612345678', waybill_no: waybillNo, category: 'delay', text: '显示派送中两天了还没到' },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  ticketNo = r.body.ticket_no;
}, { timeout: 60_000 });

after(async () => {
  if (server) await server.stop();
  if (db) db.drop();
});

async function openAs(page, user, hash, now) {
  await page.clock.install({ time: Date.parse(now) });
  await uiLogin(page, server.url, user);
  await page.locator('.topbar .user-name').waitFor();
  await page.evaluate((h) => { location.hash = h; }, hash);
}

const row = (page) => page.locator(`#tq-table tr[data-no="${ticketNo}"]`);

test('the queue shows the complaint with its clock; the new-ticket form suggests KB articles',
  { timeout: TEST_TIMEOUT }, async () => {
    await withBrowser(async ({ page }) => {
      await openAs(page, 'complaint_handler', '#/tickets', T1);
      await row(page).waitFor();
      const clock = row(page).locator('.sd-clock');
      assert.equal(await clock.getAttribute('data-rule'), 'investigation', 'the nearest deadline');
      assert.equal(await clock.getAttribute('data-state'), 'running');
      assert.match(await clock.textContent(), /2026-11-24 23:59/);

      // Filters: nothing overdue yet; the delay category and the clock rule keep it.
      await page.locator('#tq-scope').selectOption('overdue');
      await page.locator('#tq-table td.muted', { hasText: '没有符合条件的工单' }).waitFor();
      await page.locator('#tq-scope').selectOption('today');
      await page.locator('#tq-table td.muted').waitFor();
      assert.equal(await row(page).count(), 0, 'investigation is due tomorrow, not today');
      await page.locator('#tq-scope').selectOption('all');
      await page.locator('#tq-category').selectOption('damage');
      await page.locator('#tq-table td.muted').waitFor();
      await page.locator('#tq-category').selectOption('delay');
      await page.locator('#tq-clock').selectOption('regulatory_reply');
      await row(page).waitFor();

      // N opens the form; typing the text brings knowledge-base articles.
      await page.locator('h1').click();
      await page.keyboard.press('n');
      await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'nt-kind');
      await page.locator('#nt-description').pressSequentially('客户说快件延误了');
      const sug = page.locator('.sd-kb-suggest li', { hasText: '彻底延误与延误快件的处理' });
      await sug.waitFor();
      assert.ok(await sug.locator('mark').count() > 0, 'the match is highlighted');
      await page.screenshot({ path: join(SHOTS, 'tickets-new-kb.png'), fullPage: true });
      // The server's refusal names the field: no category chosen.
      await page.locator('#nt-submit').click();
      await page.locator('[data-field="category"] .field-error').waitFor();
      await page.locator('#nt-category').selectOption('delay');
      await page.locator('#nt-submit').click();
      await page.locator('#tv-status').waitFor();
      assert.match(await page.locator('#tv-title').textContent(), /TS\d{12}/);
    }, { viewport: WIDE });
  });

test('the ticket view: note and reply apart, the public page shows only the reply, an action meets the apology clock',
  { timeout: TEST_TIMEOUT }, async () => {
    await withBrowser(async ({ page }) => {
      await openAs(page, 'complaint_handler', '#/tickets/' + ticketNo, T1);
      await page.locator('#tv-clocks').waitFor();
      assert.equal(await page.locator('#tv-status').textContent(), '新建');
      assert.match(await page.locator('#tv-timeline, .sd-side').first().textContent(), new RegExp(waybillNo));

      await page.locator('#tv-note').fill('内部：派送员请假，件在站点');
      await page.locator('#tv-note-go').click();
      await page.locator('.sd-ev.ev-note', { hasText: '派送员请假' }).waitFor();
      await page.locator('#tv-reply').fill('您好，快件今天下午送达。');
      await page.locator('#tv-reply-go').click();
      const reply = page.locator('.sd-ev.ev-reply', { hasText: '今天下午送达' });
      await reply.waitFor();
      assert.equal(await reply.locator('.sd-public').count(), 1, 'marked as seen by the customer');
      assert.equal(await page.locator('.sd-ev.ev-note .sd-public').count(), 0);
      const [bgNote, bgReply] = await Promise.all(['.sd-ev.ev-note', '.sd-ev.ev-reply'].map((s) =>
        page.locator(s).first().evaluate((el) => getComputedStyle(el).backgroundColor)));
      assert.notEqual(bgNote, bgReply, 'notes and replies look different');

      // Written claim → apology letter clock; apology sent meets it.
      await page.locator('#tv-action').selectOption('written_claim');
      await page.locator('#tv-action-go').click();
      const apology = page.locator('#tv-clocks tr[data-rule="apology_letter"] .sd-clock');
      await apology.waitFor();
      assert.equal(await apology.getAttribute('data-state'), 'running');
      await page.locator('#tv-action').selectOption('apology_letter_sent');
      await page.locator('#tv-action-go').click();
      await page.locator('#tv-clocks tr[data-rule="apology_letter"] .sd-clock[data-state="met"]').waitFor();

      // Quick reply from the knowledge base goes into the reply box.
      await page.locator('#tv-kb-q').fill('延误');
      await page.locator('.sd-kb-list button').first().click();
      await page.waitForFunction(() => document.getElementById('tv-reply').value.length > 10);
      assert.equal(await page.evaluate(() => document.activeElement.id), 'tv-reply');
      await page.screenshot({ path: join(SHOTS, 'tickets-view.png'), fullPage: true });

      // The customer's status page: the reply, never the note.
      await page.goto(server.url + '/p/complaint/status?no=' + ticketNo);
      await page.locator('#s-last4').fill('5678');
      await page.locator('#s-submit').click();
      await page.locator('#s-result').waitFor();
      const pub = await page.locator('#s-result').textContent();
      assert.match(pub, /今天下午送达/);
      assert.doesNotMatch(pub, /派送员请假/);
    }, { viewport: WIDE });
  });

test('after a restart two days later: the overdue filter and the supervisor board', { timeout: TEST_TIMEOUT }, async () => {
  await at(T2);
  const ho = await api(server.url, 'POST', '/api/v1/handovers', {
    token: await login(server.url, 'complaint_handler'), body: { shift: 'day', text: '三单投诉待回访' },
  });
  assert.equal(ho.status, 201, JSON.stringify(ho.body));
  await withBrowser(async ({ page }) => {
    await openAs(page, 'complaint_handler', '#/tickets', T2);
    await page.locator('#tq-scope').selectOption('overdue');
    await row(page).waitFor();
    const c = row(page).locator('.sd-clock');
    assert.equal(await c.getAttribute('data-state'), 'overdue');
    assert.equal(await c.getAttribute('data-rule'), 'investigation');
    await page.screenshot({ path: join(SHOTS, 'tickets-queue-overdue.png'), fullPage: true });

    await page.evaluate(() => { location.hash = '#/tickets/board'; });
    const g = page.locator('.sd-group[data-rule="investigation"][data-node="GD-SZ"]');
    await g.waitFor();
    assert.match(await g.textContent(), new RegExp(ticketNo));
    assert.equal(await g.locator('.sd-clock[data-state="overdue"]').count() >= 1, true);
    await page.locator('#sb-handovers li', { hasText: '白班' }).waitFor();
    // It refreshes by itself.
    const before = await page.locator('#sb-updated').textContent();
    await page.clock.runFor(31_000);
    await page.waitForFunction((b) => document.getElementById('sb-updated').textContent !== b, before);
    await page.screenshot({ path: join(SHOTS, 'tickets-board.png'), fullPage: true });
  }, { viewport: WIDE });
});
