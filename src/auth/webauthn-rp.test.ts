import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveRelyingParty, rpConfigFromEnv } from './webauthn-rp.js';

test('env: RP ID alone implies https://<rp id>; origin alone implies its host', () => {
  assert.deepEqual(rpConfigFromEnv({ MOLTIS_WEBAUTHN_RP_ID: 'Moltis.Example.com' }), { rpId: 'moltis.example.com', origin: undefined });
  assert.deepEqual(rpConfigFromEnv({ MOLTIS_WEBAUTHN_ORIGIN: 'https://a.example.com:8443/' }), { rpId: 'a.example.com', origin: 'https://a.example.com:8443' });
  assert.deepEqual(rpConfigFromEnv({}), { rpId: undefined, origin: undefined });
});

test('env: a malformed or mismatched origin refuses to start (fail closed)', () => {
  assert.throws(() => rpConfigFromEnv({ MOLTIS_WEBAUTHN_ORIGIN: 'not a url' }), /not a URL/);
  assert.throws(() => rpConfigFromEnv({ MOLTIS_WEBAUTHN_ORIGIN: 'ftp://x.example' }), /http\(s\)/);
  assert.throws(() => rpConfigFromEnv({ MOLTIS_WEBAUTHN_RP_ID: 'example.com', MOLTIS_WEBAUTHN_ORIGIN: 'https://evil.com' }), /not example.com/);
  assert.doesNotThrow(() => rpConfigFromEnv({ MOLTIS_WEBAUTHN_RP_ID: 'example.com', MOLTIS_WEBAUTHN_ORIGIN: 'https://moltis.example.com' }));
});

test('request host: port kept in the origin, stripped from the RP ID; scheme from the listener', () => {
  assert.deepEqual(resolveRelyingParty({}, { host: 'LocalHost:13131', secure: true }), { rpId: 'localhost', origin: 'https://localhost:13131' });
  assert.deepEqual(resolveRelyingParty({}, { host: 'moltis.localhost.', secure: false }), { rpId: 'moltis.localhost', origin: 'http://moltis.localhost' });
  assert.deepEqual(resolveRelyingParty({ rpId: 'x.example' }, { host: 'localhost', secure: false }), { rpId: 'x.example', origin: 'https://x.example' });
});

test('request host: IP addresses, garbage and a missing Host are refused', () => {
  for (const host of [undefined, '', '127.0.0.1:80', '[::1]:80', 'a b', 'evil.com/x', 'x..y', '-a.com']) {
    assert.throws(() => resolveRelyingParty({}, { host, secure: false }), (e: { code?: string }) => e.code === 'PASSKEY_HOST', String(host));
  }
});
