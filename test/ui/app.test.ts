/**
 * The web UI end to end in a real browser (system Chromium) against a real gateway with the
 * scripted model: onboarding with the one-time recovery key, chat with a streamed reply, approval
 * cards (approve runs the command, deny does not, edit runs the edited one), API key shown once, logout/login, the page CSP,
 * a phone-sized viewport, and the login ban message with its retry time. One browser for the file.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestServer, PASSWORD, type TestServer } from '../support/server.js';
import { startScriptedLlm, type ScriptedLlm } from '../support/scripted-llm.js';
import { request } from '../support/http.js';
import { buildUi, launch, newPage, provider, send, shot, skipReason, toolText, type PageWatch } from './browser.js';

describe('web UI', { skip: skipReason }, () => {
  let llm: ScriptedLlm;
  let s: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let watch: PageWatch;
  const watches: PageWatch[] = [];

  before(async () => {
    buildUi();
    llm = await startScriptedLlm();
    s = await startTestServer({ toml: provider(llm.url, 120) });
    browser = await launch();
    ({ context, page, watch } = await newPage(browser));
    watches.push(watch);
  });
  after(async () => {
    await browser?.close();
    await s?.stop();
    await llm?.close();
  });

  test('the page: strict CSP header, no inline script or style, hashed assets cached with the right types', async () => {
    const r = await request(`${s.url}/`);
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^text\/html/);
    const csp = String(r.headers['content-security-policy']);
    for (const d of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "object-src 'none'", "form-action 'self'"]) assert.ok(csp.includes(d), `CSP lacks ${d}: ${csp}`);
    assert.ok(!/unsafe-inline|unsafe-eval/.test(csp));
    assert.equal(r.headers['x-frame-options'], 'DENY');
    // Every <script> has a src and is empty; no <style> element, no style= or on*= attribute.
    const scripts = [...r.text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    assert.ok(scripts.length >= 1);
    for (const m of scripts) { assert.match(m[1]!, /\ssrc="\/assets\/app\.[A-Z0-9]+\.js"/i); assert.equal(m[2]!.trim(), ''); }
    assert.ok(!/<style\b|\sstyle=|\son[a-z]+=/i.test(r.text), 'inline style or handler in index.html');
    const js = /src="(\/assets\/[^"]+)"/.exec(r.text)![1]!;
    const css = /href="(\/assets\/[^"]+\.css)"/.exec(r.text)![1]!;
    const a = await request(`${s.url}${js}`);
    assert.equal(a.status, 200);
    assert.match(String(a.headers['content-type']), /^text\/javascript/);
    assert.match(String(a.headers['cache-control']), /max-age=31536000.*immutable/);
    assert.match(String((await request(`${s.url}${css}`)).headers['content-type']), /^text\/css/);
    assert.equal((await request(`${s.url}/assets/..%2Fpackage.json`)).status, 404);
    assert.equal((await request(`${s.url}/assets/nope.12345678.js`)).status, 404);
    // SPA paths serve the page too, without authentication.
    for (const p of ['/login', '/onboarding', '/chat', '/settings/security']) assert.equal((await request(`${s.url}${p}`)).status, 200, p);
  });

  test('onboarding: local tier, password, recovery key shown once with confirmation', async () => {
    await page.goto(`${s.url}/`);
    await page.waitForURL(/\/onboarding$/);
    assert.equal(await page.getByTestId('tier').textContent(), 'local');
    await shot(page, 'onboarding');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Confirm password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Set password' }).click();
    const key = (await page.getByTestId('recovery-key').textContent()) ?? '';
    assert.match(key, /^[A-Z0-9]{4}(-[A-Z0-9]{4})+$/);
    const cont = page.getByRole('button', { name: 'Continue' });
    assert.equal(await cont.isDisabled(), true, 'Continue is enabled before "I saved it"');
    await shot(page, 'recovery-key');
    await page.getByLabel('I saved the recovery key').check();
    await cont.click();
    await page.waitForURL(/\/chat$/);
    await page.reload();
    await page.getByTestId('conn').filter({ hasText: 'open' }).waitFor();
    assert.equal(await page.getByTestId('recovery-key').count(), 0);
    assert.ok(!(await page.content()).includes(key), 'the recovery key is shown again');
  });

  test('chat: the scripted model\'s reply streams into the page', async () => {
    llm.script({ text: 'Hello from the scripted model, streamed in pieces.', chunks: 5, delayMs: 40 });
    await send(page, 'hi there');
    await page.getByTestId('assistant-msg').filter({ hasText: 'Hello from the scripted model, streamed in pieces.' }).waitFor();
    assert.equal(await page.locator('.msg.user').filter({ hasText: 'hi there' }).count(), 1);
    await page.locator('.msg.streaming').waitFor({ state: 'detached' });
    await shot(page, 'chat');
  });

  test('approval card: approve runs the command and its output is shown', async () => {
    llm.script({ toolCalls: [{ name: 'exec', arguments: { command: 'echo approved-by-ui > out.txt && cat out.txt' } }] }, { respond: (req) => ({ text: toolText(req) }) });
    await send(page, 'please run it');
    const card = page.getByTestId('approval-card');
    await card.waitFor();
    assert.match((await card.locator('pre.command').textContent()) ?? '', /echo approved-by-ui > out\.txt && cat out\.txt/);
    assert.match((await card.getByTestId('countdown').textContent()) ?? '', /left$/);
    assert.equal(await page.getByTestId('tool-call').count(), 1, 'tool call shown while it waits');
    await shot(page, 'approval-card');
    await card.getByRole('button', { name: 'Approve', exact: true }).click();
    await card.waitFor({ state: 'detached' });
    await page.getByTestId('tool-stdout').filter({ hasText: 'approved-by-ui' }).waitFor();
    await page.getByTestId('assistant-msg').filter({ hasText: /tool said:.*approved-by-ui/ }).waitFor();
    await shot(page, 'approval-approved');
  });

  test('approval card: deny — nothing runs, the model is told', async () => {
    llm.script({ toolCalls: [{ name: 'exec', arguments: { command: 'echo nope > denied.txt' } }] }, { respond: (req) => ({ text: toolText(req) }) });
    await send(page, 'and this one');
    const card = page.getByTestId('approval-card');
    await card.waitFor();
    await card.getByRole('button', { name: 'Deny' }).click();
    await card.waitFor({ state: 'detached' });
    await page.getByTestId('assistant-msg').filter({ hasText: /tool said:.*denied/ }).waitFor();
    assert.equal(await page.getByTestId('tool-stdout').filter({ hasText: 'nope' }).count(), 0);
  });

  test('approval card: edit-and-approve runs the edited command instead', async () => {
    llm.script({ toolCalls: [{ name: 'exec', arguments: { command: 'echo original > a.txt' } }] }, { respond: (req) => ({ text: toolText(req) }) });
    await send(page, 'one more');
    const card = page.getByTestId('approval-card');
    await card.getByRole('button', { name: 'Edit…' }).click();
    await card.getByLabel('Command').fill('echo edited-by-ui');
    await card.getByRole('button', { name: 'Approve edited' }).click();
    await card.waitFor({ state: 'detached' });
    await page.getByTestId('assistant-msg').filter({ hasText: /tool said:.*edited-by-ui/ }).waitFor();
    assert.equal(await page.getByTestId('tool-stdout').filter({ hasText: 'original' }).count(), 0);
  });

  test('settings: an API key is shown once, listed by prefix, gone after a reload', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.waitForURL(/\/settings\/security$/);
    await page.getByLabel('Label').fill('ci-bot');
    await page.getByRole('checkbox', { name: /operator\.write/ }).check();
    await page.getByRole('button', { name: 'Generate key' }).click();
    const box = page.getByTestId('new-key');
    const key = ((await box.locator('code').textContent()) ?? '').trim();
    assert.match(key, /^mk_/);
    const row = page.getByTestId('key-list').locator('tr', { hasText: 'ci-bot' });
    await row.waitFor();
    const prefix = ((await row.locator('code').textContent()) ?? '').replace('…', '');
    assert.ok(prefix.length >= 4 && key.startsWith(prefix), `${prefix} is not a prefix of the key`);
    await shot(page, 'settings-security');
    // The key works (it is real), then disappears from the page for good.
    const who = await request(`${s.url}/api/rpc`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: { method: 'auth.whoami' } });
    assert.deepEqual(who.json.payload.scopes, ['operator.read', 'operator.write']);
    await page.reload();
    await row.waitFor();
    assert.equal(await page.getByTestId('new-key').count(), 0);
    assert.ok(!(await page.content()).includes(key));
  });

  test('settings: vault, identity and sandbox & network screens render', async () => {
    await page.getByRole('link', { name: 'Vault' }).click();
    assert.equal(await page.getByTestId('vault-status').textContent(), 'unsealed');
    await shot(page, 'settings-vault');
    await page.getByRole('link', { name: 'Identity' }).click();
    await page.getByRole('heading', { name: 'Soul (SOUL.md)' }).waitFor();
    await shot(page, 'settings-identity');
    await page.getByRole('link', { name: 'Sandbox & network' }).click();
    await page.getByRole('heading', { name: 'Network audit log' }).waitFor();
    await page.locator('dl.kv').waitFor();
    assert.match(await page.locator('dl.kv').textContent() ?? '', /backend\s*bwrap|backend\s*podman/);
    await shot(page, 'settings-sandbox');
  });

  test('phone viewport (390px): login and chat are usable', async () => {
    const phone = await newPage(browser, { viewport: { width: 390, height: 844 }, isMobile: true });
    watches.push(phone.watch);
    try {
      await phone.page.goto(`${s.url}/chat`);
      await phone.page.waitForURL(/\/login$/);
      await shot(phone.page, 'phone-login');
      await phone.page.getByLabel('Password').fill(PASSWORD);
      await phone.page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await phone.page.getByTestId('conn').filter({ hasText: 'open' }).waitFor();
      const width = await phone.page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 390, `page scrolls sideways: ${width}px`);
      await phone.page.getByRole('button', { name: /Sessions/ }).click();
      await shot(phone.page, 'phone-chat');
    } finally { await phone.context.close(); }
  });

  test('logout, then login with the password', async () => {
    await page.goto(`${s.url}/chat`);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/login$/);
    assert.equal((await request(`${s.url}/api/auth/api-keys`, { headers: { cookie: (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ') } })).status, 401);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(/\/chat$/);
    await page.getByTestId('conn').filter({ hasText: 'open' }).waitFor();
  });

  test('repeated wrong passwords: the ban message shows the retry time', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/login$/);
    const retry = page.getByTestId('retry');
    for (let i = 0; i < 15 && (await retry.count()) === 0; i++) {
      await page.getByLabel('Password').fill(`wrong password ${i}`);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('alert').waitFor();
      await page.waitForFunction(() => !document.querySelector('button[type=submit]')?.hasAttribute('disabled') || document.querySelector('[data-testid=retry]'));
    }
    assert.match((await page.getByRole('alert').textContent()) ?? '', /too many/i);
    assert.match((await retry.textContent()) ?? '', /Try again in \d+(m \d+)?s/);
    assert.equal(await page.getByRole('button', { name: 'Sign in', exact: true }).isDisabled(), true);
    await shot(page, 'login-banned');
  });

  test('no CSP violations or page errors were logged during the run', () => {
    assert.ok(existsSync('test-results/ui/chat.png'));
    assert.deepEqual(watches.flatMap((w) => w.csp), []);
    assert.deepEqual(watches.flatMap((w) => w.errors), []);
  });
});
