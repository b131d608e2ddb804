/**
 * Passkeys in the web UI with Chrome's virtual authenticator (CDP WebAuthn domain): register one
 * after onboarding, rename it, sign in with it; after a restart the vault is sealed (a passkey
 * cannot unseal it), the banner says so and unlocking with the password clears it.
 * Uses http://localhost (a WebAuthn RP ID cannot be an IP address).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestServer, PASSWORD, type TestServer } from '../support/server.js';
import { addVirtualAuthenticator, buildUi, launch, newPage, onboardWithPasskey, shot, skipReason, type PageWatch } from './browser.js';

describe('web UI passkeys', { skip: skipReason }, () => {
  let s: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let watch: PageWatch;
  const base = () => s.url.replace('127.0.0.1', 'localhost');

  before(async () => {
    buildUi();
    s = await startTestServer();
    browser = await launch();
    ({ context, page, watch } = await newPage(browser));
    await addVirtualAuthenticator(context, page);
  });
  after(async () => {
    await browser?.close();
    await s?.stop();
    // A restarted server was given its directories, so it leaves them: remove them here.
    if (s) rmSync(s.dirs.root, { recursive: true, force: true });
  });

  test('onboarding, then "Register a passkey"; it is listed and can be renamed', async () => {
    await page.goto(`${base()}/`);
    await onboardWithPasskey(page, PASSWORD);
    await page.getByRole('link', { name: 'Settings' }).click();
    const list = page.getByTestId('passkey-list');
    await list.locator('li', { hasText: 'Passkey (' }).waitFor();
    page.once('dialog', (d) => void d.accept('My laptop'));
    await list.getByRole('button', { name: 'Rename' }).click();
    await list.locator('li', { hasText: 'My laptop' }).waitFor();
    await shot(page, 'settings-passkeys');
  });

  test('sign in with the passkey', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/login$/);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL(/\/chat$/);
    await page.getByTestId('conn').filter({ hasText: 'open' }).waitFor();
  });

  test('after a restart the vault is sealed: the banner explains it and unlocks with the password', async () => {
    const dirs = s.dirs;
    await s.stop({ keepDirs: true });
    s = await startTestServer({ dirs });
    {
      await page.goto(`${base()}/chat`);
      if (page.url().endsWith('/login')) await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      const banner = page.getByTestId('vault-banner');
      await banner.waitFor();
      assert.match((await banner.textContent()) ?? '', /vault is sealed/i);
      await shot(page, 'vault-sealed-banner');
      await banner.getByRole('button', { name: 'Unlock vault' }).click();
      await banner.getByLabel('Vault password').fill(PASSWORD);
      await banner.getByRole('button', { name: 'Unlock' }).click();
      await banner.waitFor({ state: 'detached' });
      await page.getByRole('link', { name: 'Settings' }).click();
      await page.getByRole('link', { name: 'Vault' }).click();
      assert.equal(await page.getByTestId('vault-status').textContent(), 'unsealed');
    }
    assert.deepEqual(watch.csp, []);
    assert.deepEqual(watch.errors, []);
  });
});
