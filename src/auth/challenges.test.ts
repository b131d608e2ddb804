import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createChallengeStore } from './challenges.js';

const entry = { kind: 'auth' as const, challenge: 'c', rpId: 'localhost', origin: 'http://localhost', binding: null };

test('the map is capped: a flood evicts the oldest entries, never grows past max', () => {
  let t = 0;
  const s = createChallengeStore({ now: () => t, ttlMs: 1000, max: 3 });
  const ids = Array.from({ length: 10 }, () => s.put(entry).id);
  assert.equal(s.size(), 3);
  assert.equal(s.take(ids[0], 'auth').ok, false);
  assert.equal(s.take(ids[9], 'auth').ok, true);
});

test('expired entries are swept on put', () => {
  let t = 0;
  const s = createChallengeStore({ now: () => t, ttlMs: 1000, max: 100 });
  for (let i = 0; i < 5; i++) s.put(entry);
  t = 1000;
  s.put(entry);
  assert.equal(s.size(), 1);
});

test('take is single use, typed and expiring; a wrong-kind or expired attempt still consumes', () => {
  let t = 0;
  const s = createChallengeStore({ now: () => t, ttlMs: 1000, max: 100 });
  const a = s.put(entry).id;
  assert.deepEqual(s.take(a, 'register'), { ok: false, reason: 'wrong_ceremony' });
  assert.deepEqual(s.take(a, 'auth'), { ok: false, reason: 'unknown' });
  const b = s.put(entry).id;
  t = 1000;
  assert.deepEqual(s.take(b, 'auth'), { ok: false, reason: 'expired' });
  assert.equal(s.size(), 0);
  assert.deepEqual(s.take({}, 'auth'), { ok: false, reason: 'unknown' });
});
