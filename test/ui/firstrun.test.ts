/**
 * The first five minutes in a real browser (system Chromium), against a fresh gateway with no
 * provider and an OpenAI-compatible scripted server on loopback that wants an API key:
 * onboarding (password rule shown first) → "Connect a model" → a wrong key shows the provider's
 * refusal in words → Test lists its models → save → a chat message gets the scripted reply, with
 * no restart. Then the everyday edges: a 600 KB paste is refused with the limit and the draft
 * kept, the no-model banner leads to Settings > Models, a local server is connected with one
 * click, the Vault page routes a provider-named variable to the model, and the chat fills a
 * 390 px phone screen.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, PASSWORD, type TestServer } from '../support/server.js';
import { startScriptedLlm, type ScriptedLlm } from '../support/scripted-llm.js';
import { buildUi, launch, newPage, send, shot, skipReason, type PageWatch } from './browser.js';

const KEY = 'sk-scripted-e2e-Vd93kQ7xP2';

describe('first run: from a fresh gateway to a working chat, no file edited', { skip: skipReason }, () => {
  let llm: ScriptedLlm;
  let local: ScriptedLlm;
  let s: TestServer;
  let browser: Browser;
  let page: Page;
  let watch: PageWatch;

  before(async () => {
    buildUi();
    llm = await startScriptedLlm({ apiKey: KEY });
    local = await startScriptedLlm();
    s = await startTestServer({ localServers: [{ id: 'ollama', label: 'Ollama', port: Number(new URL(local.url).port) }] });
    browser = await launch();
    ({ page, watch } = await newPage(browser));
  });
  after(async () => {
    await browser?.close();
    await s?.stop();
    await llm?.close();
    await local?.close();
  });

  test('onboarding states the password rule before typing, then offers "Connect a model"', async () => {
    await page.goto(`${s.url}/`);
    await page.waitForURL(/\/onboarding$/);
    assert.match((await page.getByTestId('password-rule').textContent()) ?? '', /At least 12 characters/);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Confirm password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByLabel('I saved the recovery key').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('[data-screen="onboarding-model"]').waitFor();
    assert.ok(await page.getByRole('button', { name: 'Skip for now' }).isVisible());
    // The local server on its default port is offered with one click.
    assert.ok(await page.getByRole('button', { name: 'Use Ollama' }).isVisible());
    await shot(page, 'firstrun-connect');
  });

  test('a wrong key shows the provider\'s refusal in words; the right key lists the models', async () => {
    await page.getByLabel(/OpenAI-compatible server/).check();
    await page.getByLabel('Name', { exact: true }).fill('scripted');
    await page.getByLabel('Base URL', { exact: true }).fill(llm.url);
    await page.locator('input[name=api_key]').fill('sk-wrong');
    await page.getByRole('button', { name: 'Test' }).click();
    const refusal = (await page.getByTestId('test-error').textContent()) ?? '';
    assert.match(refusal, /refused the API key \(401\): Incorrect API key provided/);
    await shot(page, 'firstrun-wrong-key');
    await page.locator('input[name=api_key]').fill(KEY);
    await page.getByRole('button', { name: 'Test' }).click();
    await page.getByTestId('test-ok').waitFor();
    assert.deepEqual(await page.getByLabel('Default model').locator('option').allTextContents(), ['scripted-model']);
  });

  test('save → chat → the scripted reply appears, without a restart', async () => {
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/chat$/);
    await page.getByTestId('conn').filter({ hasText: 'open' }).waitFor();
    assert.equal(await page.getByTestId('no-model-banner').count(), 0);
    llm.script({ text: 'Hello! The model you connected is answering.' });
    await send(page, 'Are you there?');
    await page.getByTestId('assistant-msg').filter({ hasText: 'Hello! The model you connected is answering.' }).waitFor();
    assert.equal(llm.requests.at(-1)!.headers.authorization, `Bearer ${KEY}`);
    // Titled from the first message.
    await page.locator('.session.active').filter({ hasText: 'Are you there?' }).waitFor();
    await shot(page, 'firstrun-chat');
  });

  test('a 600 KB paste is refused before sending, with the limit; the draft and the connection stay', async () => {
    const big = 'x'.repeat(600_000);
    await page.getByLabel('Message').fill(big);
    await page.getByRole('button', { name: 'Send' }).click();
    assert.match((await page.getByTestId('send-error').textContent()) ?? '', /the limit is 512 KiB.*your text is kept/);
    assert.equal((await page.getByLabel('Message').inputValue()).length, big.length);
    assert.equal(await page.getByTestId('conn').textContent(), 'open');
    // The draft survives a reload too.
    await page.reload();
    assert.equal((await page.getByLabel('Message').inputValue()).length, big.length);
    await page.getByLabel('Message').fill('');
  });

  test('with no model left, the chat shows a banner whose button leads to Settings > Models; a local server connects in one click', async () => {
    await page.goto(`${s.url}/settings/models`);
    page.once('dialog', (d) => void d.accept());
    await page.getByTestId('provider-custom-scripted').getByRole('button', { name: 'Remove' }).click();
    await page.getByTestId('no-model').waitFor();
    await page.goto(`${s.url}/chat`);
    const banner = page.getByTestId('no-model-banner');
    await banner.waitFor();
    assert.equal(await page.getByRole('button', { name: 'Send' }).isDisabled(), true);
    await shot(page, 'firstrun-no-model-banner');
    await banner.getByRole('button', { name: 'Connect a model' }).click();
    await page.waitForURL(/\/settings\/models$/);
    await page.getByRole('button', { name: 'Use Ollama' }).click();
    await page.getByTestId('model-saved').waitFor();
    await page.getByRole('link', { name: 'Chat' }).click();
    await page.getByTestId('conn').filter({ hasText: 'open' }).waitFor();
    await banner.waitFor({ state: 'detached' });
    local.script({ text: 'Local model here.' });
    await send(page, 'and now?');
    await page.getByTestId('assistant-msg').filter({ hasText: 'Local model here.' }).waitFor();
  });

  test('the Vault page says env vars are for commands, and offers OPENAI_API_KEY as the OpenAI model key', async () => {
    await page.goto(`${s.url}/settings/vault`);
    assert.match((await page.locator('section', { has: page.getByRole('heading', { name: 'Environment variables' }) }).textContent()) ?? '', /commands the agent runs.*model API keys belong in Settings › Models/);
    await page.getByLabel('Name', { exact: true }).fill('OPENAI_API_KEY');
    const offer = page.getByTestId('use-as-provider-key');
    await offer.waitFor();
    assert.equal(await offer.locator('input').isChecked(), true);
    await page.getByLabel('Value', { exact: true }).fill('sk-from-the-vault-page');
    await page.getByRole('button', { name: 'Set' }).click();
    await page.getByText(/It is also OpenAI's key for chat now/).waitFor();
    assert.ok(s.store.providers.get('openai'), 'saving the key connected OpenAI');
    assert.equal(s.vault.secrets.get('provider', 'openai'), 'sk-from-the-vault-page');
    assert.equal(s.vault.secrets.get('env', 'OPENAI_API_KEY'), 'sk-from-the-vault-page');
  });

  test('on a 390 px phone the chat fills the screen', async () => {
    const phone = await newPage(browser, { viewport: { width: 390, height: 844 }, isMobile: true });
    try {
      await phone.context.addCookies(await page.context().cookies());
      await phone.page.goto(`${s.url}/chat`);
      await phone.page.getByTestId('conn').filter({ hasText: 'open' }).waitFor();
      const box = await phone.page.locator('.conversation').boundingBox();
      const composer = await phone.page.locator('.composer').boundingBox();
      assert.ok(box && composer);
      assert.ok(box.width >= 389 && box.width <= 390, `conversation is ${box.width}px wide`);
      assert.ok(composer.y + composer.height >= 844 - 2, `composer ends at ${composer.y + composer.height}px of 844`);
      assert.ok(await phone.page.evaluate(() => document.documentElement.scrollWidth) <= 390, 'the page scrolls sideways');
      await shot(phone.page, 'firstrun-phone-chat');
      assert.deepEqual(phone.watch.errors, []);
    } finally { await phone.context.close(); }
  });

  test('no CSP violations or page errors', () => {
    assert.deepEqual(watch.csp, []);
    assert.deepEqual(watch.errors, []);
  });
});
