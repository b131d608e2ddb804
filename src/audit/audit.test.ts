import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, databasePath, openDatabase, MIGRATIONS } from '../store/index.js';
import { createDenialAggregator, pruneAuditLog, sanitizePrefix, verifyAuditLog } from './index.js';
import { auditMethods } from './methods.js';
import { ownerIdentity } from '../policy/index.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'moltis-audit-'));

test('the migration chains rows written before the chain existed', () => {
  const dir = tmp();
  try {
    const path = databasePath(dir);
    // A database as it was just before the chain arrived (every earlier migration, none after).
    const chainAt = MIGRATIONS.find((m) => m.name === 'audit_chain')!.version;
    const old = openDatabase(path, MIGRATIONS.filter((m) => m.version < chainAt));
    const ins = old.prepare('INSERT INTO auth_audit_log (event_type, client_ip, detail, created_at) VALUES (?, ?, ?, ?)');
    for (let i = 0; i < 5; i++) ins.run('login_success', '10.0.0.1', null, 1000 + i);
    old.close();
    const s = createStore({ path });
    // No head file yet (the gateway writes one at start); the chain itself is whole.
    const r = verifyAuditLog(s.audit);
    assert.equal(r.problem?.kind, 'head_missing');
    assert.equal(r.entries, 5);
    s.audit.append({ type: 'audit_head_created', clientIp: null, detail: null, now: 2000 });
    assert.deepEqual({ ok: verifyAuditLog(s.audit).ok, entries: verifyAuditLog(s.audit).entries }, { ok: true, entries: 6 });
    // The triggers are back after the back-fill.
    assert.throws(() => s.db.prepare("UPDATE auth_audit_log SET detail = 'x'").run(), /append-only/);
    s.close();
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('retention by age prunes only the old prefix and the log still verifies', () => {
  const dir = tmp();
  try {
    const s = createStore({ path: databasePath(dir) });
    const day = 86_400_000;
    const now = 100 * day;
    for (let i = 0; i < 10; i++) s.audit.append({ type: 't', clientIp: null, detail: null, now: now - (10 - i) * day });
    assert.deepEqual(pruneAuditLog(s.audit, { max_age_days: 5, max_entries: 1000 }, now), { pruned: 5, byAge: 5, byCount: 0 });
    assert.equal(s.audit.checkpoint()?.seq, 5);
    // Unsigned (no key given to prune): the chain and head verify, the seal check names the checkpoint.
    const r = verifyAuditLog(s.audit, { seal: false });
    assert.equal(r.ok, true, r.problem?.message);
    assert.equal(r.firstSeq, 6);
    assert.equal(verifyAuditLog(s.audit).problem?.kind, 'checkpoint_unverifiable');
    // Appends after a prune continue the same chain.
    s.audit.append({ type: 't', clientIp: null, detail: null, now });
    assert.equal(verifyAuditLog(s.audit, { seal: false }).ok, true);
    // Nothing else may delete.
    assert.throws(() => s.db.prepare('DELETE FROM auth_audit_log').run(), /append-only/);
    s.close();
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('a flood of denials from one key becomes two entries with a count', () => {
  const s = createStore({ path: ':memory:' });
  const agg = createDenialAggregator({
    windowMs: 60_000, maxKeys: 4,
    write: (type, ip, detail, actor) => s.audit.append({ type, actor, clientIp: ip, detail, now: 1 }),
  });
  for (let i = 0; i < 5000; i++) agg.record({ type: 'scope_denied', actor: 'key:7', method: 'vault.unseal', missing: 'operator.admin', ip: '127.0.0.1' });
  // Thousands of distinct attacker-chosen names: bounded keys, each name cut to a safe prefix.
  for (let i = 0; i < 5000; i++) agg.record({ type: 'scope_denied', actor: 'key:7', method: `x${i}\n${'A'.repeat(5000)}`, missing: 'operator.admin', ip: '127.0.0.1' });
  agg.close();
  const rows = s.audit.list({ limit: 100, ascending: true });
  assert.ok(rows.length <= 6, `${rows.length} rows`);
  const repeated = rows.find((r) => r.event_type === 'scope_denied_repeated' && r.detail!.includes('vault.unseal'));
  assert.match(repeated!.detail!, /count=4999$/);
  for (const r of rows) assert.ok((r.detail ?? '').length < 200 && !(r.detail ?? '').includes('\\n'), r.detail ?? '');
  s.close();
});

test('sanitizePrefix cuts and neutralizes', () => {
  assert.equal(sanitizePrefix('sessions.list'), 'sessions.list');
  assert.equal(sanitizePrefix('a"b\nc\u001b[31m', 48), 'a?b?c??31m');
  assert.equal(sanitizePrefix('x'.repeat(60), 10), `${'x'.repeat(10)}…`);
});

test('audit.list filters by type and time and pages', () => {
  const s = createStore({ path: ':memory:' });
  for (let i = 1; i <= 30; i++) s.audit.append({ type: i % 3 ? 'login_success' : 'login_failed', clientIp: null, detail: null, now: i * 1000 });
  const list = auditMethods(s.audit)['audit.list']!;
  const ctx = { identity: ownerIdentity('password'), clientIp: '127.0.0.1', connId: null, isLocal: true };
  const r = list({ types: ['login_failed'], since: 10_000, limit: 3 }, ctx) as { entries: { seq: number; type: string }[]; nextBefore: number | null };
  assert.deepEqual(r.entries.map((e) => e.seq), [30, 27, 24]);
  assert.equal(r.nextBefore, 24);
  assert.throws(() => list({ limit: 5000 }, ctx), /limit/);
  s.close();
});

test('an append rolled back with its caller\'s transaction leaves the head behind, not ahead', () => {
  const dir = tmp();
  try {
    const s = createStore({ path: databasePath(dir) });
    s.audit.append({ type: 't', clientIp: null, detail: null, now: 1 });
    assert.throws(() => s.db.transaction(() => { s.audit.append({ type: 't', clientIp: null, detail: null, now: 2 }); throw new Error('rollback'); })(), /rollback/);
    assert.equal(verifyAuditLog(s.audit).ok, true, verifyAuditLog(s.audit).problem?.message);
    s.close();
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
