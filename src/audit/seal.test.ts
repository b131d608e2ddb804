/**
 * The signed seal under attack by someone who writes the database and its head file (the data
 * dir) but not the config dir's signing key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chainHash, createStore, databasePath, GENESIS_HASH, type Store } from '../store/index.js';
import { auditSigningKeyPath, adoptCheckpoint, loadOrCreateSigningKey, runRetention, verifyAuditLog } from './index.js';

function rig(n: number) {
  const root = mkdtempSync(join(tmpdir(), 'moltis-seal-'));
  const dataDir = join(root, 'data');
  const configDir = join(root, 'config');
  let s: Store = createStore({ path: databasePath(dataDir) });
  for (let i = 1; i <= n; i++) s.audit.append({ type: 'login_success', actor: `key:${i}`, clientIp: '127.0.0.1', detail: JSON.stringify({ i }), now: 1_000 + i });
  const { key, created } = loadOrCreateSigningKey(configDir);
  assert.equal(created, true);
  return {
    root, dataDir, configDir, key, get s() { return s; },
    /** The attacker's edit of the raw file (triggers dropped first), then the store is reopened. */
    tamper(fn: (db: Database.Database) => void) {
      s.close();
      const db = new Database(databasePath(dataDir));
      db.exec('DROP TRIGGER IF EXISTS auth_audit_log_no_update; DROP TRIGGER IF EXISTS auth_audit_log_no_delete;');
      fn(db);
      db.close();
      s = createStore({ path: databasePath(dataDir) });
    },
    close() { s.close(); rmSync(root, { recursive: true, force: true }); },
  };
}

test('the key is created 0600 in the config dir, once', () => {
  const r = rig(1);
  try {
    assert.equal(statSync(auditSigningKeyPath(r.configDir)).mode & 0o777, 0o600);
    const again = loadOrCreateSigningKey(r.configDir);
    assert.equal(again.created, false);
    assert.equal(again.key.keyId, r.key.keyId);
    assert.match(r.key.keyId, /^SHA256:[0-9a-f]{64}$/);
  } finally { r.close(); }
});

test('a forged checkpoint row (entries cut from the start, head file rewritten to match) is named; without the signature check it passes', () => {
  const r = rig(2000);
  try {
    const res = runRetention(r.s.audit, { max_age_days: 0, max_entries: 1500 }, 10_000, r.key);
    assert.deepEqual([res.pruned, res.byCount, res.sealProblem], [500, 500, null]);
    const ok = verifyAuditLog(r.s.audit, { publicKey: r.key.publicKey });
    assert.equal(ok.ok, true, ok.problem?.message);
    assert.equal(ok.seal?.status, 'valid');
    assert.equal(ok.seal?.anchorSeq, 2000);
    // The attacker hides entries 501..600: deletes them, moves the checkpoint, rewrites the head file.
    r.tamper((db) => {
      const h = (db.prepare('SELECT hash FROM auth_audit_log WHERE id = 600').get() as { hash: string }).hash;
      db.prepare('DELETE FROM auth_audit_log WHERE id <= 600').run();
      db.prepare('UPDATE audit_checkpoint SET seq = 600, hash = ?').run(h);
    });
    r.s.audit.writeHeadFromDb();
    // Chain and head alone are fooled: this is what the seal is for.
    assert.equal(verifyAuditLog(r.s.audit, { seal: false }).ok, true);
    const v = verifyAuditLog(r.s.audit, { publicKey: r.key.publicKey });
    assert.equal(v.ok, false);
    assert.equal(v.problem?.kind, 'checkpoint_forged');
    assert.equal(v.problem?.seq, 600);
    assert.match(v.problem!.message, /checkpoint in the database \(entry 600\) is not the signed one \(entry 500/);
    // Re-signing with a key of their own is named too, and so is editing the seal row to match.
    r.tamper((db) => db.prepare("UPDATE audit_seal SET checkpoint_seq = 600, checkpoint_hash = (SELECT hash FROM audit_checkpoint)").run());
    const edited = verifyAuditLog(r.s.audit, { publicKey: r.key.publicKey });
    assert.equal(edited.problem?.kind, 'checkpoint_forged');
    assert.match(edited.problem!.message, /signature does not match/);
    // The gateway never re-signs over it (that would launder the forgery).
    const next = runRetention(r.s.audit, { max_age_days: 0, max_entries: 1500 }, 20_000, r.key);
    assert.equal(next.sealProblem?.kind, 'checkpoint_forged');
    assert.equal(verifyAuditLog(r.s.audit, { publicKey: r.key.publicKey }).problem?.kind, 'checkpoint_forged');
  } finally { r.close(); }
});

test('a seal signed by another key is named', () => {
  const r = rig(1200);
  try {
    runRetention(r.s.audit, { max_age_days: 0, max_entries: 1000 }, 10_000, r.key);
    const other = loadOrCreateSigningKey(join(r.root, 'attacker-config')).key;
    r.s.audit.writeSeal(20_000, other);
    const v = verifyAuditLog(r.s.audit, { publicKey: r.key.publicKey });
    assert.equal(v.problem?.kind, 'checkpoint_forged');
    assert.match(v.problem!.message, new RegExp(`signed by key ${other.keyId}, not by this gateway's key ${r.key.keyId}`));
  } finally { r.close(); }
});

test('sealed entries rewritten with the chain recomputed (and the head file matched) are named', () => {
  const r = rig(50);
  try {
    runRetention(r.s.audit, { max_age_days: 0, max_entries: 1000 }, 10_000, r.key);
    assert.equal(r.s.audit.seal()?.anchor_seq, 50);
    // Rewrite entry 10's actor and recompute every hash after it: a self-consistent chain.
    r.tamper((db) => {
      db.prepare("UPDATE auth_audit_log SET actor = 'key:someone-else' WHERE id = 10").run();
      let prev = GENESIS_HASH;
      for (const row of db.prepare('SELECT * FROM auth_audit_log ORDER BY id').all() as any[]) {
        prev = chainHash(prev, { seq: row.id, time: row.created_at, type: row.event_type, actor: row.actor, ip: row.client_ip, detail: row.detail });
        db.prepare('UPDATE auth_audit_log SET hash = ? WHERE id = ?').run(prev, row.id);
      }
    });
    r.s.audit.writeHeadFromDb();
    assert.equal(verifyAuditLog(r.s.audit, { seal: false }).ok, true, 'chain and head alone should be fooled');
    const v = verifyAuditLog(r.s.audit, { publicKey: r.key.publicKey });
    assert.deepEqual([v.problem?.kind, v.problem?.seq], ['rewritten', 50]);
  } finally { r.close(); }
});

test('a log pruned before seals existed: named unsigned, then adopted explicitly (and the adoption recorded)', () => {
  const r = rig(1200);
  try {
    // Pruned without a key (as before this feature): a checkpoint and no seal.
    runRetention(r.s.audit, { max_age_days: 0, max_entries: 1000 }, 10_000, null);
    assert.equal(verifyAuditLog(r.s.audit, { publicKey: r.key.publicKey }).problem?.kind, 'checkpoint_unsigned');
    // The gateway does not adopt it on its own.
    assert.equal(runRetention(r.s.audit, { max_age_days: 0, max_entries: 1000 }, 11_000, r.key).sealProblem?.kind, 'checkpoint_unsigned');
    assert.equal(r.s.audit.seal(), null);
    const a = adoptCheckpoint(r.s.audit, r.key, 12_000, 'cli');
    assert.equal(a.adopted?.kind, 'checkpoint_unsigned');
    const v = verifyAuditLog(r.s.audit, { publicKey: r.key.publicKey });
    assert.equal(v.ok, true, v.problem?.message);
    const [last] = r.s.audit.list({ limit: 1 });
    assert.equal(last!.event_type, 'audit_checkpoint_adopted');
    assert.match(last!.detail!, /"was":"checkpoint_unsigned","seq":200/);
  } finally { r.close(); }
});
