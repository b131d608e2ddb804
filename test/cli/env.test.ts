/**
 * `moltis env set|list|unset` against a running gateway over TLS (trusting the local CA from
 * the config dir), with an admin API key; values travel on stdin and are never printed.
 */
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, PASSWORD, type TestServer } from '../support/server.js';
import { request } from '../support/http.js';
import { cleanEnv, killAll, removeDirs, runCli, tempDirs, type CliDirs } from './harness.js';

after(killAll);

describe('moltis env', () => {
  let s: TestServer;
  let d: CliDirs;
  let admin: string;
  let reader: string;
  before(async () => {
    s = await startTestServer({ tls: true });
    const ca = s.tls!.caPem!;
    const setup = await request(`${s.url}/api/auth/setup`, { method: 'POST', body: { password: PASSWORD }, ca });
    const cookie = String(setup.headers['set-cookie']).split(';')[0]!;
    const key = async (scopes: string[]) => (await request(`${s.url}/api/auth/api-keys`, { method: 'POST', headers: { cookie }, body: { label: 'cli', scopes }, ca })).json.key as string;
    admin = await key(['operator.admin']);
    reader = await key(['operator.read']);
    d = tempDirs();
  });
  after(async () => { await s.stop(); removeDirs(d); });
  const args = (key: string) => ['--url', s.url, '--api-key', key, '--config-dir', s.dirs.configDir];

  test('set reads the value from stdin; list shows names only; unset removes', async () => {
    const set = await runCli(['env', 'set', 'API_TOKEN', ...args(admin)], cleanEnv(d), 30_000, 'tok-123-secret\n');
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /API_TOKEN stored in the vault/);
    assert.equal(s.vault.secrets.get('env', 'API_TOKEN'), 'tok-123-secret');
    const list = await runCli(['env', 'list', ...args(admin)], cleanEnv(d));
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /API_TOKEN/);
    assert.ok(!list.stdout.includes('tok-123-secret'));
    const unset = await runCli(['env', 'unset', 'API_TOKEN', ...args(admin)], cleanEnv(d));
    assert.equal(unset.code, 0, unset.stderr);
    assert.equal(s.vault.secrets.get('env', 'API_TOKEN'), null);
  });

  test('MOLTIS_GATEWAY_URL and MOLTIS_API_KEY work as well as flags', async () => {
    const env = cleanEnv(d, { MOLTIS_GATEWAY_URL: s.url, MOLTIS_API_KEY: admin, MOLTIS_CONFIG_DIR: s.dirs.configDir });
    const r = await runCli(['env', 'list'], env);
    assert.equal(r.code, 0, r.stderr);
  });

  test('a non-admin key is refused with a message naming the scope', async () => {
    const r = await runCli(['env', 'list', ...args(reader)], cleanEnv(d));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /operator\.admin/);
  });

  test('no key → tells how to create one', async () => {
    const r = await runCli(['env', 'list', '--url', s.url, '--config-dir', s.dirs.configDir], cleanEnv(d));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /create-api-key/);
  });

  test('unset of an unknown name fails clearly', async () => {
    const r = await runCli(['env', 'unset', 'NOPE', ...args(admin)], cleanEnv(d));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /no environment variable named NOPE/);
  });
});
