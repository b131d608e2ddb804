import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, type Store } from '../store/index.js';
import { createVault, deriveKek, sealBlob, secretAad, VaultError, type KdfParams, type VaultErrorCode } from './index.js';

const code = (c: VaultErrorCode, msg?: RegExp) => (e: unknown) => e instanceof VaultError && e.code === c && (!msg || msg.test(e.message));
// Low params keep these tests fast; the vault unwraps with whatever params are stored (see vault.test.ts).
const LOW: KdfParams = { alg: 'argon2id', m_cost: 1024, t_cost: 1, p_cost: 1 };

/** A sealed vault as an earlier run left it, written through the repo. */
async function writeVault(store: Store, password: string): Promise<void> {
  const dek = new Uint8Array(randomBytes(32));
  const salt = randomBytes(16);
  const kek = await deriveKek(password, salt, LOW);
  store.vault.create({
    version: 1, kdf_salt: salt.toString('base64'), kdf_params: JSON.stringify(LOW), wrapped_dek: sealBlob(kek, dek, 'dek-wrap'),
    recovery_salt: salt.toString('base64'), recovery_kdf_params: JSON.stringify(LOW), recovery_wrapped_dek: sealBlob(kek, dek, 'dek-wrap-recovery'), now: 1,
  });
}

async function unsealed() {
  const store = createStore({ path: ':memory:' });
  await writeVault(store, 'pw');
  let t = 1000;
  const events: Array<[string, string | null]> = [];
  const vault = createVault({ store, now: () => ++t, onEvent: (type, d) => events.push([type, d]) });
  await vault.unseal('pw');
  return { store, vault, events };
}

const rawRows = (store: Store) => store.db.prepare('SELECT id, kind, name, value, encrypted FROM secrets ORDER BY id').all() as Array<{ id: number; kind: string; name: string; value: string; encrypted: number }>;

test('put/get round trip; upsert by (kind, name); kinds are separate; the stored value is ciphertext', async () => {
  const { store, vault } = await unsealed();
  const s = vault.secrets;
  assert.deepEqual(s.put('env', 'OPENAI_API_KEY', 'sk-one'), { id: 1, created: true });
  assert.deepEqual(s.put('provider', 'OPENAI_API_KEY', 'sk-provider'), { id: 2, created: true });
  assert.deepEqual(s.put('env', 'OPENAI_API_KEY', 'sk-two ✓'), { id: 1, created: false });
  assert.equal(s.get('env', 'OPENAI_API_KEY'), 'sk-two ✓');
  assert.equal(s.get('provider', 'OPENAI_API_KEY'), 'sk-provider');
  assert.equal(s.get('env', 'MISSING'), null);
  assert.equal(s.put('env', 'EMPTY', '').created, true);
  assert.equal(s.get('env', 'EMPTY'), '');
  for (const r of rawRows(store)) {
    assert.equal(r.encrypted, 1);
    assert.ok(!r.value.includes('sk-'), `row ${r.id} holds plaintext`);
    // The documented binding: AAD secrets:<id>:value under the vault DEK.
    assert.equal(vault.decrypt(r.value, secretAad(r.id, r.kind, r.name)), s.get(r.kind, r.name));
  }
  assert.throws(() => s.put('', 'x', 'v'), RangeError);
  assert.throws(() => s.put('env', '', 'v'), RangeError);
  store.close();
});

test('a ciphertext copied (raw SQL) from row A into row B does not decrypt', async () => {
  const { store, vault } = await unsealed();
  const a = vault.secrets.put('env', 'A', 'secret-of-a');
  const b = vault.secrets.put('env', 'B', 'secret-of-b');
  store.db.prepare('UPDATE secrets SET value = (SELECT value FROM secrets WHERE id = ?) WHERE id = ?').run(a.id, b.id);
  assert.throws(() => vault.secrets.get('env', 'B'), code('DECRYPT_FAILED'));
  assert.equal(vault.secrets.get('env', 'A'), 'secret-of-a');
  store.close();
});

test('a row relabelled in place (provider key turned into an env var) does not decrypt', async () => {
  const { store, vault } = await unsealed();
  vault.secrets.put('provider', 'openai', 'sk-provider-key');
  store.db.prepare("UPDATE secrets SET kind = 'env', name = 'LEAK' WHERE kind = 'provider'").run();
  assert.throws(() => vault.secrets.get('env', 'LEAK'), code('DECRYPT_FAILED'));
  store.close();
});

test('list never includes values; list and delete work while sealed; delete is kind-scoped', async () => {
  const { store, vault } = await unsealed();
  const { id } = vault.secrets.put('env', 'TOKEN', 'tok-123456');
  vault.secrets.put('env', 'ALPHA', 'alpha-value');
  vault.seal();
  const list = vault.secrets.list('env');
  assert.deepEqual(list.map((r) => Object.keys(r).sort()), [['created_at', 'encrypted', 'id', 'name', 'updated_at'], ['created_at', 'encrypted', 'id', 'name', 'updated_at']]);
  assert.deepEqual(list.map((r) => [r.name, r.encrypted]), [['ALPHA', true], ['TOKEN', true]]);
  assert.ok(!JSON.stringify(list).includes('tok-') && !JSON.stringify(list).includes('alpha-value'));
  assert.deepEqual(vault.secrets.list('provider'), []);
  assert.equal(vault.secrets.delete('provider', id), false);
  assert.equal(vault.secrets.delete('env', id), true);
  assert.equal(vault.secrets.delete('env', id), false);
  assert.deepEqual(vault.secrets.list('env').map((r) => r.name), ['ALPHA']);
  store.close();
});

test('put while sealed → SEALED and nothing written; while uninitialized → NOT_INITIALIZED', async () => {
  const { store, vault } = await unsealed();
  vault.seal();
  assert.throws(() => vault.secrets.put('env', 'X', 'plain-x'), code('SEALED'));
  assert.throws(() => vault.secrets.get('env', 'X'), code('SEALED'));
  assert.throws(() => vault.secrets.migrateLegacyPlaintext(), code('SEALED'));
  assert.deepEqual(rawRows(store), []);
  store.close();

  const fresh = createStore({ path: ':memory:' });
  const v = createVault({ store: fresh, now: () => 1 });
  assert.throws(() => v.secrets.put('env', 'X', 'plain-x'), code('NOT_INITIALIZED', /not initialized: set a password first/));
  assert.equal(rawRows(fresh).length, 0);
  assert.deepEqual(v.secrets.list('env'), []);
  fresh.close();
});

test('legacy plaintext rows are encrypted on unseal and leave no plaintext in moltis.db or moltis.db-wal', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'moltis-vault-'));
  try {
    const path = join(dir, 'moltis.db');
    const short = `legacy-secret-${randomBytes(8).toString('hex')}`;
    const long = `long-legacy-${randomBytes(8).toString('hex')}-`.repeat(400); // ~12 KB: spills to overflow pages
    const store = createStore({ path });
    await writeVault(store, 'pw');
    const ins = store.db.prepare("INSERT INTO secrets (kind, name, value, encrypted, created_at, updated_at) VALUES ('env', ?, ?, 0, 1, 1)");
    ins.run('SHORT', short);
    ins.run('LONG', long);
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    const onDisk = (needle: string) => ['moltis.db', 'moltis.db-wal'].some((f) =>
      existsSync(join(dir, f)) && readFileSync(join(dir, f)).includes(Buffer.from(needle)));
    // Attack first: an older database really does hold the plaintext on disk.
    assert.ok(onDisk(short) && onDisk(long.slice(0, 200)));

    const events: Array<[string, string | null]> = [];
    const vault = createVault({ store, now: () => 5, onEvent: (t, d) => events.push([t, d]) });
    // While sealed, legacy rows are listed and marked unencrypted.
    assert.deepEqual(vault.secrets.list('env').map((r) => [r.name, r.encrypted]), [['LONG', false], ['SHORT', false]]);
    await vault.unseal('pw');
    assert.deepEqual(events.find((e) => e[0] === 'vault_secrets_migrated'), ['vault_secrets_migrated', '2']);
    assert.deepEqual(rawRows(store).map((r) => r.encrypted), [1, 1]);
    assert.equal(vault.secrets.get('env', 'SHORT'), short);
    assert.equal(vault.secrets.get('env', 'LONG'), long);
    assert.ok(!onDisk(short), 'short plaintext still on disk');
    assert.ok(!onDisk(long.slice(0, 24)), 'long plaintext still on disk');
    assert.equal(vault.secrets.migrateLegacyPlaintext(), 0);
    store.close();
    assert.ok(!onDisk(short) && !onDisk(long.slice(0, 24)));
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('a plaintext row appearing while unsealed is encrypted when read', async () => {
  const { store, vault, events } = await unsealed();
  store.db.prepare("INSERT INTO secrets (kind, name, value, encrypted, created_at, updated_at) VALUES ('env', 'LATE', 'late-value', 0, 1, 1)").run();
  assert.equal(vault.secrets.get('env', 'LATE'), 'late-value');
  assert.equal(rawRows(store)[0]!.encrypted, 1);
  assert.deepEqual(events.at(-1), ['vault_secrets_migrated', '1']);
  store.close();
});
