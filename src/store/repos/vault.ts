import type { Db } from '../db.js';

/** The single vault metadata row: salts, KDF params (JSON) and the two wrapped copies of the DEK. */
export interface VaultMetadataRow {
  version: number;
  kdf_salt: string;
  kdf_params: string;
  wrapped_dek: string;
  recovery_salt: string;
  recovery_kdf_params: string;
  recovery_wrapped_dek: string;
  created_at: number;
  updated_at: number;
}

/** Repository for `vault_metadata` (at most one row, id = 1). */
export function createVaultRepo(db: Db) {
  const q = {
    get: db.prepare(`SELECT version, kdf_salt, kdf_params, wrapped_dek, recovery_salt, recovery_kdf_params,
      recovery_wrapped_dek, created_at, updated_at FROM vault_metadata WHERE id = 1`),
    // DO NOTHING, not REPLACE: an existing vault is never overwritten (its DEK encrypts live data).
    create: db.prepare(`INSERT INTO vault_metadata (id, version, kdf_salt, kdf_params, wrapped_dek, recovery_salt,
      recovery_kdf_params, recovery_wrapped_dek, created_at, updated_at)
      VALUES (1, @version, @kdf_salt, @kdf_params, @wrapped_dek, @recovery_salt, @recovery_kdf_params,
      @recovery_wrapped_dek, @now, @now) ON CONFLICT(id) DO NOTHING`),
    updatePasswordWrap: db.prepare(`UPDATE vault_metadata SET kdf_salt = @kdf_salt, kdf_params = @kdf_params,
      wrapped_dek = @wrapped_dek, updated_at = @now WHERE id = 1`),
  };
  return {
    get: (): VaultMetadataRow | undefined => q.get.get() as VaultMetadataRow | undefined,
    /** Inserts the metadata row; false when a vault already exists (nothing is changed then). */
    create: (m: Omit<VaultMetadataRow, 'created_at' | 'updated_at'> & { now: number }): boolean =>
      q.create.run(m).changes === 1,
    /** Replaces the password wrap (salt, params, wrapped DEK); the recovery wrap is untouched. */
    updatePasswordWrap: (w: { kdf_salt: string; kdf_params: string; wrapped_dek: string; now: number }): boolean =>
      q.updatePasswordWrap.run(w).changes === 1,
  };
}
export type VaultRepo = ReturnType<typeof createVaultRepo>;
