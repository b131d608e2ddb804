import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cidrMatcher, parseCidr, type Cidr } from './index.js';

const cidr = (text: string): Cidr => {
  const c = parseCidr(text);
  assert.ok(c.ok, `${text}: ${c.ok ? '' : c.problem}`);
  return c.cidr;
};

test('parseCidr: networks and single hosts, canonicalized', () => {
  assert.deepEqual(cidr('10.0.0.0/8'), { address: '10.0.0.0', prefix: 8, family: 'ipv4' });
  assert.deepEqual(cidr('127.0.0.1'), { address: '127.0.0.1', prefix: 32, family: 'ipv4' });
  assert.deepEqual(cidr('FD00::/8'), { address: 'fd00::', prefix: 8, family: 'ipv6' });
  assert.deepEqual(cidr('::1'), { address: '::1', prefix: 128, family: 'ipv6' });
  // A mapped base is the IPv4 network it covers.
  assert.deepEqual(cidr('::ffff:10.0.0.0/104'), { address: '10.0.0.0', prefix: 8, family: 'ipv4' });
  assert.deepEqual(cidr('::ffff:10.0.0.1'), { address: '10.0.0.1', prefix: 32, family: 'ipv4' });
});

test('parseCidr: refuses ambiguous spellings and junk, saying what is wrong', () => {
  // `10/8` and `010.0.0.0/8` are other networks to a URL parser than to a person: never guessed.
  for (const bad of ['10/8', '010.0.0.0/8', '0x0a.0.0.0/8', '10.0.0.0/33', '::/129', '10.0.0.0/8/8', '10.0.0.0/', '10.0.0.0/x',
    '10.0.0.0/-1', 'fe80::%eth0/64', 'garbage/8', '', '[::1]/128', ' 10.0.0.0/8', '::ffff:10.0.0.0/8']) {
    const c = parseCidr(bad);
    assert.equal(c.ok, false, bad);
    assert.ok(!c.ok && c.problem.length > 0);
  }
});

test('cidrMatcher: inside, outside, mapped peers and junk', () => {
  const inside = cidrMatcher([cidr('10.0.0.0/8'), cidr('fd00::/8'), cidr('127.0.0.1')]);
  for (const ip of ['10.1.2.3', '::ffff:10.1.2.3', '[fd00::1]', 'fd12:3456::1', '127.0.0.1', '::ffff:127.0.0.1']) assert.equal(inside(ip), true, ip);
  for (const ip of ['11.0.0.1', 'fe80::1', '127.0.0.2', '::1', 'localhost', '', 'garbage']) assert.equal(inside(ip), false, ip);
  assert.equal(cidrMatcher([])('10.0.0.1'), false);
});
