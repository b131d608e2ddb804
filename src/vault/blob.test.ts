import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openBlob, sealBlob, VaultError, type VaultErrorCode } from './index.js';

const key = new Uint8Array(randomBytes(32));
const text = new TextEncoder().encode('sk-live-0123456789abcdef');
const code = (c: VaultErrorCode) => (e: unknown) => e instanceof VaultError && e.code === c;

test('round trip; layout is 0x01 ‖ nonce(24) ‖ ciphertext ‖ tag(16); nonces are fresh', () => {
  const blob = sealBlob(key, text, 'env:OPENAI_API_KEY');
  assert.deepEqual(openBlob(key, blob, 'env:OPENAI_API_KEY'), text);
  const raw = Buffer.from(blob, 'base64');
  assert.equal(raw[0], 0x01);
  assert.equal(raw.length, 1 + 24 + text.length + 16);
  assert.notEqual(sealBlob(key, text, 'a'), sealBlob(key, text, 'a'));
  // A 32-byte DEK wrap is 73 bytes → 100 base64 characters, as in the original.
  assert.equal(sealBlob(key, new Uint8Array(32), 'dek-wrap').length, 100);
});

test('one flipped bit anywhere after the version byte → DECRYPT_FAILED', () => {
  const raw = Buffer.from(sealBlob(key, text, 'aad'), 'base64');
  for (let i = 1; i < raw.length; i++) {
    for (const bit of [0x01, 0x80]) {
      const bad = Buffer.from(raw);
      bad[i]! ^= bit;
      assert.throws(() => openBlob(key, bad.toString('base64'), 'aad'), code('DECRYPT_FAILED'), `byte ${i}`);
    }
  }
});

test('wrong AAD, wrong key, truncation and bad base64 → DECRYPT_FAILED', () => {
  const blob = sealBlob(key, text, 'secrets:1:value');
  assert.throws(() => openBlob(key, blob, 'secrets:2:value'), code('DECRYPT_FAILED'));
  assert.throws(() => openBlob(new Uint8Array(randomBytes(32)), blob, 'secrets:1:value'), code('DECRYPT_FAILED'));
  assert.throws(() => openBlob(key.subarray(0, 16), blob, 'secrets:1:value'), code('DECRYPT_FAILED'));
  const raw = Buffer.from(blob, 'base64');
  for (const n of [1, 25, 40, raw.length - 1]) {
    assert.throws(() => openBlob(key, raw.subarray(0, n).toString('base64'), 'secrets:1:value'), code('DECRYPT_FAILED'), `length ${n}`);
  }
  // Buffer.from would silently skip the junk and decode the rest; the strict check refuses it.
  for (const junk of ['', '!!!!', `${blob.slice(0, 10)}*${blob.slice(10)}`, `${blob} `, blob.slice(0, -1)]) {
    assert.throws(() => openBlob(key, junk, 'secrets:1:value'), code('DECRYPT_FAILED'), JSON.stringify(junk));
  }
});

test('an unknown version byte → UNKNOWN_BLOB_VERSION (status 500)', () => {
  const raw = Buffer.from(sealBlob(key, text, 'aad'), 'base64');
  raw[0] = 0x02;
  assert.throws(() => openBlob(key, raw.toString('base64'), 'aad'), (e: unknown) =>
    e instanceof VaultError && e.code === 'UNKNOWN_BLOB_VERSION' && e.status === 500 && /version 2/.test(e.message));
});

test('sealBlob refuses a key that is not 32 bytes', () => {
  assert.throws(() => sealBlob(new Uint8Array(16), text, 'aad'), RangeError);
});
