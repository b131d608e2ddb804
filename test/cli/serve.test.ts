/**
 * `moltis serve` as a real process: first start on fresh directories, Ctrl-C, the setup/reset
 * cycle through `moltis auth reset-password`, API keys created and revoked by the CLI while the
 * gateway runs (the gateway re-reads the database on each request), and trust-ca after a TLS start.
 */
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LINUX_CA_DEST } from '../../src/tls/index.js';
import { request } from '../support/http.js';
import { PASSWORD } from '../support/server.js';
import { cleanEnv, KEY_RE, killAll, removeDirs, runCli, startCli, tempDirs, type CliDirs, type CliProcess } from './harness.js';

after(killAll);

const LISTENING = /listening on (https?:\/\/localhost:\d+) \(127\.0\.0\.1, started in \d+ ms\)\n/;
const SETUP_CODE = /setup code: ([ABCDEFGHJKMNPQRSTUVWXYZ23456789]{8})\b/;

/** Starts `moltis serve` on an ephemeral port and waits for its banner (ends with the auth lines). */
async function serve(d: CliDirs, extra: string[] = ['--no-tls']): Promise<{ p: CliProcess; url: string }> {
  const p = startCli(['serve', '--port', '0', ...extra, '--config-dir', d.configDir, '--data-dir', d.dataDir], cleanEnv(d));
  const url = (await p.waitFor(LISTENING))[1]!;
  const tier = (await p.waitFor(/ {2}auth: [^\n]*\n/))[0];
  if (tier.includes('no password or passkey yet')) await p.waitFor(SETUP_CODE);
  return { p, url };
}

/** Ctrl-C: the gateway must say `stopped` and exit 0 (SIGKILL and fail after 10 s). */
async function interrupt(p: CliProcess): Promise<void> {
  p.child.kill('SIGINT');
  const r = await p.exited(10_000);
  assert.equal(r.code, 0, `exit ${r.code} ${r.signal}\n${r.stderr}`);
  assert.match(r.stdout, /SIGINT received, shutting down…\nstopped\n$/);
}

const rpcHealth = (url: string, headers: Record<string, string> = {}) =>
  request(`${url}/api/rpc`, { method: 'POST', headers, body: { method: 'health' } });

describe('moltis serve --port 0 --no-tls on fresh directories', () => {
  let d: CliDirs;
  let s: { p: CliProcess; url: string };
  before(async () => { d = tempDirs(); s = await serve(d); });
  after(() => { s?.p.child.kill('SIGKILL'); removeDirs(d); });

  test('writes the example moltis.toml (0600) and prints the banner with URL, tier and setup code', async () => {
    const toml = join(d.configDir, 'moltis.toml');
    assert.equal(statSync(toml).mode & 0o777, 0o600);
    assert.match(readFileSync(toml, 'utf8'), /^\[server\]/m);
    let out = s.p.stdout();
    assert.ok(out.includes(`wrote a commented example config to ${toml}`), out);
    // Passkeys cannot work on an IP address: the printed URL names localhost.
    assert.match(s.url, /^http:\/\/localhost:[1-9]\d*$/);
    // One short sandbox line (printed once the probe ends, which may be after the listening line);
    // the setup code's expiry carries its time zone; the no-provider note points at the UI.
    await s.p.waitFor(/^ {2}(WARNING: )?sandbox: [a-z-]+ (\([^)]*\)|— )/m);
    out = s.p.stdout();
    assert.doesNotMatch(out, /sandbox: using/);
    assert.match(out, /valid until \d\d:\d\d:\d\d [A-Z][A-Za-z0-9+:-]*, single use/);
    assert.match(out, /note: No model provider is connected yet: open Settings > Models in the web UI/);
    assert.match(out, /auth: no password or passkey yet — full access from this machine \(tier 2\)/);
    assert.match(out, SETUP_CODE);
    assert.ok(out.includes(join(d.dataDir, 'moltis.db')), out);
    assert.equal(existsSync(d.home), false, 'nothing was written under HOME');
  });

  test('the printed URL answers /health', async () => {
    const r = await request(`${s.url}/health`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { ok: true });
  });

  test('SIGINT prints "stopped" and exits 0; the port is closed afterwards', async () => {
    await interrupt(s.p);
    await assert.rejects(request(`${s.url}/health`), /ECONNREFUSED/);
  });
});

describe('setup, CLI keys against the running gateway, reset-password', () => {
  let d: CliDirs;
  let env: NodeJS.ProcessEnv;
  let s: { p: CliProcess; url: string };
  let key = '';
  let id = '';
  before(async () => { d = tempDirs(); env = cleanEnv(d); s = await serve(d); });
  after(() => { s?.p.child.kill('SIGKILL'); removeDirs(d); });

  test('setup through HTTP makes the gateway tier 1 (anonymous local call → 401)', async () => {
    const r = await request(`${s.url}/api/auth/setup`, { method: 'POST', body: { password: PASSWORD } });
    assert.equal(r.status, 200, r.text);
    assert.equal((await rpcHealth(s.url)).status, 401);
  });

  test('a key created by the CLI while the gateway runs is accepted as Bearer', async () => {
    const c = await runCli(['auth', 'create-api-key', '--label', 'live', '--scopes', 'operator.read', '--data-dir', d.dataDir], env);
    assert.equal(c.code, 0, c.stderr);
    key = c.stdout.match(KEY_RE)![0];
    id = /\(id (\d+),/.exec(c.stdout)![1]!;
    const r = await rpcHealth(s.url, { authorization: `Bearer ${key}` });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.ok, true);
  });

  test('after `auth revoke-api-key` from the CLI the next request with it → 401', async () => {
    const c = await runCli(['auth', 'revoke-api-key', id, '--data-dir', d.dataDir], env);
    assert.equal(c.code, 0, c.stderr);
    const r = await rpcHealth(s.url, { authorization: `Bearer ${key}` });
    assert.equal(r.status, 401, r.text);
  });

  test('restarted with a password set: tier 1 banner, no setup code', async () => {
    await interrupt(s.p);
    s = await serve(d);
    assert.match(s.p.stdout(), /auth: tier 1 — a password or passkey is set/);
    assert.doesNotMatch(s.p.stdout(), SETUP_CODE);
    // The doctor's one-line summary (the default config has no critical finding).
    assert.match((await s.p.waitFor(/ {2}doctor: .*/))[0], /doctor: (no security warnings|0 critical)/);
    await interrupt(s.p);
  });

  test('`auth reset-password` while stopped → the next start prints a setup code again', async () => {
    const c = await runCli(['auth', 'reset-password', '--yes', '--data-dir', d.dataDir], env);
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stdout, /Password, sessions and API keys removed/);
    s = await serve(d);
    assert.match(s.p.stdout(), /auth: no password or passkey yet/);
    assert.match(s.p.stdout(), SETUP_CODE);
    // Tier 2 again: the old password no longer logs in.
    const login = await request(`${s.url}/api/auth/login`, { method: 'POST', body: { password: PASSWORD } });
    assert.notEqual(login.status, 200);
    await interrupt(s.p);
  });
});

describe('moltis serve with TLS, then trust-ca', () => {
  let d: CliDirs;
  before(() => { d = tempDirs(); });
  after(() => removeDirs(d));

  test('first TLS start creates the CA ("new CA", not "replaced") and serves HTTPS', async () => {
    const s = await serve(d, []);
    try {
      assert.match(s.url, /^https:\/\//);
      const out = s.p.stdout();
      assert.match(out, /created Moltis local CA/);
      // Hints are spelled the way this user can run them (moltis is not on the scrubbed PATH).
      assert.match(out, /run `npx moltis trust-ca` to remove browser warnings/);
      assert.doesNotMatch(out, /`moltis trust-ca`/);
      assert.match(out, /issued TLS server certificate .*\(new CA\)/);
      assert.doesNotMatch(out, /replaced/i);
      const ca = readFileSync(join(d.configDir, 'certs', 'ca.pem'), 'utf8');
      assert.equal((await request(`${s.url}/health`, { ca })).status, 200);
    } finally {
      await interrupt(s.p);
    }
  });

  test('trust-ca prints the OS steps for the CA and changes nothing without --run', async () => {
    const destBefore = existsSync(LINUX_CA_DEST);
    const ca = join(d.configDir, 'certs', 'ca.pem');
    const r = await runCli(['trust-ca', '--config-dir', d.configDir], cleanEnv(d));
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(ca), r.stdout);
    if (process.platform === 'linux') {
      assert.match(r.stdout, /update-ca-certificates/);
      assert.ok(r.stdout.includes(`cp ${ca} ${LINUX_CA_DEST}`), r.stdout);
      assert.equal(existsSync(LINUX_CA_DEST), destBefore, 'nothing was installed');
    }
  });
});
