/**
 * A passkey through each reverse proxy, in Chromium: the gateway runs behind the docs/deploy
 * recipe with MOLTIS_WEBAUTHN_RP_ID / MOLTIS_WEBAUTHN_ORIGIN set to the proxy's public host
 * (`moltis.localhost`, which Chromium resolves to loopback); the browser onboards through the
 * proxy (setup code required: nothing is local behind a proxy), registers a passkey with Chrome's
 * virtual authenticator, logs out and signs in with it, and the UI's WebSocket opens through the
 * proxy (origin check with the public origin).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestServer, PASSWORD, type TestServer } from '../support/server.js';
import { addVirtualAuthenticator, buildUi, launch, newPage, onboardWithPasskey, shot, skipReason as browserSkip, type PageWatch } from '../ui/browser.js';
import { CADDY, NGINX, PUBLIC_HOST, freePort, skipReason, startCaddy, startNginx, type RunningProxy, type StartProxy } from './proxies.js';

const PROXIES: ReadonlyArray<{ kind: string; bin: string; start: StartProxy }> = [
  { kind: 'nginx', bin: NGINX, start: startNginx },
  { kind: 'caddy', bin: CADDY, start: startCaddy },
];

for (const { kind, bin, start } of PROXIES) {
  describe(`passkey through ${kind} in Chromium`, { skip: browserSkip || skipReason(bin) }, () => {
    let root: string;
    let s: TestServer;
    let proxy: RunningProxy;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let watch: PageWatch;

    before(async () => {
      buildUi();
      root = mkdtempSync(join(tmpdir(), `moltis-pk-${kind}-`));
      const port = await freePort();
      s = await startTestServer({ env: { MOLTIS_BEHIND_PROXY: 'true', MOLTIS_WEBAUTHN_RP_ID: PUBLIC_HOST, MOLTIS_WEBAUTHN_ORIGIN: `https://${PUBLIC_HOST}:${port}` } });
      proxy = await start({ dir: root, upstreamPort: s.port, port });
      // The proxy's certificate comes from a test CA: ignoreHTTPSErrors in the context (newPage).
      browser = await launch([`--host-resolver-rules=MAP ${PUBLIC_HOST} 127.0.0.1`]);
      ({ context, page, watch } = await newPage(browser));
      await addVirtualAuthenticator(context, page);
    });
    after(async () => {
      await browser?.close();
      await proxy?.stop();
      await s?.stop();
      rmSync(root, { recursive: true, force: true });
    });

    test('onboarding through the proxy needs the setup code; a passkey is registered for the public host', async () => {
      await page.goto(`${proxy.origin}/`);
      await onboardWithPasskey(page, PASSWORD, s.code());
      assert.deepEqual(s.auth.passkeys.list().map((p) => p.rp_id), [PUBLIC_HOST]);
    });

    test('log out, sign in with the passkey; the WebSocket opens through the proxy', async () => {
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.waitForURL(/\/login$/);
      await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await page.waitForURL(/\/chat$/);
      await page.getByTestId('conn').filter({ hasText: 'open' }).waitFor();
      await shot(page, `passkey-behind-${kind}`);
      assert.ok(s.auth.auditList({ type: 'login_success' }).some((e) => /passkey/.test(e.detail ?? '')));
      assert.deepEqual(watch.csp, []);
      assert.deepEqual(watch.errors, []);
    });
  });
}
