/**
 * Attacks on the audit log by someone with write access to the data dir (they drop the triggers
 * first, as anyone holding the SQLite file can), each caught by the real `moltis audit verify`.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { cpSync, mkdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createStore, databasePath } from '../../src/store/index.js';
import { loadOrCreateSigningKey, runRetention } from '../../src/audit/index.js';
import { cleanEnv, killAll, removeDirs, runCli, tempDirs } from '../cli/harness.js';

const dirs = tempDirs();
after(() => { killAll(); removeDirs(dirs); });

/** A data dir holding a genuine log of `n` entries. */
function genuine(name: string, n = 10, base = 1_700_000_000_000): string {
  const dir = join(dirs.root, name);
  mkdirSync(dir, { recursive: true });
  const s = createStore({ path: databasePath(dir) });
  for (let i = 1; i <= n; i++) s.audit.append({ type: i % 2 ? 'login_success' : 'key_created', actor: `key:${i}`, clientIp: '127.0.0.1', detail: JSON.stringify({ i }), now: base + i * 1000 });
  s.close();
  return dir;
}
/** Opens the raw file as an attacker would and drops the append-only triggers. */
function tamper(dir: string, fn: (db: Database.Database) => void): void {
  const db = new Database(databasePath(dir));
  db.exec('DROP TRIGGER auth_audit_log_no_update; DROP TRIGGER auth_audit_log_no_delete;');
  fn(db);
  db.close();
}
const verify = (dir: string) => runCli(['audit', 'verify', '--data-dir', dir], cleanEnv(dirs));

test('an untouched log verifies', async () => {
  const r = await verify(genuine('clean'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /audit log ok: 10 entries \(1\.\.10\)/);
});

test('an edited detail is named (altered)', async () => {
  const dir = genuine('edit');
  tamper(dir, (db) => db.prepare("UPDATE auth_audit_log SET detail = '{\"i\":99}' WHERE id = 5").run());
  const r = await verify(dir);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /BROKEN \(altered at entry 5\)/);
});

test('a deleted entry is named', async () => {
  const dir = genuine('delete');
  tamper(dir, (db) => db.prepare('DELETE FROM auth_audit_log WHERE id = 4').run());
  const r = await verify(dir);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /BROKEN \(deleted at entry 4\): entry 4 is missing/);
});

test('two swapped entries are named (reordered)', async () => {
  const dir = genuine('swap');
  tamper(dir, (db) => {
    // Move every column but the id, hash included: each row stays internally "valid" elsewhere.
    db.exec(`UPDATE auth_audit_log SET id = -3 WHERE id = 3; UPDATE auth_audit_log SET id = 3 WHERE id = 6; UPDATE auth_audit_log SET id = 6 WHERE id = -3;`);
  });
  const r = await verify(dir);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /BROKEN \(reordered at entry 3\): entry 3 belongs at position 6/);
});

test('an entry inserted (later ones renumbered) is named', async () => {
  const dir = genuine('insert');
  tamper(dir, (db) => {
    for (let id = 10; id >= 6; id--) db.prepare('UPDATE auth_audit_log SET id = id + 1 WHERE id = ?').run(id);
    db.prepare("INSERT INTO auth_audit_log (id, event_type, actor, client_ip, detail, created_at, hash) VALUES (6, 'login_success', 'key:1', '127.0.0.1', '{}', 1700000005500, ?)").run('ab'.repeat(32));
  });
  const r = await verify(dir);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /BROKEN \(inserted at entry 6\)/);
});

test('a cut-off tail is named (truncated), though the remaining chain is intact', async () => {
  const dir = genuine('truncate');
  tamper(dir, (db) => db.prepare('DELETE FROM auth_audit_log WHERE id > 8').run());
  const r = await verify(dir);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /BROKEN \(truncated at entry 9\): .*entries 9\.\.10 were cut off/);
});

test('a replaced database is named, longer or shorter', async () => {
  const dir = genuine('replace');
  const other = genuine('replace-src', 12, 1_800_000_000_000);
  // Longer: a self-consistent chain that is not ours.
  for (const f of ['moltis.db', 'moltis.db-wal', 'moltis.db-shm']) rmSync(join(dir, f), { force: true });
  cpSync(join(other, 'moltis.db'), join(dir, 'moltis.db'));
  let r = await verify(dir);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /BROKEN \(replaced at entry 10\): entry 10 differs from the head file/);
  // Deleted outright while the head file stays.
  for (const f of ['moltis.db', 'moltis.db-wal', 'moltis.db-shm']) rmSync(join(dir, f), { force: true });
  r = await verify(dir);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /database is missing but its audit head file exists/);
});

test('a deleted head file is reported', async () => {
  const dir = genuine('nohead');
  unlinkSync(join(dir, 'audit.head'));
  const r = await verify(dir);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /head_missing/);
});

test('pruning keeps the log verifiable (sealed); cutting more from the start is caught, even with the head file rewritten', async () => {
  const dir = genuine('prune', 2000);
  const configDir = join(dirs.root, 'prune-config');
  const { key } = loadOrCreateSigningKey(configDir);
  const s = createStore({ path: databasePath(dir) });
  assert.equal(runRetention(s.audit, { max_age_days: 0, max_entries: 1500 }, Date.now(), key).pruned, 500);
  s.close();
  const verifyWithKey = () => runCli(['audit', 'verify', '--data-dir', dir, '--config-dir', configDir], cleanEnv(dirs));
  let r = await verifyWithKey();
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /1500 entries \(501\.\.2000\), sealed up to entry 2000/);
  assert.ok(r.stdout.includes(`signing key ${key.keyId}`), r.stdout);
  // Without the key the checkpoint cannot be trusted: fail closed, saying how to give the key.
  r = await verify(dir);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /checkpoint_unverifiable.*--config-dir/);
  // The attacker removes 10 more from the start and moves the database checkpoint along.
  tamper(dir, (db) => {
    const h = (db.prepare('SELECT hash FROM auth_audit_log WHERE id = 510').get() as { hash: string }).hash;
    db.prepare('DELETE FROM auth_audit_log WHERE id <= 510').run();
    db.prepare('UPDATE audit_checkpoint SET seq = 510, hash = ?').run(h);
  });
  r = await verifyWithKey();
  assert.equal(r.code, 1);
  assert.match(r.stderr, /checkpoint_mismatch/);
  // ... and rewrites the head file beside the database too (it is in the same data dir): only the seal sees it.
  const w = createStore({ path: databasePath(dir) });
  w.audit.writeHeadFromDb();
  w.close();
  r = await verifyWithKey();
  assert.equal(r.code, 1);
  assert.match(r.stderr, /BROKEN \(checkpoint_forged at entry 510\): the prune checkpoint in the database \(entry 510\) is not the signed one \(entry 500/);
  // An exported public key checks the same seal.
  const pub = join(dirs.root, 'prune.pub');
  writeFileSync(pub, key.publicPem);
  r = await runCli(['audit', 'verify', '--data-dir', dir, '--public-key', pub], cleanEnv(dirs));
  assert.match(r.stderr, /checkpoint_forged/);
});

test('a log pruned before seals existed: verify names the unsigned checkpoint and the way forward; adopt-checkpoint records and seals it', async () => {
  const dir = genuine('legacy', 1100);
  const configDir = join(dirs.root, 'legacy-config');
  const { key } = loadOrCreateSigningKey(configDir);
  const s = createStore({ path: databasePath(dir) });
  runRetention(s.audit, { max_age_days: 0, max_entries: 1000 }, Date.now(), null);
  s.close();
  const args = ['--data-dir', dir, '--config-dir', configDir];
  let r = await runCli(['audit', 'verify', ...args], cleanEnv(dirs));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /BROKEN \(checkpoint_unsigned at entry 100\): .*pruned before checkpoints were signed.*moltis audit adopt-checkpoint/);
  r = await runCli(['audit', 'adopt-checkpoint', ...args], cleanEnv(dirs));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /adopted \(was checkpoint_unsigned at entry 100\): signed with SHA256:/);
  r = await runCli(['audit', 'verify', ...args], cleanEnv(dirs));
  assert.equal(r.code, 0, r.stderr);
  r = await runCli(['audit', 'public-key', '--config-dir', configDir], cleanEnv(dirs));
  assert.ok(r.stdout.startsWith('-----BEGIN PUBLIC KEY-----') && r.stdout.includes(`# ${key.keyId}`), r.stdout);
});
