import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDispatcher } from './dispatcher.js';
import { ownerIdentity } from '../policy/index.js';

const ctx = { identity: ownerIdentity('password', 1), clientIp: '127.0.0.1', connId: null, isLocal: true };

test('a method that needs a secret answers VAULT_SEALED until the vault is unsealed', async () => {
  let status = 'sealed';
  const d = createDispatcher({ onError: () => {}, vaultStatus: () => status, vaultMethods: new Set(['test.secret']) });
  {
    d.register('test.secret', () => ({ value: 42 }));
    const sealed = await d.dispatch('1', 'test.secret', {}, ctx);
    assert.equal(sealed.ok, false);
    assert.equal(sealed.error!.code, 'VAULT_SEALED');
    status = 'unsealed';
    const open = await d.dispatch('2', 'test.secret', {}, ctx);
    assert.deepEqual(open, { type: 'res', id: '2', ok: true, payload: { value: 42 } });
  }
});

test('authorization comes first: a caller without the scope never learns the vault state', async () => {
  const d = createDispatcher({ onError: () => {}, vaultStatus: () => 'sealed', vaultMethods: new Set(['test.secret2']) });
  {
    d.register('test.secret2', () => ({}));
    const r = await d.dispatch('1', 'test.secret2', {}, { ...ctx, identity: { method: 'api_key', scopes: ['operator.read'], apiKeyId: 1 } });
    assert.equal(r.error!.code, 'UNAUTHORIZED');
  }
});

test('a throwing handler is INTERNAL without leaking its message', async () => {
  const errors: unknown[] = [];
  const d = createDispatcher({ onError: (e) => errors.push(e) });
  d.register('boom', () => { throw new Error('secret detail'); });
  const r = await d.dispatch('1', 'boom', {}, ctx);
  assert.equal(r.error!.code, 'INTERNAL');
  assert.ok(!JSON.stringify(r).includes('secret detail'));
  assert.equal(errors.length, 1);
});

test('an authenticated caller asking for a method that does not exist hears UNKNOWN_METHOD, whatever its scopes', async () => {
  const d = createDispatcher({ onError: () => {} });
  d.register('admin.thing', () => ({}));
  const reader = { ...ctx, identity: { method: 'api_key' as const, scopes: ['operator.read' as const], apiKeyId: 1 } };
  const typo = await d.dispatch('1', 'sesions.list', {}, reader);
  assert.equal(typo.error!.code, 'UNKNOWN_METHOD');
  assert.match(typo.error!.message, /unknown method: sesions\.list/);
  // A method that exists still needs its scope.
  assert.equal((await d.dispatch('2', 'admin.thing', {}, reader)).error!.code, 'UNAUTHORIZED');
});
