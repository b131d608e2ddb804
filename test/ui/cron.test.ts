/**
 * The Cron page in a real browser (system Chromium) against a real gateway and the scripted
 * model: create a job with the form (client and gateway validation messages), see it listed with
 * its schedule in words, live updates from events (a job added elsewhere appears; a run's status),
 * disable, run now with its history, delete.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestServer, setupPassword, rpc, type TestServer } from '../support/server.js';
import { startScriptedLlm, type ScriptedLlm } from '../support/scripted-llm.js';
import { buildUi, launch, newPage, shot, skipReason, type PageWatch } from './browser.js';

describe('web UI: Cron', { skip: skipReason }, () => {
  let llm: ScriptedLlm;
  let s: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let watch: PageWatch;
  let cookie: string;

  before(async () => {
    buildUi();
    llm = await startScriptedLlm({ defaultStep: { text: 'digest sent' } });
    s = await startTestServer({ toml: `[providers.custom-scripted]\nbase_url = "${llm.url}"\nmodels = ["scripted-model"]\n[heartbeat]\nenabled = false\n` });
    cookie = await setupPassword(s);
    browser = await launch();
    ({ context, page, watch } = await newPage(browser));
    const [name, value] = cookie.split('=') as [string, string];
    await context.addCookies([{ name, value, url: s.url }]);
  });
  after(async () => {
    await browser?.close();
    await s?.stop();
    await llm?.close();
  });

  const row = (name: string) => page.locator(`tr[data-name="${name}"]`);

  test('create: validation messages from the page and from the gateway; the job is listed with its schedule in words', async () => {
    await page.goto(`${s.url}/cron`);
    await page.getByRole('heading', { name: 'Scheduled jobs' }).waitFor();
    await page.getByTestId('cron-status').waitFor();
    assert.match((await page.getByTestId('cron-status').textContent()) ?? '', /Scheduler running · 0 jobs/);
    // Nothing filled in: the page says what is missing.
    await page.getByRole('button', { name: 'Create job' }).click();
    assert.equal(await page.getByTestId('error-name').textContent(), 'Give the job a name.');
    await page.getByLabel('Name').fill('Too often');
    await page.getByLabel('What should the agent do?').fill('ping');
    await page.getByLabel('Interval').fill('0.5');
    await page.getByRole('button', { name: 'Create job' }).click();
    assert.match((await page.getByTestId('error-every').textContent()) ?? '', /at least 60 s/);
    // A seconds field that fires every 10 s: the page lets it through, the gateway names the field.
    await page.getByLabel('Cron expression', { exact: true }).check();
    await page.getByRole('textbox', { name: 'Cron expression' }).fill('*/10 * * * * *');
    await page.getByRole('button', { name: 'Create job' }).click();
    assert.match((await page.getByTestId('error-expr').textContent()) ?? '', /^schedule\.expr: .*min_interval_secs/);
    await page.getByRole('textbox', { name: 'Cron expression' }).fill('30 7 * * *');
    await page.getByLabel('Time zone').fill('Europe/Berlin');
    await page.getByLabel('Name').fill('Morning digest');
    await page.getByLabel('What should the agent do?').fill('summarize my inbox');
    await page.getByRole('button', { name: 'Create job' }).click();
    await row('Morning digest').waitFor();
    assert.match((await row('Morning digest').textContent()) ?? '', /daily at 07:30 \(Europe\/Berlin\)/);
    assert.match((await row('Morning digest').getByTestId('job-status').textContent()) ?? '', /not run yet/);
    const listed = (await rpc(s, 'cron.list', {}, { cookie })).body.payload as { jobs: Array<{ name: string; schedule: unknown; sandbox: { enabled: boolean } }> };
    const job = listed.jobs.find((j) => j.name === 'Morning digest')!;
    assert.deepEqual(job.schedule, { kind: 'cron', expr: '30 7 * * *', tz: 'Europe/Berlin' });
    assert.equal(job.sandbox.enabled, true);
    await shot(page, 'cron');
  });

  test('live: a job added elsewhere appears; run now shows the run and its history; disable; delete', async () => {
    const added = await rpc(s, 'cron.add', { name: 'Hourly check', schedule: { kind: 'every', every_ms: 3_600_000 }, payload: { kind: 'agentTurn', message: 'check things' } }, { cookie });
    assert.equal(added.body.ok, true, JSON.stringify(added.body));
    await row('Hourly check').waitFor();
    assert.match((await row('Hourly check').textContent()) ?? '', /every hour/);
    await row('Hourly check').getByRole('button', { name: 'Run now' }).click();
    await page.waitForFunction(() => /^ok/.test(document.querySelector('tr[data-name="Hourly check"] [data-testid="job-status"]')?.textContent ?? ''));
    await row('Hourly check').getByRole('button', { name: 'History' }).click();
    const history = page.locator('[data-testid^="history-"]');
    await history.getByText('digest sent').waitFor();
    assert.match((await history.textContent()) ?? '', /manual.*ok/);
    await row('Hourly check').getByLabel('Enabled: Hourly check').uncheck();
    await page.waitForFunction(() => !(document.querySelector('tr[data-name="Hourly check"] input[type=checkbox]') as HTMLInputElement | null)?.checked);
    assert.equal(await row('Hourly check').getByRole('button', { name: 'Run now' }).isDisabled(), true);
    await row('Morning digest').getByRole('button', { name: 'Delete' }).click();
    await row('Morning digest').getByRole('button', { name: 'Confirm delete' }).click();
    await row('Morning digest').waitFor({ state: 'detached' });
    const names = ((await rpc(s, 'cron.list', {}, { cookie })).body.payload as { jobs: Array<{ name: string }> }).jobs.map((j) => j.name);
    assert.deepEqual(names, ['Hourly check']);
    await shot(page, 'cron-after');
    assert.deepEqual(watch.csp, []);
    assert.deepEqual(watch.errors, []);
  });
});
