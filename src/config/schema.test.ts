import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, ConfigError, DEFAULTS, type ConfigIssue } from './index.js';

/** Parses `toml` and returns its issues ([] when it is valid). */
function issues(toml: string): ConfigIssue[] {
  try {
    parseConfig(toml);
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return [...err.issues];
  }
}

function rejects(toml: string, key: string, message: RegExp): ConfigIssue {
  const found = issues(toml).find((i) => i.key === key);
  assert.ok(found, `expected an issue for ${key} in: ${toml}`);
  assert.match(found.message, message);
  return found;
}

describe('defaults', () => {
  test('an empty document is exactly DEFAULTS', () => {
    assert.deepEqual(parseConfig(''), DEFAULTS);
    assert.deepEqual(parseConfig('[server]\n[server.throttle]\n[auth]\n[auth.login_guard]\n[tls]\n'), DEFAULTS);
  });

  test('DEFAULTS carry the documented values', () => {
    assert.equal(DEFAULTS.server.bind, '127.0.0.1');
    assert.equal(DEFAULTS.server.port, 13131);
    assert.deepEqual(DEFAULTS.server.trusted_proxies, ['127.0.0.1/32', '::1/128']);
    assert.equal(DEFAULTS.server.throttle.max_buckets, 10000);
    assert.equal(DEFAULTS.auth.session_idle_timeout_mins, 10080);
    assert.equal(DEFAULTS.auth.login_guard.ban_max_secs, 86400);
    assert.equal(DEFAULTS.tls.cert_path, undefined);
    assert.ok('cert_path' in DEFAULTS.tls);
  });
});

describe('server.allowed_origins', () => {
  test('wildcards are rejected', () => {
    rejects('server.allowed_origins = ["*"]', 'server.allowed_origins[0]', /wildcard/);
    rejects('server.allowed_origins = ["https://*.example.com"]', 'server.allowed_origins[0]', /wildcard/);
  });

  test('paths, other schemes, credentials and bare hosts are rejected', () => {
    for (const bad of ['https://chat.example.com/', 'https://chat.example.com/app', 'ftp://x.example', 'chat.example.com', 'https://u:p@x.example', 'null', 'https://x.example?q=1']) {
      rejects(`server.allowed_origins = [${JSON.stringify(bad)}]`, 'server.allowed_origins[0]', /origin/);
    }
  });

  test('valid origins are kept in browser serialization', () => {
    const c = parseConfig('server.allowed_origins = ["https://Chat.Example.com:443", "http://localhost:8080", "https://[::1]:9443"]');
    assert.deepEqual(c.server.allowed_origins, ['https://chat.example.com', 'http://localhost:8080', 'https://[::1]:9443']);
  });
});

describe('server.trusted_proxies', () => {
  test('bad CIDRs are rejected', () => {
    for (const bad of ['10.0.0.1', '10.0.0.0/33', '::/129', 'example.com/8', '10.0.0/8', '010.0.0.0/8', 'fe80::1%eth0/64', '10.0.0.0/-1']) {
      rejects(`server.trusted_proxies = [${JSON.stringify(bad)}]`, 'server.trusted_proxies[0]', /./);
    }
  });

  test('a /0 (trust every client) is rejected', () => {
    rejects('server.trusted_proxies = ["0.0.0.0/0"]', 'server.trusted_proxies[0]', /every client/);
    rejects('server.trusted_proxies = ["::/0"]', 'server.trusted_proxies[0]', /every client/);
  });

  test('IPv4 and IPv6 networks are accepted', () => {
    const c = parseConfig('server.trusted_proxies = ["10.0.0.0/8", "192.168.1.7/32", "fd00::/8", "::ffff:10.0.0.0/104"]');
    assert.equal(c.server.trusted_proxies.length, 4);
  });
});

describe('tls', () => {
  test('cert_path without key_path is rejected on the missing key, and vice versa', () => {
    const i = rejects('[tls]\ncert_path = "/etc/moltis/cert.pem"\n', 'tls.key_path', /key_path must be set/);
    assert.deepEqual([i.line, i.column], [1, 2], 'falls back to the [tls] header');
    rejects('[tls]\nkey_path = "/k.pem"\ncert_path = ""\n', 'tls.cert_path', /cert_path must be set/);
    const c = parseConfig('[tls]\ncert_path = "/c.pem"\nkey_path = "/k.pem"\nca_cert_path = ""\n');
    assert.equal(c.tls.cert_path, '/c.pem');
    assert.equal(c.tls.ca_cert_path, undefined);
  });

  test('extra_names: "*.com" and other wildcards are rejected', () => {
    rejects('tls.extra_names = ["*.com"]', 'tls.extra_names[0]', /at least two labels/);
    rejects('tls.extra_names = ["*"]', 'tls.extra_names[0]', /./);
    rejects('tls.extra_names = ["*.*.example.com"]', 'tls.extra_names[0]', /./);
    rejects('tls.extra_names = ["a*.example.com"]', 'tls.extra_names[0]', /leading/);
    rejects('tls.extra_names = ["bad_name.example"]', 'tls.extra_names[0]', /DNS name/);
    rejects('tls.extra_names = ["1.2.3"]', 'tls.extra_names[0]', /DNS name/);
  });

  test('extra_names: names, IPs and two-label wildcards are accepted', () => {
    const c = parseConfig('tls.extra_names = ["moltis.lan", "localhost", "*.example.com", "192.168.1.10", "fd00::1"]');
    assert.equal(c.tls.extra_names.length, 5);
  });

  test('renew_before_days must be less than leaf_validity_days; validity is capped', () => {
    rejects('[tls]\nleaf_validity_days = 30\nrenew_before_days = 30\n', 'tls.renew_before_days', /less than leaf_validity_days/);
    rejects('[tls]\nleaf_validity_days = 900\n', 'tls.leaf_validity_days', /<= 825/);
  });
});

describe('integer bounds', () => {
  test('*_max may be 0 (always deny); windows must be >= 1', () => {
    assert.equal(parseConfig('[server.throttle]\nlogin_max = 0\napi_max = 0\n').server.throttle.login_max, 0);
    rejects('[server.throttle]\nlogin_window_secs = 0\n', 'server.throttle.login_window_secs', />= 1/);
    rejects('[server.throttle]\nws_max = -1\n', 'server.throttle.ws_max', />= 0/);
    rejects('[server.throttle]\nmax_buckets = 0\n', 'server.throttle.max_buckets', />= 1/);
  });

  test('port 0 is allowed for tests', () => {
    assert.equal(parseConfig('server.port = 0').server.port, 0);
  });

  test('auth limits', () => {
    rejects('auth.max_sessions = 0', 'auth.max_sessions', />= 1/);
    rejects('auth.setup_code_ttl_mins = 100000', 'auth.setup_code_ttl_mins', /<= 1440/);
    rejects('[auth.login_guard]\nban_base_secs = 600\nban_max_secs = 60\n', 'auth.login_guard.ban_base_secs', /ban_max_secs/);
    rejects('auth.disabled = "no"', 'auth.disabled', /expected a boolean, got "no"/);
    rejects('server.port = inf', 'server.port', /expected an integer, got Infinity/);
    rejects('server.bind = 1979-05-27', 'server.bind', /expected a string, got date 1979-05-27/);
  });

  test('a table where a value belongs, and a value where a table belongs', () => {
    rejects('server = 1', 'server', /expected a table, got 1/);
    rejects('[server.port]\n', 'server.port', /expected an integer, got a table/);
  });

  test('bind must be an address or host name', () => {
    rejects('server.bind = "not an address"', 'server.bind', /IP address or host name/);
    rejects('server.bind = ""', 'server.bind', /IP address or host name/);
    assert.equal(parseConfig('server.bind = "0.0.0.0"').server.bind, '0.0.0.0');
  });
});

describe('[tools.exec.sandbox]', () => {
  const t = (body: string) => `[tools.exec.sandbox]\n${body}\n`;
  test('defaults: on, auto, the seed\'s limits, no network', () => {
    const s = DEFAULTS.tools.exec.sandbox;
    assert.deepEqual([s.enabled, s.backend, s.network, s.trusted_domains], [true, 'auto', 'none', []]);
    assert.deepEqual(s.resource_limits, { memory_limit: '512M', cpu_quota: 1, pids_max: 256, file_size_limit: '1G', disk_limit: '2G' });
  });
  test('trusted_domains: exact names and "*." wildcards of two labels or more, lower-cased', () => {
    assert.deepEqual(parseConfig(t('trusted_domains = ["API.github.com", "*.npmjs.org"]')).tools.exec.sandbox.trusted_domains, ['api.github.com', '*.npmjs.org']);
  });
  test('trusted_domains: "*", "*.com", inner wildcards and IP addresses are refused', () => {
    rejects(t('trusted_domains = ["*"]'), 'tools.exec.sandbox.trusted_domains[0]', /every domain/);
    rejects(t('trusted_domains = ["*.com"]'), 'tools.exec.sandbox.trusted_domains[0]', /top-level domain/);
    rejects(t('trusted_domains = ["a.*.com"]'), 'tools.exec.sandbox.trusted_domains[0]', /leading/);
    rejects(t('trusted_domains = ["10.0.0.1"]'), 'tools.exec.sandbox.trusted_domains[0]', /not IP addresses/);
  });
  test('memory_limit is a size; backend and network are closed lists; an image is never a flag', () => {
    assert.equal(parseConfig(t('[tools.exec.sandbox.resource_limits]\nmemory_limit = "2G"')).tools.exec.sandbox.resource_limits.memory_limit, '2G');
    rejects(t('[tools.exec.sandbox.resource_limits]\nmemory_limit = "lots"'), 'tools.exec.sandbox.resource_limits.memory_limit', /size like/);
    rejects(t('[tools.exec.sandbox.resource_limits]\nmemory_limit = "1M"'), 'tools.exec.sandbox.resource_limits.memory_limit', /16M/);
    assert.ok(issues(t('backend = "firejail"')).some((i) => i.key === 'tools.exec.sandbox.backend'));
    assert.ok(issues(t('network = "open"')).some((i) => i.key === 'tools.exec.sandbox.network'));
    rejects(t('image = "--privileged"'), 'tools.exec.sandbox.image', /image reference/);
  });
});

describe('[tools.exec] policy keys', () => {
  const t = (body: string) => `[tools.exec]\n${body}\n`;
  test('defaults: smart, full, outside-effects', () => {
    const ex = DEFAULTS.tools.exec;
    assert.deepEqual([ex.approval_mode, ex.security_level, ex.floor_in_sandbox], ['smart', 'full', 'outside-effects']);
  });

  test('the brief\'s security_level values are accepted and take effect; anything else is an error', () => {
    for (const v of ['full', 'allowlist', 'deny'] as const) assert.equal(parseConfig(t(`security_level = "${v}"`)).tools.exec.security_level, v);
    rejects(t('security_level = "paranoid"'), 'tools.exec.security_level', /full|allowlist|deny/);
  });

  test('floor_in_sandbox takes outside-effects, all or off', () => {
    for (const v of ['outside-effects', 'all', 'off'] as const) assert.equal(parseConfig(t(`floor_in_sandbox = "${v}"`)).tools.exec.floor_in_sandbox, v);
    rejects(t('floor_in_sandbox = "some"'), 'tools.exec.floor_in_sandbox', /outside-effects/);
  });

  test('approval_mode: one parser for the modes and the original\'s aliases', () => {
    const mode = (v: string) => parseConfig(t(`approval_mode = "${v}"`)).tools.exec.approval_mode;
    assert.deepEqual(['always', 'smart', 'never', 'on-miss', 'on_miss', 'off', ' Never '].map(mode), ['always', 'smart', 'never', 'smart', 'smart', 'never', 'never']);
    rejects(t('approval_mode = "sometimes"'), 'tools.exec.approval_mode', /"always", "smart".*"never"/);
  });

  test('unknown keys in [tools.exec] stay errors', () => {
    assert.ok(issues(t('security = "full"')).length > 0);
    assert.ok(issues(t('floor = "off"')).length > 0);
  });
});
