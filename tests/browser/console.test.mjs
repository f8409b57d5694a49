// Browser tests of the staff console: a real Chromium (Debian's, driven by
// playwright-core) against a real `parceldesk serve` on a fresh demo-seeded
// database from tests/lib/harness.mjs. Each test gets its own browser with a
// fresh user-data directory, so cookies and localStorage never leak between
// tests; servers, browsers and directories are removed even when a test fails.
// Any uncaught script error or CSP violation in the page fails the test.
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
let adminToken; // for reading what the console should show, one login for all

before(async () => {
  server = await startServer();
  adminToken = await login(server.url, 'admin');
}, { timeout: 60_000 });

after(async () => {
  if (server) await server.stop();
});

const openLogin = (page) => shared.openLogin(page, server.url);
const uiLogin = (page, username, password) => shared.uiLogin(page, server.url, username, password);

async function sessionCookie(ctx) {
  const c = (await ctx.cookies(server.url)).find((x) => x.name === 'pd_session');
  return c;
}

test('admin logs in and sees the dashboard', { timeout: TEST_TIMEOUT }, async () => {
  await withBrowser(async ({ ctx, page }) => {
    // A fixed clock keeps the committed screenshot identical from run to run.
    await page.clock.setFixedTime(new Date('2026-11-23T10:00:00+08:00'));
    await openLogin(page);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'login-username',
      'focus starts in the user name field');
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
    await page.locator('#login-username').fill('admin');
    await page.locator('#login-password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();

    const top = page.locator('header.topbar');
    await top.locator('.user-name').filter({ hasText: '系统管理员' }).waitFor();
    assert.match(await top.innerText(), /ParcelDesk/);
    assert.match(await top.locator('.user-node').innerText(), /总公司/);
    await page.getByRole('link', { name: /系统管理/ }).waitFor();

    // The dashboard: who am I, permissions from GET /me, and a healthy server.
    const perms = page.locator('.perm-list li');
    await perms.filter({ hasText: 'users.manage' }).waitFor();
    const me = await api(server.url, 'GET', '/api/v1/me', { token: adminToken });
    assert.equal(await perms.count(), me.body.permissions.length);
    await page.locator('.health[data-status="ok"]').waitFor();

    // The session lives only in the HttpOnly cookie, never in script storage.
    const cookie = await sessionCookie(ctx);
    assert.ok(cookie, 'pd_session cookie is set');
    assert.equal(cookie.httpOnly, true);
    const stored = await page.evaluate(
      () => JSON.stringify({ ...localStorage, ...sessionStorage }));
    assert.ok(!stored.includes(cookie.value), 'token is not kept in web storage');
    assert.ok(!(await page.evaluate(() => document.cookie)).includes('pd_session'));

    // Reload keeps the session and the page.
    await page.reload();
    await top.locator('.user-name').filter({ hasText: '系统管理员' }).waitFor();
    await page.locator('.health[data-status="ok"]').waitFor();

    mkdirSync(join(ROOT, 'tests/browser/screenshots'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'tests/browser/screenshots/dashboard.png') });
    mkdirSync(join(ROOT, 'docs'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'docs/screenshot.png') });
  });
});

test('a wrong password shows the server message and stays on the login page',
  { timeout: TEST_TIMEOUT }, async () => {
    await withBrowser(async ({ page }) => {
      await uiLogin(page, 'analyst', 'not-the-password1');
      await page.locator('.login-error').filter({ hasText: '用户名或密码错误' }).waitFor();
      assert.equal(await page.locator('header.topbar').count(), 0);
      assert.equal(await page.locator('#login-password').inputValue(), '', 'password is cleared');
      // Focus goes back to the password so the user can retype at once.
      assert.equal(await page.evaluate(() => document.activeElement.id), 'login-password');
      // An empty form is refused before it reaches the server.
      await page.locator('#login-username').fill('');
      await page.locator('#login-username').press('Enter');
      await page.locator('.login-error', { hasText: '请输入用户名和密码' }).waitFor();
    });
  });

test('switching to English changes labels and survives a reload',
  { timeout: TEST_TIMEOUT }, async () => {
    await withBrowser(async ({ page }) => {
      await openLogin(page);
      await page.getByRole('button', { name: 'English' }).click();
      await page.getByRole('button', { name: 'Log in' }).waitFor();
      assert.equal(await page.getAttribute('html', 'lang'), 'en');

      // Server messages come in English too (the console asks with ?lang=en).
      const expected = await api(server.url, 'POST', '/api/v1/auth/login?lang=en', {
        body: { username: 'nobody-here', password: 'wrong-password1' },
      });
      assert.equal(expected.status, 401);
      await uiLogin(page, 'nobody-here', 'wrong-password1');
      await page.locator('.login-error').filter({ hasText: expected.body.error.message }).waitFor();
      assert.doesNotMatch(await page.locator('.login-error').innerText(), /[\u4e00-\u9fff]/);

      await uiLogin(page, 'supervisor');
      await page.getByRole('button', { name: 'Log out' }).waitFor();
      await page.getByRole('link', { name: /Dashboard/ }).waitFor();
      assert.equal(await page.getByRole('button', { name: '退出登录' }).count(), 0);

      await page.reload();
      await page.getByRole('button', { name: 'Log out' }).waitFor();
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
      assert.match(await page.title(), /ParcelDesk/);

      // And back to Chinese.
      await page.getByRole('button', { name: '中文' }).click();
      await page.getByRole('button', { name: '退出登录' }).waitFor();
      assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
    });
  });

test('logout returns to the login page and ends the session on the server',
  { timeout: TEST_TIMEOUT }, async () => {
    await withBrowser(async ({ ctx, page }) => {
      await uiLogin(page, 'manager');
      await page.locator('header.topbar .user-name').waitFor();
      const token = (await sessionCookie(ctx)).value;

      await page.getByRole('button', { name: '退出登录' }).click();
      await page.locator('#login-username').waitFor();
      assert.equal(await page.locator('header.topbar').count(), 0);

      // The page's own cookies no longer authenticate …
      const viaPage = await ctx.request.get(server.url + '/api/v1/me');
      assert.equal(viaPage.status(), 401);
      // … and the old token was revoked, not merely forgotten by the browser.
      const viaToken = await api(server.url, 'GET', '/api/v1/me', { token });
      assert.equal(viaToken.status, 401);
      assert.equal(viaToken.body.error.code, 'auth.invalid_token');
    });
  });

test('admin creates a user who can then log in; a duplicate shows the field error',
  { timeout: TEST_TIMEOUT }, async () => {
    await withBrowser(async ({ page }) => {
      await uiLogin(page, 'admin');
      await page.locator('header.topbar .user-name').waitFor();
      await page.getByRole('link', { name: /系统管理/ }).click();
      assert.match(page.url(), /#\/admin$/);
      await page.locator('details.new-user summary').click();
      const form = page.locator('form.grid-form');
      await form.locator('#nu-node option[value="SZ-NS01"]').waitFor({ state: 'attached' });

      async function fill(username) {
        await form.locator('#nu-username').fill(username);
        await form.locator('#nu-display-name').fill('测试受理员');
        await form.locator('#nu-role').selectOption('agent');
        await form.locator('#nu-node').selectOption('SZ-NS01');
        await form.locator('#nu-password').fill('Clerk2026pass');
        await form.getByRole('button', { name: '创建用户' }).click();
      }

      await fill('h3clerk');
      await form.locator('.notice-ok').filter({ hasText: 'h3clerk' }).waitFor();
      await page.locator('tr[data-username="h3clerk"]', { hasText: '测试受理员' }).waitFor();
      assert.equal(await form.locator('#nu-username').inputValue(), '', 'form is reset');

      // The same user name again: the API's 409 message appears at the field.
      const dup = await api(server.url, 'POST', '/api/v1/users', {
        token: adminToken,
        headers: { 'accept-language': 'zh-CN' },
        body: { username: 'h3clerk', display_name: 'x', role: 'agent', node_code: 'SZ-NS01',
          password: 'Clerk2026pass' },
      });
      assert.equal(dup.status, 409);
      assert.equal(dup.body.error.field, 'username');
      await fill('h3clerk');
      const err = form.locator('[data-field="username"] .field-error');
      await err.filter({ hasText: dup.body.error.message }).waitFor();
      assert.equal(await form.locator('#nu-username').getAttribute('aria-invalid'), 'true');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'nu-username');
      assert.equal(await form.locator('.field-error').count(), 1, 'only the named field is marked');

      // A bad user name format names the field too.
      await fill('Bad Name');
      await form.locator('[data-field="username"] .field-error').waitFor();

      // Search narrows the list.
      await page.locator('#users-q').fill('h3cl');
      await page.locator('#users-q').press('Enter');
      await page.waitForFunction(() => document.querySelectorAll('tr[data-username]').length === 1);
      assert.equal(await page.locator('tr[data-username="h3clerk"]').count(), 1);

      await page.getByRole('button', { name: '退出登录' }).click();
      await uiLogin(page, 'h3clerk', 'Clerk2026pass');
      await page.locator('header.topbar .user-name', { hasText: '测试受理员' }).waitFor();
      assert.match(await page.locator('header.topbar .user-node').innerText(), /深圳南山/);
    });
  });

test('admin sees the node tree and the audit log, newest first',
  { timeout: TEST_TIMEOUT }, async () => {
    await withBrowser(async ({ page }) => {
      await uiLogin(page, 'admin');
      await page.locator('header.topbar .user-name').waitFor();
      await page.goto(server.url + '/#/admin/nodes');
      const nodes = await api(server.url, 'GET', '/api/v1/nodes', { token: adminToken });
      const rows = page.locator('table.node-tree tbody tr[data-code]');
      await rows.first().waitFor();
      assert.equal(await rows.count(), nodes.body.items.length);
      const indent = async (code) => page.locator(`tr[data-code="${code}"] .tree-indent`)
        .evaluate((el) => parseFloat(getComputedStyle(el).paddingLeft));
      assert.ok(await indent('SZ-NS01') > await indent('GD-SZ'));
      assert.ok(await indent('GD-SZ') > await indent('GD'));
      assert.match(await page.locator('tr[data-code="GZ-HUB"]').innerText(), /分拨中心/);

      await page.getByRole('link', { name: '审计日志' }).click();
      const entries = page.locator('table.audit-table tbody tr[data-id]');
      await entries.first().waitFor();
      await page.locator('tr[data-action="auth.login"]').first().waitFor();
      const ids = await entries.evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.id)));
      assert.ok(ids.length >= 2);
      assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first');
    });
  });

test('an agent does not see 系统管理 and uses Alt+digit shortcuts',
  { timeout: TEST_TIMEOUT }, async () => {
    await withBrowser(async ({ page }) => {
      await uiLogin(page, 'agent');
      await page.locator('header.topbar .user-name').waitFor();
      const nav = page.locator('nav.sidenav');
      await nav.getByRole('link', { name: /工作台/ }).waitFor();
      assert.equal(await nav.getByRole('link', { name: /系统管理/ }).count(), 0);
      await page.locator('.perm-list li').first().waitFor();
      assert.equal(await page.locator('.perm-list li').filter({ hasText: 'users.' }).count(), 0);

      // Typing the address does not open it either.
      await page.goto(server.url + '/#/admin/users');
      await page.getByRole('heading', { name: '您没有访问此页面的权限。' }).waitFor();
      assert.equal(await page.locator('#nu-username').count(), 0);

      await page.keyboard.press('Alt+2');
      await page.getByRole('heading', { name: '订单受理' }).waitFor();
      assert.match(page.url(), /#\/orders$/);
      await page.getByRole('heading', { name: '快速报价' }).waitFor();
      await page.keyboard.press('Alt+1');
      await page.getByRole('heading', { name: '工作台' }).waitFor();
      // Focus moves to the new page's heading, so Tab continues inside it.
      await page.waitForFunction(() => document.activeElement.tagName === 'H1'
        && document.activeElement.textContent.includes('工作台'), null, { timeout: STEP_TIMEOUT });
    });
  });

test('a session ended elsewhere sends the user to the login page with a notice',
  { timeout: TEST_TIMEOUT }, async () => {
    await withBrowser(async ({ ctx, page }) => {
      await uiLogin(page, 'supervisor');
      await page.locator('header.topbar .user-name').waitFor();
      const token = (await sessionCookie(ctx)).value;
      const out = await api(server.url, 'POST', '/api/v1/auth/logout', { token });
      assert.equal(out.status, 204);

      await page.getByRole('link', { name: /系统管理/ }).click();
      await page.locator('#login-username').waitFor();
      await page.getByText('登录已失效，请重新登录').waitFor();
      assert.equal(await page.locator('header.topbar').count(), 0);
    });
  });

test('changing my password: field errors, then success', { timeout: TEST_TIMEOUT }, async () => {
  await withBrowser(async ({ page }) => {
    await uiLogin(page, 'dispatcher');
    await page.locator('header.topbar .user-name').waitFor();
    await page.getByRole('link', { name: '修改密码' }).click();
    const form = page.locator('form.form');
    await form.locator('#pw-current').fill('wrong-current1');
    await form.locator('#pw-new').fill('NewPass2026x');
    await form.locator('#pw-confirm').fill('NewPass2026x');
    await form.getByRole('button', { name: '保存新密码' }).click();
    await form.locator('[data-field="current_password"] .field-error', { hasText: /\S/ }).waitFor();

    await form.locator('#pw-current').fill(DEMO_PASSWORD);
    await form.locator('#pw-confirm').fill('Different2026x');
    await form.getByRole('button', { name: '保存新密码' }).click();
    await form.locator('[data-field="confirm"] .field-error', { hasText: '两次输入的新密码不一致' })
      .waitFor();

    await form.locator('#pw-confirm').fill('NewPass2026x');
    await form.getByRole('button', { name: '保存新密码' }).click();
    await form.locator('.notice-ok').waitFor();
    const old = await api(server.url, 'POST', '/api/v1/auth/login', {
      body: { username: 'dispatcher', password: DEMO_PASSWORD },
    });
    assert.equal(old.status, 401, 'the old password no longer works');
    const fresh = await api(server.url, 'POST', '/api/v1/auth/login', {
      body: { username: 'dispatcher', password: 'NewPass2026x' },
    });
    assert.equal(fresh.status, 200);
  });
});

test('the console is usable on a narrow screen', { timeout: TEST_TIMEOUT }, async () => {
  await withBrowser(async ({ page }) => {
    await uiLogin(page, 'admin');
    await page.locator('header.topbar .user-name').waitFor();
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `page scrolls sideways by ${overflow}px`);
    await page.getByRole('button', { name: '退出登录' }).waitFor({ state: 'visible' });
    await page.locator('nav.sidenav').getByRole('link', { name: /工作台/ })
      .waitFor({ state: 'visible' });
  }, { viewport: { width: 390, height: 800 } });
});
