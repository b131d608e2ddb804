/**
 * Setup never fails open: remote setup needs the one-time code (single use, 30 minutes).
 */
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, PASSWORD, type TestServer } from '../support/server.js';
import { request } from '../support/http.js';

const REMOTE = { 'x-forwarded-for': '198.51.100.20' };
const setup = (s: TestServer, body: Record<string, unknown>, headers: Record<string, string> = REMOTE) =>
  request(`${s.url}/api/auth/setup`, { method: 'POST', headers, body });

describe('remote setup', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer(); });
  after(() => s.stop());

  test('without a code → 403', async () => {
    const r = await setup(s, { password: PASSWORD });
    assert.equal(r.status, 403);
    assert.equal(r.json.code, 'SETUP_CODE_INVALID');
  });
  test('with a wrong code → 403, and the attempt is audited', async () => {
    const r = await setup(s, { password: PASSWORD, setup_code: 'AAAAAAAA' });
    assert.equal(r.status, 403);
    assert.equal(s.auth.isSetupComplete(), false);
    const rows = s.auth.auditList({ type: 'setup_code_failure' });
    assert.ok(rows.length >= 2);
    assert.equal(rows[0]!.client_ip, '127.0.0.1'); // not behind a proxy: the forwarded header never picks the IP
  });
  test('a short password is refused with the rule named, and does not use up the code', async () => {
    const r = await setup(s, { password: 'short', setup_code: s.code() });
    assert.equal(r.status, 400);
    assert.match(r.json.error, /at least 12 characters/);
  });
  test('with the right code (any case, dashes) → 200 and a session cookie', async () => {
    const code = s.code();
    const typed = `${code.slice(0, 4).toLowerCase()}-${code.slice(4)}`;
    const r = await setup(s, { password: PASSWORD, setup_code: typed });
    assert.equal(r.status, 200, r.text);
    const cookie = String(r.headers['set-cookie']);
    assert.match(cookie, /moltis_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=2592000/);
    assert.doesNotMatch(cookie, /Secure/); // plain HTTP, not behind a proxy
    assert.equal(s.auth.isSetupComplete(), true);
  });
  test('the code is single use', async () => {
    const r = await setup(s, { password: PASSWORD, setup_code: s.code() });
    assert.equal(r.status, 403);
    assert.equal(r.json.code, 'SETUP_ALREADY_COMPLETE');
    assert.equal(s.setupCode(), null);
  });
});

describe('setup code expiry', () => {
  let s: TestServer;
  let t = Date.now();
  before(async () => { s = await startTestServer({ now: () => t }); });
  after(() => s.stop());

  test('after 30 minutes the code is refused with 410 and a fresh one is printed', async () => {
    const old = s.code();
    t += 30 * 60_000 + 1;
    const r = await setup(s, { password: PASSWORD, setup_code: old });
    assert.equal(r.status, 410);
    assert.equal(r.json.code, 'SETUP_CODE_EXPIRED');
    assert.notEqual(s.code(), old);
    assert.ok(s.printed.some((l) => l.includes(`new setup code: ${s.code()}`)));
    const again = await setup(s, { password: PASSWORD, setup_code: old });
    assert.equal(again.status, 403);
    const ok = await setup(s, { password: PASSWORD, setup_code: s.code() });
    assert.equal(ok.status, 200);
  });
});

describe('local setup', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer(); });
  after(() => s.stop());
  test('needs no code from this machine', async () => {
    const r = await setup(s, { password: PASSWORD }, {});
    assert.equal(r.status, 200);
  });
});

describe('reset re-opens setup behind a fresh code (never fails open)', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer(); });
  after(() => s.stop());
  test('after POST /api/auth/reset, remote setup needs the new code', async () => {
    const set = await setup(s, { password: PASSWORD }, {});
    const cookie = String(set.headers['set-cookie']).split(';')[0]!;
    const reset = await request(`${s.url}/api/auth/reset`, { method: 'POST', headers: { cookie } });
    assert.equal(reset.status, 200);
    assert.ok(s.setupCode());
    assert.equal((await setup(s, { password: PASSWORD })).status, 403);
    assert.equal((await setup(s, { password: PASSWORD, setup_code: s.code() })).status, 200);
  });
});
