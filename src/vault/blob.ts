/**
 * The AEAD blob format: standard base64 of `0x01 ‖ nonce(24) ‖ ciphertext ‖ tag(16)`,
 * XChaCha20-Poly1305 with the caller's AAD, which binds each ciphertext to the record it belongs to.
 */
import { randomBytes } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { VaultError } from './errors.js';

/** Version tag of the only blob format written today. */
export const BLOB_VERSION = 0x01;
const KEY_LEN = 32;
const NONCE_LEN = 24;
const TAG_LEN = 16;
const MIN_LEN = 1 + NONCE_LEN + TAG_LEN;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextEncoder();

/**
 * Encrypts `plaintext` under `key` (32 bytes), binding it to `aad`. Returns the base64 blob.
 * The nonce is always fresh from the OS CSPRNG and deliberately not injectable: a repeated
 * nonce under XChaCha20-Poly1305 leaks the XOR of plaintexts and allows forgeries.
 */
export function sealBlob(key: Uint8Array, plaintext: Uint8Array, aad: string): string {
  if (key.length !== KEY_LEN) throw new RangeError(`vault key must be ${KEY_LEN} bytes, got ${key.length}`);
  const nonce = randomBytes(NONCE_LEN);
  const sealed = xchacha20poly1305(key, nonce, utf8.encode(aad)).encrypt(plaintext);
  const out = Buffer.allocUnsafeSlow(1 + NONCE_LEN + sealed.length);
  out[0] = BLOB_VERSION;
  out.set(nonce, 1);
  out.set(sealed, 1 + NONCE_LEN);
  return out.toString('base64');
}

/**
 * Decrypts a blob made by `sealBlob` with the same key and AAD.
 * Throws `DECRYPT_FAILED` for anything malformed or unauthentic and `UNKNOWN_BLOB_VERSION`
 * for a well-formed blob of another version.
 */
export function openBlob(key: Uint8Array, blob: string, aad: string): Uint8Array {
  // Fail closed: Buffer.from(…, 'base64') skips junk characters, so the text is checked strictly first.
  if (typeof blob !== 'string' || !BASE64.test(blob)) throw new VaultError('DECRYPT_FAILED');
  const raw = Buffer.from(blob, 'base64');
  if (raw.length === 0) throw new VaultError('DECRYPT_FAILED');
  if (raw[0] !== BLOB_VERSION) {
    throw new VaultError('UNKNOWN_BLOB_VERSION', `unknown encrypted blob version ${raw[0]}: written by a newer moltis? upgrade moltis`);
  }
  if (raw.length < MIN_LEN) throw new VaultError('DECRYPT_FAILED');
  try {
    const nonce = raw.subarray(1, 1 + NONCE_LEN);
    return xchacha20poly1305(key, nonce, utf8.encode(aad)).decrypt(raw.subarray(1 + NONCE_LEN));
  } catch {
    // Fail closed: a tag mismatch, wrong AAD, wrong key or bad key length all mean "not authentic".
    throw new VaultError('DECRYPT_FAILED');
  }
}
