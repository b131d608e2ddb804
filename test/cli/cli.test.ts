/**
 * The `moltis` command line as a user runs it (real child processes, temp directories, no
 * MOLTIS_* environment): help, offline API-key management, strict config errors, trust-ca.
 * The running-gateway side (serve, SIGINT, live revocation) is in serve.test.ts.
 */
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv, KEY_RE, killAll, removeDirs, runCli, tempDirs, type CliDirs } from './harness.js';

after(killAll);

describe('help', () => {
  const d = tempDirs();
  after(() => removeDirs(d));

  test('--help lists every serve flag and every command', async () => {
    const r = await runCli(['--help'], cleanEnv(d));
    assert.equal(r.code, 0, r.stderr);
    for (const flag of ['--bind', '--port', '--no-tls', '--config-dir', '--data-dir']) assert.ok(r.stdout.includes(flag), `${flag} missing:\n${r.stdout}`);
    for (const cmd of ['serve', 'auth', 'trust-ca', 'config']) assert.match(r.stdout, new RegExp(`^\\s+${cmd}\\b`, 'm'), `${cmd} missing`);
  });

  test('auth create-api-key --help shows --label and --scopes (with the valid scopes)', async () => {
    const r = await runCli(['auth', 'create-api-key', '--help'], cleanEnv(d));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /--label <label>/);
    assert.match(r.stdout, /--scopes <list>/);
    assert.match(r.stdout, /operator\.read/);
  });
});

describe('auth: API keys offline against the data directory', () => {
  let d: CliDirs;
  let env: NodeJS.ProcessEnv;
  let key = '';
  let id = '';
  // The gateway creates the data dir on its first start; commands other than serve need it to exist.
  before(() => { d = tempDirs(); env = cleanEnv(d); mkdirSync(d.dataDir, { recursive: true }); });
  after(() => removeDirs(d));

  test('create-api-key prints the key exactly once', async () => {
    const r = await runCli(['auth', 'create-api-key', '--label', 'CI', '--scopes', 'operator.read,operator.write', '--data-dir', d.dataDir], env);
    assert.equal(r.code, 0, r.stderr);
    const keys = r.stdout.match(KEY_RE) ?? [];
    assert.equal(keys.length, 1, r.stdout);
    assert.equal(r.stderr.match(KEY_RE), null);
    key = keys[0]!;
    id = /\(id (\d+),/.exec(r.stdout)?.[1] ?? '';
    assert.match(id, /^\d+$/);
    assert.ok(existsSync(join(d.dataDir, 'moltis.db')), 'the database is in --data-dir');
    assert.equal(existsSync(d.home), false, 'nothing was written under HOME');
  });

  test('list-api-keys shows the prefix, label and scopes, never the key', async () => {
    const r = await runCli(['auth', 'list-api-keys', '--data-dir', d.dataDir], env);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(key.slice(0, 11)), r.stdout);
    assert.match(r.stdout, /\bCI\b/);
    assert.match(r.stdout, /operator\.read, operator\.write/);
    assert.equal(r.stdout.includes(key), false);
    assert.equal(r.stdout.includes(key.slice(11)), false, 'no secret part of the key');
  });

  test('--data-dir before the subcommand means the same directory', async () => {
    const r = await runCli(['--data-dir', d.dataDir, 'auth', 'list-api-keys'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(key.slice(0, 11)), r.stdout);
  });

  test('revoke-api-key removes it from the list', async () => {
    const r = await runCli(['auth', 'revoke-api-key', id, '--data-dir', d.dataDir], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`API key ${id} revoked`));
    const l = await runCli(['auth', 'list-api-keys', '--data-dir', d.dataDir], env);
    assert.equal(l.stdout.includes(key.slice(0, 11)), false, l.stdout);
    assert.match(l.stdout, /no API keys/);
  });

  for (const [name, scopeArgs] of [['--scopes ""', ['--scopes', '']], ['--scopes ","', ['--scopes', ',']], ['no --scopes', []]] as const) {
    test(`${name} → non-zero, says a scope is required, creates no key`, async () => {
      const r = await runCli(['auth', 'create-api-key', '--label', 'x', ...scopeArgs, '--data-dir', d.dataDir], env);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /scope/i);
      assert.match(r.stderr, /required/i);
      assert.equal(r.stdout.match(KEY_RE), null);
    });
  }

  test('an invalid scope → non-zero with "invalid scope", creates no key', async () => {
    const r = await runCli(['auth', 'create-api-key', '--label', 'x', '--scopes', 'operator.read,operator.root', '--data-dir', d.dataDir], env);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /invalid scope/);
    assert.match(r.stderr, /operator\.root/);
    assert.equal(r.stdout.match(KEY_RE), null);
    const l = await runCli(['auth', 'list-api-keys', '--data-dir', d.dataDir], env);
    assert.match(l.stdout, /no API keys/);
  });

  test('revoke-api-key with a non-numeric id → non-zero', async () => {
    const r = await runCli(['auth', 'revoke-api-key', 'abc', '--data-dir', d.dataDir], env);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /not a key id/);
  });
});

describe('config with an unknown key', () => {
  let d: CliDirs;
  before(() => {
    d = tempDirs();
    mkdirSync(d.configDir, { recursive: true });
    writeFileSync(join(d.configDir, 'moltis.toml'), '[server]\nfoo = 1\n');
  });
  after(() => removeDirs(d));

  const expectPositioned = (r: { code: number | null; stderr: string }) => {
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /server\.foo/);
    assert.ok(r.stderr.includes(`${join(d.configDir, 'moltis.toml')}:2:1`), r.stderr);
  };

  test('moltis serve exits 2 naming server.foo at moltis.toml:2:1, and starts nothing', async () => {
    const r = await runCli(['serve', '--port', '0', '--no-tls', '--config-dir', d.configDir, '--data-dir', d.dataDir], cleanEnv(d));
    expectPositioned(r);
    assert.doesNotMatch(r.stdout, /listening/);
    assert.equal(existsSync(d.dataDir), false);
  });

  test('moltis (no command) and --config-dir before the command agree', async () => {
    expectPositioned(await runCli(['--port', '0', '--config-dir', d.configDir, '--data-dir', d.dataDir], cleanEnv(d)));
    expectPositioned(await runCli(['--config-dir', d.configDir, 'config', 'check'], cleanEnv(d)));
  });

  test('moltis config check exits 2 with the same position; a valid file is ok', async () => {
    expectPositioned(await runCli(['config', 'check', '--config-dir', d.configDir], cleanEnv(d)));
    const good = tempDirs();
    try {
      mkdirSync(good.configDir, { recursive: true });
      writeFileSync(join(good.configDir, 'moltis.toml'), '[server]\nport = 0\n');
      const r = await runCli(['config', 'check', '--config-dir', good.configDir], cleanEnv(good));
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /moltis\.toml: ok/);
    } finally {
      removeDirs(good);
    }
  });

  test('a flag beats the environment: --config-dir wins over MOLTIS_CONFIG_DIR', async () => {
    const other = tempDirs();
    try {
      expectPositioned(await runCli(['config', 'check', '--config-dir', d.configDir], cleanEnv(d, { MOLTIS_CONFIG_DIR: other.configDir })));
    } finally {
      removeDirs(other);
    }
  });
});

describe('trust-ca', () => {
  const d = tempDirs();
  after(() => removeDirs(d));

  test('without a CA → non-zero, tells to start the gateway first', async () => {
    const r = await runCli(['trust-ca', '--config-dir', d.configDir], cleanEnv(d));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /no CA at .*ca\.pem/);
    assert.match(r.stderr, /start the gateway/);
  });
});

describe('mistakes a newcomer makes', () => {
  let d: CliDirs;
  before(() => { d = tempDirs(); mkdirSync(d.dataDir, { recursive: true }); });
  after(() => removeDirs(d));

  test('an unknown command says so and suggests the nearest one (not "too many arguments")', async () => {
    const serv = await runCli(['serv'], cleanEnv(d));
    assert.equal(serv.code, 2);
    assert.match(serv.stderr, /^moltis: unknown command "serv": did you mean `serve`\?/);
    assert.doesNotMatch(serv.stderr, /too many arguments/);
    const far = await runCli(['frobnicate'], cleanEnv(d));
    assert.match(far.stderr, /unknown command "frobnicate": commands: serve, auth/);
    assert.doesNotMatch(far.stdout, /listening/);
  });

  test('a mistyped --data-dir is refused outside serve, and no database appears there', async () => {
    const typo = join(d.root, 'dta');
    for (const args of [['auth', 'list-api-keys', '--data-dir', typo], ['auth', 'create-api-key', '--label', 'x', '--scopes', 'operator.read', '--data-dir', typo], ['auth', 'reset-password', '--yes', '--data-dir', typo]]) {
      const r = await runCli(args, cleanEnv(d));
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, /no data directory at .*dta: check --data-dir/);
    }
    assert.equal(existsSync(typo), false);
  });

  test('auth reset-password asks first: without a terminal it needs --yes, and changes nothing otherwise', async () => {
    const env = cleanEnv(d);
    const created = await runCli(['auth', 'create-api-key', '--label', 'keep', '--scopes', 'operator.read', '--data-dir', d.dataDir], env);
    assert.equal(created.code, 0, created.stderr);
    const refused = await runCli(['auth', 'reset-password', '--data-dir', d.dataDir], env);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /run it again with --yes to confirm/);
    assert.match((await runCli(['auth', 'list-api-keys', '--data-dir', d.dataDir], env)).stdout, /\bkeep\b/);
    const done = await runCli(['auth', 'reset-password', '--yes', '--data-dir', d.dataDir], env);
    assert.equal(done.code, 0, done.stderr);
    assert.match((await runCli(['auth', 'list-api-keys', '--data-dir', d.dataDir], env)).stdout, /no API keys/);
  });

  test('config check on a missing file says it is missing; a bad value is found under an env override', async () => {
    const missing = await runCli(['config', 'check', '--config-dir', join(d.root, 'nope')], cleanEnv(d));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\/moltis\.toml does not exist/);
    assert.doesNotMatch(missing.stdout, /ok/);
    mkdirSync(d.configDir, { recursive: true });
    writeFileSync(join(d.configDir, 'moltis.toml'), '[server]\nport = "abc"\n');
    const r = await runCli(['config', 'check', '--config-dir', d.configDir], cleanEnv(d, { MOLTIS_SERVER__PORT: '23132' }));
    assert.equal(r.code, 2, r.stdout);
    assert.ok(r.stderr.includes(`${join(d.configDir, 'moltis.toml')}:2:`), r.stderr);
    const serve = await runCli(['serve', '--port', '23132', '--no-tls', '--config-dir', d.configDir, '--data-dir', d.dataDir], cleanEnv(d));
    assert.equal(serve.code, 2, 'a flag does not hide a bad value in the file');
  });
});
