/**
 * Shared Playwright helpers for the web UI end-to-end tests: builds the bundle once, launches the
 * system Chromium headless (never a downloaded browser), saves screenshots under test-results/ui/,
 * records console CSP violations and page errors, and the scripted-model bits every UI test uses.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { RecordedRequest } from '../support/scripted-llm.js';

export const CHROMIUM = '/usr/bin/chromium';
/** Reason to skip, or false when the browser exists. */
export const skipReason: string | false = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: install Debian's chromium to run the UI tests`;

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SHOTS = join(ROOT, 'test-results', 'ui');

/** Builds dist/web (esbuild, ~100 ms); throws with esbuild's output on failure. */
export function buildUi(): void {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-web.mjs')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`web build failed:\n${r.stdout}\n${r.stderr}`);
}

/** Launches headless Chromium with a fresh temporary profile (`extraArgs` appended to the usual flags). */
export function launch(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
}

/** Console problems seen by a page: CSP violations and uncaught errors. */
export interface PageWatch { csp: string[]; errors: string[] }

/** A new context (ignoring TLS errors) and page, with console watching. */
export async function newPage(browser: Browser, o: { viewport?: { width: number; height: number }; isMobile?: boolean } = {}): Promise<{ context: BrowserContext; page: Page; watch: PageWatch }> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: o.viewport ?? { width: 1200, height: 850 }, ...(o.isMobile ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}) });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const watch: PageWatch = { csp: [], errors: [] };
  page.on('console', (m) => { if (/Content[- ]Security[- ]Policy/i.test(m.text())) watch.csp.push(m.text()); });
  page.on('pageerror', (e) => watch.errors.push(String(e)));
  return { context, page, watch };
}

/** Saves a full-page screenshot to test-results/ui/<name>.png. */
/** Chrome's virtual authenticator (CDP): a platform passkey with user verification, for WebAuthn ceremonies. */
export async function addVirtualAuthenticator(context: BrowserContext, page: Page): Promise<void> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  });
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** moltis.toml for a gateway talking to the scripted model, with the approval timeout in seconds. */
export const provider = (url: string, timeoutSecs: number) => `[providers.custom-scripted]\nbase_url = "${url}"\nmodels = ["scripted-model"]\n[tools.exec]\napproval_timeout_secs = ${timeoutSecs}\n`;

/** The scripted model's reply after a tool call: it repeats the last tool result. */
export const toolText = (req: RecordedRequest) => `tool said: ${req.body.messages.filter((m: { role: string }) => m.role === 'tool').at(-1).content}`;

/** Sends a chat message from the composer. */
export async function send(page: Page, text: string): Promise<void> {
  await page.getByLabel('Message').fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
}

/**
 * The onboarding with a passkey, from `/onboarding` to `/chat`: password (and the setup code when
 * the gateway asks for one), recovery key saved, a passkey registered, the model step skipped.
 */
export async function onboardWithPasskey(page: Page, password: string, setupCode?: string): Promise<void> {
  await page.waitForURL(/\/onboarding$/);
  if (setupCode !== undefined) await page.getByLabel('Setup code').fill(setupCode);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Confirm password').fill(password);
  await page.getByRole('button', { name: 'Set password' }).click();
  await page.getByLabel('I saved the recovery key').check();
  await page.getByRole('button', { name: 'Register a passkey' }).click();
  await page.getByText('Passkey registered.').waitFor();
  await page.getByRole('button', { name: 'Continue' }).click();
  // No model yet: the onboarding's last step offers to connect one; skipped here.
  await page.getByRole('button', { name: 'Skip for now' }).click();
  await page.waitForURL(/\/chat$/);
}
