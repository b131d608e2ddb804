import Database from 'better-sqlite3';
import { mkdirSync, chmodSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS, type Migration } from './migrations.js';

/** An open database handle. */
export type Db = Database.Database;

/** Thrown when the database file is newer than this program or a migration fails. */
export class StoreError extends Error {
  constructor(readonly code: 'DB_TOO_NEW' | 'DB_MIGRATION_FAILED' | 'DB_OPEN_FAILED', message: string) {
    super(message);
  }
}

/**
 * Opens (creating if needed) the SQLite database with crash-safe settings and applies pending
 * migrations. `synchronous = FULL` in WAL mode makes every committed transaction durable across
 * a process crash or power loss, at a small write cost that a single-owner gateway can afford.
 */
export function openDatabase(path: string, migrations: readonly Migration[] = MIGRATIONS): Db {
  const isMemory = path === ':memory:';
  if (!isMemory) mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const fresh = !isMemory && !existsSync(path);
  let db: Db;
  try {
    db = new Database(path);
  } catch (err) {
    throw new StoreError('DB_OPEN_FAILED', `cannot open database ${path}: ${(err as Error).message}`);
  }
  // The database holds credential hashes and (later) sealed secrets: owner-only.
  if (fresh) chmodSync(path, 0o600);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // Freed pages and cells are zeroed, so a secret deleted or re-encrypted in place leaves no plaintext behind.
  db.pragma('secure_delete = ON');
  migrate(db, migrations);
  return db;
}

/** Applies every migration newer than the recorded version, each in its own transaction. */
export function migrate(db: Db, migrations: readonly Migration[]): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT');
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  const current = row.v ?? 0;
  const latest = migrations.reduce((m, x) => Math.max(m, x.version), 0);
  if (current > latest) {
    throw new StoreError('DB_TOO_NEW', `database schema version ${current} is newer than this moltis (knows ${latest}); upgrade moltis or restore a backup`);
  }
  const insert = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (m.version <= current) continue;
    try {
      db.transaction(() => {
        db.exec(m.sql);
        m.run?.(db);
        insert.run(m.version, m.name, Date.now());
      })();
    } catch (err) {
      throw new StoreError('DB_MIGRATION_FAILED', `migration ${m.version} (${m.name}) failed: ${(err as Error).message}`);
    }
  }
  return latest;
}
