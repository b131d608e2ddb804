import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allowlistWarnings, netCheck, resolveAndGuard, type Lookup } from './index.js';

/** A resolver from a fixed table that records every name it was asked for. */
function fakeDns(table: Record<string, string[]>): Lookup & { calls: string[] } {
  const calls: string[] = [];
  const fn = async (host: string) => {
    calls.push(host);
    const rows = table[host];
    if (!rows) throw new Error(`ENOTFOUND ${host}`);
    return rows.map((address) => ({ address, family: (address.includes(':') ? 6 : 4) as 4 | 6 }));
  };
  return Object.assign(fn, { calls });
}

const dns = fakeDns({
  'private.test': ['10.0.0.5'],
  'mixed.test': ['93.184.216.34', '192.168.1.10'],
  'public.test': ['93.184.216.34', '2606:4700:4700::1111'],
  'mapped.test': ['::ffff:127.0.0.1'],
  'meta.test': ['169.254.169.254'],
  'docker.test': ['172.22.0.3'],
  'empty.test': [],
});

test('resolveAndGuard: a name resolving to a private address is blocked', async () => {
  const r = await resolveAndGuard('http://private.test/', { lookup: dns });
  assert.equal(r.allowed, false);
  assert.equal(r.code, 'SSRF_BLOCKED');
  assert.deepEqual(r.addresses, ['10.0.0.5']);
  assert.equal(r.address, undefined);
  assert.match(r.reason, /private\.test resolves to rfc1918 address 10\.0\.0\.5/);
});

test('resolveAndGuard: any private address among the answers blocks the name', async () => {
  const r = await resolveAndGuard('https://mixed.test/x', { lookup: dns });
  assert.equal(r.allowed, false);
  assert.equal(r.code, 'SSRF_BLOCKED');
  assert.match(r.reason, /192\.168\.1\.10/);
});

test('resolveAndGuard: a public name is allowed and names the address to dial', async () => {
  const r = await resolveAndGuard('https://public.test/page?q=1', { lookup: dns });
  assert.equal(r.allowed, true);
  assert.equal(r.address, '93.184.216.34');
  assert.deepEqual(r.addresses, ['93.184.216.34', '2606:4700:4700::1111']);
  assert.equal(r.hostname, 'public.test');
  assert.equal(r.code, undefined);
});

test('resolveAndGuard: allowlisted CIDR opens a private range, and only that range', async () => {
  const open = await resolveAndGuard('http://docker.test:8080/', { lookup: dns, allowlist: ['172.22.0.0/16'] });
  assert.equal(open.allowed, true);
  assert.equal(open.address, '172.22.0.3');
  const other = await resolveAndGuard('http://private.test/', { lookup: dns, allowlist: ['172.22.0.0/16'] });
  assert.equal(other.allowed, false);
  // Invalid entries are ignored, never widened into "allow everything".
  const junk = await resolveAndGuard('http://private.test/', { lookup: dns, allowlist: ['10.0.0.0/99', 'garbage', '10.0.0.0/8/1'] });
  assert.equal(junk.allowed, false);
});

test('resolveAndGuard: encoded and IPv6 loopback literals are blocked without a lookup', async () => {
  const lookup = fakeDns({});
  const urls = ['http://0x7f.1/', 'http://2130706433/', 'http://0177.0.0.1/', 'http://127.1/', 'http://[::ffff:127.0.0.1]/', 'http://[::1]/', 'http://0x7f000001:8080/'];
  for (const url of urls) {
    const r = await resolveAndGuard(url, { lookup });
    assert.equal(r.allowed, false, url);
    assert.equal(r.code, 'SSRF_BLOCKED', url);
    assert.match(r.reason, /loopback/, url);
  }
  assert.deepEqual(lookup.calls, []);
  const r = await resolveAndGuard('http://[::ffff:a9fe:a9fe]/latest/meta-data/', { lookup });
  assert.equal(r.allowed, false);
  // The mapped form is the IPv4 address it maps: refused as that address's range.
  assert.match(r.reason, /link-local address 169\.254\.169\.254/);
});

test('resolveAndGuard: a name resolving to a mapped loopback address is blocked', async () => {
  const r = await resolveAndGuard('http://mapped.test/', { lookup: dns });
  assert.equal(r.allowed, false);
  assert.match(r.reason, /loopback address 127\.0\.0\.1/);
  assert.deepEqual(r.addresses, ['127.0.0.1']);
});

test('resolveAndGuard: public IP literal is allowed', async () => {
  const r = await resolveAndGuard('http://8.8.8.8/', { lookup: fakeDns({}) });
  assert.equal(r.allowed, true);
  assert.equal(r.address, '8.8.8.8');
});

test('resolveAndGuard: non-http schemes, credentials and bad URLs are refused as BAD_URL', async () => {
  for (const url of ['file:///etc/passwd', 'ftp://public.test/', 'gopher://public.test/', 'data:text/plain,hi', 'javascript:alert(1)', 'http://user:pass@public.test/', 'http://user@public.test/', 'not a url', 'http://']) {
    const r = await resolveAndGuard(url, { lookup: dns });
    assert.equal(r.allowed, false, url);
    assert.equal(r.code, 'BAD_URL', url);
  }
});

test('resolveAndGuard: resolution failure and empty answers fail closed', async () => {
  const a = await resolveAndGuard('http://nowhere.test/', { lookup: dns });
  assert.equal(a.allowed, false);
  assert.match(a.reason, /DNS resolution failed/);
  const b = await resolveAndGuard('http://empty.test/', { lookup: dns });
  assert.equal(b.allowed, false);
  assert.match(b.reason, /no addresses/);
});

test('netCheck: the `moltis net check` shape from the same guard', async () => {
  assert.deepEqual(await netCheck('http://private.test/', { lookup: dns }), {
    url: 'http://private.test/',
    allowed: false,
    addresses: ['10.0.0.5'],
    reason: 'SSRF blocked: private.test resolves to rfc1918 address 10.0.0.5',
  });
});

test('allowlistWarnings: metadata-covering and invalid entries warn; a docker network does not', () => {
  assert.equal(allowlistWarnings(['169.254.0.0/16']).length, 1);
  assert.match(allowlistWarnings(['169.254.0.0/16'])[0]!, /169\.254\.169\.254/);
  assert.deepEqual(allowlistWarnings(['172.22.0.0/16']), []);
  assert.equal(allowlistWarnings(['fd00::/8']).length, 1);
  assert.equal(allowlistWarnings(['100.64.0.0/10']).length, 1);
  assert.equal(allowlistWarnings(['0.0.0.0/0']).length, 1);
  assert.equal(allowlistWarnings(['169.254.169.254']).length, 1);
  assert.match(allowlistWarnings(['nope'])[0]!, /not a valid CIDR/);
  assert.deepEqual(allowlistWarnings(['10.0.0.0/8', '192.168.0.0/16', 'fc00:1::/32']), []);
});
