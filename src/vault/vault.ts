/**
 * The vault state machine: uninitialized → (initialize) → unsealed ⇄ sealed.
 *
 * Key hierarchy: a random 32-byte DEK encrypts every secret. It is stored only wrapped, twice:
 * under a KEK from the owner password and under a KEK from the recovery key, each Argon2id with
 * its own random salt and stored params. The DEK lives in memory only while unsealed; a process
 * starts sealed.
 */
import { randomBytes, randomFillSync, timingSafeEqual } from 'node:crypto';
import type { Store } from '../store/index.js';
import { openBlob, sealBlob } from './blob.js';
import { VaultError } from './errors.js';
import { deriveKek, formatKdfParams, parseKdfParams, parseSalt, PASSWORD_KDF, RECOVERY_KDF, SALT_LEN } from './kdf.js';
import { generateRecoveryKey, normalizeRecoveryKey } from './recovery-key.js';
import { createSecretsApi, type SecretsApi } from './secrets.js';

/** `uninitialized`: no vault yet; `sealed`: vault exists, DEK not in memory; `unsealed`: DEK in memory. */
export type VaultStatus = 'uninitialized' | 'sealed' | 'unsealed';

/** What the vault needs. `onEvent` feeds the audit log (a throwing sink is ignored). */
export interface VaultDeps {
  store: Pick<Store, 'vault' | 'secrets'>;
  now: () => number;
  onEvent?: (type: string, detail: string | null) => void;
}

/** Version of the vault metadata layout written by this code. */
export const VAULT_VERSION = 1;
/** AAD of the password-wrapped DEK. */
export const AAD_DEK_WRAP = 'dek-wrap';
/** AAD of the recovery-wrapped DEK (distinct, so one wrap can never stand in for the other). */
export const AAD_DEK_WRAP_RECOVERY = 'dek-wrap-recovery';
const DEK_LEN = 32;
const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

/** Creates a sealed vault over the store. See `Vault` for the operations. */
export function createVault(deps: VaultDeps) {
  const repo = deps.store.vault;
  let dek: Uint8Array | null = null;
  // A vault, once seen, never goes away (its DEK encrypts live data), so only "present" is cached.
  let initializedSeen = false;
  // initialize/unseal/rewrap/verify each await Argon2: run them one at a time so none interleave
  // and at most one 64 MiB KDF runs per vault.
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn);
    queue = run.catch(() => undefined);
    return run;
  };

  const emit = (type: string, detail: string | null): void => {
    // The state change has already happened; an audit sink failure must not report it as failed.
    try { deps.onEvent?.(type, detail); } catch { /* ignored */ }
  };
  const metadata = () => {
    const m = repo.get();
    if (m) initializedSeen = true;
    return m;
  };
  const isInitialized = (): boolean => initializedSeen || metadata() !== undefined;
  const requireKey = (): Uint8Array => {
    if (dek) return dek;
    if (!isInitialized()) throw new VaultError('NOT_INITIALIZED');
    throw new VaultError('SEALED');
  };

  /** Derives a KEK and unwraps; null when the credential is wrong (any AEAD failure). */
  const unwrap = async (secret: string, salt: string, params: string, wrapped: string, aad: string): Promise<Uint8Array | null> => {
    // Stored params, not current defaults: they are what the wrap was made with.
    const kek = await deriveKek(secret, parseSalt(salt), parseKdfParams(params));
    try {
      const key = openBlob(kek, wrapped, aad);
      if (key.length === DEK_LEN) return key;
      key.fill(0);
      return null;
    } catch (err) {
      if (err instanceof VaultError && err.code === 'UNKNOWN_BLOB_VERSION') throw err;
      return null;
    } finally {
      kek.fill(0);
    }
  };

  const migrateSecrets = (): void => {
    try {
      secrets.migrateLegacyPlaintext();
    } catch (err) {
      // The unseal itself succeeded; the rows stay as they were and are retried on the next unseal.
      emit('vault_secrets_migration_failed', (err as Error).message);
    }
  };

  /** Installs an unwrapped DEK, or checks it against the one already in memory. */
  const install = (key: Uint8Array, event: string, detail: string | null): void => {
    if (dek) {
      const same = timingSafeEqual(dek, key);
      key.fill(0);
      // Fail closed: the stored vault changed under a running process; its secrets would not decrypt.
      if (!same) throw new VaultError('DECRYPT_FAILED', 'the vault on disk no longer matches the unlocked one: restart moltis');
    } else {
      dek = key;
      emit(event, detail);
    }
    migrateSecrets();
  };

  const unsealWith = async (secret: string, kind: 'password' | 'recovery_key'): Promise<void> => {
    const m = metadata();
    if (!m) throw new VaultError('NOT_INITIALIZED');
    const failed = kind === 'password' ? 'invalid password' : 'invalid recovery key';
    const key = secret.length === 0 ? null : kind === 'password'
      ? await unwrap(secret, m.kdf_salt, m.kdf_params, m.wrapped_dek, AAD_DEK_WRAP)
      : await unwrap(secret, m.recovery_salt, m.recovery_kdf_params, m.recovery_wrapped_dek, AAD_DEK_WRAP_RECOVERY);
    if (!key) {
      emit('vault_unseal_failed', kind);
      throw new VaultError('BAD_CREDENTIAL', failed);
    }
    install(key, kind === 'password' ? 'vault_unsealed' : 'vault_recovered', kind);
  };

  const secrets: SecretsApi = createSecretsApi({ repo: deps.store.secrets, now: deps.now, key: requireKey, emit });

  const seal = (): void => {
    if (!dek) return;
    dek.fill(0);
    dek = null;
    emit('vault_sealed', null);
  };

  return {
    /** Current state; cheap enough for a per-request guard (one indexed read until initialized). */
    status: (): VaultStatus => (dek ? 'unsealed' : isInitialized() ? 'sealed' : 'uninitialized'),

    /**
     * Creates the vault under `password` and leaves it unsealed. Returns the recovery key: this is
     * the only time it exists anywhere, so the caller must show it to the owner once.
     */
    initialize: (password: string): Promise<{ recoveryKey: string }> => exclusive(async () => {
      if (typeof password !== 'string' || password.length === 0) throw new VaultError('BAD_CREDENTIAL', 'the vault password must not be empty');
      if (isInitialized()) throw new VaultError('ALREADY_INITIALIZED');
      const key = new Uint8Array(DEK_LEN);
      randomFillSync(key);
      const salt = randomBytes(SALT_LEN);
      const recoverySalt = randomBytes(SALT_LEN);
      const recoveryKey = generateRecoveryKey();
      let created = false;
      try {
        const settled = await Promise.allSettled([
          deriveKek(password, salt, PASSWORD_KDF),
          deriveKek(normalizeRecoveryKey(recoveryKey), recoverySalt, RECOVERY_KDF),
        ]);
        const [kek, rkek] = settled.map((r) => (r.status === 'fulfilled' ? r.value : null));
        if (!kek || !rkek) {
          kek?.fill(0);
          rkek?.fill(0);
          throw (settled.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason;
        }
        try {
          // One INSERT (one transaction); DO NOTHING if another process initialized meanwhile.
          created = repo.create({
            version: VAULT_VERSION,
            kdf_salt: salt.toString('base64'),
            kdf_params: formatKdfParams(PASSWORD_KDF),
            wrapped_dek: sealBlob(kek, key, AAD_DEK_WRAP),
            recovery_salt: recoverySalt.toString('base64'),
            recovery_kdf_params: formatKdfParams(RECOVERY_KDF),
            recovery_wrapped_dek: sealBlob(rkek, key, AAD_DEK_WRAP_RECOVERY),
            now: deps.now(),
          });
        } finally {
          kek.fill(0);
          rkek.fill(0);
        }
      } finally {
        if (!created) key.fill(0);
      }
      if (!created) throw new VaultError('ALREADY_INITIALIZED');
      initializedSeen = true;
      dek = key;
      emit('vault_initialized', null);
      migrateSecrets();
      return { recoveryKey };
    }),

    /**
     * Unwraps the DEK with the owner password. Wrong → BAD_CREDENTIAL 'invalid password' and the
     * state is unchanged. When already unsealed the password is still checked (and still throws).
     */
    unseal: (password: string): Promise<void> =>
      exclusive(() => unsealWith(typeof password === 'string' ? password : '', 'password')),

    /** Unwraps the DEK with the recovery key (any case, spaces and dashes allowed). */
    unsealWithRecovery: (recoveryKey: string): Promise<void> => {
      let normalized: string;
      try { normalized = normalizeRecoveryKey(recoveryKey); } catch (err) { return Promise.reject(err); }
      return exclusive(() => unsealWith(normalized, 'recovery_key'));
    },

    /**
     * Re-wraps the in-memory DEK under `newPassword` with a fresh salt and the current default
     * params. Data is not re-encrypted; the recovery wrap is unchanged. Requires unsealed.
     */
    rewrap: (newPassword: string): Promise<void> => exclusive(async () => {
      if (typeof newPassword !== 'string' || newPassword.length === 0) throw new VaultError('BAD_CREDENTIAL', 'the vault password must not be empty');
      requireKey();
      const salt = randomBytes(SALT_LEN);
      const kek = await deriveKek(newPassword, salt, PASSWORD_KDF);
      try {
        // Re-checked after the await: seal() may have run meanwhile.
        const key = requireKey();
        const ok = repo.updatePasswordWrap({ kdf_salt: salt.toString('base64'), kdf_params: formatKdfParams(PASSWORD_KDF), wrapped_dek: sealBlob(kek, key, AAD_DEK_WRAP), now: deps.now() });
        if (!ok) throw new VaultError('NOT_INITIALIZED');
      } finally {
        kek.fill(0);
      }
      emit('vault_rewrapped', null);
    }),

    /** Whether `password` unwraps the stored DEK (false when uninitialized). Changes nothing. */
    verifyPassword: (password: string): Promise<boolean> => exclusive(async () => {
      const m = metadata();
      if (!m || typeof password !== 'string' || password.length === 0) return false;
      const key = await unwrap(password, m.kdf_salt, m.kdf_params, m.wrapped_dek, AAD_DEK_WRAP);
      key?.fill(0);
      return key !== null;
    }),

    /** Zeroes the DEK and forgets it. */
    seal,

    /** Encrypts a string under the DEK bound to `aad`. Throws SEALED / NOT_INITIALIZED when locked. */
    encrypt: (plaintext: string, aad: string): string => {
      const bytes = enc.encode(plaintext);
      try { return sealBlob(requireKey(), bytes, aad); } finally { bytes.fill(0); }
    },

    /** Decrypts a blob from `encrypt` with the same AAD. Throws SEALED, DECRYPT_FAILED, UNKNOWN_BLOB_VERSION. */
    decrypt: (blob: string, aad: string): string => {
      const plain = openBlob(requireKey(), blob, aad);
      try { return dec.decode(plain); } catch { throw new VaultError('DECRYPT_FAILED'); } finally { plain.fill(0); }
    },

    /** Kind-scoped secret store (env, provider, channel, …). */
    secrets,

    /** Seals; the vault object stays usable (unseal again). */
    close: seal,
  };
}

/** A vault instance. */
export type Vault = ReturnType<typeof createVault>;
