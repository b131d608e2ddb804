import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, ConfigError, CONFIG_ERROR_CODES, DEFAULTS, type ConfigIssue } from './index.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(os.tmpdir() + '/moltis-cfg-');
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Writes moltis.toml into the temp dir and loads it. */
function load(toml: string, extra: Omit<Parameters<typeof loadConfig>[0], 'configDir'> = {}) {
  fs.writeFileSync(path.join(dir, 'moltis.toml'), toml);
  return loadConfig({ configDir: dir, ...extra });
}

/** Runs fn, asserts it throws a ConfigError with `code`, returns it. */
function configError(fn: () => unknown, code: string = CONFIG_ERROR_CODES.INVALID): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.equal(err.code, code);
    return err;
  }
  assert.fail('expected a ConfigError');
}

function issue(err: ConfigError, key: string): ConfigIssue {
  const found = err.issues.find((i) => i.key === key);
  assert.ok(found, `no issue for ${key}; issues: ${JSON.stringify(err.issues)}`);
  return found;
}

describe('first run', () => {
  test('missing file: example written 0600 in a 0700 dir, loads to DEFAULTS, created=true; then created=false', () => {
    const configDir = path.join(dir, 'nested', 'moltis');
    const first = loadConfig({ configDir });
    assert.equal(first.created, true);
    assert.equal(first.path, path.join(configDir, 'moltis.toml'));
    assert.deepEqual(first.config, DEFAULTS);
    assert.equal(fs.statSync(first.path).mode & 0o777, 0o600);
    assert.equal(fs.statSync(configDir).mode & 0o777, 0o700);
    const second = loadConfig({ configDir });
    assert.equal(second.created, false);
    assert.deepEqual(second.config, DEFAULTS);
  });

  test('an existing file is never overwritten', () => {
    const r = load('[server]\nport = 4242\n');
    assert.equal(r.created, false);
    assert.equal(r.config.server.port, 4242);
    assert.equal(fs.readFileSync(r.path, 'utf8'), '[server]\nport = 4242\n');
  });

  test('writeExample=false: no file is created, defaults plus overrides load', () => {
    const r = loadConfig({ configDir: path.join(dir, 'absent'), writeExample: false, env: { MOLTIS_SERVER__PORT: '7' } });
    assert.equal(r.created, false);
    assert.equal(fs.existsSync(r.path), false);
    assert.equal(r.config.server.port, 7);
  });

  test('a dangling symlink at the config path is not followed to create a file', () => {
    const target = path.join(dir, 'elsewhere.toml');
    fs.symlinkSync(target, path.join(dir, 'moltis.toml'));
    const err = configError(() => loadConfig({ configDir: dir }), CONFIG_ERROR_CODES.IO);
    assert.match(err.message, /moltis\.toml/);
    assert.equal(fs.existsSync(target), false);
  });
});

describe('strict validation with positions', () => {
  test('unknown top-level key', () => {
    const err = configError(() => load('[server]\nport = 1\n\nfoo = 1\n'));
    // `foo` sits under [server] here; a bare top-level key comes before any header
    assert.deepEqual(
      { ...issue(err, 'server.foo') },
      { key: 'server.foo', line: 4, column: 1, source: path.join(dir, 'moltis.toml'), message: 'unknown key "foo" (allowed: bind, port, allowed_origins, trusted_proxies, behind_proxy, http_redirect_port, max_connections, max_connections_per_ip, headers_timeout_secs, request_timeout_secs, unauthenticated_body_timeout_secs, throttle)' },
    );
    const top = configError(() => load('# comment\n  foo = "x"\n[server]\n'));
    assert.deepEqual({ ...issue(top, 'foo'), source: '' }, { key: 'foo', line: 2, column: 3, source: '', message: 'unknown key "foo" (allowed: server, auth, agent, providers, tools, hooks, cron, heartbeat, channels, tls, audit, monitoring)' });
    assert.match(top.message, /moltis\.toml:2:3: foo: unknown key "foo" \(allowed: server, auth, agent, providers, tools, hooks, cron, heartbeat, channels, tls, audit, monitoring\)$/);
  });

  test('unknown table header', () => {
    const err = configError(() => load('[server]\nport = 1\n[sever.throttle]\nws_max = 1\n'));
    const i = issue(err, 'sever');
    assert.deepEqual([i.line, i.column], [3, 2]);
  });

  test('unknown nested key in [server.throttle]', () => {
    const err = configError(() => load('[server]\nbind = "127.0.0.1"\n\n[server.throttle]\nlogin_max = 3\n    foo = 1\n'));
    const i = issue(err, 'server.throttle.foo');
    assert.deepEqual([i.line, i.column], [6, 5]);
    assert.match(i.message, /^unknown key "foo" \(allowed: enabled, login_max, .*max_buckets\)$/);
  });

  test('bad type: port = "x"', () => {
    const err = configError(() => load('[server]\n  port = "x"\n'));
    const i = issue(err, 'server.port');
    assert.deepEqual([i.line, i.column], [2, 3]);
    assert.equal(i.message, 'expected an integer, got "x"');
    assert.match(err.message, /moltis\.toml:2:3: server\.port: expected an integer, got "x"$/);
  });

  test('out of range: port = 70000, and a float', () => {
    const err = configError(() => load('[auth]\nmax_sessions = 2\n[server]\nbind = "::1"\nport = 70000\n'));
    const i = issue(err, 'server.port');
    assert.deepEqual([i.line, i.column], [5, 1]);
    assert.equal(i.message, 'expected a value <= 65535, got 70000');
    assert.equal(err.issues.length, 1);
    const huge = configError(() => load('', { env: { MOLTIS_SERVER__PORT: '1e300' } }));
    assert.equal(huge.issues.length, 1, 'one message per bound, not zod\'s safe-int one as well');
    const float = configError(() => load('server.port = 1.5\n'));
    assert.equal(issue(float, 'server.port').message, 'expected an integer, got 1.5');
  });

  test('every problem is reported, in file order, with dotted keys and array indices', () => {
    const toml = [
      'server.port = -1',
      '[auth.login_guard]',
      'ban_threshold = 0',
      '[tls]',
      'extra_names = ["ok.example", "*.com"]',
    ].join('\n');
    const err = configError(() => load(toml));
    assert.deepEqual(
      err.issues.map((i) => [i.key, i.line, i.column]),
      [
        ['server.port', 1, 8],
        ['auth.login_guard.ban_threshold', 3, 1],
        ['tls.extra_names[1]', 5, 30],
      ],
    );
    assert.match(err.message, /^invalid configuration \(3 problems\):\n/);
  });

  test('TOML syntax error → CONFIG_PARSE with line and column', () => {
    const err = configError(() => load('[server]\nport = 1\nbind = "unterminated\n'), CONFIG_ERROR_CODES.PARSE);
    assert.equal(err.line, 3);
    assert.ok(err.column >= 1);
    assert.equal(err.file, path.join(dir, 'moltis.toml'));
    assert.match(err.message, new RegExp(`^${path.join(dir, 'moltis.toml').replace(/[.]/g, '\\.')}:3:\\d+: `));
    const dup = configError(() => load('[server]\nport = 1\nport = 2\n'), CONFIG_ERROR_CODES.PARSE);
    assert.equal(dup.line, 3);
  });
});

describe('overrides', () => {
  test('MOLTIS_SERVER__PORT and JSON arrays from env', () => {
    const r = load('[server]\nport = 1\n', { env: { MOLTIS_SERVER__PORT: '1234', MOLTIS_TLS__EXTRA_NAMES: '["a.example"]', MOLTIS_SERVER__BIND: '::1' } });
    assert.equal(r.config.server.port, 1234);
    assert.deepEqual(r.config.tls.extra_names, ['a.example']);
    assert.equal(r.config.server.bind, '::1');
  });

  test('three-segment env path and string values', () => {
    const r = load('', { env: { MOLTIS_SERVER__THROTTLE__WS_MAX: '0', MOLTIS_AUTH__LOGIN_GUARD__BAN_THRESHOLD: '3' } });
    assert.equal(r.config.server.throttle.ws_max, 0);
    assert.equal(r.config.auth.login_guard.ban_threshold, 3);
  });

  test('unknown key from env is an error naming the variable', () => {
    const err = configError(() => load('', { env: { MOLTIS_SERVER__PROT: '1' } }));
    const i = issue(err, 'server.prot');
    assert.deepEqual([i.line, i.column, i.source], [0, 0, 'env MOLTIS_SERVER__PROT']);
    assert.match(err.message, /env MOLTIS_SERVER__PROT: server\.prot: unknown key "prot"/);
    const top = configError(() => load('', { env: { MOLTIS_SEVRER__PORT: '1' } }));
    assert.equal(issue(top, 'sevrer').source, 'env MOLTIS_SEVRER__PORT');
  });

  test('a bad value from env names the variable', () => {
    const err = configError(() => load('[server]\nport = 1\n', { env: { MOLTIS_SERVER__PORT: 'abc' } }));
    assert.deepEqual({ ...issue(err, 'server.port') }, { key: 'server.port', line: 0, column: 0, source: 'env MOLTIS_SERVER__PORT', message: 'expected an integer, got "abc"' });
  });

  test('reserved names and names without "__" are not overrides', () => {
    const env = { MOLTIS_CONFIG_DIR: '/x', MOLTIS_TOKEN: 't', MOLTIS_PASSWORD: 'p', MOLTIS_EXTERNAL_URL: 'https://x', MOLTIS_SOMETHING: '1', OTHER__X: '1', MOLTIS_E2E_SETUP_CODE: '123456' };
    assert.deepEqual(load('', { env }).config, DEFAULTS);
  });

  test('prototype-reaching env names become unknown keys, not pollution', () => {
    const err = configError(() => load('', { env: { MOLTIS_CONSTRUCTOR__PROTOTYPE: '{"polluted":1}', MOLTIS_SERVER__HASOWNPROPERTY: '1' } }));
    assert.ok(err.issues.some((i) => i.key === 'constructor'));
    assert.ok(err.issues.some((i) => i.key === 'server.hasownproperty'));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('MOLTIS_NO_TLS truthy values disable TLS; falsy values leave it; junk is an error', () => {
    for (const v of ['1', 'true', 'TRUE', 'yes', 'On']) assert.equal(load('', { env: { MOLTIS_NO_TLS: v } }).config.tls.enabled, false, v);
    for (const v of ['0', 'false', 'No', 'off', '']) assert.equal(load('', { env: { MOLTIS_NO_TLS: v } }).config.tls.enabled, true, v);
    const err = configError(() => load('', { env: { MOLTIS_NO_TLS: 'maybe' } }));
    assert.equal(issue(err, 'tls.enabled').source, 'env MOLTIS_NO_TLS');
  });

  test('MOLTIS_BEHIND_PROXY sets server.behind_proxy; junk is an error, not "off"', () => {
    assert.equal(load('', { env: { MOLTIS_BEHIND_PROXY: '1' } }).config.server.behind_proxy, true);
    assert.equal(load('', { env: { MOLTIS_BEHIND_PROXY: 'True' } }).config.server.behind_proxy, true);
    assert.equal(load('server.behind_proxy = true', { env: { MOLTIS_BEHIND_PROXY: '0' } }).config.server.behind_proxy, true);
    assert.equal(load('', { env: {} }).config.server.behind_proxy, false);
    configError(() => load('', { env: { MOLTIS_BEHIND_PROXY: 'proxy' } }));
  });

  test('CLI overrides win over file and env', () => {
    const r = load('[server]\nport = 1\nbind = "0.0.0.0"\n[tls]\nenabled = true\n', {
      env: { MOLTIS_SERVER__PORT: '2', MOLTIS_TLS__ENABLED: 'true', MOLTIS_SERVER__BEHIND_PROXY: 'false' },
      overrides: { port: 3, bind: 'localhost', noTls: true, behindProxy: true },
    });
    assert.equal(r.config.server.port, 3);
    assert.equal(r.config.server.bind, 'localhost');
    assert.equal(r.config.tls.enabled, false);
    assert.equal(r.config.server.behind_proxy, true);
  });

  test('flags set to false change nothing (they only switch on)', () => {
    const r = load('', { env: { MOLTIS_BEHIND_PROXY: '1', MOLTIS_NO_TLS: '1' }, overrides: { noTls: false, behindProxy: false } });
    assert.equal(r.config.server.behind_proxy, true);
    assert.equal(r.config.tls.enabled, false);
  });

  test('a bad CLI value is validated and names the flag', () => {
    const err = configError(() => load('', { overrides: { port: 70000 } }));
    assert.equal(issue(err, 'server.port').source, 'flag --port');
  });
});

describe('frozen result', () => {
  test('assignment to the config throws in strict mode, at every depth', () => {
    const { config } = load('[server]\nallowed_origins = ["https://chat.example.com"]\n');
    assert.ok(Object.isFrozen(config));
    assert.throws(() => {
      (config as { server: { port: number } }).server.port = 1;
    }, TypeError);
    assert.throws(() => {
      (config.server.allowed_origins as string[]).push('https://evil.example');
    }, TypeError);
    assert.throws(() => {
      (config.server.throttle as { ws_max: number }).ws_max = 1e9;
    }, TypeError);
    assert.ok(Object.isFrozen(DEFAULTS.server.trusted_proxies));
  });

  test('loading twice never shares arrays with DEFAULTS', () => {
    const a = loadConfig({ configDir: dir }).config;
    assert.notEqual(a.server.trusted_proxies, DEFAULTS.server.trusted_proxies);
  });
});

describe('the file is validated as written, then with overrides', () => {
  test('a bad value in the file is an error even when a flag or env var overrides it', () => {
    const viaFlag = configError(() => load('[server]\nport = "abc"\n', { overrides: { port: 23132 } }));
    assert.equal(issue(viaFlag, 'server.port').line, 2);
    assert.equal(issue(viaFlag, 'server.port').source, path.join(dir, 'moltis.toml'));
    const viaEnv = configError(() => load('[server]\nport = "abc"\n', { env: { MOLTIS_SERVER__PORT: '23132' } }));
    assert.match(issue(viaEnv, 'server.port').message, /expected an integer, got "abc"/);
  });

  test('an override is still checked on its own', () => {
    const e = configError(() => load('[server]\nport = 1\n', { env: { MOLTIS_SERVER__PORT: '"abc"' } }));
    assert.equal(issue(e, 'server.port').source, 'env MOLTIS_SERVER__PORT');
  });

  test('an enabled provider without models is an error; a disabled one may have none', () => {
    const e = configError(() => load('[providers.openai]\nenabled = true\n'));
    assert.match(issue(e, 'providers.openai.models').message, /an enabled provider needs at least one model/);
    assert.deepEqual(load('[providers.openai]\nenabled = false\n').config.providers.openai?.models, []);
  });
});
