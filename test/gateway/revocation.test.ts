/**
 * Dead credentials take their WebSockets with them: password change, logout, key revocation
 * (the original kept such sockets open with their old scopes).
 */
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, setupPassword, createKey, cookieOf, PASSWORD, type TestServer } from '../support/server.js';
import { WsClient, wsUrl } from '../support/ws.js';
import { request } from '../support/http.js';
import Database from 'better-sqlite3';
import { join } from 'node:path';

async function login(s: TestServer): Promise<string> {
  const r = await fetch(`${s.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: PASSWORD }) });
  assert.equal(r.status, 200);
  return cookieOf(r);
}

async function openAs(s: TestServer, headers: Record<string, string>, auth?: Record<string, string>): Promise<WsClient> {
  const c = await WsClient.open(wsUrl(s.url, '/ws/chat'), headers);
  const hello = await c.connect(auth);
  assert.equal(hello.ok, true, JSON.stringify(hello));
  return c;
}

describe('revocation closes WebSockets', () => {
  let s: TestServer;
  // Several logins a minute from one address: lift the login throttle for this suite (it has its own test).
  before(async () => { s = await startTestServer({ toml: '[server.throttle]\nlogin_max = 1000\n' }); await setupPassword(s); });
  after(() => s.stop());

  test('password change closes an open WebSocket of the old session; old cookie dies; caller gets a new one', async () => {
    const a = await login(s);
    const b = await login(s);
    const wsA = await openAs(s, { cookie: a });
    const wsB = await openAs(s, { cookie: b });
    const wsP = await openAs(s, {}, { password: PASSWORD });
    const r = await request(`${s.url}/api/auth/password/change`, { method: 'POST', headers: { cookie: a }, body: { current_password: PASSWORD, new_password: `${PASSWORD} v2` } });
    assert.equal(r.status, 200, r.text);
    const fresh = String(r.headers['set-cookie']).split(';')[0]!;
    assert.equal((await wsA.closed).code, 4001);
    assert.equal((await wsB.closed).code, 4001);
    assert.equal((await wsP.closed).code, 4001); // authenticated by the old password in `connect`
    assert.ok(wsA.frames.some((f) => f.event === 'auth.credentials_changed'));
    assert.equal((await request(`${s.url}/api/rpc`, { method: 'POST', headers: { cookie: a }, body: { method: 'health' } })).status, 401);
    assert.equal((await request(`${s.url}/api/rpc`, { method: 'POST', headers: { cookie: fresh }, body: { method: 'health' } })).status, 200);
    // the old password no longer logs in; the new one does
    assert.equal((await request(`${s.url}/api/auth/login`, { method: 'POST', body: { password: PASSWORD } })).status, 401);
    const back = await request(`${s.url}/api/auth/password/change`, { method: 'POST', headers: { cookie: fresh }, body: { current_password: `${PASSWORD} v2`, new_password: PASSWORD } });
    assert.equal(back.status, 200);
  });

  test('a wrong current password is refused and audited', async () => {
    const a = await login(s);
    const r = await request(`${s.url}/api/auth/password/change`, { method: 'POST', headers: { cookie: a }, body: { current_password: 'not the password', new_password: 'whatever long enough' } });
    assert.equal(r.status, 403);
    assert.equal(r.json.code, 'CURRENT_PASSWORD_INCORRECT');
    assert.ok(s.auth.auditList({ type: 'password_change_failure' }).length >= 1);
  });

  test('logout closes the WebSockets of that session only', async () => {
    const a = await login(s);
    const b = await login(s);
    const wsA = await openAs(s, { cookie: a });
    const wsB = await openAs(s, { cookie: b });
    const r = await request(`${s.url}/api/auth/logout`, { method: 'POST', headers: { cookie: a } });
    assert.equal(r.status, 200);
    assert.match(String(r.headers['set-cookie']), /Max-Age=0/);
    assert.equal((await wsA.closed).code, 4001);
    assert.equal((await wsB.request('health')).ok, true);
    wsB.close();
  });

  test('revoking an API key closes its WebSockets at once', async () => {
    const cookie = await login(s);
    const k = await createKey(s, cookie, ['operator.read']);
    const ws = await openAs(s, {}, { api_key: k.key });
    assert.equal((await ws.request('health')).ok, true);
    const r = await request(`${s.url}/api/auth/api-keys/${k.id}`, { method: 'DELETE', headers: { cookie } });
    assert.equal(r.status, 200);
    assert.equal((await ws.closed).code, 4001);
    assert.equal((await request(`${s.url}/api/rpc`, { method: 'POST', headers: { authorization: `Bearer ${k.key}` }, body: { method: 'health' } })).status, 401);
  });

  test('a key revoked behind the gateway\'s back (CLI, other process) fails on its next request', async () => {
    const cookie = await login(s);
    const k = await createKey(s, cookie, ['operator.read']);
    const ws = await openAs(s, {}, { api_key: k.key });
    const bearer = { authorization: `Bearer ${k.key}` };
    assert.equal((await request(`${s.url}/api/rpc`, { method: 'POST', headers: bearer, body: { method: 'health' } })).status, 200);
    // Another process (like `moltis auth revoke-api-key`) writes through its own connection.
    const other = new Database(join(s.dirs.dataDir, 'moltis.db'));
    other.prepare('UPDATE api_keys SET revoked_at = 1 WHERE id = ?').run(k.id);
    other.close();
    // The open WebSocket re-checks uncached: its very next request fails.
    const r = await ws.request('health');
    assert.equal(r.ok, false);
    assert.equal(r.error!.code, 'UNAUTHORIZED');
    assert.equal((await ws.closed).code, 4001);
    // REST sees another process's write within the external-change check interval (250 ms).
    await new Promise((res) => setTimeout(res, 300));
    assert.equal((await request(`${s.url}/api/rpc`, { method: 'POST', headers: bearer, body: { method: 'health' } })).status, 401);
  });

  test('every step is in the audit log, readable by the owner', async () => {
    const cookie = await login(s);
    const r = await request(`${s.url}/api/auth/audit?limit=200`, { headers: { cookie } });
    assert.equal(r.status, 200);
    const types = new Set(r.json.entries.map((e: { event_type: string }) => e.event_type));
    for (const t of ['setup_complete', 'login_success', 'login_failure', 'logout', 'password_changed', 'key_created', 'key_revoked']) assert.ok(types.has(t), `missing ${t}`);
  });
});

describe('the verified-key cache never outlives a revocation', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer({ toml: '[server.throttle]\nlogin_max = 1000\n' }); });
  after(() => s.stop());

  const health = (key: string) => request(`${s.url}/api/rpc`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: { method: 'health' } });

  test('a key used a moment ago (cached) is refused at once over REST and on its open socket: revocation, then reset (revoke all)', async () => {
    const cookie = await setupPassword(s);
    const a = await createKey(s, cookie, ['operator.read']);
    const b = await createKey(s, cookie, ['operator.read']);
    for (let i = 0; i < 3; i++) { assert.equal((await health(a.key)).status, 200); assert.equal((await health(b.key)).status, 200); }
    const wsB = await openAs(s, {}, { api_key: b.key });
    assert.equal((await wsB.request('health')).ok, true);

    // Revoke a: its very next request, a few milliseconds later, is refused.
    assert.equal((await request(`${s.url}/api/auth/api-keys/${a.id}`, { method: 'DELETE', headers: { cookie } })).status, 200);
    assert.equal((await health(a.key)).status, 401);

    // Reset revokes every key at once: b (cached, with an open socket) is refused on both paths.
    assert.equal((await health(b.key)).status, 200);
    assert.equal((await request(`${s.url}/api/auth/reset`, { method: 'POST', headers: { cookie } })).status, 200);
    assert.equal((await health(b.key)).status, 401);
    const r = await wsB.request('health').catch(() => null);
    assert.ok(r === null || r.ok === false, JSON.stringify(r));
    assert.equal((await wsB.closed).code, 4001);
  });
});
