import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createStore, type Store } from '../store/index.js';
import {
  createVault, deriveKek, openBlob, PASSWORD_KDF, sealBlob, VaultError, VAULT_ERROR_STATUS,
  type KdfParams, type VaultErrorCode,
} from './index.js';

const code = (c: VaultErrorCode, msg?: RegExp) => (e: unknown) =>
  e instanceof VaultError && e.code === c && e.status === VAULT_ERROR_STATUS[c] && (!msg || msg.test(e.message));

function setup() {
  const store = createStore({ path: ':memory:' });
  const events: Array<[string, string | null]> = [];
  const vault = createVault({ store, now: () => 1_700_000_000_000, onEvent: (t, d) => events.push([t, d]) });
  return { store, vault, events };
}

/** Writes a vault the way an older moltis with lower KDF params would have (through the repo). */
async function writeOldVault(store: Store, password: string, params: KdfParams) {
  const dek = new Uint8Array(randomBytes(32));
  const salt = randomBytes(16);
  const rsalt = randomBytes(16);
  const kek = await deriveKek(password, salt, params);
  const rkek = await deriveKek('unused-recovery', rsalt, params);
  store.vault.create({
    version: 1, kdf_salt: salt.toString('base64'), kdf_params: JSON.stringify(params), wrapped_dek: sealBlob(kek, dek, 'dek-wrap'),
    recovery_salt: rsalt.toString('base64'), recovery_kdf_params: JSON.stringify(params),
    recovery_wrapped_dek: sealBlob(rkek, dek, 'dek-wrap-recovery'), now: 1,
  });
  return dek;
}

test('error registry: statuses', () => {
  assert.deepEqual({ ...VAULT_ERROR_STATUS }, {
    NOT_INITIALIZED: 409, ALREADY_INITIALIZED: 409, SEALED: 423, BAD_CREDENTIAL: 423,
    DECRYPT_FAILED: 500, UNKNOWN_BLOB_VERSION: 500, INVALID_RECOVERY_KEY: 400,
  });
  assert.equal(new VaultError('SEALED').name, 'VaultError');
});

test('lifecycle: initialize → unsealed, seal, wrong/right password, recovery key', async () => {
  const { store, vault, events } = setup();
  assert.equal(vault.status(), 'uninitialized');
  await assert.rejects(vault.unseal('pw'), code('NOT_INITIALIZED'));
  assert.throws(() => vault.encrypt('x', 'a'), code('NOT_INITIALIZED'));
  assert.equal(await vault.verifyPassword('pw'), false);

  const { recoveryKey } = await vault.initialize('correct horse battery staple');
  assert.equal(vault.status(), 'unsealed');
  assert.match(recoveryKey, /^[A-HJ-NP-Z2-9]{4}(?:-[A-HJ-NP-Z2-9]{4}){7}$/);
  await assert.rejects(vault.initialize('another'), code('ALREADY_INITIALIZED'));

  // Stored: salts (16 random bytes each), params, the two wraps; never the DEK or the recovery key.
  const m = store.vault.get()!;
  assert.equal(Buffer.from(m.kdf_salt, 'base64').length, 16);
  assert.equal(Buffer.from(m.recovery_salt, 'base64').length, 16);
  assert.notEqual(m.kdf_salt, m.recovery_salt);
  assert.deepEqual(JSON.parse(m.kdf_params), { alg: 'argon2id', m_cost: 65536, t_cost: 3, p_cost: 1 });
  assert.deepEqual(JSON.parse(m.recovery_kdf_params), { alg: 'argon2id', m_cost: 19456, t_cost: 2, p_cost: 1 });
  assert.equal(m.wrapped_dek.length, 100);
  assert.equal(m.recovery_wrapped_dek.length, 100);
  assert.ok(!JSON.stringify(m).includes(recoveryKey.replaceAll('-', '').slice(0, 8)));

  const blob = vault.encrypt('hello', 'test:1');
  assert.equal(vault.decrypt(blob, 'test:1'), 'hello');
  assert.throws(() => vault.decrypt(blob, 'test:2'), code('DECRYPT_FAILED'));

  vault.seal();
  assert.equal(vault.status(), 'sealed');
  assert.throws(() => vault.encrypt('x', 'a'), code('SEALED', /^vault is sealed/));
  assert.throws(() => vault.decrypt(blob, 'test:1'), code('SEALED'));

  await assert.rejects(vault.unseal('wrong horse'), code('BAD_CREDENTIAL', /^invalid password$/));
  assert.equal(vault.status(), 'sealed');
  await assert.rejects(vault.unseal(''), code('BAD_CREDENTIAL'));
  await vault.unseal('correct horse battery staple');
  assert.equal(vault.status(), 'unsealed');
  assert.equal(vault.decrypt(blob, 'test:1'), 'hello');

  // Already unsealed: the password is still checked, so unlock is no free pass, and nothing seals.
  await assert.rejects(vault.unseal('wrong horse'), code('BAD_CREDENTIAL'));
  assert.equal(vault.status(), 'unsealed');
  await vault.unseal('correct horse battery staple');

  // Recovery key: typed lower-case with spaces instead of dashes; it unwraps the same DEK.
  vault.seal();
  const wrongKey = recoveryKey.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
  await assert.rejects(vault.unsealWithRecovery(wrongKey), code('BAD_CREDENTIAL', /^invalid recovery key$/));
  await assert.rejects(vault.unsealWithRecovery('not-a-key'), code('INVALID_RECOVERY_KEY'));
  assert.equal(vault.status(), 'sealed');
  await vault.unsealWithRecovery(recoveryKey.toLowerCase().replaceAll('-', ' '));
  assert.equal(vault.status(), 'unsealed');
  assert.equal(vault.decrypt(blob, 'test:1'), 'hello');

  assert.deepEqual(events.map((e) => e[0]), [
    'vault_initialized', 'vault_sealed', 'vault_unseal_failed', 'vault_unseal_failed', 'vault_unsealed',
    'vault_unseal_failed', 'vault_sealed', 'vault_unseal_failed', 'vault_recovered',
  ]);
  assert.deepEqual(events[2], ['vault_unseal_failed', 'password']);
  assert.deepEqual(events[7], ['vault_unseal_failed', 'recovery_key']);
  store.close();
});

test('rewrap: fresh salt, old password stops working, new one and the recovery key work', async () => {
  const { store, vault, events } = setup();
  await assert.rejects(vault.rewrap('x'), code('NOT_INITIALIZED'));
  const { recoveryKey } = await vault.initialize('old password');
  const blob = vault.encrypt('data', 'aad');
  const before = store.vault.get()!;
  await vault.rewrap('new password');
  const after = store.vault.get()!;
  assert.notEqual(after.kdf_salt, before.kdf_salt);
  assert.notEqual(after.wrapped_dek, before.wrapped_dek);
  assert.equal(after.recovery_wrapped_dek, before.recovery_wrapped_dek);
  assert.equal(events.at(-1)![0], 'vault_rewrapped');

  assert.equal(await vault.verifyPassword('old password'), false);
  assert.equal(await vault.verifyPassword('new password'), true);
  assert.equal(vault.status(), 'unsealed'); // verifyPassword changes nothing
  vault.seal();
  assert.equal(await vault.verifyPassword('new password'), true);
  assert.equal(vault.status(), 'sealed');
  await assert.rejects(vault.rewrap('third'), code('SEALED'));
  await assert.rejects(vault.unseal('old password'), code('BAD_CREDENTIAL'));
  await vault.unseal('new password');
  assert.equal(vault.decrypt(blob, 'aad'), 'data'); // data was not re-encrypted
  vault.seal();
  await vault.unsealWithRecovery(recoveryKey);
  assert.equal(vault.status(), 'unsealed');
  store.close();
});

test('unwrap uses the stored KDF params; rewrap raises them to the current defaults', async () => {
  const { store, vault } = setup();
  const low: KdfParams = { alg: 'argon2id', m_cost: 1024, t_cost: 1, p_cost: 1 };
  const dek = await writeOldVault(store, 'pw', low);
  assert.equal(vault.status(), 'sealed');
  await vault.unseal('pw');
  // The vault holds exactly the DEK that was written: its ciphertexts open with it.
  assert.equal(new TextDecoder().decode(openBlob(dek, vault.encrypt('x', 'k'), 'k')), 'x');
  await vault.rewrap('pw');
  assert.deepEqual(JSON.parse(store.vault.get()!.kdf_params), PASSWORD_KDF);
  vault.seal();
  await vault.unseal('pw');
  assert.equal(vault.status(), 'unsealed');
  store.close();
});

test('tampered KDF params are reported as corruption, not as a wrong password', async () => {
  for (const params of ['{"alg":"argon2i","m_cost":1024,"t_cost":1,"p_cost":1}', '{"alg":"argon2id","m_cost":99999999,"t_cost":1,"p_cost":1}', 'not json']) {
    const { store, vault } = setup();
    await writeOldVault(store, 'pw', { alg: 'argon2id', m_cost: 1024, t_cost: 1, p_cost: 1 });
    store.db.prepare('UPDATE vault_metadata SET kdf_params = ?').run(params);
    await assert.rejects(vault.unseal('pw'), code('DECRYPT_FAILED', /KDF parameters/));
    assert.equal(vault.status(), 'sealed');
    store.close();
  }
});

test('concurrency: racing initializes create one vault; seal during a rewrap wins', async () => {
  const { store, vault } = setup();
  const results = await Promise.allSettled([vault.initialize('a'), vault.initialize('b')]);
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  assert.ok(results.some((r) => r.status === 'rejected' && code('ALREADY_INITIALIZED')(r.reason)));
  const before = store.vault.get()!;
  const pending = vault.rewrap('c');
  await new Promise((r) => setImmediate(r)); // rewrap has checked the state and is inside Argon2
  vault.seal();
  await assert.rejects(pending, code('SEALED'));
  assert.deepEqual(store.vault.get(), before);
  store.close();
});

test('concurrency: two vault objects over one database (two processes) never both initialize', async () => {
  const store = createStore({ path: ':memory:' });
  const a = createVault({ store, now: () => 1 });
  const b = createVault({ store, now: () => 1 });
  const results = await Promise.allSettled([a.initialize('a'), b.initialize('b')]);
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  const loser = results[0]!.status === 'rejected' ? a : b;
  assert.ok(results.some((r) => r.status === 'rejected' && code('ALREADY_INITIALIZED')(r.reason)));
  assert.equal(loser.status(), 'sealed');
  store.close();
});

test('a throwing audit sink does not turn a successful unseal into a failure', async () => {
  const store = createStore({ path: ':memory:' });
  await writeOldVault(store, 'pw', { alg: 'argon2id', m_cost: 1024, t_cost: 1, p_cost: 1 });
  const vault = createVault({ store, now: () => 1, onEvent: () => { throw new Error('sink down'); } });
  await vault.unseal('pw');
  assert.equal(vault.status(), 'unsealed');
  vault.close();
  assert.equal(vault.status(), 'sealed');
  store.close();
});
