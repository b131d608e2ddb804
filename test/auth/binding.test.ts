/**
 * A presented credential always binds (invariant 1), at every tier, over real sockets: a key
 * carried from loopback before a password exists gets that key's scopes, not Tier-2 full access;
 * a wrong, revoked or stale credential is refused (and counted), never read as "no credential".
 */
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, setupPassword, createKey, cookieOf, PASSWORD, type TestServer } from '../support/server.js';
import { request } from '../support/http.js';
import { WsClient, wsUrl } from '../support/ws.js';

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const rpcCall = (s: TestServer, method: string, headers: Record<string, string>, params: unknown = {}) =>
  request(`${s.url}/api/rpc`, { method: 'POST', headers, body: { method, params } });

describe('Tier 2 (no password yet, loopback): a presented key binds', () => {
  let s: TestServer;
  let readKey: string;
  before(async () => {
    s = await startTestServer();
    readKey = s.auth.createApiKey('reader', ['operator.read'], { clientIp: null }).key;
  });
  after(() => s.stop());

  test('without a credential, loopback has full access (whoami says loopback)', async () => {
    const r = await rpcCall(s, 'auth.whoami', {});
    assert.equal(r.json.payload.method, 'loopback');
    assert.ok(r.json.payload.scopes.includes('operator.admin'));
  });

  test('a read key cannot mint an admin key over REST, and whoami reports the key', async () => {
    const mint = await request(`${s.url}/api/auth/api-keys`, { method: 'POST', headers: bearer(readKey), body: { label: 'evil', scopes: ['operator.admin'] } });
    assert.equal(mint.status, 403, mint.text);
    assert.equal(mint.json.missing_scope, 'operator.admin');
    const who = await rpcCall(s, 'auth.whoami', bearer(readKey));
    assert.equal(who.json.payload.method, 'api_key');
    assert.deepEqual(who.json.payload.scopes, ['operator.read']);
    const rest = await request(`${s.url}/api/auth/whoami`, { headers: bearer(readKey) });
    assert.equal(rest.json.method, 'api_key');
    assert.deepEqual(rest.json.scopes, ['operator.read']);
  });

  test('a read key in the WS connect frame cannot write identity; whoami says api_key', async () => {
    const c = await WsClient.open(wsUrl(s.url));
    try {
      const hello = await c.connect({ api_key: readKey });
      assert.equal(hello.ok, true);
      assert.deepEqual(hello.payload.auth.scopes, ['operator.read']);
      const upd = await c.request('identity.update', { identity: { name: 'Pwned' } });
      assert.equal(upd.ok, false);
      assert.equal(upd.error!.code, 'UNAUTHORIZED');
      assert.equal((await c.request('auth.whoami')).payload.method, 'api_key');
    } finally { c.close(); }
  });

  test('`auth.token` binds like `auth.api_key`', async () => {
    const c = await WsClient.open(wsUrl(s.url));
    try {
      assert.deepEqual((await c.connect({ token: readKey })).payload.auth.scopes, ['operator.read']);
    } finally { c.close(); }
  });

  test('an unknown key is refused (401 / connect error), not downgraded to loopback', async () => {
    const r = await rpcCall(s, 'auth.whoami', bearer('mk_not_a_real_key_at_all'));
    assert.equal(r.status, 401);
    assert.equal(r.json.code, 'AUTH_INVALID_KEY');
    const empty = await rpcCall(s, 'auth.whoami', { authorization: 'Bearer ' });
    assert.equal(empty.status, 401);
    const c = await WsClient.open(wsUrl(s.url));
    try {
      const hello = await c.connect({ api_key: 'mk_not_a_real_key_at_all' });
      assert.equal(hello.ok, false);
      assert.equal(hello.error!.code, 'UNAUTHORIZED');
    } finally { c.close(); }
  });

  test('a revoked key is refused at once', async () => {
    const k = s.auth.createApiKey('soon revoked', ['operator.read'], { clientIp: null });
    assert.equal((await rpcCall(s, 'health', bearer(k.key))).status, 200);
    s.auth.revokeApiKey(k.id, { clientIp: null });
    assert.equal((await rpcCall(s, 'health', bearer(k.key))).status, 401);
  });

  test('a password in connect before any password exists is refused, not loopback', async () => {
    const c = await WsClient.open(wsUrl(s.url));
    try {
      const hello = await c.connect({ password: 'anything at all here' });
      assert.equal(hello.ok, false);
      assert.equal(hello.error!.code, 'UNAUTHORIZED');
    } finally { c.close(); }
  });
});

describe('Tier 1: stale credentials and guessing', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer({ toml: '[auth.login_guard]\nban_threshold = 4\n' }); await setupPassword(s); });
  after(() => s.stop());

  test('a logged-out session cookie gets 401 and is cleared', async () => {
    const login = await fetch(`${s.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: PASSWORD }) });
    const cookie = cookieOf(login);
    assert.equal((await rpcCall(s, 'health', { cookie })).status, 200);
    await request(`${s.url}/api/auth/logout`, { method: 'POST', headers: { cookie } });
    const r = await rpcCall(s, 'health', { cookie });
    assert.equal(r.status, 401);
    assert.equal(r.json.code, 'AUTH_SESSION_EXPIRED');
    assert.match(String(r.headers['set-cookie']), /Max-Age=0/i);
  });

  test('wrong keys count against the login guard: the address is banned after the threshold', async () => {
    const from = { localAddress: '127.0.0.7' };
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await request(`${s.url}/api/rpc`, { method: 'POST', headers: bearer(`mk_guess_${i}`), body: { method: 'health' }, ...from })).status);
    assert.deepEqual(statuses.slice(0, 4), [401, 401, 401, 401]);
    assert.equal(statuses[5], 429);
    assert.ok(s.auth.auditList({ type: 'credential_rejected' }).length >= 4);
  });
});

describe('throttles and bans that a credential must not dodge', () => {
  let s: TestServer;
  let cookie: string;
  before(async () => { s = await startTestServer(); cookie = await setupPassword(s); });
  after(() => s.stop());

  test('presenting a valid key does not skip the login throttle', async () => {
    const key = (await createKey(s, cookie, ['operator.pairing'])).key;
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      statuses.push((await request(`${s.url}/api/auth/login`, { method: 'POST', headers: bearer(key), body: { password: `wrong password ${i}` }, localAddress: '127.0.0.8' })).status);
    }
    assert.ok(statuses.includes(429), `expected a 429 among ${statuses.join(',')}`);
  });
});

describe('remote-looking guesses do not lock out the local owner', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer({ toml: '[auth.login_guard]\nban_threshold = 4\n[server.throttle]\nauth_max = 1000\n' }); });
  after(() => s.stop());

  test('bad setup codes sent with X-Forwarded-For ban only the remote-looking traffic', async () => {
    const spoofed = { 'x-forwarded-for': '203.0.113.9' };
    let last = 0;
    for (let i = 0; i < 6; i++) last = (await request(`${s.url}/api/auth/setup`, { method: 'POST', headers: spoofed, body: { password: PASSWORD, setup_code: 'WRONGCOD' } })).status;
    assert.equal(last, 429, 'the remote-looking guesser is banned');
    // The genuine local owner (same loopback address, no forwarding header) still sets up.
    const r = await request(`${s.url}/api/auth/setup`, { method: 'POST', body: { password: PASSWORD } });
    assert.equal(r.status, 200, r.text);
  });
});
