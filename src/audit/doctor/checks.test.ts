import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigSchema, DEFAULTS, type Config } from '../../config/index.js';
import { doctorExitCode, runDoctor, type DoctorFacts } from './index.js';
import { opensFloorWholesale } from './config-checks.js';

const cfg = (doc: Record<string, unknown>): Config => ConfigSchema.parse(doc) as Config;
const base = (over: Partial<DoctorFacts> = {}): DoctorFacts => ({
  config: DEFAULTS, env: {}, nodeVersion: '22.12.0', now: Date.parse('2026-12-01'),
  files: [], credentials: true, vault: { initialized: true, plaintextSecrets: 0 }, audit: { ok: true, kind: null, message: null }, ...over,
});
const ids = (f: DoctorFacts) => runDoctor(f).map((x) => x.id);

/** Each check: facts that trigger it, and the closest facts that do not. */
const CASES: { id: string; on: Partial<DoctorFacts>; off: Partial<DoctorFacts> }[] = [
  { id: 'auth.disabled', on: { config: cfg({ auth: { disabled: true } }) }, off: {} },
  { id: 'auth.remote_bind_no_password', on: { config: cfg({ server: { bind: '0.0.0.0' } }), credentials: false }, off: { config: cfg({ server: { bind: '0.0.0.0' } }), credentials: true } },
  { id: 'tls.off_not_behind_proxy', on: { config: cfg({ tls: { enabled: false } }) }, off: { config: cfg({ tls: { enabled: false }, server: { behind_proxy: true } }) } },
  { id: 'proxy.behind_proxy_without_trusted_proxies', on: { config: cfg({ tls: { enabled: false }, server: { behind_proxy: true, trusted_proxies: [] } }) }, off: { config: cfg({ tls: { enabled: false }, server: { behind_proxy: true } }) } },
  { id: 'webauthn.rp_id_mismatch', on: { env: { MOLTIS_WEBAUTHN_RP_ID: 'example.com', MOLTIS_WEBAUTHN_ORIGIN: 'https://evil.org' } }, off: { env: { MOLTIS_WEBAUTHN_RP_ID: 'example.com', MOLTIS_WEBAUTHN_ORIGIN: 'https://chat.example.com' } } },
  { id: 'exec.approval_never_without_sandbox', on: { config: cfg({ tools: { exec: { approval_mode: 'never', sandbox: { enabled: false } } } }) }, off: { config: cfg({ tools: { exec: { approval_mode: 'never' } } }) } },
  { id: 'exec.allowlist_too_broad', on: { config: cfg({ tools: { exec: { allowlist: ['git status', 'bash -c *'] } } }) }, off: { config: cfg({ tools: { exec: { allowlist: ['git push --force origin feature/*'] } } }) } },
  { id: 'sandbox.disabled', on: { config: cfg({ tools: { exec: { sandbox: { backend: 'none' } } } }) }, off: {} },
  { id: 'sandbox.trusted_domains_wildcard', on: { config: cfg({ tools: { exec: { sandbox: { network: 'trusted', trusted_domains: ['*.github.io'] } } } }) }, off: { config: cfg({ tools: { exec: { sandbox: { network: 'trusted', trusted_domains: ['api.github.com'] } } } }) } },
  { id: 'ssrf.allowlist_covers_metadata', on: { config: cfg({ tools: { web: { fetch: { ssrf_allowlist: ['169.254.0.0/16'] } } } }) }, off: { config: cfg({ tools: { web: { fetch: { ssrf_allowlist: ['10.0.0.0/8'] } } } }) } },
  { id: 'hooks.guard_not_fail_closed', on: { config: cfg({ hooks: [{ name: 'g', command: 'true', events: ['BeforeToolCall'] }] }) }, off: { config: cfg({ hooks: [{ name: 'g', command: 'true', events: ['BeforeToolCall'], guard: true }] }) } },
  { id: 'vault.disabled', on: { vault: { initialized: false, plaintextSecrets: 2 } }, off: {} },
  { id: 'audit.chain_broken', on: { audit: { ok: false, kind: 'altered', message: 'entry 5 was altered' } }, off: {} },
  { id: 'audit.head_missing', on: { audit: { ok: false, kind: 'head_missing', message: 'x' } }, off: {} },
  { id: 'cron.rate_limit_loose', on: { config: cfg({ cron: { rate_limit_max: 30, rate_limit_window_secs: 60 } }) }, off: { config: cfg({ cron: { rate_limit_max: 5, rate_limit_window_secs: 300 } }) } },
  { id: 'channels.admin_level_for_unknown', on: { config: cfg({ channels: { telegram: { bot: { permission: 'admin' } } } }) }, off: { config: cfg({ channels: { telegram: { bot: { permission: 'execute' } } } }) } },
  { id: 'node.eol', on: { nodeVersion: '20.11.0' }, off: { nodeVersion: '22.12.0' } },
  { id: 'fs.config_dir_permissions', on: { files: [{ path: '/c', kind: 'config_dir', mode: 0o755 }] }, off: { files: [{ path: '/c', kind: 'config_dir', mode: 0o700 }] } },
  { id: 'fs.data_dir_permissions', on: { files: [{ path: '/d', kind: 'data_dir', mode: 0o750 }] }, off: { files: [{ path: '/d', kind: 'data_dir', mode: 0o700 }] } },
  { id: 'fs.database_permissions', on: { files: [{ path: '/d/moltis.db', kind: 'database', mode: 0o644 }] }, off: { files: [{ path: '/d/moltis.db', kind: 'database', mode: 0o600 }] } },
  { id: 'fs.ca_key_permissions', on: { files: [{ path: '/c/certs/ca-key.pem', kind: 'ca_key', mode: 0o640 }] }, off: { files: [{ path: '/c/certs/ca-key.pem', kind: 'ca_key', mode: 0o600 }] } },
];

for (const c of CASES) {
  test(`${c.id}: fires when unsafe, silent when not`, () => {
    assert.ok(ids(base(c.on)).includes(c.id), `expected ${c.id} in ${ids(base(c.on)).join(', ')}`);
    assert.ok(!ids(base(c.off)).includes(c.id), `unexpected ${c.id}`);
  });
}

test('node.eol: a supported line past its end of life is a warning; below the minimum is critical', () => {
  assert.equal(runDoctor(base({ nodeVersion: '20.20.0', now: Date.parse('2026-05-01') })).find((f) => f.id === 'node.eol')?.severity, 'warn');
  assert.deepEqual(runDoctor(base({ nodeVersion: '20.20.0', now: Date.parse('2026-04-01') })).filter((f) => f.id === 'node.eol'), []);
  assert.equal(runDoctor(base({ nodeVersion: '18.20.0' })).find((f) => f.id === 'node.eol')?.severity, 'critical');
});

test('the default config has no critical finding; exit codes follow the worst severity', () => {
  const f = runDoctor(base());
  assert.deepEqual(f.filter((x) => x.severity === 'critical'), []);
  assert.equal(doctorExitCode(f), 0);
  assert.equal(doctorExitCode(runDoctor(base({ config: cfg({ tools: { exec: { sandbox: { enabled: false } } } }) }))), 1);
  assert.equal(doctorExitCode(runDoctor(base({ config: cfg({ auth: { disabled: true } }) }))), 2);
});

test('allowlist breadth: interpreters and leading globs open the floor, narrow globs do not', () => {
  for (const e of ['*', '* --force', 'sudo *', '/bin/sh -c *', 'python3 *', 'env *']) assert.equal(opensFloorWholesale(e), true, e);
  for (const e of ['git push --force origin feature/*', 'rm -rf ./build/*', 'sudo systemctl restart nginx', 'ls']) assert.equal(opensFloorWholesale(e), false, e);
});
