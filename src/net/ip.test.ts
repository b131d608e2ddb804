import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyAddress, isLoopbackAddress, normalizeIp } from './index.js';

const NON_PUBLIC: Array<[string, string]> = [
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  ['10.0.0.1', 'rfc1918'],
  ['10.255.255.255', 'rfc1918'],
  ['172.16.0.1', 'rfc1918'],
  ['172.31.255.254', 'rfc1918'],
  ['192.168.1.1', 'rfc1918'],
  ['127.0.0.1', 'loopback'],
  ['127.255.0.9', 'loopback'],
  ['169.254.169.254', 'link-local'],
  ['100.64.0.1', 'cgnat'],
  ['100.127.255.255', 'cgnat'],
  ['192.0.0.9', 'reserved'],
  ['192.0.2.10', 'documentation'],
  ['198.51.100.7', 'documentation'],
  ['203.0.113.200', 'documentation'],
  ['198.18.0.1', 'benchmark'],
  ['198.19.255.255', 'benchmark'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['240.0.0.1', 'reserved'],
  ['255.255.255.255', 'broadcast'],
  ['::', 'unspecified'],
  ['::1', 'loopback'],
  ['[::1]', 'loopback'],
  ['fc00::1', 'ula'],
  ['fd00:ec2::254', 'ula'],
  ['fe80::1', 'link-local'],
  ['fe80::1%eth0', 'link-local'],
  ['fec0::1', 'site-local'],
  ['ff02::1', 'multicast'],
  ['2001:db8::1', 'documentation'],
  ['100::1', 'discard'],
  ['2001::1', 'ietf-special'],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'ietf-special'], // Teredo
  ['::ffff:10.0.0.1', 'ipv4-mapped:rfc1918'],
  ['::ffff:7f00:1', 'ipv4-mapped:loopback'],
  ['::ffff:169.254.169.254', 'ipv4-mapped:link-local'],
  ['0:0:0:0:0:ffff:c0a8:0101', 'ipv4-mapped:rfc1918'],
  ['::127.0.0.1', 'ipv4-compatible:loopback'],
  ['::8.8.8.8', 'ipv4-compatible:public'], // deprecated form: refused even when public
  ['64:ff9b::a00:1', 'nat64:rfc1918'],
  ['64:ff9b::127.0.0.1', 'nat64:loopback'],
  ['64:ff9b:1::1', 'nat64-local'],
  ['2002:c0a8:0101::1', '6to4:rfc1918'],
  ['2002:7f00:1::', '6to4:loopback'],
  ['4000::1', 'reserved'], // outside 2000::/3
  ['not-an-ip', 'invalid'],
  ['', 'invalid'],
  ['1.2.3', 'invalid'],
];

test('classifyAddress: non-public ranges, including IPv4 embedded in IPv6', () => {
  for (const [ip, range] of NON_PUBLIC) {
    assert.deepEqual(classifyAddress(ip), { public: false, range }, ip);
  }
});

test('classifyAddress: public addresses', () => {
  for (const ip of ['8.8.8.8', '1.1.1.1', '93.184.216.34', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '2a00:1450:4001:82a::200e']) {
    assert.deepEqual(classifyAddress(ip), { public: true, range: 'public' }, ip);
  }
  // Embedded forms inherit the IPv4 verdict.
  assert.deepEqual(classifyAddress('::ffff:8.8.8.8'), { public: true, range: 'ipv4-mapped:public' });
  assert.deepEqual(classifyAddress('64:ff9b::808:808'), { public: true, range: 'nat64:public' });
  assert.deepEqual(classifyAddress('2002:808:808::1'), { public: true, range: '6to4:public' });
  // A zone id only belongs to on-link destinations.
  assert.deepEqual(classifyAddress('2606:4700:4700::1111%eth0'), { public: false, range: 'scoped' });
});

test('normalizeIp: non-canonical IPv4 spellings become dotted quads', () => {
  const cases: Array<[string, string]> = [
    ['0x7f.1', '127.0.0.1'],
    ['2130706433', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['127.1', '127.0.0.1'],
    ['0x7f000001', '127.0.0.1'],
    ['10.1', '10.0.0.1'],
    ['8.8.8.8', '8.8.8.8'],
  ];
  for (const [input, want] of cases) assert.equal(normalizeIp(input), want, input);
});

test('normalizeIp: IPv6 forms become RFC 5952 text, a mapped IPv4 becomes the IPv4', () => {
  const cases: Array<[string, string]> = [
    ['[::ffff:7f00:1]', '127.0.0.1'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['0:0:0:0:0:FFFF:0A00:0001', '10.0.0.1'],
    ['::ffff:0:a00:1', '::ffff:0:a00:1'], // SIIT-translated, not mapped: stays IPv6
    ['::10.0.0.1', '::a00:1'], // IPv4-compatible, not mapped
    ['[2001:DB8::1]', '2001:db8::1'],
    ['[::1]', '::1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['64:ff9b::10.0.0.1', '64:ff9b::a00:1'],
    ['::', '::'],
  ];
  for (const [input, want] of cases) assert.equal(normalizeIp(input), want, input);
});

test('normalizeIp: names and junk are not IP literals', () => {
  for (const host of ['example.com', 'cafe', 'abc.def', 'localhost', '1.2.3.09', '256.1.1.1', '[127.0.0.1]', 'fe80::1%eth0', '::1::2', '', 'a/b', ' 1.2.3.4', '[::1', '::1]', '127.0.0.1:80']) {
    assert.equal(normalizeIp(host), null, host);
  }
});

test('isLoopbackAddress: all of 127/8, ::1 and mapped 127.x, in any spelling; nothing else', () => {
  for (const ip of ['127.0.0.1', '127.0.0.2', '127.255.255.255', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', '::ffff:7f00:2', '0x7f.1', '2130706433']) {
    assert.equal(isLoopbackAddress(ip), true, ip);
  }
  for (const ip of ['128.0.0.1', '126.255.255.255', '::', '::2', '::ffff:10.0.0.1', '::127.0.0.1', '0.0.0.0', 'localhost', 'fe80::1%lo', '']) {
    assert.equal(isLoopbackAddress(ip), false, ip);
  }
});

test('normalizeIp strict: the same addresses, standard notation only', () => {
  for (const [input, want] of [['10.0.0.1', '10.0.0.1'], ['::FFFF:10.0.0.1', '10.0.0.1'], ['2001:DB8::1', '2001:db8::1']]) {
    assert.equal(normalizeIp(input!, { strict: true }), want, input);
  }
  for (const input of ['010.0.0.1', '10', '127.1', '0x7f.1', '[::1]', 'fe80::1%eth0', 'localhost']) {
    assert.equal(normalizeIp(input, { strict: true }), null, input);
  }
});
