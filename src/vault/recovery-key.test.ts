import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateRecoveryKey, normalizeRecoveryKey, RECOVERY_ALPHABET, VaultError } from './index.js';

const FORMAT = /^[A-HJ-NP-Z2-9]{4}(?:-[A-HJ-NP-Z2-9]{4}){7}$/;

test('format: 8 groups of 4 symbols from the 32-symbol alphabet', () => {
  assert.equal(RECOVERY_ALPHABET.length, 32);
  assert.equal(new Set(RECOVERY_ALPHABET).size, 32);
  for (let i = 0; i < 50; i++) assert.match(generateRecoveryKey(), FORMAT);
});

test('encoding is base32 of 20 bytes (160 bits ≥ 128), MSB first', () => {
  const fixed = (b: number[]) => () => Uint8Array.from(b);
  assert.equal(generateRecoveryKey(fixed(Array(20).fill(0))), 'AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA');
  assert.equal(generateRecoveryKey(fixed(Array(20).fill(0xff))), '9999-9999-9999-9999-9999-9999-9999-9999');
  // 0x00 0x44 0x32 0x14 0xC7 encodes the values 0..7 in 5-bit groups; repeated, symbol i follows the alphabet.
  const ramp = [0x00, 0x44, 0x32, 0x14, 0xc7, 0x42, 0x54, 0xb6, 0x35, 0xcf, 0x84, 0x65, 0x3a, 0x56, 0xd7, 0xc6, 0x75, 0xbe, 0x77, 0xdf];
  assert.equal(generateRecoveryKey(fixed(ramp)).replaceAll('-', ''), RECOVERY_ALPHABET);
  // 32 symbols × log2(32) bits each.
  assert.ok(Math.log2(RECOVERY_ALPHABET.length) * generateRecoveryKey().replaceAll('-', '').length >= 128);
  // Distinct keys: no accidental constant or low-entropy source.
  const keys = new Set(Array.from({ length: 1000 }, () => generateRecoveryKey()));
  assert.equal(keys.size, 1000);
});

test('every one of the 32 symbols is reachable (the original only ever produced 16)', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200 && seen.size < 32; i++) for (const c of generateRecoveryKey().replaceAll('-', '')) seen.add(c);
  assert.deepEqual([...seen].sort(), [...RECOVERY_ALPHABET].sort());
});

test('normalization: lowercase, spaces, tabs, newlines and dashes are accepted', () => {
  const key = generateRecoveryKey();
  const canon = key.replaceAll('-', '');
  assert.equal(normalizeRecoveryKey(key), canon);
  assert.equal(normalizeRecoveryKey(key.toLowerCase()), canon);
  assert.equal(normalizeRecoveryKey(` ${key.replaceAll('-', ' ')}\n`), canon);
  assert.equal(normalizeRecoveryKey(canon.match(/.{4}/g)!.join('\t-')), canon);
});

test('invalid recovery keys → INVALID_RECOVERY_KEY (400) saying what is expected', () => {
  const canon = generateRecoveryKey().replaceAll('-', '');
  const bad = ['', canon.slice(1), `${canon}A`, `I${canon.slice(1)}`, `O${canon.slice(1)}`, `0${canon.slice(1)}`,
    `1${canon.slice(1)}`, `_${canon.slice(1)}`, `${canon.slice(0, 31)}é`];
  for (const b of bad) {
    assert.throws(() => normalizeRecoveryKey(b), (e: unknown) =>
      e instanceof VaultError && e.code === 'INVALID_RECOVERY_KEY' && e.status === 400 && /32 characters/.test(e.message), JSON.stringify(b));
  }
});
