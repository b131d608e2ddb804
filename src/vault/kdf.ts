/**
 * Key-encryption-key derivation (Argon2id). Params are stored beside each wrap so they can be
 * raised later: unwrapping always uses the stored params, (re)wrapping uses the current defaults.
 */
import { loadArgon2 } from '../crypto/index.js';
import { VaultError } from './errors.js';

/** Argon2id parameters as stored in `vault_metadata` (m_cost in KiB). */
export interface KdfParams { alg: 'argon2id'; m_cost: number; t_cost: number; p_cost: number }

/** Defaults for the password KEK: 64 MiB, 3 passes (a password may be weak, so make guessing dear). */
export const PASSWORD_KDF: Readonly<KdfParams> = Object.freeze({ alg: 'argon2id', m_cost: 65536, t_cost: 3, p_cost: 1 });
/** Defaults for the recovery KEK: the recovery key carries 160 random bits, so a lighter KDF suffices. */
export const RECOVERY_KDF: Readonly<KdfParams> = Object.freeze({ alg: 'argon2id', m_cost: 19456, t_cost: 2, p_cost: 1 });
/** Bytes of random salt per wrap. */
export const SALT_LEN = 16;

// Ceilings for stored params: a tampered row must not make an unlock allocate unbounded memory.
const MAX_M_COST = 1 << 20; // 1 GiB
const MAX_T_COST = 64;
const MAX_P_COST = 16;

/** Derives a 32-byte KEK from `secret`. The caller zeroes the result when done. */
export async function deriveKek(secret: string, salt: Uint8Array, params: KdfParams): Promise<Uint8Array> {
  const a = await loadArgon2();
  const out = await a.hashRaw(secret, {
    algorithm: a.Algorithm.Argon2id,
    memoryCost: params.m_cost,
    timeCost: params.t_cost,
    parallelism: params.p_cost,
    outputLen: 32,
    salt,
  });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

const int = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/** Parses and bounds-checks stored KDF params; unreadable params are a corrupt vault, never a guess. */
export function parseKdfParams(json: string): KdfParams {
  let p: unknown;
  try { p = JSON.parse(json); } catch { p = null; }
  const o = (p ?? {}) as Record<string, unknown>;
  // Fail closed: anything but well-formed, bounded argon2id params refuses to unwrap.
  if (typeof p !== 'object' || o.alg !== 'argon2id' || !int(o.p_cost, 1, MAX_P_COST) ||
      !int(o.t_cost, 1, MAX_T_COST) || !int(o.m_cost, 8 * (o.p_cost as number), MAX_M_COST)) {
    throw new VaultError('DECRYPT_FAILED', 'vault metadata holds unreadable KDF parameters: restore the database from a backup');
  }
  return { alg: 'argon2id', m_cost: o.m_cost as number, t_cost: o.t_cost as number, p_cost: o.p_cost as number };
}

/** Serializes params in the stored JSON shape. */
export function formatKdfParams(p: KdfParams): string {
  return JSON.stringify({ alg: p.alg, m_cost: p.m_cost, t_cost: p.t_cost, p_cost: p.p_cost });
}

/** Decodes a stored base64 salt (at least 8 bytes, Argon2's minimum). */
export function parseSalt(b64: string): Uint8Array {
  const salt = /^[A-Za-z0-9+/]+={0,2}$/.test(b64) ? Buffer.from(b64, 'base64') : Buffer.alloc(0);
  // Fail closed: a mangled salt would only ever produce a wrong KEK, so report corruption instead.
  if (salt.length < 8) throw new VaultError('DECRYPT_FAILED', 'vault metadata holds an unreadable salt: restore the database from a backup');
  return salt;
}
