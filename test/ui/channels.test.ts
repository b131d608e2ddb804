/**
 * Settings > Channels in a real browser (system Chromium) against a real gateway and a fake
 * Telegram Bot API on loopback: an account is added from the form (the token field is
 * write-only, the start result shows as the connection test), a stranger's message appears live
 * under Pending Senders, and is approved with a chosen level; then revoked.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestServer, setupPassword, PASSWORD, createKey, rpc, type TestServer } from '../support/server.js';
import { startFakeTelegram, type FakeTelegram } from '../support/fake-telegram.js';
import { buildUi, launch, newPage, shot, skipReason, type PageWatch } from './browser.js';

const TOKEN = '555:ui-test-token';

describe('web UI: Settings > Channels', { skip: skipReason }, () => {
  let tg: FakeTelegram;
  let s: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let watch: PageWatch;
  let key: string;

  before(async () => {
    buildUi();
    tg = await startFakeTelegram();
    tg.addBot(TOKEN, { username: 'ui_bot' });
    s = await startTestServer({ toml: '[channels]\nallow_private_api_urls = true\n' });
    const cookie = await setupPassword(s);
    key = (await createKey(s, cookie, ['operator.admin'])).key;
    browser = await launch();
    ({ context, page, watch } = await newPage(browser));
    await page.goto(`${s.url}/login`);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(/\/chat$/);
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await s?.stop();
    await tg?.close();
  });

  test('add an account from the form: the token is write-only and the connection result shows', async () => {
    await page.goto(`${s.url}/settings/channels`);
    await page.getByLabel('Account id').fill('uibot');
    const tokenField = page.getByLabel('Bot token (from @BotFather)');
    assert.equal(await tokenField.getAttribute('type'), 'password');
    await tokenField.fill(TOKEN);
    await page.getByLabel('API base URL (optional)').fill(tg.url);
    await page.getByRole('button', { name: 'Add and test connection' }).click();
    await page.getByTestId('channel-test-result').filter({ hasText: 'running' }).waitFor();
    assert.equal(await tokenField.inputValue(), '', 'the token does not stay in the page');
    await page.getByTestId('state-uibot').filter({ hasText: 'running' }).waitFor();
    assert.ok(!(await page.content()).includes(TOKEN));
  });

  test('a pending sender appears live and is approved with a chosen level', async () => {
    tg.say(TOKEN, { id: 4242, first_name: 'Dana', username: 'dana' }, 'hi, can I use your bot?');
    const row = page.getByTestId('pending-4242');
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /Dana \(@dana\).*hi, can I use your bot\?/);
    await shot(page, 'channels-pending');
    // The account is read-only: approving at execute is refused and said so.
    await row.getByLabel('Level for Dana').selectOption('execute');
    await row.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('alert').filter({ hasText: /above the account's permission/ }).waitFor();
    await row.getByLabel('Level for Dana').selectOption('read-only');
    await row.getByRole('button', { name: 'Approve' }).click();
    await page.getByTestId('approved-4242').waitFor();
    const list = await rpc(s, 'channels.senders.list', { type: 'telegram', accountId: 'uibot' }, { authorization: `Bearer ${key}` });
    const dana = (list.body.payload as { senders: Array<{ senderId: string; status: string; level: string }> }).senders.find((x) => x.senderId === '4242')!;
    assert.deepEqual([dana.status, dana.level], ['approved', 'read-only']);
    await shot(page, 'channels-approved');
  });

  test('revoke from the approved list puts the sender back in the queue', async () => {
    await page.getByTestId('approved-4242').getByRole('button', { name: 'Revoke' }).click();
    await page.getByTestId('pending-4242').waitFor();
    assert.deepEqual(watch.csp, []);
    assert.deepEqual(watch.errors, []);
  });
});
