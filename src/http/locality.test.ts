import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FORWARDING_HEADERS, isLocalConnection } from './locality.js';

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

  it('accepts every loopback Host: all of 127/8, mapped, bracketed, with or without a port', () => {
    for (const host of ['127.0.0.2:13131', '127.255.255.254', '[::ffff:127.0.0.1]:13131', '[::ffff:7f00:2]', '[::1]', '::1', 'a.b.localhost:1']) {
      assert.equal(local({ host }), true, host);
    }
  });

  // The brief's list: any forwarding signal means "came through a proxy".
  const signals = ['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'x-real-ip',
    'forwarded', 'cf-connecting-ip', 'true-client-ip', 'x-client-ip', 'via'];
  it('knows every forwarding header of the brief', () => {
    assert.deepEqual([...FORWARDING_HEADERS].sort(), [...signals].sort());
  });
  for (const name of signals) {
    it(`rejects a loopback request carrying ${name} (any value, even empty, any case)`, () => {
      assert.equal(local({ host: 'localhost', [name]: '127.0.0.1' }), false);
      assert.equal(local({ host: 'localhost', [name]: '' }), false);
      assert.equal(local({ host: 'localhost', [name.toUpperCase()]: 'localhost' }), false);
      assert.equal(local({ host: 'localhost', [name]: ['a', 'b'] as unknown as string }), false);
    });
  }

  it('rejects non-loopback or look-alike Host values from a loopback peer', () => {
    assert.equal(local({ host: 'evil.com' }), false);
    assert.equal(local({ host: 'evil.com:13131' }), false);
    assert.equal(local({ host: 'localhost.evil.com' }), false);
    assert.equal(local({ host: '128.0.0.1' }), false);
    assert.equal(local({ host: '[::2]:13131' }), false);
    assert.equal(local({ host: '[::ffff:10.0.0.1]' }), false);
    assert.equal(local({ host: 'localhost:99999' }), false);
    assert.equal(local({ host: 'user@localhost' }), false);
    assert.equal(local({ host: '[127.0.0.1]' }), false);
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
