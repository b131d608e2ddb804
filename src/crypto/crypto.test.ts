import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constantTimeEqual, hashPassword, randomFromAlphabet, randomToken, verifyPassword } from './index.js';

test('randomToken is base64url of the requested size', () => {
  const t = randomToken(32);
  assert.equal(t.length, 43);
  assert.match(t, /^[A-Za-z0-9_-]+$/);
  assert.notEqual(t, randomToken(32));
});

test('constantTimeEqual compares exactly', () => {
  assert.equal(constantTimeEqual('abc', 'abc'), true);
  assert.equal(constantTimeEqual('abc', 'abd'), false);
  assert.equal(constantTimeEqual('abc', 'abcd'), false);
  assert.equal(constantTimeEqual('', ''), true);
});

test('randomFromAlphabet uses only the alphabet', () => {
  const s = randomFromAlphabet('AB', 200);
  assert.match(s, /^[AB]{200}$/);
  assert.ok(s.includes('A') && s.includes('B'));
});

test('argon2id hash verifies the right password only', async () => {
  const phc = await hashPassword('correct horse battery');
  assert.match(phc, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  assert.equal(await verifyPassword(phc, 'correct horse battery'), true);
  assert.equal(await verifyPassword(phc, 'wrong horse battery'), false);
  assert.equal(await verifyPassword(null, 'anything at all'), false);
  assert.equal(await verifyPassword('garbage', 'anything at all'), false);
});
