import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hostPart, isLocalConnection, isLoopbackAddress, normalizeIp } from './locality.js';

const local = (headers: Record<string, string | undefined>, peerAddress: string | undefined = '127.0.0.1', behindProxy = false) =>
  isLocalConnection({ behindProxy, headers, peerAddress });

describe('isLocalConnection', () => {
  it('accepts a plain loopback request with a loopback Host', () => {
    assert.equal(local({ host: 'localhost:13131' }), true);
    assert.equal(local({ host: '127.0.0.1:13131' }), true);
    assert.equal(local({ host: '[::1]:13131' }), true);
    assert.equal(local({ host: 'moltis.localhost' }), true);
    assert.equal(local({ host: 'LOCALHOST.:13131' }), true);
    assert.equal(local({}), true);
  });

  for (const name of ['x-forwarded-for', 'x-real-ip', 'cf-connecting-ip', 'forwarded']) {
    it(`rejects a loopback request carrying ${name} (any value, even empty)`, () => {
      assert.equal(local({ host: 'localhost', [name]: '127.0.0.1' }), false);
      assert.equal(local({ host: 'localhost', [name]: '' }), false);
    });
  }

  it('rejects non-loopback or look-alike Host values from a loopback peer', () => {
    assert.equal(local({ host: 'evil.com' }), false);
    assert.equal(local({ host: 'evil.com:13131' }), false);
    assert.equal(local({ host: 'localhost.evil.com' }), false);
    assert.equal(local({ host: '127.0.0.2' }), false);
    assert.equal(local({ host: '.localhost' }), false);
    assert.equal(local({ host: '' }), false);
    assert.equal(local({ host: '[::1' }), false);
  });

  it('accepts IPv6 and IPv4-mapped loopback peers', () => {
    assert.equal(local({ host: 'localhost' }, '::1'), true);
    assert.equal(local({ host: 'localhost' }, '::ffff:127.0.0.1'), true);
    assert.equal(local({ host: 'localhost' }, '127.8.9.10'), true);
  });

  it('rejects remote, mapped-remote, garbage and missing peers', () => {
    assert.equal(local({ host: 'localhost' }, '10.0.0.5'), false);
    assert.equal(local({ host: 'localhost' }, '::ffff:10.0.0.5'), false);
    assert.equal(local({ host: 'localhost' }, '2001:db8::1'), false);
    assert.equal(local({ host: 'localhost' }, 'localhost'), false);
    assert.equal(isLocalConnection({ behindProxy: false, headers: { host: 'localhost' }, peerAddress: undefined }), false);
  });

  it('is never local behind a proxy', () => {
    assert.equal(local({ host: 'localhost' }, '127.0.0.1', true), false);
  });
});

describe('hostPart / isLoopbackAddress / normalizeIp', () => {
  it('strips ports, brackets, case and one trailing dot', () => {
    assert.equal(hostPart('Example.COM:443'), 'example.com');
    assert.equal(hostPart('[::1]:13131'), '::1');
    assert.equal(hostPart('::1'), '::1');
    assert.equal(hostPart('localhost.'), 'localhost');
  });
  it('classifies loopback addresses in their various spellings', () => {
    assert.equal(isLoopbackAddress('0:0:0:0:0:0:0:1'), true);
    assert.equal(isLoopbackAddress('::ffff:7f00:1'), true);
    assert.equal(isLoopbackAddress('128.0.0.1'), false);
    assert.equal(isLoopbackAddress('::'), false);
  });
  it('normalizes mapped IPv4 and rejects non-IPs', () => {
    assert.equal(normalizeIp('::ffff:1.2.3.4'), '1.2.3.4');
    assert.equal(normalizeIp('2001:DB8::1'), '2001:db8::1');
    assert.equal(normalizeIp('1.2.3'), null);
  });
});
