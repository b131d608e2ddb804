/**
 * The three-tier model (seed "Authentication") and locality edge cases, over real sockets.
 */
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, setupPassword, type TestServer } from '../support/server.js';
import { request } from '../support/http.js';

const status = (s: TestServer, headers: Record<string, string> = {}) =>
  request(`${s.url}/api/rpc`, { method: 'POST', headers, body: { method: 'status' } });

describe('tier 2: no credentials, direct local connection → full access', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer(); });
  after(() => s.stop());

  test('local call is allowed with every scope', async () => {
    const r = await request(`${s.url}/api/rpc`, { method: 'POST', body: { method: 'auth.whoami' } });
    assert.equal(r.status, 200);
    assert.equal(r.json.ok, true);
    assert.equal(r.json.payload.method, 'loopback');
    assert.equal(r.json.payload.scopes.length, 5);
  });

  test('Host: localhost:port and no Host header both count as local', async () => {
    assert.equal((await status(s, { host: `localhost:${s.port}` })).status, 200);
    assert.equal((await status(s, { host: `moltis.localhost:${s.port}` })).status, 200);
  });

  for (const h of ['x-forwarded-for', 'x-real-ip', 'cf-connecting-ip', 'forwarded']) {
    test(`${h} from loopback makes the caller remote (tier 3)`, async () => {
      const r = await status(s, { [h]: h === 'forwarded' ? 'for=127.0.0.1' : '127.0.0.1' });
      assert.equal(r.status, 401);
      assert.equal(r.json.code, 'AUTH_SETUP_REQUIRED');
    });
  }

  test('Host: evil.com from loopback (DNS rebinding) is remote', async () => {
    const r = await status(s, { host: 'evil.com' });
    assert.equal(r.status, 401);
    assert.equal(r.json.code, 'AUTH_SETUP_REQUIRED');
  });

  test('Host: 127.0.0.2 is loopback too (all of 127.0.0.0/8); 128.0.0.1 is not', async () => {
    assert.equal((await status(s, { host: `127.0.0.2:${s.port}` })).status, 200);
    assert.equal((await status(s, { host: `128.0.0.1:${s.port}` })).status, 401);
  });

  test('tier 3 still reaches the public auth status, which asks for the setup code', async () => {
    const r = await request(`${s.url}/api/auth/status`, { headers: { 'x-forwarded-for': '203.0.113.7' } });
    assert.equal(r.status, 200);
    assert.equal(r.json.setup_required, true);
    assert.equal(r.json.setup_code_required, true);
    assert.equal(r.json.authenticated, false);
  });

  test('the setup code is printed and has 8 unambiguous characters', () => {
    assert.match(s.code(), /^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{8}$/);
  });
});

describe('IPv6 loopback peer', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer({ toml: '' , env: { MOLTIS_SERVER__BIND: '"::1"' } }); });
  after(() => s.stop());
  test('[::1] is local', async () => {
    assert.match(s.url, /\[::1\]/);
    const r = await status(s, { host: `[::1]:${s.port}` });
    assert.equal(r.status, 200);
  });
});

describe('MOLTIS_BEHIND_PROXY=true: nothing is local', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer({ env: { MOLTIS_BEHIND_PROXY: 'true' } }); });
  after(() => s.stop());
  test('a bare loopback request is tier 3', async () => {
    const r = await status(s);
    assert.equal(r.status, 401);
    assert.equal(r.json.code, 'AUTH_SETUP_REQUIRED');
  });
});

describe('tier 1: a password is set → auth required from any IP', () => {
  let s: TestServer;
  let cookie: string;
  before(async () => { s = await startTestServer(); cookie = await setupPassword(s); });
  after(() => s.stop());

  test('local without credentials → 401 not authenticated', async () => {
    const r = await status(s);
    assert.equal(r.status, 401);
    assert.equal(r.json.code, 'AUTH_NOT_AUTHENTICATED');
  });
  test('remote without credentials → 401', async () => {
    assert.equal((await status(s, { 'x-forwarded-for': '203.0.113.9' })).status, 401);
  });
  test('cookie works locally and remotely', async () => {
    assert.equal((await status(s, { cookie })).status, 200);
    assert.equal((await status(s, { cookie, 'x-forwarded-for': '203.0.113.9' })).status, 200);
  });
  test('a forged cookie is refused', async () => {
    assert.equal((await status(s, { cookie: 'moltis_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })).status, 401);
  });
  test('/api/auth/status says whether the caller itself is signed in', async () => {
    const auth = async (headers: Record<string, string>) => (await request(`${s.url}/api/auth/status`, { headers })).json.authenticated;
    assert.equal(await auth({}), false);
    assert.equal(await auth({ cookie }), true);
    assert.equal(await auth({ cookie: 'moltis_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }), false);
  });
  test('setup cannot be repeated', async () => {
    const r = await request(`${s.url}/api/auth/setup`, { method: 'POST', body: { password: 'another long password' } });
    assert.equal(r.status, 403);
    assert.equal(r.json.code, 'SETUP_ALREADY_COMPLETE');
  });
  test('no setup code is pending', () => {
    assert.equal(s.setupCode(), null);
  });
});

describe('[auth] disabled = true', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer({ toml: '[auth]\ndisabled = true\n' }); });
  after(() => s.stop());
  test('local → allowed, remote → setup required (never open to the network)', async () => {
    assert.equal((await status(s)).status, 200);
    const r = await status(s, { 'x-forwarded-for': '203.0.113.9' });
    assert.equal(r.status, 401);
    assert.equal(r.json.code, 'AUTH_SETUP_REQUIRED');
  });
});
