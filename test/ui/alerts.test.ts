/**
 * The security-alert badge in a real browser: an alert (an admin key was minted) shows a badge in
 * the top bar; "Acknowledge all" clears it, and the gateway records who acknowledged.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { startTestServer, setupPassword, createKey, PASSWORD, type TestServer } from '../support/server.js';
import { buildUi, launch, newPage, skipReason } from './browser.js';

describe('web UI, security alerts', { skip: skipReason }, () => {
  let browser: Browser;
  let s: TestServer;
  before(async () => {
    buildUi();
    browser = await launch();
    s = await startTestServer();
  });
  after(async () => {
    await browser?.close();
    await s?.stop();
  });

  test('an open alert shows a badge until acknowledged', async () => {
    const cookie = await setupPassword(s);
    await createKey(s, cookie, ['operator.admin'], 'ci');
    const { context, page } = await newPage(browser);
    try {
      await page.goto(`${s.url}/login`);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      const badge = page.getByTestId('alerts-badge');
      await badge.waitFor();
      assert.match((await badge.textContent()) ?? '', /security alert/);
      await badge.click();
      await page.getByText('auth.admin_key_created').first().waitFor();
      await page.getByRole('button', { name: 'Acknowledge all' }).click();
      await badge.waitFor({ state: 'detached' });
      assert.equal(s.store.securityAlerts.unackedCount(), 0);
      assert.ok(s.store.securityAlerts.list({ limit: 10 }).every((a) => a.acked_by !== null));
    } finally {
      await context.close();
    }
  });
});
