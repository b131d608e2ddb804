import { createRequire } from 'node:module';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createStore, migrate, openDatabase, StoreError, MIGRATIONS } from './index.js';
import { createAuthRepo } from './repos/auth.js';

const require = createRequire(import.meta.url);
function tmp(): string { return mkdtempSync(join(tmpdir(), 'moltis-store-')); }

test('fresh database: WAL, FULL sync, 0600, all migrations, STRICT tables', () => {
  const dir = tmp();
  try {
    const s = createStore({ path: join(dir, 'moltis.db') });
    assert.equal(s.db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(s.db.pragma('synchronous', { simple: true }), 2);
    assert.equal(statSync(join(dir, 'moltis.db')).mode & 0o777, 0o600);
    const v = s.db.prepare('SELECT MAX(version) v FROM schema_migrations').get() as { v: number };
    assert.equal(v.v, MIGRATIONS.at(-1)!.version);
    // STRICT: a text in an INTEGER column is refused.
    assert.throws(() => s.db.prepare("INSERT INTO auth_sessions (token_hash, created_at, last_used_at, expires_at) VALUES ('x', 'nope', 1, 1)").run());
    s.close();
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('audit log is append-only', () => {
  const s = createStore({ path: ':memory:' });
  s.audit.append({ type: 'login_success', clientIp: '127.0.0.1', detail: null, now: 1 });
  assert.throws(() => s.db.prepare("UPDATE auth_audit_log SET event_type = 'x'").run(), /append-only/);
  assert.throws(() => s.db.prepare('DELETE FROM auth_audit_log').run(), /append-only/);
  assert.equal(s.audit.list({ limit: 10 }).length, 1);
  s.close();
});

test('migrations are idempotent and a newer schema is refused', () => {
  const db = openDatabase(':memory:');
  assert.equal(migrate(db, MIGRATIONS), MIGRATIONS.at(-1)!.version);
  db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, ?, 0)').run('future');
  assert.throws(() => migrate(db, MIGRATIONS), (e: unknown) => e instanceof StoreError && e.code === 'DB_TOO_NEW');
  db.close();
});

test('a failed migration leaves nothing half-applied', () => {
  const db = openDatabase(':memory:', []);
  assert.throws(() => migrate(db, [{ version: 1, name: 'bad', sql: 'CREATE TABLE a (x INTEGER) STRICT; CREATE TABLE a (y INTEGER) STRICT;' }]));
  assert.equal(db.prepare("SELECT COUNT(*) c FROM sqlite_master WHERE name = 'a'").get() && (db.prepare("SELECT COUNT(*) c FROM sqlite_master WHERE name = 'a'").get() as { c: number }).c, 0);
  db.close();
});

test('committed data survives a process killed mid-run (SIGKILL)', () => {
  const dir = tmp();
  try {
    const path = join(dir, 'moltis.db');
    createStore({ path }).close();
    // A child process commits rows one by one, then dies by SIGKILL without closing the database.
    const script = `
      const D = require(${JSON.stringify(require.resolve('better-sqlite3'))});
      const db = new D(${JSON.stringify(path)});
      db.pragma('journal_mode = WAL'); db.pragma('synchronous = FULL');
      const ins = db.prepare('INSERT INTO chat_sessions (key, label, created_at, updated_at) VALUES (?, ?, 0, 0)');
      for (let i = 0; i < 50; i++) ins.run('k' + i, 'l');
      process.stdout.write('committed\\n');
      process.kill(process.pid, 'SIGKILL');`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    assert.equal(r.signal, 'SIGKILL');
    assert.match(r.stdout, /committed/);
    const s = createStore({ path });
    assert.equal(s.chatSessions.list().length, 50);
    s.close();
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('auth repo cache: own writes apply at once, another connection\'s writes after the check interval', () => {
  const dir = tmp();
  try {
    const path = join(dir, 'moltis.db');
    const s = createStore({ path });
    let t = 0;
    const repo = createAuthRepo(s.db, { checkMs: 250, monotonicNow: () => t });
    const id = repo.insertApiKey({ label: 'a', prefix: 'mk_AAAAAAAA', hash: 'h', scopes: ['operator.read'], now: 1 });
    assert.equal(repo.apiKeysByPrefix('mk_AAAAAAAA').length, 1);
    assert.equal(repo.getPasswordHash(), null);
    const other = createStore({ path });
    other.auth.revokeApiKey(id, 2);
    other.auth.setPasswordHash('phc', 3);
    t = 100; // inside the interval: cached view
    assert.equal(repo.apiKeysByPrefix('mk_AAAAAAAA').length, 1);
    t = 300; // past it: the other connection's commit is seen
    assert.equal(repo.apiKeysByPrefix('mk_AAAAAAAA').length, 0);
    assert.equal(repo.getPasswordHash(), 'phc');
    repo.setPasswordHash('mine', 4); // own write: at once
    assert.equal(repo.getPasswordHash(), 'mine');
    other.close(); s.close();
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('audit log: every append is announced once to each listener; a throwing listener breaks neither the append nor the others', () => {
  const store = createStore({ path: ':memory:' });
  try {
    const seen: number[] = [];
    store.audit.onAppend(() => { throw new Error('broken listener'); });
    const off = store.audit.onAppend((row) => seen.push(row.id));
    const row = store.audit.append({ type: 'login_success', clientIp: null, detail: null, now: 1 });
    assert.deepEqual(seen, [row.id]);
    off();
    store.audit.append({ type: 'login_success', clientIp: null, detail: null, now: 2 });
    assert.deepEqual(seen, [row.id]);
    assert.equal(store.audit.count(), 2);
    assert.deepEqual(store.audit.typeCounts(), [{ type: 'login_success', count: 2 }]);
    assert.deepEqual(store.audit.list({ limit: 5, actor: 'nobody' }), []);
  } finally { store.close(); }
});
