/**
 * Cryptographic primitives used across the gateway. Nothing here is hand-rolled:
 * hashing, HMAC and randomness come from node:crypto, Argon2id from @node-rs/argon2.
 */
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/**
 * @node-rs/argon2, imported on the first password or vault operation (Node caches the module):
 * its native binding adds ~13 MB to the resident size of a gateway that only serves API keys.
 */
export const loadArgon2 = () => import('@node-rs/argon2');

/** Argon2id parameters for the owner password (OWASP 2024 minimum: m=19 MiB, t=2, p=1). */
export const PASSWORD_HASH_PARAMS = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/** `bytes` random bytes as base64url without padding. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Lowercase hex SHA-256 of a UTF-8 string. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/**
 * Compares two strings in time independent of where they differ. Both sides are hashed first
 * so that unequal lengths do not leak through an early return.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

/** Random string of `length` symbols drawn uniformly (rejection-free via randomInt) from `alphabet`. */
export function randomFromAlphabet(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** Argon2id PHC hash of a password. */
export async function hashPassword(password: string): Promise<string> {
  const a = await loadArgon2();
  return a.hash(password, { ...PASSWORD_HASH_PARAMS, algorithm: a.Algorithm.Argon2id });
}

// A valid PHC string used when no password exists, so "no password" costs the same time as "wrong password".
const DUMMY_PHC = '$argon2id$v=19$m=19456,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

/** Verifies a password against a PHC hash; a missing hash still spends one Argon2 verification. */
export async function verifyPassword(phc: string | null, password: string): Promise<boolean> {
  try {
    const ok = await (await loadArgon2()).verify(phc ?? DUMMY_PHC, password);
    return phc !== null && ok;
  } catch {
    // Fail closed: a corrupt hash never verifies.
    return false;
  }
}
