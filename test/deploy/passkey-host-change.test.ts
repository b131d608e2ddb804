/**
 * The host-change procedure of docs/deploy/README.md ("Changing the host name"), end to end on a
 * real gateway with a software authenticator (real ES256 attestations and assertions):
 * passkeys registered under the old MOLTIS_WEBAUTHN_RP_ID are listed as belonging to the old
 * name after the move and cannot sign in; the password still does; a new passkey registers and
 * signs in under the new name; the old ones can be removed, and start-up says what to do while
 * they remain. Passkeys from before RP IDs were recorded show `rp_id: null`, never "foreign".
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, setupPassword, PASSWORD, type TestServer } from '../support/server.js';
import { request, type RawResponse } from '../support/http.js';
import { SoftAuthenticator } from '../support/webauthn.js';
import { MIGRATIONS, openDatabase, databasePath } from '../../src/store/index.js';

const OLD = { MOLTIS_WEBAUTHN_RP_ID: 'old.example.com', MOLTIS_WEBAUTHN_ORIGIN: 'https://old.example.com' };
const NEW = { MOLTIS_WEBAUTHN_RP_ID: 'new.example.com', MOLTIS_WEBAUTHN_ORIGIN: 'https://new.example.com' };

const call = (s: TestServer, method: string, path: string, o: { body?: unknown; cookie?: string } = {}): Promise<RawResponse> =>
  request(`${s.url}${path}`, { method, ...(o.body !== undefined || method === 'POST' ? { body: o.body ?? {} } : {}), headers: o.cookie ? { cookie: o.cookie } : {} });
const cookieOf = (r: RawResponse) => /moltis_session=[^;]+/.exec(String(r.headers['set-cookie']))![0];

async function registerPasskey(s: TestServer, a: SoftAuthenticator, cookie: string, origin: string, name: string): Promise<RawResponse> {
  const b = await call(s, 'POST', '/api/auth/passkey/register/begin', { cookie });
  assert.equal(b.status, 200, b.text);
  return call(s, 'POST', '/api/auth/passkey/register/finish', { cookie, body: { challenge_id: b.json.challenge_id, name, credential: a.register(b.json.options, origin) } });
}

/** A passkey login; `rpId` forges what the authenticator signs for (a real one signs for its credential's RP). */
async function passkeyLogin(s: TestServer, a: SoftAuthenticator, origin: string, rpId?: string): Promise<RawResponse> {
  const b = await call(s, 'POST', '/api/auth/passkey/auth/begin');
  assert.equal(b.status, 200, b.text);
  return call(s, 'POST', '/api/auth/passkey/auth/finish', { body: { challenge_id: b.json.challenge_id, credential: a.assert(b.json.options, origin, rpId ? { rpId } : {}) } });
}

describe('changing the host name: passkeys of the old RP ID', () => {
  let root: string;
  let dirs: TestServer['dirs'];
  let s: TestServer;
  const laptop = new SoftAuthenticator();
  let oldId = 0;
  let cookie = '';

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'moltis-rp-move-'));
    dirs = { root, configDir: join(root, 'config'), dataDir: join(root, 'data') };
  });
  after(async () => {
    await s?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  test('on the old host: password and a passkey, recorded with the old RP ID', async () => {
    s = await startTestServer({ dirs, env: OLD });
    cookie = await setupPassword(s);
    const r = await registerPasskey(s, laptop, cookie, OLD.MOLTIS_WEBAUTHN_ORIGIN, 'laptop');
    assert.equal(r.status, 200, r.text);
    const list = await call(s, 'GET', '/api/auth/passkeys', { cookie });
    assert.equal(list.json.rp_id, 'old.example.com');
    assert.deepEqual(list.json.passkeys.map((p: { name: string; rp_id: string }) => [p.name, p.rp_id]), [['laptop', 'old.example.com']]);
    oldId = list.json.passkeys[0].id;
    assert.equal((await passkeyLogin(s, laptop, OLD.MOLTIS_WEBAUTHN_ORIGIN)).status, 200);
    assert.ok(s.auth.auditList({ type: 'passkey_registered' })[0]!.detail!.includes('rp=old.example.com'));
    await s.stop({ keepDirs: true });
  });

  test('after the move: start-up names the old passkeys and the steps; the password still signs in', async () => {
    s = await startTestServer({ dirs, env: NEW });
    const note = s.printed.find((l) => l.includes('passkey(s) belong to'));
    assert.ok(note, s.printed.join('\n'));
    assert.match(note, /1 passkey\(s\) belong to old\.example\.com, not to MOLTIS_WEBAUTHN_RP_ID=new\.example\.com/);
    assert.match(note, /sign in with the password, register a new passkey, then remove the old ones/);
    const login = await call(s, 'POST', '/api/auth/login', { body: { password: PASSWORD } });
    assert.equal(login.status, 200, login.text);
    cookie = cookieOf(login);
  });

  test('the old passkey is listed as belonging to the old RP ID, and cannot sign in on the new one', async () => {
    const list = await call(s, 'GET', '/api/auth/passkeys', { cookie });
    assert.equal(list.json.rp_id, 'new.example.com');
    assert.deepEqual(list.json.passkeys.map((p: { id: number; rp_id: string }) => [p.id, p.rp_id]), [[oldId, 'old.example.com']]);
    // A real authenticator signs for the RP ID the credential was created under: refused.
    const real = await passkeyLogin(s, laptop, NEW.MOLTIS_WEBAUTHN_ORIGIN, 'old.example.com');
    assert.equal(real.status, 401, real.text);
    assert.equal(real.json.code, 'PASSKEY_AUTH_FAILED');
    // One made to sign for the new RP ID is refused too: the server holds the credential to the
    // RP ID recorded at registration, and says which one.
    const forged = await passkeyLogin(s, laptop, NEW.MOLTIS_WEBAUTHN_ORIGIN, 'new.example.com');
    assert.equal(forged.status, 401, forged.text);
    assert.match(forged.json.error, /this passkey belongs to old\.example\.com, not new\.example\.com/);
  });

  test('a new passkey registers under the new RP ID and signs in; the old one is removed', async () => {
    const phone = new SoftAuthenticator();
    const r = await registerPasskey(s, phone, cookie, NEW.MOLTIS_WEBAUTHN_ORIGIN, 'phone');
    assert.equal(r.status, 200, r.text);
    const ok = await passkeyLogin(s, phone, NEW.MOLTIS_WEBAUTHN_ORIGIN);
    assert.equal(ok.status, 200, ok.text);
    const del = await call(s, 'DELETE', `/api/auth/passkeys/${oldId}`, { cookie });
    assert.equal(del.status, 200, del.text);
    assert.equal(del.json.setup_required, false);
    const list = await call(s, 'GET', '/api/auth/passkeys', { cookie });
    assert.deepEqual(list.json.passkeys.map((p: { name: string; rp_id: string }) => [p.name, p.rp_id]), [['phone', 'new.example.com']]);
    // Nothing foreign is left: the next start says nothing.
    await s.stop({ keepDirs: true });
    s = await startTestServer({ dirs, env: NEW });
    assert.equal(s.printed.find((l) => l.includes('passkey(s) belong to')), undefined);
  });
});

describe('passkeys from before RP IDs were recorded (schema version 6)', () => {
  test('are migrated with rp_id null: listed as unknown, not reported as foreign', async (t) => {
    const root = mkdtempSync(join(tmpdir(), 'moltis-rp-legacy-'));
    const dirs = { root, configDir: join(root, 'config'), dataDir: join(root, 'data') };
    t.after(() => rmSync(root, { recursive: true, force: true }));
    // A database as the previous version left it.
    const db = openDatabase(databasePath(dirs.dataDir), MIGRATIONS.filter((m) => m.version <= 6));
    db.prepare(`INSERT INTO passkeys (credential_id, public_key, counter, transports, name, aaguid, backed_up, created_at)
      VALUES ('AAAA', x'00', 0, '[]', 'legacy', '00000000-0000-0000-0000-000000000000', 0, 1)`).run();
    db.close();
    const s = await startTestServer({ dirs, env: NEW });
    t.after(() => s.stop({ keepDirs: true }));
    assert.deepEqual(s.auth.passkeys.list().map((p) => [p.name, p.rp_id]), [['legacy', null]]);
    assert.deepEqual(s.auth.passkeys.foreign(), []);
    assert.equal(s.printed.find((l) => l.includes('passkey(s) belong to')), undefined);
  });
});
