import type { Db } from '../db.js';

/** A stored WebAuthn credential (credential_id is base64url). */
export interface PasskeyRow {
  id: number; credential_id: string; public_key: Buffer; counter: number; transports: string;
  name: string; aaguid: string; backed_up: number; created_at: number; last_used_at: number | null;
  /** The RP ID it was registered for; null when registered before RP IDs were recorded. */
  rp_id: string | null;
}

/** Repository for the owner's passkeys. */
export function createPasskeysRepo(db: Db) {
  const q = {
    insert: db.prepare(`INSERT INTO passkeys (credential_id, public_key, counter, transports, name, aaguid, backed_up, created_at, rp_id)
      VALUES (@credentialId, @publicKey, @counter, @transports, @name, @aaguid, @backedUp, @now, @rpId)`),
    byCredentialId: db.prepare('SELECT * FROM passkeys WHERE credential_id = ?'),
    byId: db.prepare('SELECT * FROM passkeys WHERE id = ?'),
    list: db.prepare('SELECT * FROM passkeys ORDER BY created_at ASC, id ASC'),
    any: db.prepare('SELECT EXISTS (SELECT 1 FROM passkeys)').pluck(),
    // The WHERE on the old counter makes the update a compare-and-swap: two logins racing with
    // the same assertion cannot both move the counter.
    touch: db.prepare('UPDATE passkeys SET counter = @counter, backed_up = @backedUp, last_used_at = @now WHERE id = @id AND counter = @oldCounter'),
    rename: db.prepare('UPDATE passkeys SET name = ? WHERE id = ?'),
    delete: db.prepare('DELETE FROM passkeys WHERE id = ?'),
    deleteAll: db.prepare('DELETE FROM passkeys'),
  };
  return {
    insert: (p: { credentialId: string; publicKey: Uint8Array; counter: number; transports: string[]; name: string; aaguid: string; backedUp: boolean; now: number; rpId: string }): number =>
      Number(q.insert.run({ ...p, publicKey: Buffer.from(p.publicKey), transports: JSON.stringify(p.transports), backedUp: p.backedUp ? 1 : 0 }).lastInsertRowid),
    byCredentialId: (id: string): PasskeyRow | undefined => q.byCredentialId.get(id) as PasskeyRow | undefined,
    byId: (id: number): PasskeyRow | undefined => q.byId.get(id) as PasskeyRow | undefined,
    list: (): PasskeyRow[] => q.list.all() as PasskeyRow[],
    exists: (): boolean => q.any.get() === 1,
    /** Records a login; false when the counter moved under us (a concurrent use of the same credential). */
    touch: (p: { id: number; oldCounter: number; counter: number; backedUp: boolean; now: number }): boolean =>
      q.touch.run({ id: p.id, oldCounter: p.oldCounter, counter: p.counter, backedUp: p.backedUp ? 1 : 0, now: p.now }).changes === 1,
    rename: (id: number, name: string): boolean => q.rename.run(name, id).changes === 1,
    delete: (id: number): boolean => q.delete.run(id).changes === 1,
    deleteAll: (): number => q.deleteAll.run().changes,
  };
}
export type PasskeysRepo = ReturnType<typeof createPasskeysRepo>;
