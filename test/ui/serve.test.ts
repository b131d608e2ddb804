/**
 * Serving the web UI without a browser: a missing build answers 503 with how to build it (no
 * crash), asset names cannot escape the assets directory, and the page carries the strict CSP.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { registerUiRoutes } from '../../src/http/routes/ui.js';

test('no build: 503 with the build command; a build: page with CSP, assets by exact hashed name only', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'moltis-ui-'));
  const app = Fastify();
  registerUiRoutes(app, { dir });
  try {
    const missing = await app.inject({ method: 'GET', url: '/settings/vault' });
    assert.equal(missing.statusCode, 503);
    assert.match(missing.body, /npm run build/);
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><script type="module" src="/assets/app.ABC123.js"></script>');
    writeFileSync(join(dir, 'assets', 'app.ABC123.js'), 'console.log(1)');
    writeFileSync(join(dir, 'secret.txt'), 'nope');
    const page = await app.inject({ method: 'GET', url: '/' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'; style-src 'self'/);
    assert.equal(page.headers['cache-control'], 'no-cache');
    const js = await app.inject({ method: 'GET', url: '/assets/app.ABC123.js' });
    assert.equal(js.statusCode, 200);
    assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
    for (const bad of ['/assets/..%2Fsecret.txt', '/assets/secret.txt', '/assets/..%2Findex.html', '/assets/app.ABC123.exe'])
      assert.equal((await app.inject({ method: 'GET', url: bad })).statusCode, 404, bad);
  } finally { await app.close(); rmSync(dir, { recursive: true, force: true }); }
});
