/**
 * The Audit page in a real browser (system Chromium) against a real gateway: real events (a
 * failed login, API key creations) are listed; filtering by type, by actor, paging to older
 * entries and verifying the chain all work from the page.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestServer, setupPassword, createKey, PASSWORD, type TestServer } from '../support/server.js';
import { buildUi, launch, newPage, shot, skipReason, type PageWatch } from './browser.js';

describe('web UI: Audit', { skip: skipReason }, () => {
  let s: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let watch: PageWatch;

  before(async () => {
    buildUi();
    s = await startTestServer();
    const cookie = await setupPassword(s);
    // Real security events through the real routes: a failed login and two key creations.
    const bad = await fetch(`${s.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: 'wrong password entirely' }) });
    assert.equal(bad.status, 401);
    await createKey(s, cookie, ['operator.read'], 'reader');
    await createKey(s, cookie, ['operator.write'], 'writer');
    // Enough entries of one type to need a second page (the page shows 50), through the log's append path.
    for (let i = 0; i < 55; i++) s.auth.audit('ui_paging_probe', null, JSON.stringify({ i }), i < 3 ? 'tester' : 'system');
    browser = await launch();
    ({ context, page, watch } = await newPage(browser));
  });
  after(async () => {
    await browser?.close();
    await s?.stop();
  });

  const rows = (p: Page) => p.locator('[data-testid="audit-table"] tbody tr[data-type]');
  const applyTypes = async (types: string[]) => {
    await page.getByLabel('Event types').selectOption(types);
    await page.getByRole('button', { name: 'Apply filters' }).click();
  };

  test('an admin signs in, opens Audit from the top bar and sees the newest entries', async () => {
    await page.goto(`${s.url}/login`);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    await rows(page).first().waitFor();
    assert.equal(new URL(page.url()).pathname, '/audit');
    // Newest first: the sign-in that just happened is near the top.
    const types = await rows(page).evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-type')));
    assert.ok(types.includes('login_success'), types.join(','));
    const seqs = await rows(page).evaluateAll((trs) => trs.map((tr) => Number(tr.querySelector('td')!.textContent)));
    assert.deepEqual(seqs, [...seqs].sort((a, b) => b - a));
  });

  test('filter by type: only the failed login; then only key creations, with their detail', async () => {
    await applyTypes(['login_failure']);
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="audit-table"] tbody tr[data-type]')].every((tr) => tr.getAttribute('data-type') === 'login_failure'));
    assert.equal(await rows(page).count(), 1);
    const cells = await rows(page).first().locator('td').allTextContents();
    assert.equal(cells[4], '127.0.0.1', 'source IP is shown');
    await applyTypes(['key_created']);
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="audit-table"] tbody tr[data-type]')].every((tr) => tr.getAttribute('data-type') === 'key_created'));
    assert.equal(await rows(page).count(), 2);
    const details = await rows(page).locator('td:last-child').allTextContents();
    assert.deepEqual(details.map((d) => /label=(\w+)/.exec(d)?.[1]), ['writer', 'reader']);
    await shot(page, 'audit-filtered');
  });

  test('paging to older entries and back; the actor and since filters', async () => {
    await applyTypes(['ui_paging_probe']);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="audit-table"] tbody tr[data-type="ui_paging_probe"]').length === 50);
    await page.getByRole('button', { name: 'Older entries' }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="audit-table"] tbody tr[data-type]').length === 5);
    assert.equal(await page.getByRole('button', { name: 'Older entries' }).isDisabled(), true);
    await page.getByRole('button', { name: 'Newer entries' }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="audit-table"] tbody tr[data-type]').length === 50);
    await page.getByLabel('Actor').fill('tester');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="audit-table"] tbody tr[data-type]').length === 3);
    const actors = await rows(page).locator('td:nth-child(4)').allTextContents();
    assert.deepEqual(actors, ['tester', 'tester', 'tester']);
    // Since: a time after every entry leaves nothing.
    await page.getByLabel('Since').fill('2099-01-01T00:00');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No entries match.').waitFor();
    await page.getByLabel('Since').fill('');
    await page.getByLabel('Actor').fill('');
  });

  test('verify chain says the log is intact', async () => {
    await page.getByRole('button', { name: 'Verify chain' }).click();
    const line = page.getByTestId('audit-verify');
    await line.waitFor();
    assert.match((await line.textContent()) ?? '', /^Chain verified: \d+ entries/);
    assert.deepEqual(watch.errors, []);
    assert.deepEqual(watch.csp, []);
    await context.close();
  });
});
