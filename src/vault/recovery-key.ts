/**
 * Recovery keys: 160 random bits in base32 over an alphabet without look-alikes (no I, O, 0, 1),
 * written as 8 groups of 4 symbols. Unlike the original's nibble encoding (which only ever used
 * 16 of the 32 symbols), every symbol carries 5 bits.
 */
import { randomBytes } from 'node:crypto';
import { VaultError } from './errors.js';

/** The 32 recovery-key symbols; index = 5-bit value. */
export const RECOVERY_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
/** Random bytes per recovery key (160 bits → exactly 32 symbols). */
export const RECOVERY_KEY_BYTES = 20;
const SYMBOLS = (RECOVERY_KEY_BYTES * 8) / 5;
const VALID = new RegExp(`^[${RECOVERY_ALPHABET}]{${SYMBOLS}}$`);

/**
 * A fresh recovery key, e.g. `ABCD-EFGH-JKLM-NPQR-STUV-WXYZ-2345-6789`.
 * `random` exists for tests that pin the encoding; production uses the OS CSPRNG.
 */
export function generateRecoveryKey(random: (n: number) => Uint8Array = randomBytes): string {
  const bytes = random(RECOVERY_KEY_BYTES);
  if (bytes.length !== RECOVERY_KEY_BYTES) throw new RangeError(`expected ${RECOVERY_KEY_BYTES} random bytes`);
  let acc = 0;
  let bits = 0;
  let out = '';
  for (const b of bytes) {
    acc = ((acc << 8) | b) & 0xfff; // at most 12 live bits are ever needed
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += RECOVERY_ALPHABET[(acc >> bits) & 31];
    }
  }
  return out.match(/.{4}/g)!.join('-');
}

/**
 * Canonical form of a typed recovery key: spaces, tabs, newlines and dashes removed, upper-cased.
 * Throws `INVALID_RECOVERY_KEY` unless exactly 32 alphabet symbols remain.
 */
export function normalizeRecoveryKey(input: string): string {
  const key = String(input).replace(/[ \t\r\n-]/g, '').toUpperCase();
  if (!VALID.test(key)) throw new VaultError('INVALID_RECOVERY_KEY');
  return key;
}
