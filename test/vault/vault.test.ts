/**
 * Encryption at rest over real sockets: vault life cycle, 423 while sealed, recovery, and no
 * plaintext secret anywhere on disk.
 */
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startTestServer, createKey, cookieOf, PASSWORD, type TestServer } from '../support/server.js';
import { request } from '../support/http.js';

const PW2 = 'a completely different passphrase';
const NOTHROTTLE = '[server.throttle]\nlogin_max = 1000\n';

async function setup(s: TestServer, password = PASSWORD): Promise<{ cookie: string; recoveryKey: string }> {
  const r = await fetch(`${s.url}/api/auth/setup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password }) });
  assert.equal(r.status, 200);
  const body = (await r.json()) as { recovery_key: string; vault_status: string };
  assert.equal(body.vault_status, 'unsealed');
  return { cookie: cookieOf(r), recoveryKey: body.recovery_key };
}
const login = (s: TestServer, password = PASSWORD) => request(`${s.url}/api/auth/login`, { method: 'POST', body: { password } });
const putEnv = (s: TestServer, h: Record<string, string>, key: string, value: string) => request(`${s.url}/api/env`, { method: 'POST', headers: h, body: { key, value } });
const vaultStatus = async (s: TestServer, h: Record<string, string>) => (await request(`${s.url}/api/auth/vault/status`, { headers: h })).json.status;

/** Every file under `dir` (recursively) that contains `needle` as bytes. */
function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (readFileSync(p).includes(Buffer.from(needle))) hits.push(p);
    }
  };
  walk(dir);
  return hits;
}

describe('vault life cycle', () => {
  let s: TestServer;
  let admin: string;
  let recoveryKey: string;
  const canary = `canary-${randomBytes(12).toString('hex')}`;
  before(async () => {
    s = await startTestServer({ toml: NOTHROTTLE });
    const r = await setup(s);
    recoveryKey = r.recoveryKey;
    admin = (await createKey(s, r.cookie, ['operator.admin'], 'admin')).key;
  });
  after(() => s.stop());
  const A = () => ({ authorization: `Bearer ${admin}` });

  test('setup initializes the vault and returns the recovery key once, as 8 groups of 4', () => {
    assert.match(recoveryKey, /^([A-HJ-NP-Z2-9]{4}-){7}[A-HJ-NP-Z2-9]{4}$/);
  });

  test('a secret is stored through the API and listed without its value', async () => {
    const r = await putEnv(s, A(), 'GITHUB_TOKEN', canary);
    assert.equal(r.status, 200, r.text);
    const list = await request(`${s.url}/api/env`, { headers: A() });
    assert.equal(list.status, 200);
    assert.deepEqual(list.json.env_vars.map((e: { key: string }) => e.key), ['GITHUB_TOKEN']);
    assert.ok(!list.text.includes(canary));
    assert.equal(s.vault.secrets.get('env', 'GITHUB_TOKEN'), canary);
  });

  test('no plaintext copy on disk: database, WAL, data and config dirs', async () => {
    await putEnv(s, A(), 'OTHER', `${canary}-2`);
    assert.deepEqual(filesContaining(s.dirs.root, canary), []);
  });

  test('bad input is refused with a reason', async () => {
    const r = await putEnv(s, A(), '1BAD KEY', 'x');
    assert.equal(r.status, 400);
    assert.match(r.json.error, /variable name/);
  });

  test('restart → sealed → 423 on a secret route, reads still work → login → 200', async () => {
    await s.stop({ keepDirs: true });
    s = await startTestServer({ toml: NOTHROTTLE, dirs: s.dirs });
    assert.equal(await vaultStatus(s, A()), 'sealed');
    const sealed = await putEnv(s, A(), 'NEW', 'v');
    assert.equal(sealed.status, 423);
    assert.equal(sealed.json.error, 'vault is sealed');
    assert.equal(sealed.json.status, 'sealed');
    assert.equal((await request(`${s.url}/api/env`, { headers: A() })).status, 200); // names need no secret
    // the gate checks auth first: strangers get 401, never 423
    assert.equal((await putEnv(s, {}, 'NEW', 'v')).status, 401);
    assert.equal((await login(s)).status, 200);
    assert.equal(await vaultStatus(s, A()), 'unsealed');
    assert.equal((await putEnv(s, A(), 'NEW', 'v')).status, 200);
    assert.equal(s.vault.secrets.get('env', 'GITHUB_TOKEN'), canary);
    assert.deepEqual(filesContaining(s.dirs.root, canary), []);
  });

  test('unlock with a wrong password stays sealed and is audited', async () => {
    await s.stop({ keepDirs: true });
    s = await startTestServer({ toml: NOTHROTTLE, dirs: s.dirs });
    const r = await request(`${s.url}/api/auth/vault/unlock`, { method: 'POST', headers: A(), body: { password: 'not the password' } });
    assert.equal(r.status, 423);
    assert.equal(await vaultStatus(s, A()), 'sealed');
    assert.ok(s.auth.auditList({ type: 'vault_unlock_failure' }).length === 1);
    const ok = await request(`${s.url}/api/auth/vault/unlock`, { method: 'POST', headers: A(), body: { password: PASSWORD } });
    assert.equal(ok.status, 200);
    assert.equal(await vaultStatus(s, A()), 'unsealed');
  });

  test('recovery: the recovery key unseals and sets a new password; the old one no longer unseals', async () => {
    await s.stop({ keepDirs: true });
    s = await startTestServer({ toml: NOTHROTTLE, dirs: s.dirs });
    const typed = recoveryKey.toLowerCase().replace(/-/g, ' ');
    const r = await request(`${s.url}/api/auth/vault/recovery`, { method: 'POST', headers: A(), body: { recovery_key: typed, new_password: PW2 } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'unsealed');
    assert.equal((await login(s, PASSWORD)).status, 401);
    assert.equal((await login(s, PW2)).status, 200);
    await s.stop({ keepDirs: true });
    s = await startTestServer({ toml: NOTHROTTLE, dirs: s.dirs });
    assert.equal((await request(`${s.url}/api/auth/vault/unlock`, { method: 'POST', headers: A(), body: { password: PASSWORD } })).status, 423);
    assert.equal((await request(`${s.url}/api/auth/vault/unlock`, { method: 'POST', headers: A(), body: { password: PW2 } })).status, 200);
    assert.equal(s.vault.secrets.get('env', 'GITHUB_TOKEN'), canary);
    const bad = await request(`${s.url}/api/auth/vault/recovery`, { method: 'POST', headers: A(), body: { recovery_key: 'AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA' } });
    assert.equal(bad.status, 423);
  });

  test('password change re-wraps: after a restart the new password unseals', async () => {
    const l = await login(s, PW2);
    const cookie = String(l.headers['set-cookie']).split(';')[0]!;
    const r = await request(`${s.url}/api/auth/password/change`, { method: 'POST', headers: { cookie }, body: { current_password: PW2, new_password: PASSWORD } });
    assert.equal(r.status, 200, r.text);
    await s.stop({ keepDirs: true });
    s = await startTestServer({ toml: NOTHROTTLE, dirs: s.dirs });
    assert.equal((await login(s, PASSWORD)).status, 200);
    assert.equal(await vaultStatus(s, A()), 'unsealed');
  });

  test('auto-unseal from MOLTIS_VAULT_AUTO_UNSEAL_KEY_FILE', async () => {
    const file = join(s.dirs.root, 'recovery.key');
    writeFileSync(file, `${recoveryKey}\n`, { mode: 0o600 });
    await s.stop({ keepDirs: true });
    s = await startTestServer({ toml: NOTHROTTLE, dirs: s.dirs, env: { MOLTIS_VAULT_AUTO_UNSEAL_KEY_FILE: file } });
    assert.equal(await vaultStatus(s, A()), 'unsealed');
  });

  test('reset seals the vault: the next owner must bring the vault password or the recovery key', async () => {
    const l = await login(s, PASSWORD);
    const cookie = String(l.headers['set-cookie']).split(';')[0]!;
    assert.equal((await request(`${s.url}/api/auth/reset`, { method: 'POST', headers: { cookie } })).status, 200);
    assert.equal(s.vault.status(), 'sealed');
    const r = await fetch(`${s.url}/api/auth/setup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: PW2 }) });
    const body = (await r.json()) as { vault_status: string; recovery_key?: string };
    assert.equal(body.vault_status, 'sealed');
    assert.equal(body.recovery_key, undefined);
  });
});

describe('vault endpoints need an admin', () => {
  let s: TestServer;
  let read: string;
  before(async () => {
    s = await startTestServer();
    const r = await setup(s);
    read = (await createKey(s, r.cookie, ['operator.read', 'operator.write', 'operator.approvals', 'operator.pairing'], 'not-admin')).key;
  });
  after(() => s.stop());
  const endpoints: Array<[string, string]> = [
    ['GET', '/api/auth/vault/status'], ['POST', '/api/auth/vault/unlock'], ['POST', '/api/auth/vault/recovery'],
    ['POST', '/api/auth/vault/initialize'], ['GET', '/api/env'], ['POST', '/api/env'], ['DELETE', '/api/env/1'],
  ];
  for (const [method, path] of endpoints) {
    test(`${method} ${path}: anonymous → 401, non-admin key → 403`, async () => {
      const body = method === 'GET' || method === 'DELETE' ? undefined : { password: PASSWORD, key: 'K', value: 'v' };
      assert.equal((await request(`${s.url}${path}`, { method, body })).status, 401);
      const r = await request(`${s.url}${path}`, { method, body, headers: { authorization: `Bearer ${read}` } });
      assert.equal(r.status, 403);
      assert.equal(r.json.missing_scope, 'operator.admin');
    });
  }
});

describe('vault/initialize for a password that predates the vault', () => {
  test('needs the current password; returns a recovery key once', async () => {
    const s = await startTestServer();
    try {
      const { hashPassword } = await import('../../src/crypto/index.js');
      s.store.auth.setPasswordHash(await hashPassword(PASSWORD), Date.now());
      const l = await login(s);
      const cookie = String(l.headers['set-cookie']).split(';')[0]!;
      assert.equal(s.vault.status(), 'uninitialized');
      assert.equal((await putEnv(s, { cookie }, 'K', 'v')).status, 409); // never stored in plaintext
      const bad = await request(`${s.url}/api/auth/vault/initialize`, { method: 'POST', headers: { cookie }, body: { password: 'wrong password here' } });
      assert.equal(bad.status, 403);
      const ok = await request(`${s.url}/api/auth/vault/initialize`, { method: 'POST', headers: { cookie }, body: { password: PASSWORD } });
      assert.equal(ok.status, 200);
      assert.match(ok.json.recovery_key, /^[A-Z2-9-]{39}$/);
      const again = await request(`${s.url}/api/auth/vault/initialize`, { method: 'POST', headers: { cookie }, body: { password: PASSWORD } });
      assert.equal(again.status, 409);
      assert.equal((await putEnv(s, { cookie }, 'K', 'v')).status, 200);
    } finally { await s.stop(); }
  });
});
