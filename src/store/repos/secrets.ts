import type { Db } from '../db.js';

/** A stored secret. `value` is an AEAD blob when `encrypted = 1`, legacy plaintext when 0. */
export interface SecretRow { id: number; kind: string; name: string; value: string; encrypted: number; created_at: number; updated_at: number }
/** A secret as listed: everything but the value. */
export interface SecretListRow { id: number; name: string; encrypted: number; created_at: number; updated_at: number }
/** Result of `PRAGMA wal_checkpoint`: busy = 1 when readers kept it from completing. */
export interface CheckpointResult { busy: number; log: number; checkpointed: number }

/** Repository for the generic `secrets` table. Knows nothing about encryption: the vault does that. */
export function createSecretsRepo(db: Db) {
  const q = {
    byName: db.prepare('SELECT * FROM secrets WHERE kind = ? AND name = ?'),
    byId: db.prepare('SELECT * FROM secrets WHERE id = ?'),
    insert: db.prepare('INSERT INTO secrets (kind, name, value, encrypted, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)'),
    update: db.prepare('UPDATE secrets SET value = @value, encrypted = @encrypted, updated_at = @now WHERE id = @id'),
    list: db.prepare('SELECT id, name, encrypted, created_at, updated_at FROM secrets WHERE kind = ? ORDER BY name ASC, id ASC'),
    delete: db.prepare('DELETE FROM secrets WHERE kind = ? AND id = ?'),
    plaintext: db.prepare('SELECT * FROM secrets WHERE encrypted = 0 ORDER BY id ASC'),
  };
  return {
    byName: (kind: string, name: string): SecretRow | undefined => q.byName.get(kind, name) as SecretRow | undefined,
    byId: (id: number): SecretRow | undefined => q.byId.get(id) as SecretRow | undefined,
    /** Inserts a row and returns its id. */
    insert: (s: { kind: string; name: string; value: string; encrypted: boolean; now: number }): number =>
      Number(q.insert.run(s.kind, s.name, s.value, s.encrypted ? 1 : 0, s.now, s.now).lastInsertRowid),
    updateValue: (s: { id: number; value: string; encrypted: boolean; now: number }): boolean =>
      q.update.run({ id: s.id, value: s.value, encrypted: s.encrypted ? 1 : 0, now: s.now }).changes === 1,
    list: (kind: string): SecretListRow[] => q.list.all(kind) as SecretListRow[],
    delete: (kind: string, id: number): boolean => q.delete.run(kind, id).changes === 1,
    /** Legacy rows still holding plaintext (any kind). */
    plaintextRows: (): SecretRow[] => q.plaintext.all() as SecretRow[],
    /** Runs `fn` in one transaction (nested calls become savepoints). */
    transaction: <T>(fn: () => T): T => db.transaction(fn)(),
    /**
     * Copies the WAL into the main file and truncates it to zero bytes, so page images that held
     * plaintext before a re-encryption do not linger in `moltis.db-wal`.
     */
    checkpointTruncate: (): CheckpointResult => {
      const r = db.pragma('wal_checkpoint(TRUNCATE)') as CheckpointResult[];
      return r[0] ?? { busy: 0, log: -1, checkpointed: -1 };
    },
  };
}
export type SecretsRepo = ReturnType<typeof createSecretsRepo>;
