/**
 * The audit log over the real gateway: a scoped key flooding denied calls cannot bury the log,
 * `audit.list` is admin-only, and the live log verifies with the real CLI while the gateway runs.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, setupPassword, createKey, rpc, type TestServer } from '../support/server.js';
import { WsClient, wsUrl } from '../support/ws.js';
import { cleanEnv, killAll, removeDirs, runCli, tempDirs } from '../cli/harness.js';

describe('audit log in the gateway', () => {
  let s: TestServer;
  let cookie: string;
  let readKey: { id: number; key: string };
  const cli = tempDirs();
  before(async () => {
    s = await startTestServer();
    cookie = await setupPassword(s);
    readKey = await createKey(s, cookie, ['operator.read'], 'reader');
  });
  after(async () => { killAll(); removeDirs(cli); await s.stop(); });

  test('a flood of denied calls from one key becomes one entry per method (plus a count later)', async () => {
    const before = s.store.audit.count();
    const c = await WsClient.open(wsUrl(s.url));
    try {
      assert.equal((await c.connect({ api_key: readKey.key })).ok, true);
      for (let i = 0; i < 300; i++) {
        const r = await c.request(i % 2 ? 'auth.audit.list' : 'hooks.list', {});
        assert.equal(r.ok, false);
      }
    } finally { c.close(); }
    const rows = s.store.audit.list({ limit: 100, afterId: before, ascending: true }).filter((r) => r.event_type.startsWith('scope_denied'));
    // Without aggregation: 300 rows. With it: one per (key, method) until the window closes.
    assert.equal(rows.length, 2, rows.map((r) => r.detail).join('\n'));
    for (const r of rows) {
      assert.equal(r.actor, `key:${readKey.id}`);
      assert.ok(r.detail!.length < 120 && !r.detail!.includes('\n'), r.detail!);
    }
  });

  test('audit.list is admin-only and returns chained entries', async () => {
    // A fresh key: the flood above got the first one throttled for refusing too often.
    const other = await createKey(s, cookie, ['operator.read'], 'reader-2');
    const denied = await rpc(s, 'audit.list', { limit: 5 }, { authorization: `Bearer ${other.key}` });
    assert.equal(denied.body.ok, false);
    assert.equal(denied.body.error!.message, 'missing scope: operator.admin');
    const ok = await rpc(s, 'audit.list', { limit: 5, types: ['key_created'] }, { cookie });
    assert.equal(ok.body.ok, true, JSON.stringify(ok.body));
    const entries = (ok.body.payload as { entries: { seq: number; type: string; hash: string }[] }).entries;
    assert.ok(entries.length >= 1);
    for (const e of entries) { assert.equal(e.type, 'key_created'); assert.match(e.hash, /^[0-9a-f]{64}$/); }
  });

  test('the live log verifies while the gateway runs', async () => {
    const r = await runCli(['audit', 'verify', '--data-dir', s.dirs.dataDir, '--config-dir', s.dirs.configDir], cleanEnv(cli));
    assert.equal(r.code, 0, r.stderr);
    // The gateway created its signing key in the config dir and sealed the log at start.
    assert.match(r.stdout, /audit log ok: .*sealed up to entry \d+/);
    assert.match(r.stdout, /signing key SHA256:[0-9a-f]{64} \(.*config\/audit-signing\.key\)/);
    const exp = await runCli(['audit', 'export', '--type', 'key_created', '--data-dir', s.dirs.dataDir], cleanEnv(cli));
    const lines = exp.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; actor: string | null });
    assert.ok(lines.length >= 1 && lines.every((l) => l.type === 'key_created'));
  });
});
