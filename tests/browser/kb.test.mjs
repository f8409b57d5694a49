// Browser tests of the console's 知识库 screens (web/console/sd_kb.js)
// against a real `parceldesk serve` with the seeded handbook articles: a
// two-character Chinese query (scanned by the server) and a longer one
// (through the trigram index) find seeded articles, ranked, with the words
// highlighted by <mark> and nothing else of the snippet turned into markup
// (an article whose text holds HTML shows it as text); a supervisor (kb.edit)
// writes a draft that an agent can neither find nor open, meets a version
// conflict when someone else saved first, publishes it, and the agent then
// finds it. Any script error or CSP violation fails the test. Screenshots
// go to tests/browser/screenshots/.
//
// Run from the repository root: PD_BIN=build/parceldesk node --test tests/browser/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, api, login, ROOT } from '../lib/harness.mjs';
import { withBrowser, uiLogin, TEST_TIMEOUT } from './lib/browser.mjs';

const SHOTS = join(ROOT, 'tests/browser/screenshots');
const WIDE = { width: 1440, height: 900 };
const WORD = `钶钽铌${Date.now() % 1000}`; // in no seeded article
let server;

before(async () => {
  server = await startServer({ args: ['--monitor-worker', 'false', '--tickets-clock-worker', 'false'] });
  mkdirSync(SHOTS, { recursive: true });
}, { timeout: 60_000 });

after(async () => {
  if (server) await server.stop();
});

async function openAs(page, user, hash) {
  await uiLogin(page, server.url, user);
  await page.locator('.topbar .user-name').waitFor();
  await page.evaluate((h) => { location.hash = h; }, hash);
}

async function search(page, q) {
  await page.locator('#kb-q').fill(q);
  await page.waitForFunction((w) => {
    const c = document.getElementById('kb-count');
    return c && /找到/.test(c.textContent) && document.getElementById('kb-q').value === w;
  }, q);
  // The debounce has fired for this query once a result (or none) shows it.
  await page.waitForFunction((w) => [...document.querySelectorAll('#kb-results mark')].some((m) => w.split(' ').includes(m.textContent))
    || document.querySelector('.kb-search .panel.muted'), q);
}

test('searching in Chinese: two characters and more, ranked, highlighted safely', { timeout: TEST_TIMEOUT }, async () => {
  // An article whose text is HTML: it must come out as text.
  const sup = await login(server.url, 'supervisor');
  const r = await api(server.url, 'POST', '/api/v1/kb/articles', { token: sup, body: {
    title: '鼓包电池示例', body: '<img src=x onerror=alert(1)> 鼓包 <b>粗体</b> & 其他', category: 'other', status: 'published' } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  await withBrowser(async ({ page }) => {
    await openAs(page, 'agent', '#/kb');
    await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'kb-q');
    // No query: the published list; the editors' controls are not offered.
    await page.locator('#kb-results li').first().waitFor();
    assert.ok(await page.locator('#kb-results li').count() >= 12);
    assert.equal(await page.locator('#kb-status, #kb-new').count(), 0);

    // Two characters (scanned): the seeded article on lithium batteries and ours.
    await search(page, '鼓包');
    const hits = page.locator('#kb-results li');
    assert.equal(await hits.count(), 2);
    assert.ok(await page.locator('#kb-results li', { hasText: '限寄物品' }).count() === 1, 'the seeded article');
    const marks = await page.locator('#kb-results mark').allTextContents();
    assert.ok(marks.length >= 2 && marks.every((m) => m === '鼓包'), marks.join(','));
    // The HTML in the text stayed text: no element but <mark> in any snippet.
    const tags = await page.$$eval('#kb-results .kb-snippet *', (els) => [...new Set(els.map((e) => e.tagName))]);
    assert.deepEqual(tags, ['MARK']);
    const ours = page.locator('#kb-results li', { hasText: '鼓包电池示例' });
    assert.match(await ours.locator('.kb-snippet').textContent(), /onerror=alert\(1\)> 鼓包 <b>粗体<\/b> & 其他/);

    // Longer (through the index), two words.
    await search(page, '锂电池');
    const first = page.locator('#kb-results li').first();
    assert.match(await first.locator('.kb-title').textContent(), /限寄物品/);
    assert.equal(await first.locator('mark', { hasText: '锂电池' }).count() >= 1, true);
    await page.screenshot({ path: join(SHOTS, 'kb-search.png'), fullPage: true });
    // Enter on a result opens the article.
    await first.focus();
    await page.keyboard.press('Enter');
    await page.locator('#ka-body').waitFor();
    assert.match(await page.locator('#ka-body').textContent(), /100Wh/);
    assert.equal(await page.locator('#ka-edit').count(), 0, 'agents do not edit');
  }, { viewport: WIDE });
});

test('an editor writes a draft the agent cannot see, meets a version conflict, publishes; the agent finds it',
  { timeout: TEST_TIMEOUT * 2 }, async () => {
    let id;
    await withBrowser(async ({ page }) => {
      await openAs(page, 'supervisor', '#/kb');
      await page.locator('#kb-results li').first().waitFor();
      await page.locator('h1').click();
      await page.keyboard.press('n');
      await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'ke-title');
      await page.locator('#ke-title').fill(`${WORD}的寄递规定`);
      await page.locator('#ke-body').fill(`${WORD}属于稀有金属样品，须木箱包装并保价。`);
      await page.locator('#ke-tags').fill('样品 保价');
      // No category: the server names the field.
      await page.locator('#ke-save').click();
      await page.locator('[data-field="category"] .field-error').waitFor();
      await page.locator('#ke-category').selectOption('operations');
      await page.locator('#ke-save').click();
      await page.locator('#ka-draft').waitFor();
      id = Number(/#\/kb\/(\d+)/.exec(page.url())[1]);
    }, { viewport: WIDE });

    // The agent: not in search, not by id.
    await withBrowser(async ({ page }) => {
      await openAs(page, 'agent', '#/kb');
      await search(page, WORD);
      assert.equal(await page.locator('#kb-results li').count(), 0);
      await page.evaluate((h) => { location.hash = h; }, `#/kb/${id}`);
      await page.locator('.notice-error').waitFor();
      assert.equal(await page.locator('#ka-body').count(), 0);
    }, { viewport: WIDE });

    await withBrowser(async ({ page }) => {
      await openAs(page, 'supervisor', '#/kb');
      // Drafts are listed for editors, marked.
      await page.locator('#kb-status').selectOption('draft');
      await page.locator(`#kb-results li[data-id="${id}"][data-status="draft"]`).waitFor();
      await page.locator(`#kb-results li[data-id="${id}"] a`).click();
      await page.locator('#ka-edit').click();
      // Meanwhile a manager saves a change: ours is stale.
      const other = await api(server.url, 'PATCH', `/api/v1/kb/articles/${id}`, {
        token: await login(server.url, 'manager'), body: { version: 1, tags: ['样品', '保价', '木箱'] } });
      assert.equal(other.status, 200, JSON.stringify(other.body));
      await page.locator('#ke-status').selectOption('published');
      await page.locator('#ke-save').click();
      await page.locator('#ke-conflict').waitFor();
      await page.screenshot({ path: join(SHOTS, 'kb-conflict.png'), fullPage: true });
      // Reload the latest and publish that.
      await page.locator('#ke-reload').click();
      await page.locator('#ka-edit').click();
      assert.equal(await page.locator('#ke-tags').inputValue(), '样品 保价 木箱');
      await page.locator('#ke-status').selectOption('published');
      await page.locator('#ke-save').click();
      await page.locator('#ka-body').waitFor();
      assert.equal(await page.locator('#ka-draft').count(), 0);
      assert.equal(await page.locator('#ka').getAttribute('data-status'), 'published');
    }, { viewport: WIDE });

    await withBrowser(async ({ page }) => {
      await openAs(page, 'agent', '#/kb');
      await search(page, WORD);
      const hit = page.locator(`#kb-results li[data-id="${id}"]`);
      await hit.waitFor();
      assert.equal(await hit.locator('mark', { hasText: WORD }).count() >= 1, true);
      await page.screenshot({ path: join(SHOTS, 'kb-published.png'), fullPage: true });
    }, { viewport: WIDE });
  });
