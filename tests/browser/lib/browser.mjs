// Shared by the browser suites: a fresh headless Chromium (Debian's, driven by
// playwright-core) per test, whose profile, browser and page error log are
// checked and cleaned up whatever the test does, and logging in through the
// console's form.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { DEMO_PASSWORD } from '../../lib/harness.mjs';

// Without the background-networking flags Chromium keeps trying the closed
// network of this machine.
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
export const TEST_TIMEOUT = 60_000;
export const STEP_TIMEOUT = 10_000;

/**
 * Run fn({ctx, page}) with a fresh browser and page. Any uncaught page error
 * or console error (a CSP violation, a failed module) fails the test.
 */
export async function withBrowser(fn, { lang = 'zh-CN', viewport = { width: 1366, height: 768 } } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'pd-chromium-'));
  let ctx;
  try {
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
      locale: lang,
      timezoneId: 'Asia/Shanghai',
      viewport,
      timeout: 30_000,
    });
    ctx.setDefaultTimeout(STEP_TIMEOUT);
    const page = ctx.pages()[0] || (await ctx.newPage());
    const problems = [];
    page.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
    page.on('console', (m) => {
      // Chromium logs every 4xx fetch as "Failed to load resource"; those are
      // answers the tests provoke on purpose, not faults.
      if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) {
        problems.push('console: ' + m.text());
      }
    });
    await fn({ ctx, page });
    assert.deepEqual(problems, [], 'the page logged errors');
  } finally {
    if (ctx) await ctx.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Open the console's login page at @p base. */
export async function openLogin(page, base) {
  await page.goto(base + '/');
  await page.locator('#login-username').waitFor();
}

/** Log in through the form, submitting with Enter as a keyboard user would. */
export async function uiLogin(page, base, username, password = DEMO_PASSWORD) {
  await openLogin(page, base);
  await page.locator('#login-username').fill(username);
  await page.locator('#login-password').fill(password);
  await page.locator('#login-password').press('Enter');
}
