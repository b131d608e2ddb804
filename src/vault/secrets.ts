/**
 * Kind-scoped secret store over the `secrets` table. Every value is sealed under the vault DEK
 * with AAD `secrets:<row id>:value`, so a ciphertext copied into another row does not decrypt.
 */
import type { SecretsRepo } from '../store/index.js';
import { openBlob, sealBlob } from './blob.js';
import { VaultError } from './errors.js';

/** A secret as listed: never its value. */
export interface SecretInfo { id: number; name: string; created_at: number; updated_at: number; encrypted: boolean }

/** The vault's secret store. Writes and reads need an unsealed vault; list and delete do not. */
export interface SecretsApi {
  /** Creates or replaces the secret `name` of `kind`. Throws SEALED / NOT_INITIALIZED when locked. */
  put(kind: string, name: string, value: string): { id: number; created: boolean };
  /** The plaintext value, or null when there is no such secret. Throws SEALED / NOT_INITIALIZED when locked. */
  get(kind: string, name: string): string | null;
  /** Every secret of `kind`, by name, without values. Works while sealed. */
  list(kind: string): SecretInfo[];
  /** Deletes a secret by id within `kind`; false when there was none. Works while sealed. */
  delete(kind: string, id: number): boolean;
  /** Encrypts every legacy plaintext row in place and purges the WAL. Returns how many rows changed. */
  migrateLegacyPlaintext(): number;
}

/**
 * AAD binding a secret's ciphertext to its row *and* its kind and name: with database write
 * access alone, nobody can move a ciphertext to another row, nor relabel a provider key as an
 * environment variable that the agent would then be handed. JSON keeps the fields unambiguous.
 */
export function secretAad(id: number, kind: string, name: string): string {
  return `secrets:${id}:${JSON.stringify([kind, name])}:value`;
}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });
const MAX_KIND = 64;
const MAX_NAME = 512;

function checkKey(kind: string, name?: string): void {
  if (typeof kind !== 'string' || kind.length === 0 || kind.length > MAX_KIND) throw new RangeError(`secret kind must be 1–${MAX_KIND} characters`);
  if (name !== undefined && (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME)) {
    throw new RangeError(`secret name must be 1–${MAX_NAME} characters`);
  }
}

/** Seals a UTF-8 string and zeroes the encoded copy (the JS string itself cannot be wiped). */
function sealString(key: Uint8Array, value: string, aad: string): string {
  const bytes = enc.encode(value);
  try { return sealBlob(key, bytes, aad); } finally { bytes.fill(0); }
}

/**
 * Builds the secrets API. `key()` returns the live DEK or throws (SEALED / NOT_INITIALIZED); every
 * operation here is synchronous, so the DEK cannot be sealed away halfway through one.
 */
export function createSecretsApi(deps: {
  repo: SecretsRepo;
  now: () => number;
  key: () => Uint8Array;
  emit: (type: string, detail: string | null) => void;
}): SecretsApi {
  const { repo } = deps;

  const migrateLegacyPlaintext = (): number => {
    const key = deps.key();
    const count = repo.transaction(() => {
      const now = deps.now();
      const rows = repo.plaintextRows();
      for (const r of rows) repo.updateValue({ id: r.id, value: sealString(key, r.value, secretAad(r.id, r.kind, r.name)), encrypted: true, now });
      return rows.length;
    });
    if (count === 0) return 0;
    // secure_delete zeroed the old cells in the pages; the WAL still holds older page images until this.
    const cp = repo.checkpointTruncate();
    deps.emit('vault_secrets_migrated', String(count));
    if (cp.busy !== 0) deps.emit('vault_wal_checkpoint_busy', 'plaintext page images may remain in moltis.db-wal until the next checkpoint');
    return count;
  };

  return {
    put(kind, name, value) {
      checkKey(kind, name);
      if (typeof value !== 'string') throw new TypeError('secret value must be a string');
      // Fail closed: no key, no write (never falls back to storing plaintext).
      const key = deps.key();
      return repo.transaction(() => {
        const now = deps.now();
        const existing = repo.byName(kind, name);
        if (existing) {
          repo.updateValue({ id: existing.id, value: sealString(key, value, secretAad(existing.id, kind, name)), encrypted: true, now });
          return { id: existing.id, created: false };
        }
        // The AAD needs the row id, so insert an empty placeholder first; both writes commit together.
        const id = repo.insert({ kind, name, value: '', encrypted: true, now });
        repo.updateValue({ id, value: sealString(key, value, secretAad(id, kind, name)), encrypted: true, now });
        return { id, created: true };
      });
    },

    get(kind, name) {
      checkKey(kind, name);
      const key = deps.key();
      let row = repo.byName(kind, name);
      if (!row) return null;
      if (row.encrypted === 0) {
        // A legacy row written since the last unseal: encrypt it now rather than leave it in plaintext.
        migrateLegacyPlaintext();
        row = repo.byId(row.id);
        if (!row || row.encrypted === 0) throw new VaultError('DECRYPT_FAILED', `secret ${kind}/${name} could not be encrypted in place; retry`);
      }
      const plain = openBlob(key, row.value, secretAad(row.id, row.kind, row.name));
      try {
        return dec.decode(plain);
      } catch {
        throw new VaultError('DECRYPT_FAILED');
      } finally {
        plain.fill(0);
      }
    },

    list(kind) {
      checkKey(kind);
      return repo.list(kind).map((r) => ({ id: r.id, name: r.name, created_at: r.created_at, updated_at: r.updated_at, encrypted: r.encrypted === 1 }));
    },

    delete(kind, id) {
      checkKey(kind);
      return Number.isSafeInteger(id) && repo.delete(kind, id);
    },

    migrateLegacyPlaintext,
  };
}
