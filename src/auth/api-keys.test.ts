/**
 * The verified-key cache in front of the Bearer decision, attacked for staleness: a key the cache
 * has just seen must be refused the moment it is revoked (one key, all keys), and a change made
 * by another process must reach both the cache and the open-socket liveness check.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createStore } from '../store/index.js';
import { createApiKeys, VERIFIED_KEY_TTL_MS } from './api-keys.js';

function withKeys(fn: (o: { keys: ReturnType<typeof createApiKeys>; store: ReturnType<typeof createStore>; path: string; clock: { t: number } }) => Promise<void> | void) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moltis-keys-'));
    const path = join(dir, 'moltis.db');
    const store = createStore({ path });
    const clock = { t: 1_000_000 };
    try { await fn({ keys: createApiKeys({ repo: store.auth, now: () => clock.t }), store, path, clock }); } finally { store.close(); rmSync(dir, { recursive: true, force: true }); }
  };
}

test('a cached key is refused at once after it is revoked', withKeys(({ keys }) => {
  const k = keys.create('a', ['operator.read']);
  for (let i = 0; i < 3; i++) assert.equal(keys.verify(k.key)?.id, k.id); // cached now
  keys.revoke(k.id);
  assert.equal(keys.verify(k.key), null);
  assert.equal(keys.isLive(k.id), false);
}));

test('a cached key is refused at once after every key is revoked (reset)', withKeys(({ keys, store, clock }) => {
  const a = keys.create('a', ['operator.read']);
  const b = keys.create('b', ['operator.admin']);
  assert.ok(keys.verify(a.key) && keys.verify(b.key));
  assert.equal(keys.isLive(b.id), true);
  store.auth.revokeAllApiKeys(clock.t);
  assert.equal(keys.verify(a.key), null);
  assert.equal(keys.verify(b.key), null);
  assert.equal(keys.isLive(b.id), false);
}));

test('another process: revocation reaches an open socket at once, REST within the check interval; a scope change too', withKeys(async ({ keys, path }) => {
  const k = keys.create('a', ['operator.admin']);
  assert.deepEqual(keys.verify(k.key)?.scopes, ['operator.admin']);
  assert.equal(keys.isLive(k.id), true);
  const other = new Database(path);
  other.prepare("UPDATE api_keys SET scopes = '[\"operator.read\"]' WHERE id = ?").run(k.id);
  await new Promise((r) => setTimeout(r, 300));
  // The narrowed scopes apply, not the cached admin scope.
  assert.deepEqual(keys.verify(k.key)?.scopes, ['operator.read']);
  other.prepare('UPDATE api_keys SET revoked_at = 1 WHERE id = ?').run(k.id);
  other.close();
  assert.equal(keys.isLive(k.id), false); // no waiting: the socket check asks SQLite every time
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(keys.verify(k.key), null);
}));

test('the cache never outlives its TTL, and unknown keys are never cached', withKeys(({ keys, clock }) => {
  const k = keys.create('a', ['operator.read']);
  assert.ok(keys.verify(k.key));
  clock.t += VERIFIED_KEY_TTL_MS;
  assert.ok(keys.verify(k.key)); // re-verified from the row
  const forged = `${k.key.slice(0, 11)}${'A'.repeat(k.key.length - 11)}`;
  assert.equal(keys.verify(forged), null);
  assert.equal(keys.verify(forged), null);
}));
