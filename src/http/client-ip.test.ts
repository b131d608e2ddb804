import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createClientIpResolver, parseForwardedEntry, resolveClientIp } from './client-ip.js';

const PROXY = ['10.0.0.0/8', 'fd00::/8'];
const behind = createClientIpResolver({ behindProxy: true, trustedProxies: PROXY });

describe('resolveClientIp', () => {
  it('ignores forwarding headers when not behind a proxy', () => {
    const headers = { 'x-forwarded-for': '1.1.1.1', 'x-real-ip': '2.2.2.2', 'cf-connecting-ip': '3.3.3.3' };
    assert.equal(resolveClientIp({ peerAddress: '198.51.100.7', headers, behindProxy: false, trustedProxies: PROXY }), '198.51.100.7');
    assert.equal(resolveClientIp({ peerAddress: '::ffff:198.51.100.7', headers: {}, behindProxy: false, trustedProxies: [] }), '198.51.100.7');
  });

  it('takes the right-most untrusted hop, not the client-written left-most one', () => {
    // The attacker sent "XFF: spoofed"; our proxy appended the real address.
    assert.equal(behind('10.0.0.1', { 'x-forwarded-for': 'spoofed, 203.0.113.9' }), '203.0.113.9');
    assert.equal(behind('10.0.0.1', { 'x-forwarded-for': '198.51.100.1, 203.0.113.9' }), '203.0.113.9');
  });

  it('skips a chain of trusted proxies, across header instances', () => {
    assert.equal(behind('10.0.0.1', { 'x-forwarded-for': '6.6.6.6, 203.0.113.9, 10.1.1.1, 10.2.2.2' }), '203.0.113.9');
    assert.equal(behind('10.0.0.1', { 'x-forwarded-for': ['6.6.6.6, 203.0.113.9', '10.1.1.1:5555'] }), '203.0.113.9');
    assert.equal(behind('fd00::1', { 'x-forwarded-for': '203.0.113.9, [fd00::2]:8080' }), '203.0.113.9');
  });

  it('uses the left-most hop when every hop is trusted', () => {
    assert.equal(behind('10.0.0.1', { 'x-forwarded-for': '10.9.9.9, 10.1.1.1' }), '10.9.9.9');
  });

  it('returns the peer when the peer is not a trusted proxy', () => {
    assert.equal(behind('198.51.100.7', { 'x-forwarded-for': '203.0.113.9' }), '198.51.100.7');
    assert.equal(behind('198.51.100.7', { 'x-real-ip': '203.0.113.9' }), '198.51.100.7');
  });

  it('parses ip:port and [v6]:port entries', () => {
    assert.equal(behind('10.0.0.1', { 'x-forwarded-for': '[2001:db8::1]:443' }), '2001:db8::1');
    assert.equal(behind('10.0.0.1', { 'x-forwarded-for': '203.0.113.9:51234' }), '203.0.113.9');
    assert.equal(behind('10.0.0.1', { 'x-forwarded-for': '::ffff:203.0.113.9' }), '203.0.113.9');
  });

  it('falls back to X-Real-IP, then CF-Connecting-IP, only from a trusted peer', () => {
    assert.equal(behind('10.0.0.1', { 'x-real-ip': '203.0.113.9', 'cf-connecting-ip': '203.0.113.10' }), '203.0.113.9');
    assert.equal(behind('10.0.0.1', { 'cf-connecting-ip': '203.0.113.10' }), '203.0.113.10');
    assert.equal(behind('10.0.0.1', {}), '10.0.0.1');
    assert.equal(behind('10.0.0.1', { 'x-real-ip': 'not-an-ip' }), '10.0.0.1');
  });

  it('never turns garbage into a client address', () => {
    assert.equal(behind('10.0.0.1', { 'x-forwarded-for': '203.0.113.9, garbage' }), '10.0.0.1');
    assert.equal(behind('10.0.0.1', { 'x-forwarded-for': 'garbage, 10.1.1.1' }), '10.0.0.1');
    assert.equal(behind('10.0.0.1', { 'x-forwarded-for': '203.0.113.9,' }), '10.0.0.1');
    assert.equal(behind('10.0.0.1', { 'x-forwarded-for': 'garbage, 203.0.113.9' }), '203.0.113.9');
  });

  it('shares one bucket for a missing peer and rejects bad CIDRs at construction', () => {
    assert.equal(behind(undefined, { 'x-forwarded-for': '203.0.113.9' }), 'unknown');
    assert.throws(() => createClientIpResolver({ behindProxy: true, trustedProxies: ['10.0.0.0/33'] }), RangeError);
    assert.throws(() => createClientIpResolver({ behindProxy: true, trustedProxies: ['not-a-cidr'] }), RangeError);
    assert.equal(createClientIpResolver({ behindProxy: true, trustedProxies: ['127.0.0.1'] })('127.0.0.1', { 'x-forwarded-for': '203.0.113.9' }), '203.0.113.9');
  });
});

describe('parseForwardedEntry', () => {
  it('accepts the documented forms and rejects the rest', () => {
    assert.equal(parseForwardedEntry(' 1.2.3.4 '), '1.2.3.4');
    assert.equal(parseForwardedEntry('[2001:db8::1]'), '2001:db8::1');
    assert.equal(parseForwardedEntry('2001:db8::1'), '2001:db8::1');
    assert.equal(parseForwardedEntry('unknown'), null);
    assert.equal(parseForwardedEntry('[1.2.3.4]:80'), null);
    assert.equal(parseForwardedEntry('1.2.3.4:port'), null);
    assert.equal(parseForwardedEntry('[2001:db8::1]x'), null);
  });
});
