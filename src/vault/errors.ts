/**
 * The vault's error-code registry. Callers branch on `.code` (or send `.status`), never on text.
 */

/** Every way a vault operation can fail. */
export type VaultErrorCode =
  | 'NOT_INITIALIZED'
  | 'ALREADY_INITIALIZED'
  | 'SEALED'
  | 'BAD_CREDENTIAL'
  | 'DECRYPT_FAILED'
  | 'UNKNOWN_BLOB_VERSION'
  | 'INVALID_RECOVERY_KEY';

/** HTTP-ish status for each code (423 Locked: the caller must unlock first). */
export const VAULT_ERROR_STATUS: Readonly<Record<VaultErrorCode, number>> = Object.freeze({
  NOT_INITIALIZED: 409,
  ALREADY_INITIALIZED: 409,
  SEALED: 423,
  BAD_CREDENTIAL: 423,
  DECRYPT_FAILED: 500,
  UNKNOWN_BLOB_VERSION: 500,
  INVALID_RECOVERY_KEY: 400,
});

const DEFAULT_MESSAGE: Readonly<Record<VaultErrorCode, string>> = Object.freeze({
  NOT_INITIALIZED: 'the vault is not initialized: set a password first',
  ALREADY_INITIALIZED: 'vault is already initialized: unlock it with your password or recovery key',
  SEALED: 'vault is sealed: unlock it with your password or recovery key',
  BAD_CREDENTIAL: 'invalid credential',
  DECRYPT_FAILED: 'decryption failed: the data was altered, moved to another record, or encrypted under another key',
  UNKNOWN_BLOB_VERSION: 'unknown encrypted blob version: written by a newer moltis? upgrade moltis',
  INVALID_RECOVERY_KEY: 'recovery key must be 32 characters from A–Z (no I, O) and 2–9, e.g. ABCD-EFGH-…',
});

/** A vault failure with a stable `code` and an HTTP-ish `status`. */
export class VaultError extends Error {
  override readonly name = 'VaultError';
  readonly status: number;
  constructor(readonly code: VaultErrorCode, message: string = DEFAULT_MESSAGE[code]) {
    super(message);
    this.status = VAULT_ERROR_STATUS[code];
  }
}
