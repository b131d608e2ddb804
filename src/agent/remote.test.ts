import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkProviderUrl, guardedProviderFetch, providerAllowlist } from './remote.js';

const resolvesTo = (address: string) => async () => [{ address, family: (address.includes(':') ? 6 : 4) as 4 | 6 }];
const net = (address: string) => ({ allowlist: providerAllowlist([]), lookup: resolvesTo(address) });

test('a provider name may resolve to loopback or a private network, never to link-local / metadata / CGNAT', async () => {
  assert.equal((await checkProviderUrl('http://models.lan:11434/v1/', net('192.168.1.20'))).ok, true);
  assert.deepEqual(await checkProviderUrl('http://box:1234/v1', net('127.0.0.1')), { ok: true, url: 'http://box:1234/v1' });
  for (const bad of ['169.254.169.254', 'fd00:ec2::254', '100.100.100.200', '0.0.0.0', '224.0.0.1']) {
    const r = await checkProviderUrl('http://models.example/v1', net(bad));
    assert.equal(r.ok, false, bad);
    assert.match((r as { error: string }).error, /not an address a provider may use/);
  }
});

test('the operator\'s ssrf_allowlist opens more ranges for providers too', async () => {
  assert.equal((await checkProviderUrl('http://tail:11434/v1', { allowlist: providerAllowlist(['100.64.0.0/10']), lookup: resolvesTo('100.90.1.2') })).ok, true);
});

test('the SDK fetch re-checks at every request: a name that later resolves to metadata is not dialed', async () => {
  let dialed = false;
  const inner = (async () => { dialed = true; return new Response('{}'); }) as typeof fetch;
  await assert.rejects(guardedProviderFetch(net('169.254.169.254'), inner)('http://models.example/v1/chat/completions', { method: 'POST' }), /not an address a provider may use/);
  assert.equal(dialed, false);
  await guardedProviderFetch(net('10.0.0.5'), inner)('http://models.example/v1/chat/completions', { method: 'POST' });
  assert.equal(dialed, true);
});
