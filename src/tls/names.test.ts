import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultServedNames, TlsError } from './index.js';
import { certIp, dnsWithin, ipWithin, normalizeDnsName, permittedSubtrees, requiredSans } from './names.js';

test('defaultServedNames: loopback and wildcard binds add nothing (no network probing)', () => {
  for (const bind of ['127.0.0.1', '::1', '[::1]', 'localhost', 'LOCALHOST', '0.0.0.0', '::', '127.0.0.2', '::ffff:127.0.0.3']) {
    assert.deepEqual(defaultServedNames(bind, []), { names: [], ips: [] }, bind);
  }
});

test('defaultServedNames: concrete IP, DNS name, hostname, extra names', () => {
  assert.deepEqual(defaultServedNames('192.168.1.5', []), { names: [], ips: ['192.168.1.5'] });
  assert.deepEqual(defaultServedNames('fe80:0::1', []), { names: [], ips: ['fe80::1'] });
  assert.deepEqual(defaultServedNames('fe80::1%eth0', []), { names: [], ips: [] });
  // An extra IP with a zone id is passed on so ensureAutoTls refuses it with a clear error.
  assert.deepEqual(defaultServedNames('::', ['fe80::2%eth0']), { names: [], ips: ['fe80::2%eth0'] });
  assert.deepEqual(defaultServedNames('Gateway.LAN', []), { names: ['gateway.lan'], ips: [] });
  assert.deepEqual(defaultServedNames('127.0.0.1', [], 'MyBox'), { names: ['mybox', 'mybox.local'], ips: [] });
  assert.deepEqual(defaultServedNames('127.0.0.1', [], 'box.example.org'), { names: ['box.example.org'], ips: [] });
  assert.deepEqual(defaultServedNames('127.0.0.1', [], ''), { names: [], ips: [] });
  assert.deepEqual(defaultServedNames('127.0.0.1', [], 'localhost'), { names: [], ips: [] });
  assert.deepEqual(defaultServedNames('127.0.0.1', [], 'bad host!'), { names: [], ips: [] });
  assert.deepEqual(defaultServedNames('0.0.0.0', [' nas.lan ', '10.0.0.7', '[::ffff:10.0.0.8]', '', 'NAS.lan'], 'h'),
    { names: ['h', 'h.local', 'nas.lan'], ips: ['10.0.0.7', '10.0.0.8'] }); // a mapped IPv4 is the IPv4 (net's normalizeIp)
});

test('normalizeDnsName / certIp validate and canonicalise', () => {
  assert.equal(normalizeDnsName('Foo.Example.'), 'foo.example');
  assert.equal(normalizeDnsName('*.lan.example'), '*.lan.example');
  for (const bad of ['', 'a b', 'evil.com/x', '-x.lan', '*.', 'a..b', 'x'.repeat(64), '10.0.0.1', '*.*.x']) {
    assert.throws(() => normalizeDnsName(bad), (e: TlsError) => e.code === 'INVALID_NAME', bad);
  }
  assert.equal(certIp('0:0:0:0:0:0:0:1'), '::1');
  assert.equal(certIp('[FE80::0001]'), 'fe80::1');
  assert.equal(certIp('10.0.0.1'), '10.0.0.1');
  assert.equal(certIp('::ffff:10.0.0.1'), '10.0.0.1');
  // Spellings a URL parser reads differently from a person are refused, not guessed.
  for (const bad of ['010.0.0.1', '0x7f.1', '127.1', '2130706433', 'fe80::1%eth0', '1.2.3', 'host', '[10.0.0.1]']) {
    assert.throws(() => certIp(bad), (e: TlsError) => e.code === 'INVALID_IP', bad);
  }
});

test('RFC 5280 subtree matching', () => {
  assert.equal(dnsWithin('localhost', 'localhost'), true);
  assert.equal(dnsWithin('foo.localhost', 'localhost'), true);
  assert.equal(dnsWithin('*.foo.localhost', 'localhost'), true);
  assert.equal(dnsWithin('evillocalhost', 'localhost'), false);
  assert.equal(dnsWithin('localhost.evil.com', 'localhost'), false);
  assert.equal(ipWithin('127.9.9.9', '127.0.0.0/8'), true);
  assert.equal(ipWithin('128.0.0.1', '127.0.0.0/8'), false);
  assert.equal(ipWithin('::1', '::1/128'), true);
  assert.equal(ipWithin('::2', '::1/128'), false);
  assert.equal(ipWithin('127.0.0.1', '::1/128'), false);
  assert.equal(ipWithin('10.0.0.1', 'garbage/8'), false);
  assert.equal(ipWithin('::ffff:127.0.0.1', '127.0.0.0/8'), true);
  assert.equal(ipWithin('10.0.0.0', '10.0.0.0'), true); // a bare base is one host
  assert.equal(ipWithin('10.0.0.1', '10.0.0.0'), false);
  assert.equal(ipWithin('10.0.0.1', '10.0.0.0/40'), false);
  assert.equal(ipWithin('not-an-ip', '0.0.0.0/0'), false);
});

test('required SANs and permitted subtrees', () => {
  assert.deepEqual(requiredSans(['MyHost'], ['::FFFF:10.0.0.1']).keys,
    ['dns:localhost', 'dns:moltis.localhost', 'dns:myhost', 'ip:127.0.0.1', 'ip:::1', 'ip:10.0.0.1']);
  assert.deepEqual(permittedSubtrees(['foo.localhost', 'host', 'a.host', '*.lan.example'], ['127.0.0.5', '10.0.0.1', 'fe80::1']), {
    dns: ['localhost', 'moltis.localhost', 'host', 'lan.example'],
    ips: ['127.0.0.0/8', '::1/128', '10.0.0.1/32', 'fe80::1/128'],
  });
});
