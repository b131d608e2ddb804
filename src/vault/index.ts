/**
 * Vault capability: encryption at rest. A DEK (held in memory only while unsealed) encrypts every
 * secret; it is stored wrapped under an Argon2id KEK from the owner password and another from a
 * one-time recovery key.
 */
export { createVault, AAD_DEK_WRAP, AAD_DEK_WRAP_RECOVERY, VAULT_VERSION, type Vault, type VaultDeps, type VaultStatus } from './vault.js';
export { VaultError, VAULT_ERROR_STATUS, type VaultErrorCode } from './errors.js';
export { sealBlob, openBlob, BLOB_VERSION } from './blob.js';
export { deriveKek, PASSWORD_KDF, RECOVERY_KDF, type KdfParams } from './kdf.js';
export { generateRecoveryKey, normalizeRecoveryKey, RECOVERY_ALPHABET } from './recovery-key.js';
export { secretAad, type SecretsApi, type SecretInfo } from './secrets.js';
