/**
 * The Audit page's RPC over the real gateway: `audit.list`, `audit.types`, `audit.verify` refuse
 * every non-admin credential (over HTTP and WebSocket); for admins the filters work and
 * `audit.verify` reports an entry edited in the SQLite file.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { startTestServer, setupPassword, createKey, rpc, type TestServer } from '../support/server.js';
import { WsClient, wsUrl } from '../support/ws.js';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, databasePath } from '../../src/store/index.js';
import { SCOPES } from '../../src/policy/index.js';

const METHODS = ['audit.list', 'audit.types', 'audit.verify'] as const;

describe('audit RPC', () => {
  let s: TestServer;
  let cookie: string;
  let nonAdmin: { id: number; key: string };
  let adminKey: { id: number; key: string };
  before(async () => {
    s = await startTestServer();
    cookie = await setupPassword(s);
    // Every scope but admin: read, write, approvals, pairing together still may not read the log.
    nonAdmin = await createKey(s, cookie, SCOPES.filter((x) => x !== 'operator.admin'), 'everything-but-admin');
    adminKey = await createKey(s, cookie, ['operator.admin'], 'admin');
  });
  after(async () => { await s.stop(); });

  test('a key without operator.admin is refused by audit.list, audit.types and audit.verify (HTTP and WS)', async () => {
    for (const m of METHODS) {
      const r = await rpc(s, m, m === 'audit.list' ? { limit: 5 } : {}, { authorization: `Bearer ${nonAdmin.key}` });
      assert.equal(r.body.ok, false, m);
      assert.equal(r.body.error?.code, 'UNAUTHORIZED', m);
      assert.equal(JSON.stringify(r.body).includes('127.0.0.1'), false, 'no entry leaks in the refusal');
    }
    const ws = await WsClient.open(wsUrl(s.url), { authorization: `Bearer ${nonAdmin.key}` });
    try {
      assert.equal((await ws.connect()).ok, true);
      for (const m of METHODS) {
        const r = await ws.request(m, {});
        assert.equal(r.ok, false, m);
        assert.equal(r.error?.code, 'UNAUTHORIZED', m);
      }
    } finally { ws.close(); }
  });

  test('admins: types with counts, the actor filter, paging, strict params', async () => {
    const asAdmin = { authorization: `Bearer ${adminKey.key}` };
    const types = (await rpc(s, 'audit.types', {}, asAdmin)).body.payload as { types: Array<{ type: string; count: number }> };
    assert.equal(types.types.find((t) => t.type === 'key_created')?.count, 2);
    for (let i = 0; i < 4; i++) s.auth.audit('rpc_probe', null, JSON.stringify({ i }), i % 2 ? 'key:77' : 'system');
    const byActor = (await rpc(s, 'audit.list', { types: ['rpc_probe'], actor: 'key:77' }, asAdmin)).body.payload as { entries: Array<{ actor: string; detail: string }> };
    assert.deepEqual(byActor.entries.map((e) => [e.actor, JSON.parse(e.detail).i]), [['key:77', 3], ['key:77', 1]]);
    const p1 = (await rpc(s, 'audit.list', { types: ['rpc_probe'], limit: 3 }, asAdmin)).body.payload as { entries: Array<{ seq: number }>; nextBefore: number };
    const p2 = (await rpc(s, 'audit.list', { types: ['rpc_probe'], limit: 3, before: p1.nextBefore }, asAdmin)).body.payload as { entries: Array<{ seq: number }>; nextBefore: number | null };
    assert.equal(p1.entries.length + p2.entries.length, 4);
    assert.equal(p2.nextBefore, null);
    for (const [m, params] of [['audit.list', { actor: 'x'.repeat(201) }], ['audit.list', { actors: ['x'] }], ['audit.types', { all: true }], ['audit.verify', { fix: true }]] as const) {
      const r = await rpc(s, m, params, asAdmin);
      assert.equal(r.body.error?.code, 'INVALID_REQUEST', `${m} ${JSON.stringify(params)}`);
    }
  });

  test('audit.verify: intact, then an entry edited in the database file is named', async () => {
    const ok = (await rpc(s, 'audit.verify', {}, { cookie })).body.payload as { ok: boolean; entries: number };
    assert.equal(ok.ok, true);
    assert.ok(ok.entries > 5);
    // Anyone holding the file can drop the triggers and rewrite a row.
    const db = new Database(databasePath(s.dirs.dataDir));
    try {
      db.exec('DROP TRIGGER auth_audit_log_no_update; DROP TRIGGER auth_audit_log_no_delete;');
      db.prepare("UPDATE auth_audit_log SET detail = 'id=9, label=innocent' WHERE event_type = 'key_created' AND detail LIKE '%label=admin%'").run();
    } finally { db.close(); }
    const bad = (await rpc(s, 'audit.verify', {}, { cookie })).body.payload as { ok: boolean; problem: { kind: string; seq: number } };
    assert.equal(bad.ok, false);
    assert.equal(bad.problem.kind, 'altered');
    const row = s.store.audit.list({ limit: 1, types: ['key_created'], since: 0 }).find((r) => r.detail === 'id=9, label=innocent');
    assert.equal(bad.problem.seq, row?.id);
  });
});

test('audit.verify checks the signed seal with the gateway\'s key: a log pruned at start still verifies', async () => {
  const root = mkdtempSync(join(tmpdir(), 'moltis-audit-seal-'));
  const dirs = { root, configDir: join(root, 'config'), dataDir: join(root, 'data') };
  mkdirSync(dirs.dataDir, { recursive: true });
  const st = createStore({ path: databasePath(dirs.dataDir) });
  const base = Date.now() - 3_600_000;
  for (let i = 1; i <= 1200; i++) st.audit.append({ type: 'key_created', actor: `key:${i}`, clientIp: '127.0.0.1', detail: JSON.stringify({ i }), now: base + i });
  st.close();
  // Start-up prunes past max_entries and seals the checkpoint with the key in the config dir.
  const g = await startTestServer({ dirs, toml: '[audit]\nmax_entries = 1000\n' });
  try {
    const c = await setupPassword(g);
    const r = await rpc(g, 'audit.verify', {}, { cookie: c });
    assert.equal(r.body.ok, true, JSON.stringify(r.body));
    assert.equal((r.body.payload as { ok: boolean }).ok, true, JSON.stringify(r.body.payload));
  } finally {
    await g.stop();
    rmSync(root, { recursive: true, force: true });
  }
});
