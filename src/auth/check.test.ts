import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideAuth, presentedCredentials, type AuthFacts } from './check.js';

const facts = (o: Partial<AuthFacts> = {}): AuthFacts => ({
  disabled: false, setupComplete: true,
  verifySession: (t) => (t === 'good-session' ? 7 : null),
  verifyApiKey: (k) => (k === 'mk_read' ? { id: 3, scopes: ['operator.read'] } : k === 'mk_none' ? { id: 4, scopes: [] } : null),
  ...o,
});
const none = { sessionToken: null, bearer: null };

test('no credential: loopback is full access only before setup (or with auth disabled)', () => {
  assert.equal(decideAuth(none, true, facts({ setupComplete: false })).kind, 'allowed');
  assert.equal(decideAuth(none, false, facts({ setupComplete: false })).kind, 'setup_required');
  assert.equal(decideAuth(none, true, facts()).kind, 'unauthorized');
  assert.equal(decideAuth(none, true, facts({ disabled: true })).kind, 'allowed');
});

test('a presented key binds at every tier, locality grants nothing more', () => {
  for (const f of [facts(), facts({ setupComplete: false }), facts({ disabled: true })]) {
    const r = decideAuth({ sessionToken: null, bearer: 'mk_read' }, true, f);
    assert.deepEqual(r, { kind: 'allowed', identity: { method: 'api_key', scopes: ['operator.read'], apiKeyId: 3 } });
  }
});

test('a wrong or empty key, or a stale cookie, is refused — never "no credential"', () => {
  const f = facts({ setupComplete: false });
  assert.deepEqual(decideAuth({ sessionToken: null, bearer: 'mk_wrong' }, true, f), { kind: 'invalid_credential', credential: 'api_key' });
  assert.deepEqual(decideAuth({ sessionToken: null, bearer: '' }, true, f), { kind: 'invalid_credential', credential: 'api_key' });
  assert.deepEqual(decideAuth({ sessionToken: 'stale', bearer: null }, true, f), { kind: 'invalid_credential', credential: 'session' });
  assert.equal(decideAuth({ sessionToken: null, bearer: 'mk_none' }, true, f).kind, 'forbidden');
});

test('the session cookie binds to the owner session; a Bearer key wins over a cookie', () => {
  const s = decideAuth({ sessionToken: 'good-session', bearer: null }, false, facts());
  assert.equal(s.kind === 'allowed' && s.identity.method, 'session');
  const both = decideAuth({ sessionToken: 'good-session', bearer: 'mk_read' }, false, facts());
  assert.equal(both.kind === 'allowed' && both.identity.method, 'api_key');
});

test('reading credentials: Bearer (any case) is ours, other schemes are not', () => {
  assert.equal(presentedCredentials({ authorization: 'Bearer mk_x' }).bearer, 'mk_x');
  assert.equal(presentedCredentials({ authorization: 'bearer mk_x' }).bearer, 'mk_x');
  assert.equal(presentedCredentials({ authorization: 'Bearer' }).bearer, '');
  assert.equal(presentedCredentials({ authorization: 'Basic dXNlcjpwdw==' }).bearer, null);
  assert.equal(presentedCredentials({}).bearer, null);
});
