/**
 * Passkeys (WebAuthn) over a real server and a software authenticator producing real ES256
 * attestations and assertions. Each security test attacks one control: with the control gone,
 * the attack would succeed and the test would fail.
 */
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, createKey, type TestServer } from '../support/server.js';
import { request, type RawResponse } from '../support/http.js';
import { SoftAuthenticator, type Forge } from '../support/webauthn.js';

const REMOTE = { 'x-forwarded-for': '198.51.100.20' };
const NO_THROTTLE = '[server.throttle]\nlogin_max = 10000\n';

/** A browser at http(s)://localhost:<port>: Host says localhost, so the RP ID is `localhost`. */
function client(s: TestServer) {
  const scheme = s.url.startsWith('https') ? 'https' : 'http';
  const origin = `${scheme}://localhost:${s.port}`;
  const call = (method: string, path: string, o: { body?: unknown; cookie?: string; headers?: Record<string, string> } = {}): Promise<RawResponse> =>
    request(`${s.url}${path}`, {
      method, body: o.body ?? (method === 'GET' || method === 'DELETE' ? undefined : {}),
      headers: { host: `localhost:${s.port}`, ...(o.cookie ? { cookie: o.cookie } : {}), ...o.headers },
      ...(s.tls?.caPem ? { ca: s.tls.caPem } : {}),
    });
  const cookie = (r: RawResponse) => {
    const m = /moltis_session=([^;]+)/.exec(String(r.headers['set-cookie'] ?? ''));
    assert.ok(m, `no session cookie: ${r.status} ${r.text}`);
    return `moltis_session=${m[1]}`;
  };
  return {
    origin, call, cookie,
    /** Setup with a passkey (local unless headers say otherwise); returns the session cookie. */
    async setup(a: SoftAuthenticator, o: { headers?: Record<string, string>; code?: string } = {}) {
      const b = await call('POST', '/api/auth/setup/passkey/register/begin', { body: { setup_code: o.code }, headers: o.headers });
      assert.equal(b.status, 200, b.text);
      const f = await call('POST', '/api/auth/setup/passkey/register/finish', { headers: o.headers, body: { challenge_id: b.json.challenge_id, setup_code: o.code, name: 'first', credential: a.register(b.json.options, origin) } });
      assert.equal(f.status, 200, f.text);
      return cookie(f);
    },
    async register(a: SoftAuthenticator, cookieHdr: string, forge: Forge = {}) {
      const b = await call('POST', '/api/auth/passkey/register/begin', { cookie: cookieHdr });
      assert.equal(b.status, 200, b.text);
      return call('POST', '/api/auth/passkey/register/finish', { cookie: cookieHdr, body: { challenge_id: b.json.challenge_id, name: 'second', credential: a.register(b.json.options, origin, forge) } });
    },
    async beginLogin() {
      const b = await call('POST', '/api/auth/passkey/auth/begin');
      assert.equal(b.status, 200, b.text);
      return b.json as { challenge_id: string; options: any };
    },
    finishLogin: (challenge_id: string, credential: unknown, headers?: Record<string, string>) =>
      call('POST', '/api/auth/passkey/auth/finish', { body: { challenge_id, credential }, ...(headers ? { headers } : {}) }),
    async login(a: SoftAuthenticator, forge: Forge = {}) {
      const b = await this.beginLogin();
      return this.finishLogin(b.challenge_id, a.assert(b.options, origin, forge));
    },
  };
}

describe('passkey setup, registration and login (local, HTTP)', () => {
  let s: TestServer; let c: ReturnType<typeof client>; let owner: string;
  const a = new SoftAuthenticator();
  const b = new SoftAuthenticator();
  before(async () => { s = await startTestServer({ toml: NO_THROTTLE }); c = client(s); });
  after(() => s.stop());

  test('setup with a passkey from this machine: cookie, setup complete, no password, vault untouched', async () => {
    const begin = await c.call('POST', '/api/auth/setup/passkey/register/begin');
    assert.equal(begin.json.options.rp.id, 'localhost');
    assert.deepEqual(begin.json.options.authenticatorSelection, { residentKey: 'preferred', userVerification: 'required', requireResidentKey: false });
    const f = await c.call('POST', '/api/auth/setup/passkey/register/finish', { body: { challenge_id: begin.json.challenge_id, credential: a.register(begin.json.options, c.origin) } });
    assert.equal(f.status, 200, f.text);
    owner = c.cookie(f);
    const st = (await c.call('GET', '/api/auth/status')).json;
    assert.equal(st.setup_complete, true);
    assert.equal(st.has_passkeys, true);
    assert.equal(st.has_password, false);
    assert.equal(s.vault.status(), 'uninitialized');
    assert.equal(s.setupCode(), null, 'the setup code is single use');
    assert.equal(s.auth.auditList({ type: 'setup_complete' })[0]!.detail, 'passkey');
    // Setup is over: without a cookie this machine is no longer trusted, with it the owner is.
    assert.equal((await c.call('GET', '/api/auth/passkeys')).status, 401);
    const list = await c.call('GET', '/api/auth/passkeys', { cookie: owner });
    assert.equal(list.status, 200);
    assert.equal(list.json.passkeys[0].name, 'Passkey'); // empty name → "Passkey", as in the original
  });

  test('a second setup is refused', async () => {
    const r = await c.call('POST', '/api/auth/setup/passkey/register/begin');
    assert.equal(r.status, 403);
    assert.equal(r.json.code, 'SETUP_ALREADY_COMPLETE');
  });

  test('the owner registers a second passkey; existing ones are excluded', async () => {
    const begin = await c.call('POST', '/api/auth/passkey/register/begin', { cookie: owner });
    assert.equal(begin.status, 200);
    assert.deepEqual(begin.json.options.excludeCredentials.map((x: { id: string }) => x.id), [a.credentials[0]!.id.toString('base64url')]);
    const f = await c.call('POST', '/api/auth/passkey/register/finish', { cookie: owner, body: { challenge_id: begin.json.challenge_id, name: 'laptop', credential: b.register(begin.json.options, c.origin) } });
    assert.equal(f.status, 200, f.text);
    assert.equal(typeof f.json.id, 'number');
    const list = (await c.call('GET', '/api/auth/passkeys', { cookie: owner })).json.passkeys;
    assert.deepEqual(list.map((p: { name: string }) => p.name), ['Passkey', 'laptop']);
    assert.equal(s.auth.auditList({ type: 'passkey_registered' }).length, 2);
  });

  test('login with a passkey gives a session cookie that works on an admin route; vault stays as it was', async () => {
    const begin = await c.beginLogin();
    assert.deepEqual(begin.options.allowCredentials, []); // discoverable credentials
    assert.equal(begin.options.userVerification, 'required');
    const r = await c.finishLogin(begin.challenge_id, b.assert(begin.options, c.origin));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.vault_status, 'uninitialized');
    const ck = c.cookie(r);
    assert.equal((await c.call('GET', '/api/auth/api-keys', { cookie: ck })).status, 200);
    const row = s.store.passkeys.byCredentialId(b.credentials[0]!.id.toString('base64url'))!;
    assert.equal(row.counter, 1);
    assert.ok(row.last_used_at);
    assert.match(s.auth.auditList({ type: 'login_success' })[0]!.detail!, /^passkey id=\d+$/);
  });

  test('counter going backwards is refused and audited (the stored counter moves with each login)', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await c.login(a)).status, 200);
    // Counter now 3 in the database. A clone replaying counter 2 must fail; had the counter not
    // been written back, the stored 0 would let it through.
    const r = await c.login(a, { counter: 2 });
    assert.equal(r.status, 401);
    assert.equal(r.json.code, 'PASSKEY_AUTH_FAILED');
    assert.match(r.json.error, /counter went backwards/);
    const audit = s.auth.auditList({ type: 'passkey_counter_regression' });
    assert.equal(audit.length, 1);
    assert.match(audit[0]!.detail!, /stored=3, presented=2/);
    assert.equal((await c.login(a, { counter: 3 })).status, 401, 'an equal counter is a clone too');
    assert.equal((await c.login(a)).status, 200); // the real authenticator (counter 4) still works
  });

  test('user presence alone (no PIN/biometric) neither logs in nor registers: a stolen key is not the owner', async () => {
    const r = await c.login(a, { uv: false });
    assert.equal(r.status, 401, r.text);
    assert.equal(r.json.code, 'PASSKEY_AUTH_FAILED');
    assert.match(r.json.error, /verif/i);
    const reg = await c.register(new SoftAuthenticator(), owner, { uv: false });
    assert.equal(reg.status, 400, reg.text);
    assert.match(reg.json.error, /verif/i);
  });

  test('wrong origin and wrong RP ID are refused', async () => {
    const o = await c.login(a, { origin: `http://evil.example:${s.port}` });
    assert.equal(o.status, 401);
    assert.match(o.json.error, /origin/);
    const rp = await c.login(a, { rpId: 'evil.example' });
    assert.equal(rp.status, 401);
    assert.match(rp.json.error, /RP ID/i);
    const reg = await c.register(new SoftAuthenticator(), owner, { origin: 'http://evil.example' });
    assert.equal(reg.status, 400);
  });

  test('a register challenge cannot finish a login (and is used up by the attempt)', async () => {
    const begin = await c.call('POST', '/api/auth/passkey/register/begin', { cookie: owner });
    const forged = a.assert({ challenge: begin.json.options.challenge, rpId: 'localhost' }, c.origin);
    const r = await c.finishLogin(begin.json.challenge_id, forged);
    assert.equal(r.status, 401);
    assert.match(r.json.error, /another ceremony/);
    const fin = await c.call('POST', '/api/auth/passkey/register/finish', { cookie: owner, body: { challenge_id: begin.json.challenge_id, credential: new SoftAuthenticator().register(begin.json.options, c.origin) } });
    assert.equal(fin.status, 400);
    assert.match(fin.json.error, /unknown or already used/);
  });

  test('a register challenge begun by one session cannot be finished by another', async () => {
    const other = c.cookie(await c.login(a));
    const begin = await c.call('POST', '/api/auth/passkey/register/begin', { cookie: owner });
    const r = await c.call('POST', '/api/auth/passkey/register/finish', { cookie: other, body: { challenge_id: begin.json.challenge_id, credential: new SoftAuthenticator().register(begin.json.options, c.origin) } });
    assert.equal(r.status, 400);
    assert.match(r.json.error, /another session/);
  });

  test('an API key without operator.admin cannot register, list, rename or delete passkeys', async () => {
    const { key } = await createKey(s, owner, ['operator.read', 'operator.write']);
    const h = { authorization: `Bearer ${key}` };
    for (const [m, p] of [['POST', '/api/auth/passkey/register/begin'], ['POST', '/api/auth/passkey/register/finish'], ['GET', '/api/auth/passkeys'], ['PATCH', '/api/auth/passkeys/1'], ['DELETE', '/api/auth/passkeys/1']] as const) {
      const r = await c.call(m, p, { headers: h, ...(m === 'PATCH' ? { body: { name: 'x' } } : {}) });
      assert.equal(r.status, 403, `${m} ${p}`);
      assert.equal(r.json.missing_scope, 'operator.admin');
    }
    assert.equal(s.store.passkeys.list().length, 2);
    const admin = await createKey(s, owner, ['operator.admin'], 'admin');
    assert.equal((await c.call('GET', '/api/auth/passkeys', { headers: { authorization: `Bearer ${admin.key}` } })).status, 200);
  });

  test('rename and delete', async () => {
    const [first, second] = (await c.call('GET', '/api/auth/passkeys', { cookie: owner })).json.passkeys;
    assert.equal((await c.call('PATCH', `/api/auth/passkeys/${first.id}`, { cookie: owner, body: { name: '  phone  ' } })).status, 200);
    const empty = await c.call('PATCH', `/api/auth/passkeys/${first.id}`, { cookie: owner, body: { name: ' ' } });
    assert.equal(empty.status, 400);
    assert.equal(empty.json.error, 'name cannot be empty');
    assert.equal((await c.call('PATCH', '/api/auth/passkeys/9999', { cookie: owner, body: { name: 'x' } })).status, 404);
    const del = await c.call('DELETE', `/api/auth/passkeys/${second.id}`, { cookie: owner });
    assert.deepEqual(del.json, { ok: true, setup_required: false });
    assert.equal((await c.call('DELETE', `/api/auth/passkeys/${second.id}`, { cookie: owner })).status, 404);
    const list = (await c.call('GET', '/api/auth/passkeys', { cookie: owner })).json.passkeys;
    assert.deepEqual(list.map((p: { name: string }) => p.name), ['phone']);
    assert.equal(s.auth.auditList({ type: 'passkey_renamed' }).length, 1);
    assert.equal(s.auth.auditList({ type: 'passkey_deleted' }).length, 1);
    // The deleted credential no longer logs in.
    assert.equal((await c.login(b)).status, 401);
  });
});

describe('replay: a login challenge is single use', () => {
  let s: TestServer; let c: ReturnType<typeof client>;
  // Counter 0 forever (like many synced passkeys), so only the challenge stops a replay.
  const a = new SoftAuthenticator(0);
  before(async () => { s = await startTestServer({ toml: NO_THROTTLE }); c = client(s); await c.setup(a); });
  after(() => s.stop());

  test('the same assertion posted twice: the second is refused', async () => {
    const begin = await c.beginLogin();
    const cred = a.assert(begin.options, c.origin);
    assert.equal((await c.finishLogin(begin.challenge_id, cred)).status, 200);
    const again = await c.finishLogin(begin.challenge_id, cred);
    assert.equal(again.status, 401);
    assert.match(again.json.error, /unknown or already used/);
  });

  test('a failed attempt also uses the challenge up', async () => {
    const begin = await c.beginLogin();
    assert.equal((await c.finishLogin(begin.challenge_id, a.assert(begin.options, 'http://evil.example'))).status, 401);
    assert.equal((await c.finishLogin(begin.challenge_id, a.assert(begin.options, c.origin))).status, 401);
  });

  test('an assertion for one challenge does not finish another', async () => {
    const first = await c.beginLogin();
    const second = await c.beginLogin();
    assert.equal((await c.finishLogin(second.challenge_id, a.assert(first.options, c.origin))).status, 401);
  });
});

describe('expiry and the login guard', () => {
  let s: TestServer; let c: ReturnType<typeof client>; let t = Date.now();
  const a = new SoftAuthenticator();
  before(async () => {
    s = await startTestServer({ now: () => t, toml: `${NO_THROTTLE}[auth.login_guard]\nban_threshold = 3\n` });
    c = client(s); await c.setup(a);
  });
  after(() => s.stop());

  test('a challenge older than 5 minutes is refused', async () => {
    const begin = await c.beginLogin();
    t += 5 * 60_000 + 1;
    const r = await c.finishLogin(begin.challenge_id, a.assert(begin.options, c.origin));
    assert.equal(r.status, 401);
    assert.match(r.json.error, /expired/);
    assert.equal((await c.login(a)).status, 200); // a fresh one works
  });

  test('failed passkey logins count against the login guard like passwords', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await c.login(a, { origin: 'http://evil.example' })).status, 401);
    const r = await c.login(a);
    assert.equal(r.status, 429);
    assert.equal(r.json.code, 'LOGIN_BLOCKED');
  });
});

describe('passkey login uses the login throttle bucket', () => {
  let s: TestServer; let c: ReturnType<typeof client>;
  before(async () => { s = await startTestServer({ toml: '[server.throttle]\nlogin_max = 2\n' }); c = client(s); await c.setup(new SoftAuthenticator()); });
  after(() => s.stop());
  test('the third unauthenticated finish within the window is rate limited', async () => {
    for (let i = 0; i < 2; i++) assert.equal((await c.finishLogin('nope', {})).status, 401);
    const r = await c.finishLogin('nope', {});
    assert.equal(r.status, 429);
    assert.equal(r.json.code, 'RATE_LIMITED');
  });
});

describe('remote passkey setup needs the setup code', () => {
  let s: TestServer; let c: ReturnType<typeof client>;
  before(async () => { s = await startTestServer({ toml: NO_THROTTLE }); c = client(s); });
  after(() => s.stop());

  test('begin and finish without (or with a wrong) code are refused and audited', async () => {
    const r = await c.call('POST', '/api/auth/setup/passkey/register/begin', { headers: REMOTE });
    assert.equal(r.status, 403);
    assert.equal(r.json.code, 'SETUP_CODE_INVALID');
    const wrong = await c.call('POST', '/api/auth/setup/passkey/register/begin', { headers: REMOTE, body: { setup_code: 'AAAAAAAA' } });
    assert.equal(wrong.status, 403);
    // A challenge obtained with the code still needs the code at finish.
    const begin = await c.call('POST', '/api/auth/setup/passkey/register/begin', { headers: REMOTE, body: { setup_code: s.code() } });
    assert.equal(begin.status, 200);
    const fin = await c.call('POST', '/api/auth/setup/passkey/register/finish', { headers: REMOTE, body: { challenge_id: begin.json.challenge_id, credential: new SoftAuthenticator().register(begin.json.options, c.origin) } });
    assert.equal(fin.status, 403);
    assert.equal(s.auth.isSetupComplete(), false);
    assert.ok(s.auth.auditList({ type: 'setup_code_failure' }).length >= 3);
  });

  test('with the code, remote setup succeeds', async () => {
    await c.setup(new SoftAuthenticator(), { headers: REMOTE, code: s.code() });
    assert.equal(s.auth.isSetupComplete(), true);
  });
});

describe('removing the last credential (no password) returns the gateway to setup', () => {
  let s: TestServer; let c: ReturnType<typeof client>;
  before(async () => { s = await startTestServer({ toml: NO_THROTTLE }); c = client(s); });
  after(() => s.stop());

  test('delete → setup required, every session ended, a fresh setup code printed', async () => {
    const owner = await c.setup(new SoftAuthenticator());
    const { key } = await createKey(s, owner, ['operator.admin']);
    const id = (await c.call('GET', '/api/auth/passkeys', { cookie: owner })).json.passkeys[0].id;
    const del = await c.call('DELETE', `/api/auth/passkeys/${id}`, { cookie: owner, headers: REMOTE });
    assert.equal(del.status, 200, del.text);
    assert.deepEqual(del.json, { ok: true, setup_required: true });
    assert.match(String(del.headers['set-cookie']), /moltis_session=;.*Max-Age=0/);
    const st = (await c.call('GET', '/api/auth/status', { headers: REMOTE })).json;
    assert.equal(st.setup_required, true);
    assert.equal(st.setup_code_required, true);
    assert.equal(st.has_passkeys, false);
    const code = s.setupCode();
    assert.ok(code);
    assert.ok(s.printed.some((l) => l.includes(`new setup code: ${code.code}`)));
    assert.equal(s.auth.auditList({ type: 'last_credential_removed' }).length, 1);
    // Nothing of the old owner survives for whoever sets up next.
    assert.equal(s.auth.sessions.isLive(1), false);
    assert.equal(s.auth.checkApiKey(key).kind, 'invalid_credential');
    assert.equal((await c.call('POST', '/api/auth/setup/passkey/register/begin', { headers: REMOTE })).status, 403);
  });
});

describe('deleting a passkey while a password exists keeps setup complete', () => {
  let s: TestServer; let c: ReturnType<typeof client>;
  before(async () => { s = await startTestServer({ toml: NO_THROTTLE }); c = client(s); });
  after(() => s.stop());
  test('password + passkey: removing the passkey leaves the password', async () => {
    const r = await c.call('POST', '/api/auth/setup', { body: { password: 'correct horse battery staple' } });
    const owner = c.cookie(r);
    assert.equal((await c.register(new SoftAuthenticator(), owner)).status, 200);
    const id = (await c.call('GET', '/api/auth/passkeys', { cookie: owner })).json.passkeys[0].id;
    assert.deepEqual((await c.call('DELETE', `/api/auth/passkeys/${id}`, { cookie: owner })).json, { ok: true, setup_required: false });
    assert.equal(s.auth.isSetupComplete(), true);
    assert.equal(s.setupCode(), null);
  });
});

describe('MOLTIS_WEBAUTHN_RP_ID / MOLTIS_WEBAUTHN_ORIGIN (behind a proxy)', () => {
  let s: TestServer; let c: ReturnType<typeof client>;
  const env = { MOLTIS_WEBAUTHN_RP_ID: 'moltis.example.com', MOLTIS_WEBAUTHN_ORIGIN: 'https://moltis.example.com' };
  before(async () => { s = await startTestServer({ env, toml: NO_THROTTLE }); c = client(s); });
  after(() => s.stop());

  test('the configured RP is used whatever the Host header says', async () => {
    assert.deepEqual((await c.call('GET', '/api/auth/status')).json.passkey_origins, ['https://moltis.example.com']);
    const begin = await c.call('POST', '/api/auth/setup/passkey/register/begin');
    assert.equal(begin.json.options.rp.id, 'moltis.example.com');
    // The Host-derived origin is not accepted any more...
    const a = new SoftAuthenticator();
    const bad = await c.call('POST', '/api/auth/setup/passkey/register/finish', { body: { challenge_id: begin.json.challenge_id, credential: a.register(begin.json.options, c.origin) } });
    assert.equal(bad.status, 400);
    // ...the configured one is.
    const b2 = await c.call('POST', '/api/auth/setup/passkey/register/begin');
    const ok = await c.call('POST', '/api/auth/setup/passkey/register/finish', { body: { challenge_id: b2.json.challenge_id, credential: a.register(b2.json.options, 'https://moltis.example.com') } });
    assert.equal(ok.status, 200, ok.text);
    const login = await c.beginLogin();
    assert.equal(login.options.rpId, 'moltis.example.com');
    assert.equal((await c.finishLogin(login.challenge_id, a.assert(login.options, 'https://moltis.example.com'))).status, 200);
  });
});

describe('over HTTPS', () => {
  let s: TestServer; let c: ReturnType<typeof client>;
  before(async () => { s = await startTestServer({ tls: true, toml: NO_THROTTLE }); c = client(s); });
  after(() => s.stop());
  test('the expected origin is https://, and the cookie is Secure', async () => {
    const a = new SoftAuthenticator();
    const begin = await c.call('POST', '/api/auth/setup/passkey/register/begin');
    const http = await c.call('POST', '/api/auth/setup/passkey/register/finish', { body: { challenge_id: begin.json.challenge_id, credential: a.register(begin.json.options, `http://localhost:${s.port}`) } });
    assert.equal(http.status, 400, 'an http:// origin is refused on the HTTPS listener');
    await c.setup(a);
    const r = await c.login(a);
    assert.equal(r.status, 200, r.text);
    assert.match(String(r.headers['set-cookie']), /; Secure/);
  });
});

describe('host names', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer(); });
  after(() => s.stop());
  test('an IP address as Host is refused with a hint (browsers reject IP RP IDs)', async () => {
    const r = await request(`${s.url}/api/auth/setup/passkey/register/begin`, { method: 'POST', body: {} });
    assert.equal(r.status, 400);
    assert.equal(r.json.code, 'PASSKEY_HOST');
    assert.match(r.json.error, /localhost/);
  });
});
