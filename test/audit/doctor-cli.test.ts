/** `moltis doctor --json` through the real CLI: an unsafe installation and a default one. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createStore, databasePath } from '../../src/store/index.js';
import { cleanEnv, killAll, removeDirs, runCli, tempDirs } from '../cli/harness.js';

const dirs = tempDirs();
after(() => { killAll(); removeDirs(dirs); });
type Report = { findings: { id: string; severity: string; message: string; fix: string }[]; exitCode: number };

test('a deliberately unsafe installation lists the expected ids and exits 2', async () => {
  const configDir = join(dirs.root, 'unsafe-config');
  const dataDir = join(dirs.root, 'unsafe-data');
  mkdirSync(configDir, { recursive: true });
  writeFileSync(join(configDir, 'moltis.toml'), [
    '[server]', 'bind = "0.0.0.0"',
    '[auth]', 'disabled = true',
    '[tls]', 'enabled = false',
    '[tools.exec]', 'approval_mode = "never"', 'allowlist = ["bash -c *"]',
    '[tools.exec.sandbox]', 'enabled = false',
    '[tools.web.fetch]', 'ssrf_allowlist = ["169.254.0.0/16"]',
    '[[hooks]]', 'name = "audit-hook"', 'command = "true"', 'events = ["BeforeToolCall"]',
  ].join('\n'));
  chmodSync(configDir, 0o755);
  const s = createStore({ path: databasePath(dataDir) });
  for (let i = 0; i < 3; i++) s.audit.append({ type: 'login_success', clientIp: '127.0.0.1', detail: null, now: 1000 + i });
  s.close();
  chmodSync(dataDir, 0o755);
  chmodSync(databasePath(dataDir), 0o644);
  const db = new Database(databasePath(dataDir));
  db.exec("DROP TRIGGER auth_audit_log_no_update; UPDATE auth_audit_log SET client_ip = '10.9.9.9' WHERE id = 2;");
  db.close();

  const r = await runCli(['doctor', '--json', '--config-dir', configDir, '--data-dir', dataDir], cleanEnv(dirs));
  assert.equal(r.code, 2, r.stderr);
  const rep = JSON.parse(r.stdout) as Report;
  const ids = rep.findings.map((f) => f.id);
  for (const id of ['auth.disabled', 'tls.off_not_behind_proxy', 'exec.approval_never_without_sandbox', 'exec.allowlist_too_broad', 'sandbox.disabled',
    'ssrf.allowlist_covers_metadata', 'hooks.guard_not_fail_closed', 'fs.config_dir_permissions', 'fs.data_dir_permissions', 'fs.database_permissions', 'vault.disabled', 'audit.chain_broken']) {
    assert.ok(ids.includes(id), `${id} missing from ${ids.join(', ')}`);
  }
  assert.match(rep.findings.find((f) => f.id === 'audit.chain_broken')!.message, /entry 2/);
  assert.equal(rep.exitCode, 2);
  for (const f of rep.findings) assert.ok(f.fix.length > 0 && ['critical', 'warn', 'info'].includes(f.severity), f.id);
});

test('the default configuration has no critical finding', async () => {
  const r = await runCli(['doctor', '--json', '--config-dir', join(dirs.root, 'default-config'), '--data-dir', join(dirs.root, 'default-data')], cleanEnv(dirs));
  const rep = JSON.parse(r.stdout) as Report;
  assert.deepEqual(rep.findings.filter((f) => f.severity === 'critical'), []);
  assert.notEqual(r.code, 2);
  // Read-only: no example config, no database appear.
  const again = await runCli(['audit', 'verify', '--data-dir', join(dirs.root, 'default-data')], cleanEnv(dirs));
  assert.match(again.stderr, /no database/);
});
